"""Print how long a full site build takes (the one-off asset downloads excluded).

    python bench/build_time.py [--runs N]

The first build warms the download cache (npm tarballs); the timed runs reuse it.
Target: under 1 s for the whole site on the project's 2-core machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sitegen.blas import pin_threads  # noqa: E402

pin_threads()  # before NumPy, so timings are not BLAS threads fighting over 2 cores

from sitegen.pipeline import build, default_options  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "site"
        build(default_options(ROOT, out))  # warm-up: fills the cache, imports everything
        reports = [build(default_options(ROOT, out)) for _ in range(args.runs)]
    totals = sorted(r.seconds for r in reports)
    print(f"pages built:        {reports[0].pages}")
    print(f"full build, {args.runs} runs: min {totals[0]:.3f} s, median {statistics.median(totals):.3f} s, max {totals[-1]:.3f} s")
    stages = reports[0].timings.keys()
    for stage in stages:
        print(f"  {stage:<14} median {statistics.median(r.timings[stage] for r in reports) * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
