"""Browser benchmark for a simulator page, in Debian's Chromium via Playwright.

    python bench/browser.py [--runs 3] [--changes 20]

Prints: time to the pre-rendered frame; time to a live simulator and to the first result of a
reader's first try on a cold load, next to a bare page that only loads Pyodide + NumPy and runs one NumPy call (same run, fresh browser
each time); control-change latency (to the first redraw and to the final result) p50/p95;
page weight excluding the Pyodide runtime.

Cold loads are timed on each page's own clock (from its navigation start), by the page's script:
the simulator page changes a control the moment it goes live, as a reader's first try, and marks
its first redraw; the bare page marks its NumPy call. Timing them from here instead would add
Playwright's polling round trips, three for the simulator page and one for the bare page.
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

from bench.site import ARGS, CHROMIUM, served_site, wait_for_mark  # noqa: E402

BARE = """<!doctype html><meta charset=utf-8><title>bare</title><script type=module>
const w = new Worker(URL.createObjectURL(new Blob([`
  const t0 = performance.now();
  const { loadPyodide } = await import("${new URL('RUNTIME/pyodide.mjs', location.href)}");
  const py = await loadPyodide({ indexURL: "${new URL('RUNTIME/', location.href)}", packages: ["numpy"] });
  py.runPython("import numpy as np; np.linalg.norm(np.arange(10.0))");
  postMessage(performance.now() - t0);
`], {type: "text/javascript"})), {type: "module"});
w.onmessage = (e) => { window.doneAt = performance.now(); };
</script>"""
SIM = "[data-sim]"
# An init script for the simulator page: the first try the moment it goes live (50 steps), and
# the time of that try's first redraw as window.firstLiveAt.
FIRST_TRY = """new MutationObserver((_, observer) => {
  const root = document.querySelector('[data-sim]');
  if (!root) return;
  if (root.dataset.simStatus === 'live' && !window.triedAt) {
    window.triedAt = performance.now();
    const el = document.querySelector('#sim-superposition-steps');
    el.value = 50; el.dispatchEvent(new Event('input', {bubbles: true}));
  }
  if (window.triedAt && root.dataset.simFirstFrame === root.dataset.simRequest) { observer.disconnect(); window.firstLiveAt = performance.now(); }
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-sim-status', 'data-sim-first-frame']});"""
LIVE_SETTINGS = "?scaling_sweep=false"


def runtime_folder(site):
    """The vendored Pyodide: static/pyodide-<version>/."""
    return next(site.glob("static/pyodide-*"))


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--changes", type=int, default=20)
    args = parser.parse_args()
    with served_site() as (site, base):
        (site / "bare.html").write_text(BARE.replace("RUNTIME", runtime_folder(site).relative_to(site).as_posix()))  # served from disk per request, so writing now is fine
        page_url = base + "superposition-scaling/"
        frame, ready, live, bare = [], [], [], []
        with sync_playwright() as p:
            for _ in range(args.runs):
                for kind in ("page", "bare"):
                    browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                    page = browser.new_page()
                    start = time.perf_counter()
                    if kind == "bare":
                        page.goto(base + "bare.html")
                        bare.append(wait_for_mark(page, "doneAt") / 1000)
                    else:
                        page.add_init_script(FIRST_TRY)
                        page.goto(page_url + "#simulator", wait_until="domcontentloaded")  # opened at the simulator: the runtime starts at once
                        page.wait_for_selector(f"{SIM} [data-sim-svg] svg", state="attached")
                        frame.append(time.perf_counter() - start)
                        live.append(wait_for_mark(page, "firstLiveAt") / 1000)
                        ready.append(page.evaluate("window.triedAt") / 1000)
                    browser.close()
            # control-change latency at the defaults, warm runtime
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page()
            # The default settings (the scaling sweep) take longer than a live answer and wait for
            # Run; a redraw's latency is timed at a setting the page answers live.
            page.goto(page_url + LIVE_SETTINGS + "#simulator")
            page.wait_for_selector(f'{SIM}[data-sim-status="live"]', state="attached", timeout=120_000)
            first, final = [], []
            for seed in range(1, args.changes + 1):
                start = time.perf_counter()
                page.evaluate(f"""() => {{ const el = document.querySelector('#sim-superposition-seed');
                                         el.value = {seed}; el.dispatchEvent(new Event('input', {{bubbles: true}})); }}""")
                i = page.get_attribute(SIM, "data-sim-request")
                page.wait_for_selector(f'{SIM}[data-sim-first-frame="{i}"]', state="attached", timeout=120_000)
                first.append((time.perf_counter() - start) * 1000)
                page.wait_for_selector(f'{SIM}[data-sim-done="{i}"]', state="attached", timeout=120_000)
                final.append((time.perf_counter() - start) * 1000)
            browser.close()
        runtime_bytes = sum(f.stat().st_size for f in runtime_folder(site).iterdir())
        page_bytes = (site / "superposition-scaling" / "index.html").stat().st_size
        assets = ["static/css/site.css", "static/css/pygments.css", *[p.relative_to(site).as_posix() for p in site.glob("static/vendor/katex-*/katex.min.css")],
                  "static/js/theme.js", "static/js/copy.js", "static/js/sim-page.mjs", "static/js/sim-worker.mjs"]
        asset_bytes = sum((site / a).stat().st_size for a in assets) + sum(f.stat().st_size for f in site.glob("static/sim/simulators-*.zip"))
    print(f"time to pre-rendered frame:  median {statistics.median(frame) * 1000:.0f} ms ({args.runs} cold loads)")
    print(f"cold load to live (ready):      median {statistics.median(ready):.2f} s (runs: {', '.join(f'{v:.2f}' for v in ready)})")
    print(f"cold load to first live result: median {statistics.median(live):.2f} s (runs: {', '.join(f'{v:.2f}' for v in live)})")
    print(f"bare Pyodide+NumPy page:        median {statistics.median(bare):.2f} s (runs: {', '.join(f'{v:.2f}' for v in bare)})")
    print(f"ratio page/bare:                {statistics.median(live) / statistics.median(bare):.2f}"
          f" (to live: {statistics.median(ready) / statistics.median(bare):.2f})")
    print(f"control change -> first redraw: p50 {pct(first, .5):.0f} ms, p95 {pct(first, .95):.0f} ms ({args.changes} seed changes at {LIVE_SETTINGS})")
    print(f"control change -> final result: p50 {pct(final, .5):.0f} ms, p95 {pct(final, .95):.0f} ms")
    print(f"page weight excl. runtime:      {(page_bytes + asset_bytes) / 1024:.0f} KiB (HTML {page_bytes / 1024:.0f} KiB; KaTeX fonts load on demand)")
    print(f"runtime (Pyodide + NumPy):      {runtime_bytes / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
