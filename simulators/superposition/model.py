"""The superposition toy's data and model, and its training: everything a trained number
depends on (sweep.py hashes this file, so the shipped sweep is retrained when it changes).

Data: x_i = u_i v_i, u_i ~ Bernoulli(p_i), v_i ~ U(0, 2), p_i ∝ i^-alpha with sum p_i = 1.
Model: y = ReLU(W W^T x + b), W in R^{n x m}; loss <|y - x|^2>; Adam with warm-up and a
cosine schedule; after each step the paper's decay (gamma >= 0) or growth (gamma < 0):
    gamma >= 0:  W_i <- W_i - lr * gamma * W_i
    gamma <  0:  W_i <- W_i - lr * gamma * W_i * (1/|W_i| - 1)     (rows pushed to unit norm)
"""

from __future__ import annotations

import math
from typing import Iterator, NamedTuple

import numpy as np

from ..kit import nn
from ..kit.scatter import scatter_rows

EVAL_SAMPLES = 4096
V_SQUARED = 4.0 / 3.0  # <v^2> for v ~ U(0, 2)


def feature_probabilities(n: int, alpha: float) -> np.ndarray:
    ranks = np.arange(1, n + 1, dtype=float)
    p = ranks**-alpha
    return p / p.sum()


class SparseBatch(NamedTuple):
    """A batch of inputs x (batch, n) as its nonzero entries: with Σpᵢ = 1 a row holds about one
    active feature, so products with x are gathers and scatters over these entries."""
    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray
    shape: tuple[int, int]

    def dense(self) -> np.ndarray:
        x = np.zeros(self.shape)
        x[self.rows, self.cols] = self.values
        return x

    def subtract_from(self, y: np.ndarray) -> np.ndarray:
        """y − x, written into y (an entry appears once, so plain indexing adds nothing twice)."""
        y[self.rows, self.cols] -= self.values
        return y

    def times(self, W: np.ndarray) -> np.ndarray:
        """x @ W."""
        return scatter_rows(self.rows, self.values[:, None] * W[self.cols], self.shape[0])

    def transposed_times(self, g: np.ndarray) -> np.ndarray:
        """xᵀ @ g."""
        return scatter_rows(self.cols, self.values[:, None] * g[self.rows], self.shape[1])


class Sampler:
    """Draws batches of x_i = u_i v_i. Feature i is active in each row with probability p_i,
    independently; its active rows are drawn as geometric gaps between successes, which needs
    about batch + 6√(batch pᵢ) + 6 draws per feature instead of batch × n uniforms (measured in
    Pyodide at n = 200, batch = 128: 0.15 ms a batch instead of 0.63)."""

    def __init__(self, p: np.ndarray, batch: int, spare: float = 6.0):
        self.p, self.batch = p, batch
        mean = batch * p
        # With `spare` = 6, enough gaps to pass the batch's end for all but about 1e-9 of features;
        # `__call__` goes on gap by gap for those (tests set spare = 0 to make that path common).
        self.draws = np.maximum(1, np.ceil(mean + spare * np.sqrt(mean) + spare)).astype(int)
        self.feature = np.repeat(np.arange(p.size), self.draws)
        self.feature_p = p[self.feature]
        self.last = np.cumsum(self.draws) - 1

    def __call__(self, rng: np.random.Generator) -> SparseBatch:
        reached = np.cumsum(rng.geometric(self.feature_p))  # 1-based row of each success, running on
        before = np.concatenate(([0], reached[self.last[:-1]]))
        row = reached - np.repeat(before, self.draws) - 1
        keep = row < self.batch
        rows, cols = [row[keep]], [self.feature[keep]]
        for i in np.flatnonzero(row[self.last] < self.batch):  # ran out of gaps before the end
            at = row[self.last[i]] + rng.geometric(self.p[i])
            while at < self.batch:
                rows.append(np.array([at]))
                cols.append(np.array([i]))
                at += rng.geometric(self.p[i])
        rows, cols = np.concatenate(rows), np.concatenate(cols)
        return SparseBatch(rows, cols, rng.uniform(0.0, 2.0, size=rows.size), (self.batch, self.p.size))


def sample(rng: np.random.Generator, p: np.ndarray, batch: int) -> SparseBatch:
    return Sampler(p, batch)(rng)


CHUNK_ROWS = 1 << 16  # rows drawn at once for training batches: about 1.5 MB of entries


