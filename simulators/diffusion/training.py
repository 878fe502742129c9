"""Training a diffusion model's score on n points, and reading off when it generalises and
when it starts to memorise (Bonnaire, Urfin, Biroli & Mezard, NeurIPS 2025).

The model is the paper's random-features score, one per noise level t:
    eps_A(x) = A tanh(W (x - c) / width_t),    score = -eps_A / sqrt(1 - abar_t),
with W and the centres c random and fixed and only A trained. (In two dimensions the centres
matter: tanh(Wx) alone is odd, so it could never fit an asymmetric training set; the width
follows the noise level so the features can resolve what the noised data looks like.)

A is trained by full-batch gradient descent on the denoising loss mean ||eps_A(x_t) - eps||^2
over the n training points, with the expectation over the noise eps taken by Gauss-Hermite
quadrature (as if every point were seen with infinitely many noise draws). The loss is
quadratic in A, so gradient descent from A = 0 has a closed form in the eigenbasis of the
feature covariance U:  B_k = (V Q / lambda) (1 - (1 - 2 eta lambda)^k),  A_k = B_k Q^T.
That is the paper's mechanism in miniature: directions with large eigenvalues (the shape of
the distribution) are learned early, directions with small ones (the particular training
points) late. Any step count k costs the same to evaluate, so curves over 10^0..10^7 steps
are cheap; `tests/simulators/test_diffusion_training.py` checks the closed form against plain iteration.
"""

from __future__ import annotations

import math

import numpy as np

from ..kit.parts import result_of
from ..kit.products import gram
from . import process as D

# Noise levels (DDPM time steps) the models are trained at; sampling visits them in this order.
LEVELS = (1000, 600, 400, 280, 200, 140, 100, 70, 50, 35, 25, 18, 12)
CLIP = 4.0  # the sampler clips its clean-point prediction to the plotted box, as DDPM clips images
CENTRE_BOX = 2.5  # feature centres are drawn where the data can be, so every ridge can matter
WIDTH_FLOOR = 0.05  # features never get sharper than this, whatever the noise level
TEST_POINTS = 1000
_NODES_1D, _WEIGHTS_1D = np.polynomial.hermite_e.hermegauss(4)
NOISE_NODES = np.array([[u, v] for u in _NODES_1D for v in _NODES_1D])  # 16 points, exact to degree 7
NOISE_WEIGHTS = np.array([a * b for a in _WEIGHTS_1D for b in _WEIGHTS_1D]) / _WEIGHTS_1D.sum() ** 2


class RandomFeatures:
    """phi(x) = tanh(W (x - c) / width): `count` fixed random ridges through the data's region."""

    def __init__(self, rng: np.random.Generator, count: int, width: float):
        self.directions = rng.normal(size=(count, 2)) / width
        self.offsets = -(self.directions * rng.uniform(-CENTRE_BOX, CENTRE_BOX, size=(count, 2))).sum(axis=1)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return np.tanh(x @ self.directions.T + self.offsets)


class LevelFit:
    """Gradient descent on A at one noise level, solved in closed form."""

    def __init__(self, features: RandomFeatures, x_noised, eps, weights, test_noised, test_eps):
        self.features = features
        phi = features(x_noised)
        self.lam, self.basis = np.linalg.eigh(gram(phi, weights))
        self.lam = np.maximum(self.lam, 0.0)
        self.eta = 0.5 / self.lam[-1]  # the largest stable step is 1 / lambda_max; take half
        self.target = ((eps * weights[:, None]).T @ phi) @ self.basis  # V Q, shape (2, p)
        self.noise_energy = float((weights * (eps**2).sum(axis=1)).sum())
        self.test_phi, self.test_eps = features(test_noised), test_eps

    def coefficients(self, steps: float) -> np.ndarray:
        """B_k = A_k Q after k gradient steps from A = 0."""
        with np.errstate(divide="ignore", invalid="ignore"):  # lambda = lambda_max gives log(0) = -inf: fine
            decay = np.log1p(-np.minimum(self.lam * 2 * self.eta, 1.0))
            gain = np.where(self.lam > 0, -np.expm1(steps * decay) / self.lam, 2 * self.eta * steps)
        return self.target * gain

    def readout(self, steps: float) -> np.ndarray:
        """A_k itself, shape (2, p)."""
        return self.coefficients(steps) @ self.basis.T

    def losses(self, steps: float) -> tuple[float, float]:
        """(train, test) denoising loss after `steps` steps; the test loss on fresh points and noise."""
        b = self.coefficients(steps)
        train = float((b * b * self.lam).sum() - 2 * (b * self.target).sum() + self.noise_energy)
        test = float(((self.test_phi @ self.readout(steps).T - self.test_eps) ** 2).sum(axis=1).mean())
        return train, test

    def predictor(self, steps: float):
        """eps_A(x) after `steps` steps."""
        weights = self.readout(steps)
        return lambda x: self.features(x) @ weights.T


