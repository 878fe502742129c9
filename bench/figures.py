"""Look at every simulator figure as a reader would, in Debian's Chromium.

    python bench/figures.py [--out /tmp/figures] [--live] [--widths 360,390,1280] [--themes light,dark]

For each topic page, width and theme: a screenshot of the simulator section, and one line with
the smallest rendered figure font (CSS px), whether the page scrolls sideways, and the figure
buttons that are off-screen or smaller than 24 x 24 CSS px. With --live the numbers are taken
after the simulator has gone live and redrawn once in the browser.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.site import ARGS, CHROMIUM, pages_by_simulator, served_site  # noqa: E402
from tests.figure_metrics import measure  # noqa: E402

def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="/tmp/figures")
    parser.add_argument("--live", action="store_true")
    parser.add_argument("--widths", default="360,390,1280")
    parser.add_argument("--themes", default="light,dark")
    parser.add_argument("--only", default="", help="simulator name")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with served_site() as (site, base), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for sim, url in pages_by_simulator(site).items():
            if args.only and sim != args.only:
                continue
            for width in map(int, args.widths.split(",")):
                for theme in args.themes.split(","):
                    page = browser.new_page(viewport={"width": width, "height": 900 if width > 600 else 844},
                                            color_scheme=theme)
                    page.goto(base + url)
                    page.locator("[data-sim]").scroll_into_view_if_needed()
                    if args.live:
                        page.locator("[data-sim-status=live]").wait_for(timeout=120_000)
                    section = page.locator("[data-sim]")
                    section.scroll_into_view_if_needed()
                    m = measure(page)
                    section.screenshot(path=str(out / f"{sim}-{width}-{theme}.png"))
                    print(f"{sim:16} {width:5} {theme:5}  min font {m['minFont']:5.1f}px  sideways {m['sideways']!s:5}  "
                          f"buttons {m['buttons']} ({m['badButtons']} off-screen or < 24 px)")
                    page.close()
        browser.close()


if __name__ == "__main__":
    main()
