"""The paper's own theory experiment (Bonnaire, Urfin, Biroli & Mezard, §4 and Fig. 5), run in
d dimensions as its code runs it (Theory/src/Training_random_features.py):

    data x ~ N(0, I_d); one diffusion time t = 0.01: x_t = a x + sqrt(D) eta, a = e^-t, D = 1 - a^2
    score model s_A(x) = A tanh(W x / sqrt(d)), W (p x d) random and fixed, A (d x p) trained from 0
    loss (1/d) E || sqrt(D) s_A(x_t) + eta ||^2 over the n training points and the noise eta

The authors train with a fresh eta at every step. Here the expectation over eta is taken
exactly to second order in sqrt(D) by a symmetric cubature (the 2d points +-sqrt(d) e_k per
training point), so the loss is the noise-averaged one, quadratic in A, and gradient flow from
A = 0 has a closed form in the eigenbasis of the feature second moment U (as in training.py).
Three curves come out of it against training time: the train loss, the test loss on fresh
data, and the score error (1/d) E || s_A(x) + x ||^2 (the true score of N(0, I) is -x).

tau_gen and tau_mem are read off these curves by the rules below and nothing else; the paper's
laws (tau_gen constant, tau_mem proportional to n) are only compared with on the page.
"""

from __future__ import annotations

import math

import numpy as np

from ..kit.products import gram, matmul
from . import training as W

DIFFUSION_TIME = 0.01  # the paper's code's default t
TEST_POINTS = 2048
BLOCK_POINTS = 16  # training points whose rows are formed at once (2d rows each)
TIMES = np.logspace(-3, 5, 81)  # gradient-flow time, 10 points per decade
# How the two times are read off (the page quotes these rules):
GEN_SCORE_SHARE = 0.5  # tau_gen: the score error has fallen to half its untrained value
MEM_SHARE = 0.5  # tau_mem: the train loss has made half its drop from the best test loss to the training optimum


def cubature(d: int) -> np.ndarray:
    """2d noise points +-sqrt(d) e_k, equally weighted: they match every moment of N(0, I_d)
    up to the third, so the noise average of the loss is exact to second order in sqrt(D)."""
    return math.sqrt(d) * np.concatenate([np.eye(d), -np.eye(d)])


