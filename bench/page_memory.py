"""Each simulator page's memory over a first visit, in Debian's Chromium.

    python bench/page_memory.py [--sim diffusion] [--changes 2] [--cores 4]

For each simulator page, in a fresh browser context (no runtime snapshot saved yet): open it at
the simulator, wait until it has gone live, warmed up, saved its runtime snapshot for later
pages and booted its helper workers (the device's count: runtime-client.mjs, pool.mjs), then
change the seed `--changes` times. Printed per page: the peak Pss of the page's renderer process
(the page and every worker of it, read from /proc every 0.2 s) over all of that, next to the
sum over every renderer process (which adds Chromium's own UI renderer and a spare one).
--cores makes the page see a device with that many cores (navigator.hardwareConcurrency, with
8 GB of memory), so the helpers a bigger device boots are measured on this one; they share its
real cores, so only the memory is the bigger device's, not the times.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pool import CHANGE, PeakMemory  # noqa: E402  (pins BLAS threads first)
from bench.site import ARGS, CHROMIUM, pages_by_simulator, served_site  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

SETTLED = """(name) => {
  const root = document.querySelector(`[data-sim=${name}]`);
  const sim = root.simulator;
  const warm = !sim.config.warmUp || root.dataset.simWarm;
  const pool = sim.runtime.pool;
  return Boolean(sim.runtime.ready && warm && root.dataset.simSnapshot && (!pool || pool.ready >= pool.size));
}"""


def settle(page, name: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not page.evaluate(SETTLED, name):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{name}: not live, warm, snapshot saved and helpers up within {timeout} s")
        time.sleep(0.2)


def device_with_cores(cores: int) -> str:
    """An init script: the page reads `cores` as navigator.hardwareConcurrency, and 8 GB of memory."""
    return (f"Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', {{ get: () => {cores} }});"
            "Object.defineProperty(Navigator.prototype, 'deviceMemory', { get: () => 8 });")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sim", action="append", help="simulator name (repeatable; default: every one)")
    parser.add_argument("--changes", type=int, default=2, help="seed changes after the page has settled")
    parser.add_argument("--cores", type=int, help="the cores the page is told the device has (default: this machine's)")
    args = parser.parse_args()
    with served_site() as (site, base):
        pages = pages_by_simulator(site)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for name in args.sim or sorted(pages):
                context = browser.new_context()
                if args.cores:
                    context.add_init_script(device_with_cores(args.cores))
                with PeakMemory() as memory:
                    page = context.new_page()
                    page.goto(base + pages[name] + "#simulator")
                    settle(page, name)
                    helpers = page.evaluate(f"document.querySelector('[data-sim={name}]').simulator.runtime.pool?.ready ?? 0")
                    for i in range(args.changes):
                        page.evaluate(CHANGE, [name, 100 + i])
                context.close()
                print(f"{name:24s} {helpers} helper(s): the page's process peaked at {memory.page:4.0f} MB "
                      f"(every renderer process: {memory.total:4.0f} MB)", flush=True)
            browser.close()


if __name__ == "__main__":
    main()
