"""DDPM maths for the diffusion simulator: noise schedules, the forward process, the exact
score of a noised Gaussian mixture, and the reverse process driven by that exact score.

Schedules follow the paper's code (Ho et al. linear beta from 1e-4 to 2e-2 over T = 1000)
and Nichol & Dhariwal's cosine schedule (s = 0.008, beta clipped at 0.999). With the exact
noise prediction eps*(x, t) = -sqrt(1 - abar_t) * grad log p_t(x), ancestral sampling
    x_{t-1} = (x_t - beta_t / sqrt(1 - abar_t) * eps*) / sqrt(alpha_t) + sqrt(beta_t) z
returns samples from the data distribution (up to discretisation), which the tests check.
"""

from __future__ import annotations

import math

import numpy as np

from . import nn

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


def reverse(mixture: GaussianMixture, abar: np.ndarray, x_start: np.ndarray, rng: np.random.Generator,
            keep_every: int = 10) -> dict[int, np.ndarray]:
    """Ancestral sampling from t = T down to 0 with the exact score; returns snapshots
    {t: x_t} every `keep_every` steps (and at t = 0 and T)."""
    steps = len(abar) - 1
    x = x_start.copy()
    snapshots = {steps: x.copy()}
    for t in range(steps, 0, -1):
        alpha = abar[t] / abar[t - 1]
        beta = 1 - alpha
        eps = -math.sqrt(1 - abar[t]) * mixture.noised(abar[t]).score(x)
        x = (x - beta / math.sqrt(1 - abar[t]) * eps) / math.sqrt(alpha)
        if t > 1:  # no noise on the last step, as in DDPM
            x = x + math.sqrt(beta) * rng.normal(size=x.shape)
        if (t - 1) % keep_every == 0:
            snapshots[t - 1] = x.copy()
    return snapshots