class Experiment:
    """What every training-set size shares for one (d, p, seed): the features and the
    second moments the test loss and the score error are read from."""

    def __init__(self, dim: int, features: int, seed: int, t: float = DIFFUSION_TIME):
        self.dim, self.features, self.seed = dim, features, seed
        self.scale, self.noise = math.exp(-t), 1 - math.exp(-2 * t)
        rng = np.random.default_rng([seed, 6, dim, features])
        self.weights = rng.normal(size=(features, dim))
        self.test_clean, self.test_eta = rng.normal(size=(TEST_POINTS, dim)), rng.normal(size=(TEST_POINTS, dim))
        noised = self.phi(self.noised(self.test_clean, self.test_eta))
        self.test_moment, self.test_cross = gram(noised) / TEST_POINTS, matmul(self.test_eta.T, noised) / TEST_POINTS
        scored = self.phi(self.test_clean)
        self.score_moment, self.score_cross = gram(scored) / TEST_POINTS, matmul(self.test_clean.T, scored) / TEST_POINTS

    def phi(self, x: np.ndarray) -> np.ndarray:
        z = matmul(x, self.weights.T)
        z /= math.sqrt(self.dim)
        return np.tanh(z, out=z)  # in place: one array of rows at a time

    def noised(self, clean: np.ndarray, eta: np.ndarray) -> np.ndarray:
        return self.scale * clean + math.sqrt(self.noise) * eta

    def training_set(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """n points, and the rows the loss averages over: each point with each cubature noise."""
        points = self._points(n)
        return (points, *self._rows(points))

    def _points(self, n: int) -> np.ndarray:
        return np.random.default_rng([self.seed, 7, self.dim, n]).normal(size=(n, self.dim))

    def _rows(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(noise, features) of each of `points` with each cubature noise: 2d rows a point."""
        eta = np.tile(cubature(self.dim), (len(points), 1))
        return eta, self.phi(self.noised(np.repeat(points, 2 * self.dim, axis=0), eta))

    def _moments(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """The training rows' second moment (p x p) and their cross moment with the noise (d x p),
        summed over blocks of points: all 2dn rows at once held 34 MB at n = 128 (d = 64,
        p = 256), and the browser's heap keeps its largest size for as long as the page is open."""
        points = self._points(n)
        second, cross = np.zeros((self.features, self.features)), np.zeros((self.dim, self.features))
        for start in range(0, n, BLOCK_POINTS):
            eta, rows = self._rows(points[start:start + BLOCK_POINTS])
            second += gram(rows)
            cross += matmul(eta.T, rows)
        count = 2 * self.dim * n
        return second / count, cross / count

    def train(self, n: int) -> dict:
        """Gradient flow on n training points: the three curves over TIMES and the two times."""
        second, cross = self._moments(n)
        # The loss in noise-prediction form: A phi predicts -sqrt(D) s_A = eta, so fit eta.
        lam, basis = np.linalg.eigh(second)
        lam = np.maximum(lam, 0.0)
        target = matmul(cross, basis)  # V Q, (d x p)
        energy = (target * target).sum(axis=0)
        moment = matmul(target.T, target)  # (V Q)^T (V Q): the test and score errors are quadratic forms in it
        test_q = moment * matmul(matmul(basis.T, self.test_moment), basis)
        score_q = moment * matmul(matmul(basis.T, self.score_moment), basis)
        test_l = (matmul(self.test_cross, basis) * target).sum(axis=0)
        score_l = (matmul(self.score_cross, basis) * target).sum(axis=0)
        curves = {"train": [], "test": [], "score": []}
        d, root = self.dim, math.sqrt(self.noise)
        for tau in [*TIMES, math.inf]:  # inf: the training optimum, where gradient flow ends
            with np.errstate(divide="ignore", invalid="ignore"):
                gain = np.where(lam > 0, -np.expm1(-lam * tau) / lam, 0.0 if tau == math.inf else tau)
            curves["train"].append(float((gain * gain * lam * energy).sum() - 2 * (gain * energy).sum() + d) / d)
            curves["test"].append(float(gain @ test_q @ gain - 2 * (gain * test_l).sum() + d) / d)
            # s_A = -A phi / sqrt(D): (1/d) E||s_A + x||^2
            curves["score"].append(float(gain @ score_q @ gain / self.noise - 2 * (gain * score_l).sum() / root + d) / d)
        optimum = {k: v.pop() for k, v in curves.items()}
        return {"n": n, **{k: [round(v, 6) for v in vals] for k, vals in curves.items()},
                "train_optimum": round(optimum["train"], 6),
                "tau_gen": generalization_time(curves["score"]),
                "tau_mem": memorization_time(curves["train"], curves["test"], optimum["train"], self.noise)}


def generalization_time(score: list[float]) -> float | None:
    """When the score error first falls to GEN_SCORE_SHARE of its untrained value (1 at A = 0)."""
    return W.first_reaching(list(TIMES), [-v for v in score], -GEN_SCORE_SHARE * score[0])


def memorization_time(train: list[float], test: list[float], optimum: float, noise: float) -> float | None:
    """When the train loss has come MEM_SHARE of the way from the best test loss (as good as
    generalizing gets) down to the training optimum. None if training never gets below the
    best test loss by more than D, the whole learnable part of the loss: that model does not
    memorize even after infinite training."""
    best = min(test)
    if best - optimum < noise:
        return None
    return W.first_reaching(list(TIMES), [-v for v in train], -(best - MEM_SHARE * (best - optimum)))


def summary(dim: int, features: int, runs: list[dict]) -> dict:
    """The part of the frame the experiment in `dim` dimensions with `features` features fills,
    from the sizes trained so far (it needs only the runs, which outlive the Experiment in the cache)."""
    sizes = [r["n"] for r in runs]
    return {"d": dim, "p": features, "t": DIFFUSION_TIME, "noise": round(1 - math.exp(-2 * DIFFUSION_TIME), 6),
            "times": [float(f"{v:.4g}") for v in TIMES],
            "sweep": [{"n": r["n"], "tau_gen": r["tau_gen"], "tau_mem": r["tau_mem"]} for r in runs],
            "curves": [{k: r[k] for k in ("n", "train", "test", "score", "train_optimum")} for r in runs],
            "tau_gen_slope": W.loglog_slope(sizes, [r["tau_gen"] for r in runs]),
            "tau_mem_slope": W.loglog_slope(sizes, [r["tau_mem"] for r in runs]),
            "rules": {"tau_gen": f"score error down to {GEN_SCORE_SHARE:.0%} of its untrained value",
                      "tau_mem": f"train loss {MEM_SHARE:.0%} of the way from the best test loss to the training optimum"}}


def cost(dim: int, features: int, n: int) -> float:
    """One training's work in training.cost's units, for sharing out progress and parts: the
    cubature Gram (2·d·n·p² multiply-adds) and the eigendecomposition and projections, scaled to
    what they take in Pyodide (d = 64, p = 256: 0.52 s at n = 32 and 0.98 s at n = 128, against
    1.9 s for one size of the 2-D model; the multiply-add counts alone made them 3-6x cheaper)."""
    return 3.6 * dim * n * features**2 + 70 * features**3
