"""Superposition Yields Robust Neural Scaling (Liu, Liu & Gore, NeurIPS 2025): the toy model, trained.

Data: x_i = u_i v_i, u_i ~ Bernoulli(p_i), v_i ~ U(0, 2), p_i ∝ i^-alpha with sum p_i = 1.
Model: y = ReLU(W W^T x + b), W in R^{n x m}; loss <|y - x|^2>; Adam with warm-up and a
cosine schedule; after each step the paper's decay (gamma >= 0) or growth (gamma < 0):
    gamma >= 0:  W_i <- W_i - lr * gamma * W_i
    gamma <  0:  W_i <- W_i - lr * gamma * W_i * (1/|W_i| - 1)     (rows pushed to unit norm)
Every number reported comes from training; the paper's formulas appear only as labelled
reference lines in the figure.
"""

from __future__ import annotations

import math
from typing import Iterator, NamedTuple

import numpy as np

from .kit import nn, svg
from .kit.cache import Recent
from .kit.contract import Readout
from .kit.parts import Need
from .kit.scatter import scatter_rows
from .kit.params import ParamError

NAME = "superposition"
TITLE = "Superposition and scaling: a toy model trained in your browser"

PARAMS = [
    {"name": "n_features", "kind": "int", "default": 200, "min": 40, "max": 1000, "step": 10, "values": [40, 100, 200, 500, 1000],
     "label": "Features n", "help": "How many sparse features the data contains (the paper's toy has 1000)."},
    {"name": "m_dims", "kind": "int", "default": 10, "min": 2, "max": 100, "step": 1,
     "label": "Hidden dimensions m", "help": "Width of the model: features must share these dimensions."},
    {"name": "alpha", "kind": "float", "default": 1.0, "min": 0.5, "max": 3.0, "step": 0.1, "values": [0.5, 1.0, 1.5, 2.0, 2.5, 3.0],
     "label": "Frequency exponent α", "help": "Feature i appears with probability ∝ i⁻ᵅ (larger α: more skewed)."},
    {"name": "weight_decay", "kind": "float", "default": -1.0, "min": -1.0, "max": 1.0, "step": 0.1,
     "label": "Weight decay γ", "help": "Positive: decay, weak superposition. Negative: growth toward unit norm, strong superposition."},
    {"name": "steps", "kind": "int", "default": 600, "min": 50, "max": 5000, "step": 50,
     "values": [50, 100, 150, 300, 600, 1200, 2400, 5000],
     "label": "Training steps", "help": "Optimiser steps for each model trained; doubling, since a few more change little."},
    {"name": "batch_size", "kind": "int", "default": 128, "min": 32, "max": 2048, "step": 32, "values": [32, 64, 128, 256, 512, 1024, 2048],
     "label": "Batch size", "help": "Samples per training step."},
    {"name": "learning_rate", "kind": "float", "default": 0.02, "min": 0.001, "max": 0.1, "step": 0.001,
     "values": [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1],
     "label": "Learning rate", "help": "Peak Adam learning rate (warm-up, then cosine decay), in steps of about 2.5x."},
    {"name": "scaling_sweep", "kind": "bool", "default": True,
     "label": "Run the scaling sweep", "help": "Also train models of several widths m to measure how loss scales with m."},
]
# The two regimes the paper contrasts (growth, -1, and decay, 0.5) at three seeds ship
# precomputed (kit.contract GRID): whether the fitted exponent is luck is the first thing a
# reader checks, and a run at these settings takes 2.5 s in the browser with a helper.
GRID = {"weight_decay": [-1.0, 0.5], "seed": [0, 1, 2]}
# Small in-range settings that run in well under a second: what the contract tests use.
CHEAP_PARAMS = {"steps": 50, "n_features": 40, "batch_size": 32, "scaling_sweep": False}

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


def geometry(W: np.ndarray) -> dict:
    """Superposition statistics of the learned feature directions (rows of W)."""
    norms = np.linalg.norm(W, axis=1)
    represented = norms > 0.5
    unit = W / np.maximum(norms[:, None], 1e-12)
    overlaps = unit @ unit.T
    idx = np.flatnonzero(represented)
    if idx.size >= 2:
        sub = overlaps[np.ix_(idx, idx)] ** 2
        mean_interference = float((sub.sum() - idx.size) / (idx.size * (idx.size - 1)))
    else:
        mean_interference = 0.0
    # 2-D view: the rows projected on W's two leading principal directions.
    _, _, vt = np.linalg.svd(W, full_matrices=False)
    plane = W @ vt[: min(2, vt.shape[0])].T
    if plane.shape[1] == 1:
        plane = np.hstack([plane, np.zeros_like(plane)])
    return {
        "fraction_represented": float(represented.mean()),
        "n_represented": int(represented.sum()),
        "mean_interference": mean_interference,
        "norms": [round(float(v), 4) for v in norms],
        "projection": [[round(float(a), 4), round(float(c), 4)] for a, c in plane],
        "overlap_top": [[round(float(v), 3) for v in row] for row in (W @ W.T)[:24, :24]],
    }


