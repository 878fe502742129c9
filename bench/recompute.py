"""Recompute latency per simulator: CPython run time, and in Chromium the time from a control
change to the first redraw and to the final result, with a warm runtime.

    python bench/recompute.py [--sim passk] [--changes 20]
    python bench/recompute.py --sim transductive --sweep preset=thresholds,intervals,gap_example
    python bench/recompute.py --sim thousand_layer_rl --set depth=16 --changes 2
    python bench/recompute.py --sim thousand_layer_rl --sweep "goal=0,8;6,0;3,4"

Each change sets a new seed at the page's default settings (so every run does the full work),
or with --sweep sets one control to each listed value in turn (CPython time per value too;
separate the values with ';' when they contain commas). --set fixes other controls first.
Changes are timed inside the page with performance.now(), from the input event to the
attribute the page sets when it has drawn the result.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sitegen.blas import pin_threads  # noqa: E402

pin_threads()  # before NumPy, so timings are not BLAS threads fighting over 2 cores

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.site import ARGS, CHROMIUM, pages_by_simulator, served_site  # noqa: E402
from simulators import bridge  # noqa: E402

CHANGE = """async ([name, control, value, i]) => {
  const root = document.querySelector(`[data-sim=${name}]`);
  const input = document.querySelector(`#sim-${name}-${control}`);
  const seen = (attr) => new Promise((resolve) => {
    const check = () => root.getAttribute(attr) === String(i);
    if (check()) return resolve(performance.now());
    new MutationObserver((_, obs) => { if (check()) { obs.disconnect(); resolve(performance.now()); } })
      .observe(root, { attributes: true, attributeFilter: [attr] });
  });
  const start = performance.now();
  input.value = value;
  input.dispatchEvent(new Event("input", { bubbles: true }));
  const [first, done] = await Promise.all([seen("data-sim-first-frame"), seen("data-sim-done")]);
  return [first - start, done - start];
}"""


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def cpython_ms(name: str, params: dict | None = None, seeds=range(5)) -> float:
    """Median CPython run time over `seeds` (repeat one seed to time what a simulator's own
    cache makes of a re-run, as the page sees it when a sweep revisits a setting)."""
    times = []
    for seed in seeds:
        start = time.perf_counter()
        bridge.frame(name, params or {}, seed)  # through the adapter, figure included, as the page gets it
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def sweep(page, name: str, args, request: int = 0) -> None:
    control, values = args.sweep.split("=", 1)
    values = values.split(";" if ";" in values else ",")
    for value in values:
        times = []
        for _ in range(5):  # leave and come back, so every measured change really re-runs
            for v in (values[0] if value != values[0] else values[-1], value):
                request += 1
                _, done = page.evaluate(CHANGE, [name, control, v, request])
                if v == value:
                    times.append(done)
        params = {**fixed_controls(args), control: value}
        print(f"{name} {control}={value:20s} CPython {cpython_ms(name, params, [0] * 5):7.1f} ms | "
              f"browser median {statistics.median(times):.0f} ms, max {max(times):.0f} ms")


def fixed_controls(args) -> dict:
    return dict(item.split("=", 1) for item in args.set or [])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sim", action="append", help="simulator name (repeatable; default: every one on a page)")
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--sweep", help="control=value1,value2,...: time each value instead of new seeds")
    parser.add_argument("--set", action="append", help="control=value set before timing (repeatable)")
    args = parser.parse_args()
    with served_site() as (site, base):
        pages = pages_by_simulator(site)
        names = args.sim or sorted(pages)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for name in names:
                page = browser.new_page()
                page.goto(base + pages[name] + "#simulator")
                page.wait_for_selector(f'[data-sim={name}][data-sim-status="live"]', state="attached", timeout=120_000)
                fixed = fixed_controls(args)
                for request, (control, value) in enumerate(fixed.items(), start=1):  # the page numbers its runs
                    page.evaluate(CHANGE, [name, control, value, request])
                if args.sweep:
                    sweep(page, name, args, len(fixed))
                else:
                    first, final = [], []
                    for i in range(1, args.changes + 1):
                        a, b = page.evaluate(CHANGE, [name, "seed", 1000 + i, len(fixed) + i])
                        first.append(a)
                        final.append(b)
                    print(f"{name:14s} CPython run {cpython_ms(name, fixed_controls(args)):7.1f} ms | browser, {args.changes} changes: "
                          f"first redraw p50 {pct(first, .5):.0f} / p95 {pct(first, .95):.0f} ms, "
                          f"final p50 {pct(final, .5):.0f} / p95 {pct(final, .95):.0f} ms")
                page.close()
            browser.close()


if __name__ == "__main__":
    main()
