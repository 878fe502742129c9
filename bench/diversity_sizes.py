"""Diversity analyzer at the issue's sizes: 50 responses of ~80 words, and the 200-response cap.

    python bench/diversity_sizes.py [--repeats 5]

Prints CPython run time and, in Chromium with a warm runtime, the time from setting the text
box to the drawn result (median and max over repeats).
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

import numpy as np  # noqa: E402

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.recompute import CHANGE  # noqa: E402
from bench.site import ARGS, CHROMIUM, pages_by_simulator, served_site  # noqa: E402
from simulators import bridge, diversity  # noqa: E402

WORDS = ("time river weaver flows moment memory thread light shadow season clock morning evening "
         "quiet patient endless current tapestry pattern step forward back always never carries "
         "holds gives takes slowly quickly bright dark warm cold old new the a of and in is to").split()


def responses(count: int, words: int, seed: int) -> str:
    rng = np.random.default_rng(seed)
    return "\n---\n".join(" ".join(rng.choice(WORDS, size=words)) for _ in range(count))


CASES = {"50 responses x 80 words": lambda s: responses(50, 80, s),
         "200 responses (cap) x 38 words": lambda s: responses(200, 38, s)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with served_site() as (site, base):
        url = base + pages_by_simulator(site)["diversity"]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page()
            page.goto(url + "?text_b=")
            page.wait_for_selector('[data-sim=diversity][data-sim-done="1"]', state="attached", timeout=120_000)
            request = 1
            for label, make in CASES.items():
                cpython, chromium = [], []
                for r in range(args.repeats):
                    text = make(r)
                    assert len(text) <= diversity.MAX_CHARS, len(text)
                    start = time.perf_counter()
                    bridge.result("diversity", {"text": text, "text_b": ""})
                    cpython.append((time.perf_counter() - start) * 1000)
                    request += 1
                    chromium.append(page.evaluate(CHANGE, ["diversity", "text", text, request])[1])
                print(f"{label:32s} CPython median {statistics.median(cpython):6.1f} ms | "
                      f"browser median {statistics.median(chromium):6.0f} ms, max {max(chromium):.0f} ms")
            browser.close()


if __name__ == "__main__":
    main()