class TrainedScore:
    """One random-features model per level, all trained on the same n points; once `fit` has
    run, `losses` holds the (train, test) loss averaged over the levels at each of its steps."""

    def __init__(self, abar: np.ndarray, points: np.ndarray):
        self.abar, self.points = abar, points
        self.levels: dict[int, LevelFit] = {}
        self.losses: list[tuple[float, float]] = []

    def fit(self, mixture: D.GaussianMixture, features: int, rng: np.random.Generator, steps: list[int]):
        """Fit the levels one after another: a generator that yields after each level."""
        test = mixture.sample(rng, TEST_POINTS)
        points = self.points
        eps = np.tile(NOISE_NODES, (len(points), 1))
        weights = np.tile(NOISE_WEIGHTS, len(points)) / len(points)
        clean = np.repeat(points, len(NOISE_NODES), axis=0)
        per_level = []
        for t in LEVELS:
            a = self.abar[t]
            width = max(math.sqrt(1 - a), WIDTH_FLOOR) * 1.5
            test_eps = rng.normal(size=test.shape)
            fit = LevelFit(RandomFeatures(rng, features, width), D.forward(clean, eps, a), eps, weights,
                           D.forward(test, test_eps, a), test_eps)
            per_level.append([fit.losses(k) for k in steps])
            # Sampling needs only the readout: the test points' features (1,000 x p, 2 MB at
            # p = 256) go as soon as the level's losses are read, one level's at a time.
            fit.test_phi = fit.test_eps = None
            self.levels[t] = fit
            yield
        pairs = np.array(per_level)  # (level, checkpoint, train/test)
        self.losses = [(float(pairs[:, i, 0].mean()), float(pairs[:, i, 1].mean())) for i in range(len(steps))]

    def sample(self, steps: float, x_start: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Generate from noise with the model as it is after `steps` gradient steps."""
        predictors = {t: fit.predictor(steps) for t, fit in self.levels.items()}
        score = lambda x, t: -predictors[t](x) / math.sqrt(1 - self.abar[t])  # noqa: E731
        return D.reverse(score, self.abar, x_start, rng, times=LEVELS, keep_every=D.T, clip=CLIP)[0]


def memorized(samples: np.ndarray, training: np.ndarray, ratio: float = 1 / 3) -> np.ndarray:
    """The paper's criterion per sample: d(x, NN1) / d(x, NN2) < 1/3 over the training set."""
    if len(training) < 2:
        raise ValueError("memorization needs at least 2 training points")
    dist = np.sqrt(((samples[:, None, :] - training[None]) ** 2).sum(-1))
    nearest = np.partition(dist, 1, axis=1)[:, :2]
    return nearest[:, 0] < ratio * nearest[:, 1]


def on_data(mixture: D.GaussianMixture, points: np.ndarray) -> float:
    """Share of points within 3 std of some component mean: a bounded sample-quality score."""
    dist = np.sqrt(((points[:, None] - mixture.means[None]) ** 2).sum(-1)).min(axis=1)
    return float((dist < 3 * mixture.std).mean())


def checkpoints(budget: int, per_decade: int = 4) -> list[int]:
    """Log-spaced step counts from 1 to `budget`."""
    count = int(round(math.log10(budget) * per_decade)) + 1
    return sorted({int(round(v)) for v in np.logspace(0, math.log10(budget), count)})


def first_reaching(times: list[int], values: list[float], threshold: float):
    """When a curve first reaches `threshold`, interpolating linearly in log-time between the
    checkpoints around the crossing (None if it never does)."""
    for i, (t, v) in enumerate(zip(times, values)):
        if v >= threshold:
            if i == 0:
                return float(t)
            t0, v0 = times[i - 1], values[i - 1]
            share = (threshold - v0) / (v - v0)
            return float(10 ** (math.log10(t0) + share * (math.log10(t) - math.log10(t0))))
    return None


def loglog_slope(xs, ys):
    """Least-squares slope of log y against log x over the pairs where y was measured."""
    pairs = [(math.log(x), math.log(y)) for x, y in zip(xs, ys) if y]
    if len(pairs) < 2:
        return None
    lx, ly = np.array(pairs).T
    return float(np.polyfit(lx, ly, 1)[0])


# How tau_gen and tau_mem are read off the curves (nothing else decides them):
GEN_SHARE = 0.9  # tau_gen: the test loss has made 90% of its whole drop (untrained -> best)
SAMPLES = 300  # generated at every checkpoint, from the same starting noise (common random numbers)


def generalization_bar(test_loss: list[float]) -> float:
    """tau_gen is read on the test loss, which memorization cannot flatter: sample quality can,
    since copies of training points lie on the data too."""
    return test_loss[0] - GEN_SHARE * (test_loss[0] - min(test_loss))


def memorization_bar(chance: float) -> float:
    """tau_mem: first checkpoint where f_mem is halfway from chance to 1. In two dimensions fresh
    data already pass the 1/3 test fairly often (chance), so the bar starts from there."""
    return chance + (1 - chance) / 2


# The levels' fits are about half of a training's work, and drawing samples at every checkpoint
# the other half (measured in CPython: 52-77 % fits, from n = 32 at p = 64 to n = 128 at p = 512).
FIT_SHARE = 0.5


def cost(features: int, n: int) -> float:
    """Multiply-adds of one train_curves, for sharing out progress: per level, the Gram of the
    16 quadrature points per training point and the eigendecomposition (theory.cost's units),
    and the checkpoints' samples on top (FIT_SHARE)."""
    return len(LEVELS) * (len(NOISE_NODES) * n * features**2 + 12 * features**3) / FIT_SHARE


def within(run: dict, budget: int) -> dict:
    """A run trained to a longer budget, read as if it had trained to `budget` alone: gradient
    descent is solved in closed form per checkpoint and each checkpoint's samples start from the
    same noise, so a shorter budget's checkpoints and curves are the longer one's first ones
    (checkpoints(10^b) is a prefix of checkpoints(10^(b+1)); tested bit for bit)."""
    if run["steps"][-1] == budget:
        return run
    wanted = checkpoints(budget)
    kept = len(wanted)
    if run["steps"][:kept] != wanted:
        raise ValueError(f"a run to {run['steps'][-1]} steps does not hold the checkpoints of {budget}")
    curves = {k: run[k][:kept] for k in ("steps", "train_loss", "test_loss", "quality", "f_mem")}
    return {**run, **curves, **_times(curves, run["chance"])}


def _times(curves: dict, chance: float) -> dict:
    """tau_gen and tau_mem read off a run's curves."""
    steps = curves["steps"]
    return {"tau_gen": first_reaching(steps, [-v for v in curves["test_loss"]], -generalization_bar(curves["test_loss"])),
            "tau_mem": first_reaching(steps, curves["f_mem"], memorization_bar(chance))}


def training(mixture: D.GaussianMixture, abar: np.ndarray, n: int, features: int, budget: int, seed: int):
    """Train on n points and follow the model over log-spaced checkpoints up to `budget` steps,
    a piece at a time: a generator that yields the fraction done after each level's fit and each
    checkpoint's samples (in the browser's worker a piece is about 0.05 s, where the whole is
    over a second, and the reader is answered between two pieces), and returns the run."""
    rng = np.random.default_rng([seed, 2, n])
    points = mixture.balanced_sample(rng, n)
    steps = checkpoints(budget)
    model = TrainedScore(abar, points)
    for fitted, _ in enumerate(model.fit(mixture, features, rng, steps), start=1):
        yield FIT_SHARE * fitted / len(LEVELS)
    start = rng.normal(size=(SAMPLES, 2))
    chance = float(memorized(mixture.sample(rng, TEST_POINTS), points).mean())
    curves = {"steps": steps, "train_loss": [], "test_loss": [], "quality": [], "f_mem": []}
    for sampled, (k, (train, test)) in enumerate(zip(steps, model.losses), start=1):
        samples = model.sample(k, start, np.random.default_rng([seed, 3]))
        curves["train_loss"].append(train)
        curves["test_loss"].append(test)
        curves["quality"].append(on_data(mixture, samples))
        curves["f_mem"].append(float(memorized(samples, points).mean()))
        if sampled < len(steps):
            yield FIT_SHARE + (1 - FIT_SHARE) * sampled / len(steps)
    return {"n": n, "model": model, "points": points, "start": start, "chance": chance, **curves, **_times(curves, chance)}


def train_curves(mixture: D.GaussianMixture, abar: np.ndarray, n: int, features: int, budget: int, seed: int) -> dict:
    """`training` at once."""
    return result_of(training(mixture, abar, n, features, budget, seed))
