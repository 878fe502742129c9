"""Scatter-adds for sparse products in Pyodide, whose NumPy has no BLAS: a sparse input's
product is a gather and a scatter of the few rows it touches, not a dense matmul."""

from __future__ import annotations

import numpy as np


def scatter_rows(at: np.ndarray, rows: np.ndarray, size: int) -> np.ndarray:
    """out[at[k]] += rows[k] for a (size, width) out: one bincount over the flattened entries,
    which in Pyodide costs about half of np.add.at and adds each out row's terms in order."""
    width = rows.shape[1]
    flat = (at[:, None] * width + np.arange(width)).ravel()
    return np.bincount(flat, rows.ravel(), size * width).reshape(size, width)
