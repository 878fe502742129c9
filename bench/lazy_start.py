"""Does starting the runtime late make a reader wait? In Debian's Chromium via Playwright.

    python bench/lazy_start.py [--runs 3] [--page gated-attention/]

A topic page starts its 15 MB runtime only when the simulator comes within two screens, when
the reader touches it, or for a link with settings (static/js/sim-page.mjs, startWhenNeeded).
This compares that with starting it at load, for a reader who opens the page at the top and
then reaches the simulator: by scrolling at a reading pace, by skimming, or by jumping (a
table-of-contents click) after some seconds of reading. Printed per case and start policy:
the time from the simulator coming into view to the simulator being live (p50 over runs; 0
when it was live before the reader got there), and the megabytes fetched by a reader who
never scrolls past the first screen (10 s on the page).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sitegen.blas import pin_threads  # noqa: E402

pin_threads()

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.site import ARGS, CHROMIUM, MARK_LIVE, served_site, wait_until_live  # noqa: E402

SIM = "[data-sim]"
VIEWPORT = {"width": 390, "height": 844}
# (name, pixels per second, seconds of reading before a jump): a reader's ways to the simulator.
READERS = [("scrolls, reading (150 px/s)", 150, None), ("scrolls, skimming (600 px/s)", 600, None),
           ("jumps after 5 s of reading", None, 5.0), ("jumps after 1 s", None, 1.0)]
# What "start at load" would do, once sim-page.mjs has defined it (it does so early in its start()).
EAGER = """new Promise((done) => {
  const simulator = document.querySelector('[data-sim]').simulator;
  const go = () => (simulator.startNow ? done(simulator.startNow()) : setTimeout(go, 5));
  go();
})"""


def reach_simulator(page, speed, jump_after) -> float:
    """Move the reader to the simulator; returns when it came into view (ms, the page's clock)."""
    if jump_after is not None:
        page.wait_for_timeout(jump_after * 1000)
        return page.evaluate("document.getElementById('simulator').scrollIntoView(), performance.now()")
    step = speed / 10
    while True:
        seen_at = page.evaluate(f"""() => {{
          window.scrollBy(0, {step});
          return document.getElementById('simulator').getBoundingClientRect().top < innerHeight ? performance.now() : null;
        }}""")
        if seen_at is not None:
            return seen_at
        page.wait_for_timeout(100)


def opened(browser, url, eager):
    """A first visit (fresh profile) to `url`, its simulator script running; started at once if
    `eager`. Returns the context, the page and the list of response sizes it fills."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(MARK_LIVE)
    page = context.new_page()
    sizes = []
    page.on("response", lambda r: sizes.append(int(r.headers.get("content-length") or 0)))
    page.goto(url)
    page.wait_for_selector(f"{SIM} [data-action=copy-link]:enabled", state="attached")  # sim-page.mjs has started
    if eager:
        page.evaluate(EAGER)
    return context, page, sizes


def wait_after_arriving(browser, url, eager, speed, jump_after) -> float:
    context, page, _ = opened(browser, url, eager)
    arrived = reach_simulator(page, speed, jump_after)
    live_at = wait_until_live(page)
    context.close()
    return max(0.0, live_at - arrived) / 1000


def bytes_if_never_scrolled(browser, url, eager) -> float:
    context, page, sizes = opened(browser, url, eager)
    page.wait_for_timeout(10_000)
    context.close()
    return sum(sizes) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--page", default="gated-attention/")
    args = parser.parse_args()
    with served_site() as (_, base), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        url = base + args.page
        print(f"{args.page} at {VIEWPORT['width']}x{VIEWPORT['height']}, {args.runs} runs; wait after the simulator comes into view, p50 (max)")
        print(f"{'reader':32} {'lazy (as built)':>18} {'start at load':>18}")
        for name, speed, jump_after in READERS:
            cells = []
            for eager in (False, True):  # side by side in one run: the machine is shared and noisy
                waits = [wait_after_arriving(browser, url, eager, speed, jump_after) for _ in range(args.runs)]
                cells.append(f"{statistics.median(waits):6.2f} s ({max(waits):.2f})")
            print(f"{name:32} {cells[0]:>18} {cells[1]:>18}", flush=True)
        lazy, eager = (bytes_if_never_scrolled(browser, url, e) for e in (False, True))
        print(f"{'fetched, never scrolling (10 s)':32} {lazy:15.1f} MB {eager:15.1f} MB")
        browser.close()


if __name__ == "__main__":
    main()
