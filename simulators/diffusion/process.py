"""DDPM maths for the diffusion simulator: noise schedules, the forward process, the exact
score of a noised Gaussian mixture, and the reverse process driven by that exact score.

Schedules follow the paper's code (Ho et al. linear beta from 1e-4 to 2e-2 over T = 1000)
and Nichol & Dhariwal's cosine schedule (s = 0.008, beta clipped at 0.999). With the exact
noise prediction eps*(x, t) = -sqrt(1 - abar_t) * grad log p_t(x), ancestral sampling
    x_{t-1} = (x_t - beta_t / sqrt(1 - abar_t) * eps*) / sqrt(alpha_t) + sqrt(beta_t) z
returns samples from the data distribution (up to discretisation), which the tests check.
`reverse` takes any score function, so the trained models of `training` sample
through the same code.
"""

from __future__ import annotations

import math

import numpy as np

from ..kit import nn

T = 1000
SCHEDULES = ("linear", "cosine")


def alpha_bar(schedule: str, steps: int = T) -> np.ndarray:
    """abar_t for t = 0..steps (abar_0 = 1: clean data)."""
    if schedule == "linear":
        betas = np.linspace(1e-4, 2e-2, steps)
    elif schedule == "cosine":
        s = 0.008
        f = np.cos((np.arange(steps + 1) / steps + s) / (1 + s) * math.pi / 2) ** 2
        betas = np.minimum(1 - f[1:] / f[:-1], 0.999)
    else:
        raise ValueError(f"unknown schedule {schedule!r}: choose one of {', '.join(SCHEDULES)}")
    return np.concatenate([[1.0], np.cumprod(1 - betas)])


def forward(x0: np.ndarray, noise: np.ndarray, abar: float) -> np.ndarray:
    """x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps."""
    return math.sqrt(abar) * x0 + math.sqrt(1 - abar) * noise


class GaussianMixture:
    """Equal-weight isotropic Gaussian mixture in the plane: means (K, 2), one std."""

    def __init__(self, means, std: float):
        self.means, self.std = np.asarray(means, dtype=float), float(std)

    def sample(self, rng: np.random.Generator, count: int) -> np.ndarray:
        which = rng.integers(len(self.means), size=count)
        return self.means[which] + self.std * rng.normal(size=(count, self.means.shape[1]))

    def balanced_sample(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """`count` points with the components taking turns, so each gets its share (up to one)."""
        which = (np.arange(count) + rng.integers(len(self.means))) % len(self.means)
        return self.means[which] + self.std * rng.normal(size=(count, self.means.shape[1]))

    def noised(self, abar: float) -> "GaussianMixture":
        """The law of x_t: means shrink by sqrt(abar), variance becomes abar s^2 + 1 - abar."""
        return GaussianMixture(math.sqrt(abar) * self.means, math.sqrt(abar * self.std**2 + 1 - abar))

    def log_density(self, x: np.ndarray) -> np.ndarray:
        d = self.means.shape[1]
        sq = ((x[:, None, :] - self.means[None]) ** 2).sum(-1) / self.std**2
        return nn.logsumexp(-0.5 * sq, axis=1) - math.log(len(self.means)) - d * math.log(math.sqrt(2 * math.pi) * self.std)

    def score(self, x: np.ndarray) -> np.ndarray:
        """grad_x log p(x): the responsibility-weighted pull toward each mean."""
        sq = ((x[:, None, :] - self.means[None]) ** 2).sum(-1) / self.std**2
        resp = nn.softmax(-0.5 * sq, axis=1)
        return (resp @ self.means - x) / self.std**2


def reverse(score, abar: np.ndarray, x_start: np.ndarray, rng: np.random.Generator,
            times=None, keep_every: int = 10, clip: float | None = None) -> dict[int, np.ndarray]:
    """Ancestral sampling from the first of `times` (default T, T-1, ..., 1) down to t = 0.

    `score(x, t)` estimates grad log p_t. Each step from t to the next time s < t predicts the
    clean point by Tweedie's formula, x0 = (x_t + (1 - abar_t) score) / sqrt(abar_t), optionally
    clipped to [-clip, clip] (as DDPM clips images), and moves to the mean of the forward
    process's posterior q(x_s | x_t, x0) plus noise of variance 1 - abar_t / abar_s. With
    s = t - 1 and no clipping this is exactly Ho et al.'s step with sigma_t^2 = beta_t (the
    posterior variance beta~_t left samples measurably too tight at the end, by the tests);
    strided times take the same step over a larger gap. The last step returns x0 itself. Returns snapshots {t: x_t} at t = 0, at the start, and at
    every multiple of `keep_every` visited.
    """
    steps = len(abar) - 1
    times = list(range(steps, 0, -1)) if times is None else [int(t) for t in times]
    if any(b >= a for a, b in zip(times, times[1:])) or times[-1] < 1 or times[0] > steps:
        raise ValueError(f"reverse: times must decrease within 1..{steps}")
    x = x_start.copy()
    snapshots = {times[0]: x.copy()}
    for t, s in zip(times, times[1:] + [0]):
        at, as_ = abar[t], abar[s]
        x0 = (x + (1 - at) * score(x, t)) / math.sqrt(at)
        if clip is not None:
            x0 = np.clip(x0, -clip, clip)
        if s == 0:
            x = x0
        else:
            ats = at / as_  # abar of the jump from s to t
            mean = math.sqrt(as_) * (1 - ats) / (1 - at) * x0 + math.sqrt(ats) * (1 - as_) / (1 - at) * x
            x = mean + math.sqrt(1 - ats) * rng.normal(size=x.shape)
        if s % keep_every == 0:
            snapshots[s] = x.copy()
    return snapshots


def exact_score(mixture: GaussianMixture, abar: np.ndarray):
    """score(x, t) of the noised mixture at time t: what a perfectly trained model would learn."""
    return lambda x, t: mixture.noised(abar[t]).score(x)