def batches(p: np.ndarray, batch: int, rng: np.random.Generator, count: int) -> Iterator[SparseBatch]:
    """`count` training batches, drawn as few large ones cut by row: a Sampler call costs about
    0.2 ms in Pyodide whatever its size, a fifth of a training step at the page's defaults."""
    per_chunk = max(1, CHUNK_ROWS // batch)
    while count:
        k = min(per_chunk, count)
        x = Sampler(p, k * batch)(rng)
        order = np.argsort(x.rows, kind="stable")
        rows, cols, values = x.rows[order], x.cols[order], x.values[order]
        edges = np.searchsorted(rows, np.arange(k + 1) * batch)
        for j in range(k):
            part = slice(edges[j], edges[j + 1])
            yield SparseBatch(rows[part] - j * batch, cols[part], values[part], (batch, p.size))
        count -= k


def loss_of(W: np.ndarray, b: np.ndarray, x: SparseBatch) -> float:
    y = np.maximum(x.times(W) @ np.ascontiguousarray(W.T) + b, 0.0)
    return float(np.mean(np.sum(x.subtract_from(y) ** 2, axis=1)))


def sweep_widths(n: int) -> list[int]:
    """Widths for the scaling experiment: six, geometric, with m/n at most 0.1 as in the paper
    (n = 1000, m = 10..100). Wider models have nearly orthogonal features and leave the regime."""
    top = max(8, n // 10)
    return [int(w) for w in np.unique(np.round(np.geomspace(top / 5, top, 6)).astype(int))]


class TiedAutoencoder(nn.Layer):
    """y = ReLU(x W Wᵀ + b): the paper's toy model, as a kit layer so the kit's Adam trains it."""

    def __init__(self, W: np.ndarray, b: np.ndarray):
        super().__init__()
        self.add_param("W", W)
        self.add_param("b", b)

    def forward(self, x: SparseBatch) -> np.ndarray:
        W = self.params["W"]
        self.x, self.h = x, x.times(W)
        # The one dense product, batch x n x m, in float32 (as the paper's PyTorch code trains):
        # Pyodide's NumPy has no BLAS, and its float32 matmul with a contiguous Wᵀ takes 0.4x the
        # time of float64 with the transposed view (bench/pyodide_time.py). The rest stays float64.
        product = self.h.astype(np.float32) @ np.ascontiguousarray(W.T, dtype=np.float32)
        self.z = product + self.params["b"]
        return np.maximum(self.z, 0.0)

    def backward(self, dy: np.ndarray) -> None:
        W = self.params["W"]
        # The ReLU passes few outputs (2-4 % once trained, 15 % at the start), so the gradient is
        # gathered from those entries alone: the dense products cost 5-10x as much in Pyodide.
        n = W.shape[0]
        live = (self.z > 0).ravel().nonzero()[0]
        rows, cols = np.divmod(live, n)
        dz = dy.ravel()[live][:, None]
        self.grads["W"] += scatter_rows(cols, dz * self.h[rows], n)
        self.grads["W"] += self.x.transposed_times(scatter_rows(rows, dz * W[cols], self.h.shape[0]))
        self.grads["b"] += np.bincount(cols, dz[:, 0], n)


def train(n: int, m: int, alpha: float, gamma: float, steps: int, batch: int, lr: float,
          rng: np.random.Generator, report_every: int = 0):
    """Train one model; yield (step, W, b, train_loss) every `report_every` steps and at the end."""
    p = feature_probabilities(n, alpha)
    model = TiedAutoencoder(rng.normal(0.0, 1.0 / math.sqrt(m), size=(n, m)), np.zeros(n))
    adam = nn.Adam([model], lr)
    W, b = model.params["W"], model.params["b"]  # after the optimiser, which moves them into its flat arrays
    warmup = max(1, steps // 20)
    for t, x in enumerate(batches(p, batch, rng, steps), start=1):
        diff = x.subtract_from(model.forward(x))  # the layer keeps z, not its output
        adam.zero_grad()
        model.backward((2.0 / batch) * diff)
        rate = lr * (t / warmup if t <= warmup else 0.5 * (1 + math.cos(math.pi * (t - warmup) / max(1, steps - warmup))))
        adam.step(rate)
        # The paper's decay (gamma >= 0) or growth toward unit-norm rows (gamma < 0), after the step.
        if gamma >= 0:
            W -= rate * gamma * W
        else:
            norms = np.linalg.norm(W, axis=1, keepdims=True)
            W -= rate * gamma * W * (1.0 / np.maximum(norms, 1e-8) - 1.0)
        # An early first report lets the page redraw within a few steps of a control change.
        if (report_every and (t % report_every == 0 or t == 5)) or t == steps:
            yield t, W, b, float(np.mean(np.sum(diff**2, axis=1)))


def eval_batch(cfg: dict, seed: int) -> SparseBatch:
    """The evaluation samples every model at these settings and seed is measured on."""
    return sample(np.random.default_rng([seed, 1]), feature_probabilities(cfg["n_features"], cfg["alpha"]), EVAL_SAMPLES)


def sweep_point(cfg: dict, seed: int, width: int):
    """Train the scaling sweep's model of this width on its own random stream; yield the share
    of its training done, return its point of the sweep."""
    n = cfg["n_features"]
    for t, W, b, _ in train(n, width, cfg["alpha"], cfg["weight_decay"], cfg["steps"], cfg["batch_size"],
                            cfg["learning_rate"], np.random.default_rng([seed, 2, width]),
                            report_every=max(1, cfg["steps"] // 20)):
        if t < cfg["steps"]:
            yield t / cfg["steps"]
    return {
        "m": width,
        "loss": round(loss_of(W, b, eval_batch(cfg, seed)), 6),
        "fraction_represented": round(float((np.linalg.norm(W, axis=1) > 0.5).mean()), 4),
        "weak_prediction": round(V_SQUARED * float(feature_probabilities(n, cfg["alpha"])[width:].sum()), 6),
    }
