"""Pin BLAS to one thread. On this project's 2-core machines, threaded BLAS under load made
small NumPy calls slower, not faster (ten 256x256 eigh: 0.62 s threaded, 0.09 s on one thread),
and the build's first frames run in parallel processes anyway. Must run before NumPy is imported."""

from __future__ import annotations

import os
import sys

VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def pin_threads() -> None:
    if "numpy" in sys.modules:
        raise RuntimeError("pin_threads() must run before NumPy is imported")
    for name in VARIABLES:
        os.environ.setdefault(name, "1")
