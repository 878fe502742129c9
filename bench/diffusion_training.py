"""Diffusion part 2: training time per training-set size n and per feature count p, in CPython.

    python bench/diffusion_training.py [--sizes 8,16,24,32,64] [--features 128,256,512] [--repeats 3]

Each line times `diffusion.training.train_curves` (13 noise levels: build features, eigendecompose,
then 29 checkpoints of losses and 300 generated samples) at the page's defaults otherwise.
For the browser, `python bench/recompute.py --sim diffusion` times a full default run, and
`--sweep view_time=...` or `--sweep t=...` the redraws that only re-read the cache.
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

from simulators import diffusion  # noqa: E402
from simulators.diffusion import process as diffusion_process  # noqa: E402
from simulators.diffusion import training as diffusion_training  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="8,16,24,32,64")
    parser.add_argument("--features", default="128,256,512")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    mixture = diffusion.DATASETS["two blobs"]
    abar = diffusion_process.alpha_bar("linear")
    for p in map(int, args.features.split(",")):
        for n in map(int, args.sizes.split(",")):
            times = []
            for seed in range(args.repeats):
                start = time.perf_counter()
                run = diffusion_training.train_curves(mixture, abar, n, p, 10**7, seed)
                times.append(time.perf_counter() - start)
            print(f"p = {p:3d}  n = {n:3d}  train_curves median {1000 * statistics.median(times):7.1f} ms, "
                  f"max {1000 * max(times):7.1f} ms  (tau_gen {run['tau_gen']:.3g}, tau_mem {run['tau_mem'] or float('nan'):.3g})")


if __name__ == "__main__":
    main()
