"""Helper workers against one worker, side by side in one run, in Debian's Chromium.

    python bench/pool.py [--sim diffusion] [--changes 4] [--helpers 1]

For each simulator whose runs split into parts (simulators.kit.parts), the page goes live, and
then each change of seed is timed twice in a row: once with `--helpers` helper workers ready
(static/js/simulator/pool.mjs), once with none (the pool stopped), alternating so that both see
the same machine. A change is timed from the input event to the final result, pressing Run when
the page asks first (so both sides do the whole run). Printed per simulator: median times, their
ratio, and the peak memory of the page's renderer process (the page and its workers: its Pss,
read from /proc every 0.2 s) during the changes with and without the helpers, and over the
page's whole life (boot, warm-up, runtime snapshot, helpers' boot and the changes).
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


def renderer_pss_mb() -> tuple[float, float]:
    """Proportional memory (Pss: shared pages split among their users, so nothing is counted
    twice) of Chromium's renderer processes: (the page's process, all of them). The page and its
    workers live in one process, the largest; the others are Chromium's own (its browser UI's
    renderer, --top-chrome-webui, about 75 MB, and a spare renderer, about 20 MB)."""
    page, total = 0.0, 0.0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            command = (proc / "cmdline").read_bytes()
            if b"--type=renderer" not in command:
                continue
            pss = next(int(line.split()[1]) for line in (proc / "smaps_rollup").read_text().splitlines() if line.startswith("Pss:")) / 1024
        except (OSError, StopIteration):
            continue
        total += pss
        if b"--top-chrome-webui" not in command:
            page = max(page, pss)
    return page, total


class PeakMemory:
    """The highest renderer_pss_mb() seen while it runs (each of its two numbers), sampled in a thread."""

    def __init__(self):
        self.page, self.total, self._stop = 0.0, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while not self._stop.wait(0.2):
            page, total = renderer_pss_mb()
            self.page, self.total = max(self.page, page), max(self.total, total)

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
            for name in names:
                times = {"pool": [], "one": []}
                peaks = {"pool": 0.0, "one": 0.0}
                with PeakMemory() as life:  # the page's whole life: boot, warm-up, snapshot, helpers, changes
                    for _, page in live_simulator_pages(browser, base, pages, [name]):
                        for i in range(args.changes):
                            for way in ("pool", "one"):
                                with_helpers(page, args.helpers if way == "pool" else 0)
                                with PeakMemory() as memory:
                                    times[way].append(page.evaluate(CHANGE, [name, 100 + 2 * i + (way == "one")]))
                                peaks[way] = max(peaks[way], memory.page)
                pool, one = statistics.median(times["pool"]), statistics.median(times["one"])
                print(f"{name:16s} one worker {one / 1000:5.2f} s, with {args.helpers} helper(s) {pool / 1000:5.2f} s: "
                      f"ratio {one / pool:.2f}x | the page's process (Pss) during changes: peak {peaks['one']:.0f} MB alone, "
                      f"{peaks['pool']:.0f} MB with helpers; over the page's life {life.page:.0f} MB "
                      f"(every renderer process: {life.total:.0f} MB)", flush=True)
            browser.close()


if __name__ == "__main__":
    main()
