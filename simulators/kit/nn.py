"""A small NumPy neural-net toolkit shared by the simulators that train networks.

Layers keep what their backward pass needs from the last forward pass, return the input
gradient from `backward`, and add parameter gradients into `grads` (so a layer used twice
accumulates). Every backward pass here is checked against finite differences in
tests/kit/test_nn.py. Arrays are float64: the models are tiny, and
float64 keeps the checks tight and CPython and Pyodide bit-for-bit alike.
"""

from __future__ import annotations

import math

import numpy as np


class Layer:
    """Base class: named parameters and their gradients (same keys, same shapes)."""

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

    def add_param(self, name: str, value: np.ndarray) -> None:
        self.params[name] = value
        self.grads[name] = np.zeros_like(value)

    def zero_grad(self) -> None:
        for g in self.grads.values():
            g[...] = 0.0


class Dense(Layer):
    """y = x W + b over the last axis; x may have any number of leading axes."""

    def __init__(self, n_in: int, n_out: int, rng: np.random.Generator, bias: bool = True, scale: float = 1.0):
        super().__init__()
        self.add_param("W", rng.normal(0.0, scale / math.sqrt(n_in), size=(n_in, n_out)))
        if bias:
            self.add_param("b", np.zeros(n_out))

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = x
        y = x @ self.params["W"]
        return y + self.params["b"] if "b" in self.params else y

    def backward(self, dy: np.ndarray) -> np.ndarray:
        x2, dy2 = self.x.reshape(-1, self.x.shape[-1]), dy.reshape(-1, dy.shape[-1])
        # Pyodide's NumPy has no BLAS: its matmul runs 1.6-1.8x faster on a contiguous copy of
        # x^T than on the transposed view (bench/pyodide_time.py), for the same sums.
        self.grads["W"] += np.ascontiguousarray(x2.T) @ dy2
        if "b" in self.params:
            self.grads["b"] += dy2.sum(axis=0)
        return dy @ self.params["W"].T