def fit_exponent(ms: list[int], losses: list[float]) -> float | None:
    """Slope of -log L against log m (least squares); None when too few usable points."""
    pairs = [(math.log(m), math.log(l)) for m, l in zip(ms, losses) if l > 0]
    if len(pairs) < 2:
        return None
    xs, ys = np.array(pairs).T
    slope = np.polyfit(xs, ys, 1)[0]
    return float(-slope)


# An evaluation row is a forward pass only: 1.5 us against 5.1 us for a training row (Pyodide,
# n = 200, m = 10: loss_of on 4,096 rows 6.1 ms, a step of 128 rows 0.65 ms).
EVAL_ROW_COST = 0.3


def training_cost(n: int, m: int, rows: float) -> float:
    """Relative time of passing `rows` training samples (or their equivalent, see EVAL_ROW_COST)
    through a model of width m: drawing a sample and the work that does not grow with the width
    cost about as much as 10 columns of W (measured in Pyodide, m = 4 to 100), the products grow
    with the width. Progress is shared out by this, so that the page's estimate (time so far /
    progress, measured early in the main model's training) holds for the sweep too."""
    return rows * n * (m + 10)


# Partial results of the main model: each evaluates the loss on EVAL_SAMPLES rows and measures the
# geometry, which at 20 reports cost more than the training itself (Pyodide, page defaults).
MAIN_REPORTS = 6


