"""Matrix products that are fast in both places the simulators run.

CPython's NumPy calls an optimised BLAS, where `@` is the fastest product. Pyodide's NumPy has
no BLAS: there `@` falls back to a plain loop that einsum's inner loops beat 3 to 5 times
(bench/diffusion_training.py). einsum also has a 32-bit iterator in the browser, so large
products are taken in row blocks.
"""

from __future__ import annotations

import sys

import numpy as np

IN_BROWSER = sys.platform == "emscripten"
ITERATOR_LIMIT = 2**30  # elements an einsum may loop over at once, under the browser's 2**31 - 1


def _rows_per_block(inner: int, cols: int) -> int:
    return max(1, ITERATOR_LIMIT // max(1, inner * cols))


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b for 2-D arrays."""
    if not IN_BROWSER:
        return a @ b
    step = _rows_per_block(a.shape[1], b.shape[1])
    return np.concatenate([np.einsum("ij,jk->ik", a[i:i + step], b) for i in range(0, len(a), step)]) if len(a) else a @ b


def gram(rows: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """sum_i w_i r_i r_i^T (w_i = 1 if no weights): the p x p second moment of n rows of length p."""
    weighted = rows if weights is None else rows * weights[:, None]
    if not IN_BROWSER:
        return weighted.T @ rows
    step = _rows_per_block(rows.shape[1], rows.shape[1])
    total = np.zeros((rows.shape[1], rows.shape[1]))
    for i in range(0, len(rows), step):
        total += np.einsum("ij,ik->jk", weighted[i:i + step], rows[i:i + step])
    return total
