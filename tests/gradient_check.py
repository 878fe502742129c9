"""Gradient checks for the tests: backward passes against central finite differences.

Test-only, so it lives here rather than in simulators/kit/nn.py, which ships to the browser."""

import numpy as np


def numerical_gradient(loss_fn, array: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central finite differences of the scalar `loss_fn()` with respect to `array`, in place."""
    grad = np.zeros_like(array)
    flat, gflat = array.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        keep = flat[i]
        flat[i] = keep + h
        up = loss_fn()
        flat[i] = keep - h
        down = loss_fn()
        flat[i] = keep
        gflat[i] = (up - down) / (2 * h)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """max |a - b| / max(|a|, |b|, 1e-8): the measure gradient checks compare against."""
    scale = max(float(np.abs(a).max(initial=0.0)), float(np.abs(b).max(initial=0.0)), 1e-8)
    return float(np.abs(a - b).max(initial=0.0)) / scale
