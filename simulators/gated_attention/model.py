"""The model and task behind the gated-attention simulator, kept apart from drawing.

Task (key-value recall): a sequence starts with a BOS token, then holds "store" tokens
(key K with value v, written K=v) and "ask" tokens (?K). At an ask the model must output the
value stored under K; everywhere else it must output "none". Most positions are stores, so
most queries have nothing to retrieve: that is what makes softmax attention park its weight.

Model: one causal attention layer with h heads on a residual stream,
    H = embed(x);  Xn = LayerNorm(H);  Q, K, V = Xn W_Q, Xn W_K, Xn W_V
    Y_h = softmax(Q_h K_h^T / sqrt(d_k) + causal mask) V_h
    Y'_h = Y_h * G_h                      (the gate; G = 1 for the ungated baseline)
    logits = (H + concat(Y') W_O) W_U
with the gate variants of Qiu et al. (2025): elementwise G = sigmoid(Xn W_theta) of shape
(n, h, d_k), headwise G = sigmoid(Xn W_theta) of shape (n, h, 1), and the ablation with a
learned constant per head, G = sigmoid(c_h), which cannot depend on the token.
"""

from __future__ import annotations

import math
import string

import numpy as np

from ..kit import nn
from ..kit.scatter import scatter_rows

VARIANTS = ("none", "elementwise", "headwise", "constant")
SPARSE_BELOW = 0.05  # an attention weight below this counts toward sparsity
KEYS = string.ascii_uppercase  # A..Z
N_VALUES = 8  # values 0..7
BOS, STORE, ASK = 0, 1, 2  # token types
N_TYPES = 3
FEATURES = N_TYPES + len(KEYS) + N_VALUES
N_CLASSES = 1 + N_VALUES  # class 0 is "none"


