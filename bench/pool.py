"""Helper workers against one worker, side by side in one run, in Debian's Chromium.

    python bench/pool.py [--sim diffusion] [--changes 4] [--helpers 1]

For each simulator whose runs split into parts (simulators.kit.parts), the page goes live, and
then each change of seed is timed twice in a row: once with `--helpers` helper workers ready
(static/js/simulator/pool.mjs), once with none (the pool stopped), alternating so that both see
the same machine. A change is timed from the input event to the final result, pressing Run when
the page asks first (so both sides do the whole run). Printed per simulator: median times, their
ratio, and the peak memory of Chromium's renderer processes (the page and its workers: their
Pss, read from /proc every 0.2 s) with and without the helpers.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sitegen.blas import pin_threads  # noqa: E402

pin_threads()

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.site import ARGS, CHROMIUM, live_simulator_pages, pages_by_simulator, served_site  # noqa: E402
from simulators import bridge  # noqa: E402

CHANGE = """async ([name, seed]) => {
  const root = document.querySelector(`[data-sim=${name}]`);
  const sim = root.simulator;
  const input = sim.form.elements.seed;
  const start = performance.now();
  input.value = String(seed);
  input.dispatchEvent(new Event("input", { bubbles: true }));
  const id = sim.requestId;
  const until = (check) => new Promise((resolve) => {
    if (check()) return resolve();
    new MutationObserver((_, obs) => { if (check()) { obs.disconnect(); resolve(); } }).observe(root, { attributes: true });
  });
  await until(() => root.dataset.simDone === String(id) || (root.dataset.simRequest === String(id) && root.dataset.simStatus === "ready-to-run"));
  if (root.dataset.simDone !== String(id)) {
    root.querySelector('[data-action="run"]').click();
    await until(() => root.dataset.simDone === String(id) || root.dataset.simStatus === "error");
  }
  return performance.now() - start;
}"""

POOL = "(size) => { const pool = document.querySelector('[data-sim]').simulator.runtime.pool; pool.terminate(); pool.size = size; pool.fill(); }"
READY = "document.querySelector('[data-sim]').simulator.runtime.pool.ready"


def renderer_pss_mb() -> float:
    """Proportional memory (Pss: shared pages split among their users, so nothing is counted
    twice) of every Chromium renderer process: the page and its workers live there."""
    total = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if b"--type=renderer" not in (proc / "cmdline").read_bytes():
                continue
            for line in (proc / "smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


class PeakMemory:
    """The highest renderer_pss_mb() seen while it runs, sampled in a thread."""

    def __init__(self):
        self.peak, self._stop = 0.0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, renderer_pss_mb())

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def with_helpers(page, helpers: int) -> None:
    page.evaluate(POOL, helpers)
    deadline = time.monotonic() + 120
    while page.evaluate(READY) < helpers:
        assert time.monotonic() < deadline, "the helper workers did not boot"
        time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sim", action="append", help="simulator name (repeatable; default: every one with parts)")
    parser.add_argument("--changes", type=int, default=4, help="seed changes timed each way")
    parser.add_argument("--helpers", type=int, default=1, help="helper workers (this machine has 2 cores)")
    args = parser.parse_args()
    with served_site() as (site, base):
        pages = pages_by_simulator(site)
        names = args.sim or sorted(n for n in pages if bridge.simulator(n).parts_fn is not None)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for name, page in live_simulator_pages(browser, base, pages, names):
                times = {"pool": [], "one": []}
                peaks = {"pool": 0.0, "one": 0.0}
                for i in range(args.changes):
                    for way in ("pool", "one"):
                        with_helpers(page, args.helpers if way == "pool" else 0)
                        with PeakMemory() as memory:
                            times[way].append(page.evaluate(CHANGE, [name, 100 + 2 * i + (way == "one")]))
                        peaks[way] = max(peaks[way], memory.peak)
                pool, one = statistics.median(times["pool"]), statistics.median(times["one"])
                print(f"{name:16s} one worker {one / 1000:5.2f} s, with {args.helpers} helper(s) {pool / 1000:5.2f} s: "
                      f"ratio {one / pool:.2f}x | renderer Pss peak {peaks['one']:.0f} MB alone, {peaks['pool']:.0f} MB with helpers", flush=True)
            browser.close()


if __name__ == "__main__":
    main()
