"""Time to a live simulator on a second topic page, visited right after a first, in Debian's
Chromium via Playwright.

    python bench/second_page.py [--runs 3] [--first gated-attention/] [--second rlvr-reasoning/]

For each run, a fresh browser profile opens the first page (a cold visit), waits for its
simulator to go live, then follows a link to the second page and waits again. The second page
is also opened cold in its own fresh profile, side by side in the same run. Printed: time from
navigation to live (p50 and each run), and the worker's own split (runtime + NumPy, then the
simulators archive), so it shows what a warm HTTP cache (and the offline worker's cache) saves
and what the runtime snapshot the first page saves (static/js/sim-worker.mjs) saves on top.
Every other run drops the NumPy bytecode saved beside the snapshot before the second page
(static/js/simulator/worker-boot.mjs), so the two rows after the first page compare the page
with and without it in one run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.site import ARGS, CHROMIUM, MARK_LIVE, served_site, wait_until_live  # noqa: E402

def live(page, url: str) -> dict:
    """Open `url` at its simulator and return when it went live (ms after navigation) and the worker's split."""
    page.goto(url + "#simulator")
    live_at = wait_until_live(page)
    timings = json.loads(page.get_attribute("[data-sim]", "data-sim-timings") or "{}")
    return {"live": live_at, **timings}


def fresh(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(MARK_LIVE)
    return context


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--first", default="gated-attention/")
    parser.add_argument("--second", default="rlvr-reasoning/")
    args = parser.parse_args()
    without = "second page, no NumPy bytecode"
    rows = {"first page, cold": [], "second page, after the first": [], without: [], "second page, cold": []}
    with served_site() as (_, base), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(args.runs):
            context = fresh(browser)
            page = context.new_page()
            rows["first page, cold"].append(live(page, base + args.first))
            # The first page saves a runtime snapshot in the background once it is live, and the
            # offline worker keeps the runtime: a reader who reads for a while gets both.
            page.wait_for_selector("[data-sim][data-sim-snapshot]", state="attached", timeout=60_000)
            rows["first page, cold"][-1]["snapshot"] = page.get_attribute("[data-sim]", "data-sim-snapshot")
            page.wait_for_timeout(500)
            row = "second page, after the first"
            if len(rows[without]) < len(rows[row]):
                page.evaluate("caches.open('pyodide memory snapshot').then((cache) => cache.keys().then((keys) =>"
                              " Promise.all(keys.filter((r) => r.url.endsWith('numpy-bytecode.zip')).map((r) => cache.delete(r)))))")
                row = without
            rows[row].append(live(page, base + args.second))
            context.close()
            context = fresh(browser)
            rows["second page, cold"].append(live(context.new_page(), base + args.second))
            context.close()
        browser.close()
    print(f"{'visit':32} {'live p50':>9}  {'runtime+NumPy':>13} {'simulators':>10}   runs (s; * booted from the snapshot, b with NumPy's bytecode)")
    for name, found in rows.items():
        p50 = lambda key: statistics.median(r.get(key, float("nan")) for r in found) / 1000  # noqa: E731
        print(f"{name:32} {p50('live'):8.2f}s  {p50('runtime_and_numpy'):12.2f}s {p50('simulators'):9.2f}s   "
              + ", ".join(f"{r['live'] / 1000:.2f}{'*' if r.get('from_snapshot') else ''}{'b' if r.get('bytecode') else ''}" for r in found))
    first, after = rows["first page, cold"], rows["second page, after the first"]
    print("snapshot saved by the first page: " + ", ".join(r.get("snapshot", "?") for r in first))
    print(f"second page after the first / first page cold: "
          f"{statistics.median(r['live'] for r in after) / statistics.median(r['live'] for r in first):.2f}")


if __name__ == "__main__":
    main()