class LayerNorm(Layer):
    """Normalise the last axis to zero mean and unit variance, then scale and shift."""

    def __init__(self, dim: int, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.add_param("gain", np.ones(dim))
        self.add_param("shift", np.zeros(dim))

    def forward(self, x: np.ndarray) -> np.ndarray:
        centred = x - x.mean(axis=-1, keepdims=True)
        self.inv_std = 1.0 / np.sqrt((centred**2).mean(axis=-1, keepdims=True) + self.eps)
        self.normed = centred * self.inv_std
        return self.normed * self.params["gain"] + self.params["shift"]

    def backward(self, dy: np.ndarray) -> np.ndarray:
        lead = tuple(range(dy.ndim - 1))
        self.grads["gain"] += (dy * self.normed).sum(axis=lead)
        self.grads["shift"] += dy.sum(axis=lead)
        dn = dy * self.params["gain"]
        # d/dx of (x - mean) / std, written in terms of the normalised values.
        return self.inv_std * (dn - dn.mean(axis=-1, keepdims=True)
                               - self.normed * (dn * self.normed).mean(axis=-1, keepdims=True))


class Swish(Layer):
    """x * sigmoid(x) (SiLU)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x, self.s = x, sigmoid(x)
        return x * self.s

    def backward(self, dy: np.ndarray) -> np.ndarray:
        return dy * self.s * (1.0 + self.x * (1.0 - self.s))


def sigmoid(x: np.ndarray) -> np.ndarray:
    # The tanh form cannot overflow for large |x| and costs one ufunc pass instead of five.
    return 0.5 + 0.5 * np.tanh(0.5 * x)


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def softmax_backward(s: np.ndarray, ds: np.ndarray, axis: int = -1) -> np.ndarray:
    """Gradient through s = softmax(x): dx = s * (ds - sum(ds * s))."""
    return s * (ds - (ds * s).sum(axis=axis, keepdims=True))


def logsumexp(x: np.ndarray, axis: int = -1) -> np.ndarray:
    top = x.max(axis=axis, keepdims=True)
    return (top + np.log(np.exp(x - top).sum(axis=axis, keepdims=True))).squeeze(axis)


def cross_entropy(logits: np.ndarray, targets: np.ndarray, weights: np.ndarray | None = None):
    """Mean cross-entropy of integer `targets` under `logits` (classes on the last axis),
    weighted per position (weights sum to the divisor). Returns (loss, dlogits)."""
    flat = logits.reshape(-1, logits.shape[-1])
    t = targets.reshape(-1)
    w = np.ones(t.size) if weights is None else weights.reshape(-1).astype(float)
    total = max(w.sum(), 1e-12)
    probs = softmax(flat)
    picked = probs[np.arange(t.size), t]
    loss = float(-(w * np.log(np.maximum(picked, 1e-300))).sum() / total)
    grad = probs
    grad[np.arange(t.size), t] -= 1.0
    grad *= (w / total)[:, None]
    return loss, grad.reshape(logits.shape)


def mean_squared_error(pred: np.ndarray, target: np.ndarray, weights: np.ndarray | None = None):
    """Weighted mean over positions of the squared error summed over the last axis.
    Returns (loss, dpred)."""
    diff = pred - target
    w = np.ones(diff.shape[:-1]) if weights is None else weights.astype(float)
    total = max(w.sum(), 1e-12)
    loss = float((w * (diff**2).sum(axis=-1)).sum() / total)
    return loss, (2.0 / total) * w[..., None] * diff


class Adam:
    """Adam (Kingma & Ba) over a list of layers' parameters, with optional gradient clipping
    by global norm (tiny models with sharp softmaxes otherwise take the odd wild step) and
    decoupled weight decay on weight matrices (AdamW; biases and norm gains are not decayed).

    The optimiser moves every parameter and gradient into one flat array each and leaves the
    layers views into them, so that a step is a dozen NumPy calls whatever the depth, not a
    dozen per parameter (in Pyodide a call costs microseconds: 3 s of a 4,000-step deep RL run).
    So read `layer.params[...]` after making the optimiser: an array taken before is a copy
    that training no longer updates."""

    def __init__(self, layers: list[Layer], lr: float, betas=(0.9, 0.999), eps: float = 1e-8,
                 clip: float | None = None, weight_decay: float = 0.0):
        self.layers, self.lr, self.betas, self.eps, self.clip = layers, lr, betas, eps, clip
        self.weight_decay = weight_decay
        self.t = 0
        spans, start = [], 0  # (layer's position, layer, name, where its values start in the flat arrays)
        for position, layer in enumerate(layers):
            for name, value in layer.params.items():
                spans.append((position, layer, name, start))
                start += value.size
        self.params, self.grads = _flatten(spans, "params", start), _flatten(spans, "grads", start)
        self.m, self.v = np.zeros(start), np.zeros(start)
        self.decays = np.zeros(start, dtype=bool)  # weight matrices only
        self.moments = [{} for _ in layers]  # per layer and parameter: views of (m, v), for tests
        for position, layer, name, begin in spans:
            shape = layer.params[name].shape
            part = slice(begin, begin + layer.params[name].size)
            self.decays[part] = len(shape) >= 2
            self.moments[position][name] = (self.m[part].reshape(shape), self.v[part].reshape(shape))

    def zero_grad(self) -> None:
        self.grads[...] = 0.0

    def step(self, lr: float | None = None) -> float:
        """Apply one update from the accumulated gradients; returns the gradient norm."""
        self.t += 1
        b1, b2 = self.betas
        # Summed parameter by parameter, in the layers' order: one dot product of the flat array
        # would round differently and move every clipped step's numbers.
        norm = math.sqrt(sum(float((g * g).sum()) for layer in self.layers for g in layer.grads.values()))
        factor = min(1.0, self.clip / (norm + 1e-12)) if self.clip else 1.0
        base = self.lr if lr is None else lr
        rate = base * math.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        g = self.grads * factor
        self.m *= b1
        self.m += (1 - b1) * g
        self.v *= b2
        self.v += (1 - b2) * g * g
        if self.weight_decay:
            self.params[self.decays] *= 1.0 - base * self.weight_decay
        self.params -= rate * self.m / (np.sqrt(self.v) + self.eps)
        return norm


def _flatten(spans: list, kind: str, size: int) -> np.ndarray:
    """Copy each layer's named arrays (kind: "params" or "grads") into one flat array and put
    views of it in their place: the layers read and write the flat array from then on."""
    flat = np.zeros(size)
    for _, layer, name, begin in spans:
        arrays = getattr(layer, kind)
        view = flat[begin:begin + arrays[name].size].reshape(arrays[name].shape)
        view[...] = arrays[name]
        arrays[name] = view
    return flat
