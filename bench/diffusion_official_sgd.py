"""The diffusion page's theory experiment trained as the authors' theory script trains it, to
measure what averaging the noise exactly (simulators/diffusion/theory.py) changes.

    python bench/diffusion_official_sgd.py [--seeds 0,1,2] [--sizes 32,64,128]

The authors' Theory/src/Training_random_features.py (tbonnair/Why-Diffusion-Models-Don-t-Memorize)
runs plain gradient descent on A with a fresh noise draw for every step, at a learning rate of
1e-2 d / Delta. This re-implements that procedure in NumPy on the page's own features, training
points and test sets, evaluates the page's three measures on it, and reads tau_gen and tau_mem
with the page's rules. One step of it is 2 Delta lr / d = 0.02 of the page's gradient-flow time
(the page fits its loss at unit rate). Prints, per seed and size, both times from the page's
closed form and from the stochastic run, and how far the stochastic score error ever falls.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sitegen.blas import pin_threads  # noqa: E402

pin_threads()

import numpy as np  # noqa: E402

from simulators.diffusion import theory as H  # noqa: E402
from simulators.diffusion import training as W  # noqa: E402

DIM, FEATURES = 64, 256  # the page's theory_dim and theory_features
NOISE = 1 - math.exp(-2 * H.DIFFUSION_TIME)
LEARNING_RATE = 1e-2 * DIM / NOISE  # the authors' choice
STEP = 2 * NOISE * LEARNING_RATE / DIM  # one stochastic step in the page's time


def stochastic_run(experiment: H.Experiment, n: int, rng: np.random.Generator, horizon: float) -> dict:
    """Train from A = 0 with a fresh noise draw per step; the page's measures at each of its TIMES."""
    points, eta_rows, train_rows = experiment.training_set(n)  # the rows: the page's exact noise average, to evaluate
    test_rows = experiment.phi(experiment.noised(experiment.test_clean, experiment.test_eta))
    score_rows = experiment.phi(experiment.test_clean)
    root = math.sqrt(NOISE)

    def loss(rows, eta, A):
        return float(np.mean(np.sum((root * rows @ A.T + eta) ** 2, axis=1)) / DIM)

    A = np.zeros((DIM, FEATURES))
    marks = {round(tau / STEP): tau for tau in H.TIMES if STEP <= tau <= horizon}
    curves = {"times": [], "train": [], "test": [], "score": [],
              "untrained": float(np.mean(np.sum(experiment.test_clean ** 2, axis=1)) / DIM)}  # at A = 0
    for step in range(1, max(marks) + 1):
        eta = rng.normal(size=(n, DIM))
        rows = experiment.phi(math.exp(-H.DIFFUSION_TIME) * points + root * eta)
        residual = root * rows @ A.T + eta
        A -= LEARNING_RATE * (2 * root / (DIM * n)) * (residual.T @ rows)
        if step in marks:
            curves["times"].append(marks[step])
            curves["train"].append(loss(train_rows, eta_rows, A))
            curves["test"].append(loss(test_rows, experiment.test_eta, A))
            curves["score"].append(float(np.mean(np.sum((score_rows @ A.T + experiment.test_clean) ** 2, axis=1)) / DIM))
    return curves


def read_times(curves: dict, optimum: float) -> tuple[float | None, float | None, float]:
    """tau_gen and tau_mem by the page's rules, and the lowest score error reached as a share of
    the untrained one."""
    times, untrained = curves["times"], curves["untrained"]
    gen = W.first_reaching(times, [-v for v in curves["score"]], -H.GEN_SCORE_SHARE * untrained)
    best = min(curves["test"])
    mem = None if best - optimum < NOISE else W.first_reaching(times, [-v for v in curves["train"]],
                                                                 -(best - H.MEM_SHARE * (best - optimum)))
    return gen, mem, min(curves["score"]) / untrained


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--sizes", default="32,64,128")
    args = parser.parse_args()
    sizes = [int(v) for v in args.sizes.split(",")]
    print(f"d = {DIM}, p = {FEATURES}, one stochastic step = {STEP:.3g} of the page's time")
    for seed in map(int, args.seeds.split(",")):
        experiment = H.Experiment(DIM, FEATURES, seed)
        page, stochastic = [], []
        for n in sizes:
            exact = experiment.train(n)
            curves = stochastic_run(experiment, n, np.random.default_rng([seed, 100]), 10 * exact["tau_mem"])
            gen, mem, lowest = read_times(curves, exact["train_optimum"])
            page.append(exact["tau_mem"])
            stochastic.append(mem)
            shown = lambda v: "never" if v is None else f"{v:.3g}"  # noqa: E731
            print(f"seed {seed}, n = {n:3d}: tau_gen {exact['tau_gen']:.3g} exact, {shown(gen)} stochastic "
                  f"(lowest score error {lowest:.2f} of untrained); tau_mem {exact['tau_mem']:.3g} exact, "
                  f"{shown(mem)} stochastic ({mem / exact['tau_mem'] - 1:+.1%})")
        print(f"seed {seed}: tau_mem slope {W.loglog_slope(sizes, page):.3f} exact, {W.loglog_slope(sizes, stochastic):.3f} stochastic")


if __name__ == "__main__":
    main()