def _report_every(cfg: dict) -> int:
    return max(1, cfg["steps"] // MAIN_REPORTS)


# The sweep's points by everything they depend on but the main model's width: changing m_dims
# trains the main model alone. The page fills it in the background once the runtime is up
# (kit.contract WARM_UP), so that the reader's first change of m_dims is quick too.
_SWEPT = Recent(48)
WARM_UP = True


def _point_key(cfg: dict, seed: int, width: int) -> tuple:
    return (seed, width, *(cfg[name] for name in ("n_features", "alpha", "weight_decay", "steps", "batch_size", "learning_rate")))


def _costs(cfg: dict, seed: int) -> tuple[float, dict[int, float]]:
    """The main model's training cost and each sweep width's still to train (training_cost units)."""
    n, m = cfg["n_features"], cfg["m_dims"]
    rows = cfg["steps"] * cfg["batch_size"]
    reports = cfg["steps"] // _report_every(cfg) + 2  # each evaluates the loss on the evaluation samples
    widths = [w for w in sweep_widths(n) if _point_key(cfg, seed, w) not in _SWEPT] if cfg["scaling_sweep"] else []
    main = training_cost(n, m, rows + EVAL_ROW_COST * reports * EVAL_SAMPLES)
    return main, {w: training_cost(n, w, rows + EVAL_ROW_COST * EVAL_SAMPLES) for w in widths}


def _eval_batch(cfg: dict, seed: int) -> SparseBatch:
    return sample(np.random.default_rng([seed, 1]), feature_probabilities(cfg["n_features"], cfg["alpha"]), EVAL_SAMPLES)


def parts(cfg: dict, seed: int) -> list[dict]:
    """The scaling sweep's widths not trained yet: each model trains on its own random stream, so
    the browser trains them on helper workers while the main model trains (kit.parts)."""
    main, widths = _costs(cfg, seed)
    total = main + sum(widths.values())
    return [{"key": str(w), "cost": cost / total} for w, cost in widths.items()]


def part(cfg: dict, seed: int, key: str):
    """Train the sweep's model of width `key`; yield progress, return its point of the sweep."""
    n, width = cfg["n_features"], int(key)
    p = feature_probabilities(n, cfg["alpha"])
    for t, W, b, _ in train(n, width, cfg["alpha"], cfg["weight_decay"], cfg["steps"], cfg["batch_size"],
                            cfg["learning_rate"], np.random.default_rng([seed, 2, width]),
                            report_every=max(1, cfg["steps"] // 20)):
        if t < cfg["steps"]:
            yield t / cfg["steps"]
    return {
        "m": width,
        "loss": round(loss_of(W, b, _eval_batch(cfg, seed)), 6),
        "fraction_represented": round(float((np.linalg.norm(W, axis=1) > 0.5).mean()), 4),
        "weak_prediction": round(V_SQUARED * float(p[width:].sum()), 6),
    }


def steps(cfg: dict, seed: int):
    """Yield partial results while training, then the final result."""
    n, m = cfg["n_features"], cfg["m_dims"]
    if m >= n:
        raise ParamError("m_dims", f"must be smaller than Features n (n_features) = {n}, got {m}")
    p = feature_probabilities(n, cfg["alpha"])
    eval_x = _eval_batch(cfg, seed)
    rng = np.random.default_rng([seed, 0])
    main_cost, width_cost = _costs(cfg, seed)
    total = main_cost + sum(width_cost.values())
    report = _report_every(cfg)
    curve: list[list[float]] = []
    result: dict = {}
    for t, W, b, train_loss in train(n, m, cfg["alpha"], cfg["weight_decay"], cfg["steps"], cfg["batch_size"],
                                     cfg["learning_rate"], rng, report_every=report):
        curve.append([t, round(loss_of(W, b, eval_x), 6)])
        result = {
            "done": False, "phase": "training",
            "progress": main_cost * t / cfg["steps"] / total,
            "loss": curve[-1][1], "train_curve": curve, **geometry(W),
            "weak_prediction": round(V_SQUARED * float(p[m:].sum()), 6),
            "scaling": [], "scaling_exponent": None, "weak_exponent": None,
        }
        yield result
    done_cost = main_cost
    widths = sweep_widths(n) if cfg["scaling_sweep"] else []
    points = {w: _SWEPT[_point_key(cfg, seed, w)] for w in widths if w not in width_cost}  # read before any is evicted
    for width in widths:
        if width in width_cost:
            # The figure changes once each width is done; meanwhile the kit reports the part's progress.
            points[width] = _SWEPT.put(_point_key(cfg, seed, width), (yield Need(str(width), "scaling sweep")))
            done_cost += width_cost[width]
        scaling = result["scaling"] + [points[width]]
        ms = [s["m"] for s in scaling]
        # The formula's own slope over the same widths: what the trained models' slope is compared with.
        result = {**result, "phase": "scaling sweep", "progress": done_cost / total, "scaling": scaling,
                  "scaling_exponent": fit_exponent(ms, [s["loss"] for s in scaling]),
                  "weak_exponent": fit_exponent(ms, [s["weak_prediction"] for s in scaling])}
        if len(scaling) < len(widths) and width in width_cost:
            yield result
    result.update(done=True, progress=1.0, phase="done")
    yield result


READOUTS = [
    Readout("loss", "Reconstruction loss", ".4f"),
    Readout("fraction_represented", "Features represented (‖Wᵢ‖ > ½)", ".0%"),
    Readout("mean_interference", "Mean interference (squared overlap)", ".4f"),
    Readout("scaling_exponent", "Fitted scaling exponent αₘ", ".2f"),
    Readout("weak_exponent", "Weak-regime formula's slope, same widths", ".2f"),
]


def table(result: dict) -> dict:
    """The data behind the figure, as a table for readers without the figure (and for CSV)."""
    rows = [[s["m"], s["loss"], s["weak_prediction"], s["fraction_represented"]] for s in result["scaling"]]
    return {"caption": "Scaling sweep: loss of a model trained at each width m",
            "columns": ["m", "loss (trained)", "weak-regime formula (4/3)·Σ pᵢ over i > m", "features represented"],
            "rows": rows}


def render(result: dict) -> str:
    cfg = result["params"]
    desc = (f"Toy model with n = {cfg['n_features']} features in m = {cfg['m_dims']} dimensions, alpha = {cfg['alpha']}, "
            f"weight decay {cfg['weight_decay']}. Loss {result['loss']:.4f}; {result['fraction_represented']:.0%} of features "
            f"represented; mean squared overlap {result['mean_interference']:.4f}"
            + (f"; fitted scaling exponent {result['scaling_exponent']:.2f}, against {result['weak_exponent']:.2f} for the "
               "weak-regime formula at the same widths." if result["scaling_exponent"] is not None else "."))
    return svg.panels(TITLE, desc, [_directions_panel(result), _overlap_panel(result), _scaling_panel(result)])


def _directions_panel(result: dict) -> str:
    """Rows of W in the plane of its two main directions; colour = frequency rank."""
    n = result["params"]["n_features"]
    proj = np.array(result["projection"]) if result["projection"] else np.zeros((1, 2))
    lim = float(max(np.abs(proj).max(), 1e-3)) * 1.1
    panel = svg.Panel(50, 34, 270, 270, (-lim, lim), (-lim, lim))
    body = panel.axes("direction 1", "direction 2", "Feature directions (rows of W)", xticks=[], yticks=[])
    cx, cy = panel.px(0), panel.py(0)
    for rank in range(len(proj) - 1, -1, -1):
        x, y = panel.px(proj[rank][0]), panel.py(proj[rank][1])
        colour = svg.ramp(rank / max(1, n - 1))
        body.append(f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" stroke="{colour}" stroke-width="1" opacity="0.6"/>')
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.6" fill="{colour}"><title>feature {rank + 1}: ‖W‖ = {result["norms"][rank]:.2f}</title></circle>')
    body.append(svg.text(20, 362, "Colour: frequent features orange, rare blue.", "start", 12, svg.MUTED))
    return svg.panel(376, "Feature directions: the rows of W in their two main directions", body)


def _overlap_panel(result: dict) -> str:
    top = len(result["overlap_top"])
    body = svg.raster_heatmap(50, 34, 270, result["overlap_top"], 1.0, f"Overlaps W Wᵀ, top {top} features",
                              f"overlaps of the {top} most frequent features (red positive, blue negative)")
    body.append(svg.text(20, 330, "Diagonal: ‖Wᵢ‖², a feature's own length.", "start", 12, svg.MUTED))
    body.append(svg.text(20, 347, "Off the diagonal: interference.", "start", 12, svg.MUTED))
    body.append(svg.text(20, 364, "Red positive, blue negative.", "start", 12, svg.MUTED))
    return svg.panel(376, f"Overlaps W Wᵀ of the {top} most frequent features", body)


def _scaling_panel(result: dict) -> str:
    """Loss against width, log-log, with the paper's reference predictions."""
    sweep = result["scaling"]
    x, y, w, h = 64, 34, 256, 240
    title = "Loss against width m, log-log"
    if not sweep:
        panel = svg.Panel(x, y, w, h, (0, 1), (0, 1))
        message = "scaling sweep running…" if result["params"]["scaling_sweep"] and not result["done"] else "scaling sweep off"
        return svg.panel(376, title, [panel.outline(), svg.text(x + w / 2, y + h / 2, message, "middle", 12, svg.MUTED),
                                      svg.text(x, y - 8, "Loss vs width (log-log)", "start", 13, svg.FG, "600")])
    ms = [s["m"] for s in sweep]
    losses = [s["loss"] for s in sweep]
    weak = [s["weak_prediction"] for s in sweep]
    positive = [v for v in losses + weak if v > 0] or [1e-3, 1]
    panel = svg.Panel(x, y, w, h, (min(ms) / 1.2, max(ms) * 1.2), (min(positive) / 1.5, max(positive) * 1.5), xlog=True, ylog=True)
    body = panel.axes("width m", "loss", "Loss vs width (log-log)")
    body.append(panel.polyline(ms, weak, svg.PALETTE[2], 1.8, "5 4", "weak-regime formula"))
    anchor = losses[0] * ms[0]
    body.append(panel.polyline(ms, [anchor / m for m in ms], svg.PALETTE[3], 1.8, "2 3", "slope −1 guide (L ∝ 1/m)"))
    body.append(panel.polyline(ms, losses, svg.PALETTE[1], 2.2, "", "trained models"))
    body += panel.points(ms, losses, svg.PALETTE[1], 3.5, [f"m = {a}: loss {b:.4f}" for a, b in zip(ms, losses)])
    exponent, weak_exponent = result["scaling_exponent"], result["weak_exponent"]
    return svg.panel(376, title, body + svg.legend(20, 336, [
        (svg.PALETTE[1], "", f"trained models: slope −{exponent:.2f} (αₘ)" if exponent is not None else "trained models"),
        (svg.PALETTE[2], "5 4", "weak formula (4/3)·Σ pᵢ, i > m"
         + (f": slope −{weak_exponent:.2f}" if weak_exponent is not None else "")),
        (svg.PALETTE[3], "2 3", "strong superposition: ∝ 1/m")]))