def encode(types: np.ndarray, keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """One-hot features (..., L, FEATURES) from integer arrays; key/value -1 means absent."""
    x = np.zeros(types.shape + (FEATURES,))
    np.put_along_axis(x, types[..., None], 1.0, axis=-1)
    x[..., BOS] = 0.0  # the start token is empty: no feature, so no parameters of its own
    for offset, ids in ((N_TYPES, keys), (N_TYPES + len(KEYS), values)):
        where = np.nonzero(ids >= 0)
        x[where + (ids[where] + offset,)] = 1.0
    return x


def targets_of(types: np.ndarray, keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Class per position: 1 + the latest stored value for an ask whose key was stored, else 0."""
    out = np.zeros(types.shape, dtype=int)
    for b in np.ndindex(types.shape[:-1]):
        stored: dict[int, int] = {}
        for i in range(types.shape[-1]):
            t, k, v = types[b + (i,)], keys[b + (i,)], values[b + (i,)]
            if t == STORE:
                stored[int(k)] = int(v)
            elif t == ASK and int(k) in stored:
                out[b + (i,)] = 1 + stored[int(k)]
    return out


def sample_batch(rng: np.random.Generator, batch: int, length: int, ask_share: float):
    """Random sequences of `length` tokens (at most len(KEYS) + 1): position 0 is BOS; each
    later position asks about an already-stored key with probability `ask_share`, else stores
    a fresh key (keys never repeat within a sequence, so every ask has exactly one answer).
    Returns (features, targets, types)."""
    if not 2 <= length <= len(KEYS) + 1:
        raise ValueError(f"sequence length {length} is outside 2..{len(KEYS) + 1}")
    ask = rng.random((batch, length)) < ask_share
    ask[:, :2] = False  # BOS, then at least one store before the first ask
    is_store = ~ask
    is_store[:, 0] = False
    rank = np.cumsum(is_store, axis=1) - 1  # index of the latest store so far
    order = np.argsort(rng.random((batch, len(KEYS))), axis=1)  # a random key order per sequence
    stored_values = rng.integers(N_VALUES, size=(batch, len(KEYS)))
    asked = np.floor(rng.random((batch, length)) * (rank + 1)).astype(int)  # one of the stores so far
    which = np.where(ask, asked, np.maximum(rank, 0))
    types = np.where(ask, ASK, STORE)
    types[:, 0] = BOS
    keys = np.take_along_axis(order, which, axis=1)
    values = np.take_along_axis(stored_values, which, axis=1)
    targets = np.where(ask, 1 + values, 0)
    keys[:, 0] = -1
    values = np.where(is_store, values, -1)
    return encode(types, keys, values), targets, types


class OneHotEmbedding(nn.Layer):
    """x W for one-hot features x (at most two ones a token): a gather forward and a scatter
    backward, with no gradient for x (nothing before it learns). As a dense layer it cost a
    quarter of a training step's multiply-adds in Pyodide, whose NumPy has no BLAS."""

    def __init__(self, n_in: int, n_out: int, rng: np.random.Generator):
        super().__init__()
        self.add_param("W", rng.normal(0.0, 1.0 / math.sqrt(n_in), size=(n_in, n_out)))  # as nn.Dense draws it

    def forward(self, x: np.ndarray) -> np.ndarray:
        flat = x.reshape(-1, x.shape[-1])
        on = (flat != 0).ravel().nonzero()[0]
        self.rows, self.features = np.divmod(on, flat.shape[1])
        self.values = flat.ravel()[on][:, None]
        out = scatter_rows(self.rows, self.values * self.params["W"][self.features], flat.shape[0])
        return out.reshape(x.shape[:-1] + (out.shape[1],))

    def backward(self, dy: np.ndarray) -> None:
        dy2 = dy.reshape(-1, dy.shape[-1])
        self.grads["W"] += scatter_rows(self.features, self.values * dy2[self.rows], self.params["W"].shape[0])


class ConstantGate(nn.Layer):
    """The input-independent ablation: one learned logit per head, the same for every token."""

    def __init__(self, heads: int):
        super().__init__()
        self.add_param("c", np.zeros(heads))

    def forward(self, batch_shape: tuple) -> np.ndarray:
        return np.broadcast_to(self.params["c"], batch_shape + (self.params["c"].size,))

    def backward(self, dlogit: np.ndarray) -> None:
        self.grads["c"] += dlogit.reshape(-1, dlogit.shape[-1]).sum(axis=0)


class AttentionModel:
    """One causal attention layer with an optional output gate; see the module docstring."""

    def __init__(self, variant: str, heads: int, d_head: int, d_model: int, rng: np.random.Generator):
        if variant not in VARIANTS:
            raise ValueError(f"unknown gate variant {variant!r}; expected one of {', '.join(VARIANTS)}")
        self.variant, self.heads, self.d_head = variant, heads, d_head
        self.embed = OneHotEmbedding(FEATURES, d_model, rng)
        self.norm = nn.LayerNorm(d_model)
        self.qkv = nn.Dense(d_model, 3 * heads * d_head, rng, bias=False)
        self.out = nn.Dense(heads * d_head, d_model, rng, bias=False)
        self.unembed = nn.Dense(d_model, N_CLASSES, rng)
        self.gate = {"elementwise": lambda: nn.Dense(d_model, heads * d_head, rng, bias=False),
                     "headwise": lambda: nn.Dense(d_model, heads, rng, bias=False),
                     "constant": lambda: ConstantGate(heads),
                     "none": lambda: None}[variant]()
        self.layers = [layer for layer in (self.embed, self.norm, self.qkv, self.out, self.unembed, self.gate) if layer]

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: (B, L, FEATURES) -> logits (B, L, N_CLASSES). Keeps attention and gates for reading."""
        B, L, _ = x.shape
        h, d = self.heads, self.d_head
        self.H = self.embed.forward(x)
        xn = self.norm.forward(self.H)
        q, k, v = np.split(self.qkv.forward(xn).reshape(B, L, 3, h, d).transpose(2, 0, 3, 1, 4), 3)
        self.q, self.k, self.v = q[0], k[0], v[0]  # (B, h, L, d)
        scores = self.q @ self.k.transpose(0, 1, 3, 2) / math.sqrt(d)
        scores = np.where(np.tril(np.ones((L, L), dtype=bool)), scores, -np.inf)
        self.attn = nn.softmax(scores)  # (B, h, L, L)
        self.y = self.attn @ self.v  # (B, h, L, d)
        self.g = self._gate(xn, B, L)  # (B, h, L, d or 1)
        gated = self.y * self.g
        resid = self.H + self.out.forward(gated.transpose(0, 2, 1, 3).reshape(B, L, h * d))
        return self.unembed.forward(resid)

    def _gate(self, xn: np.ndarray, B: int, L: int) -> np.ndarray:
        h = self.heads
        if self.variant == "none":
            return np.ones((B, h, L, 1))
        if self.variant == "constant":
            logit = self.gate.forward((B, L))  # (B, L, h)
        else:
            logit = self.gate.forward(xn)  # (B, L, h*d) or (B, L, h)
        return nn.sigmoid(logit.reshape(B, L, h, -1).transpose(0, 2, 1, 3))

    def backward(self, dlogits: np.ndarray) -> None:
        B, L, _ = dlogits.shape
        h, d = self.heads, self.d_head
        dresid = self.unembed.backward(dlogits)
        dgated = self.out.backward(dresid).reshape(B, L, h, d).transpose(0, 2, 1, 3)
        dy = dgated * self.g
        dxn = np.zeros_like(self.H)
        if self.variant != "none":
            dg = dgated * self.y
            if self.g.shape[-1] == 1:
                dg = dg.sum(axis=-1, keepdims=True)
            dlogit = (dg * self.g * (1.0 - self.g)).transpose(0, 2, 1, 3).reshape(B, L, -1)
            if self.variant == "constant":
                self.gate.backward(dlogit)
            else:
                dxn += self.gate.backward(dlogit)
        dattn = dy @ self.v.transpose(0, 1, 3, 2)
        dv = self.attn.transpose(0, 1, 3, 2) @ dy
        dscores = nn.softmax_backward(self.attn, dattn) / math.sqrt(d)  # masked entries have attn 0
        dq = dscores @ self.k
        dk = dscores.transpose(0, 1, 3, 2) @ self.q
        dqkv = np.stack([dq, dk, dv]).transpose(1, 3, 0, 2, 4).reshape(B, L, 3 * h * d)
        dxn += self.qkv.backward(dqkv)
        self.embed.backward(dresid + self.norm.backward(dxn))

    def loss_and_backward(self, x: np.ndarray, targets: np.ndarray, weights: np.ndarray) -> float:
        loss, dlogits = nn.mean_squared_error(self.forward(x), np.eye(N_CLASSES)[targets], weights)
        self.backward(dlogits)
        return loss
