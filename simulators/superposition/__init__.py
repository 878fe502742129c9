"""Superposition Yields Robust Neural Scaling (Liu, Liu & Gore, NeurIPS 2025): the toy model, trained
(model.py), its figure (figure.py), and the scaling sweep's points the build ships (sweep.py).
Every number reported comes from training; the paper's formulas appear only as labelled
reference lines in the figure.
"""

from __future__ import annotations

import math

import numpy as np

from ..kit.cache import Recent
from ..kit.contract import Readout
from ..kit.parts import Need
from ..kit.params import ParamError
from . import model, sweep
from .figure import TITLE, render
from .model import (CHUNK_ROWS, EVAL_SAMPLES, V_SQUARED, Sampler, SparseBatch, TiedAutoencoder, batches,  # noqa: F401 (the toy's API)
                    eval_batch, feature_probabilities, loss_of, sample, sweep_point, sweep_widths, train)

NAME = "superposition"

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
# The two regimes the paper contrasts (growth, -1, and decay, 0.5) at three seeds ship as
# frames (kit.contract GRID): whether the fitted exponent is luck is the first thing a reader
# checks. Their sweeps, like those of every other weight decay, are shipped points (sweep.py).
GRID = {"weight_decay": [-1.0, 0.5], "seed": [0, 1, 2]}
# Small in-range settings that run in well under a second: what the contract tests use.
CHEAP_PARAMS = {"steps": 50, "n_features": 40, "batch_size": 32, "scaling_sweep": False}


def refresh_build_data(log=print) -> None:
    """Called by the site build before first frames: retrain the shipped sweep if its inputs changed."""
    sweep.ensure(PARAMS, log)


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


# The sweep's points by everything they depend on but the main model's width (sweep.key):
# changing m_dims trains the main model alone.
_SWEPT = Recent(48)


def _sweep_shipped(cfg: dict, seed: int) -> bool:
    shipped = sweep.table(PARAMS)
    return all(sweep.key(cfg, seed, w) in shipped for w in sweep_widths(cfg["n_features"]))


def WARM_UP(cfg: dict, seed: int) -> bool:  # noqa: N802 (the contract's name)
    """A page whose sweep the build does not ship fills _SWEPT in the background once its runtime
    is up (kit.contract), so that the reader's first change of m_dims is quick there too; where
    it is shipped, a warm-up would only train the page's own model again."""
    return cfg["scaling_sweep"] and not _sweep_shipped(cfg, seed)


def _known_points(cfg: dict, seed: int) -> dict[int, dict]:
    """The sweep's points already trained here or shipped, by width."""
    shipped = sweep.table(PARAMS)  # read once: it checks the file and the code it was trained with
    keys = {w: sweep.key(cfg, seed, w) for w in sweep_widths(cfg["n_features"])}
    return {w: point for w, key in keys.items() if (point := _SWEPT.get(key) or shipped.get(key))}


def _costs(cfg: dict, seed: int, known: dict[int, dict]) -> tuple[float, dict[int, float]]:
    """The main model's training cost and each sweep width's still to train (training_cost units)."""
    n, m = cfg["n_features"], cfg["m_dims"]
    rows = cfg["steps"] * cfg["batch_size"]
    reports = cfg["steps"] // _report_every(cfg) + 2  # each evaluates the loss on the evaluation samples
    widths = [w for w in sweep_widths(n) if w not in known] if cfg["scaling_sweep"] else []
    main = training_cost(n, m, rows + EVAL_ROW_COST * reports * EVAL_SAMPLES)
    return main, {w: training_cost(n, w, rows + EVAL_ROW_COST * EVAL_SAMPLES) for w in widths}


def parts(cfg: dict, seed: int) -> list[dict]:
    """The scaling sweep's widths not trained yet: each model trains on its own random stream, so
    the browser trains them on helper workers while the main model trains (kit.parts)."""
    main, widths = _costs(cfg, seed, _known_points(cfg, seed))
    total = main + sum(widths.values())
    return [{"key": str(w), "cost": cost / total} for w, cost in widths.items()]


def part(cfg: dict, seed: int, key: str):
    """Train the sweep's model of width `key`; yield progress, return its point of the sweep."""
    return (yield from sweep_point(cfg, seed, int(key)))


def steps(cfg: dict, seed: int):
    """Yield partial results while training, then the final result."""
    n, m = cfg["n_features"], cfg["m_dims"]
    if m >= n:
        raise ParamError("m_dims", f"must be smaller than Features n (n_features) = {n}, got {m}")
    p = feature_probabilities(n, cfg["alpha"])
    eval_x = eval_batch(cfg, seed)
    rng = np.random.default_rng([seed, 0])
    known = _known_points(cfg, seed)  # before training: no point is kept or evicted meanwhile
    main_cost, width_cost = _costs(cfg, seed, known)
    total = main_cost + sum(width_cost.values())
    report = _report_every(cfg)
    curve: list[list[float]] = []
    result: dict = {}
    for t, W, b, train_loss in model.train(n, m, cfg["alpha"], cfg["weight_decay"], cfg["steps"], cfg["batch_size"],
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
    points = {w: known[w] for w in widths if w not in width_cost}
    for width in widths:
        if width in width_cost:
            # The figure changes once each width is done; meanwhile the kit reports the part's progress.
            points[width] = _SWEPT.put(sweep.key(cfg, seed, width), (yield Need(str(width), "scaling sweep")))
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
