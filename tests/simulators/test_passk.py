"""Pass@k explorer: the estimator against exact maths, the GRPO machinery, and the paper's picture."""

from __future__ import annotations

import re
import itertools
import math
from fractions import Fraction

import numpy as np
import pytest

from sim_helpers import runner
from simulators.kit.params import ParamError
from simulators import passk as K

run, steps = runner("passk")


def exact(n: int, c: int, k: int) -> float:
    return float(1 - Fraction(math.comb(n - c, k), math.comb(n, k)))


def test_estimator_matches_the_combinatorial_formula():
    for n in range(1, 13):
        for c in range(n + 1):
            for k in range(1, n + 1):
                assert K.pass_at_k(n, c, k) == pytest.approx(exact(n, c, k), abs=1e-12), (n, c, k)


def test_estimator_matches_brute_force_enumeration():
    # pass@k is the chance that a random k-subset of the n samples holds a correct one.
    for n in range(1, 8):
        for c in range(n + 1):
            samples = [True] * c + [False] * (n - c)
            for k in range(1, n + 1):
                subsets = list(itertools.combinations(samples, k))
                hit = sum(any(s) for s in subsets) / len(subsets)
                assert K.pass_at_k(n, c, k) == pytest.approx(hit, abs=1e-12)


@pytest.mark.parametrize("n", [256, 1024])
def test_estimator_is_stable_for_large_n(n):
    # math.comb(1024, 512) has ~300 digits: a naive float ratio overflows, the product form must not.
    correct = np.array([0, 1, 2, 7, 100, n // 2, n - 1, n])
    table = K.pass_at_all_k(n, correct)
    assert np.all(np.isfinite(table)) and table.min() >= 0 and table.max() <= 1
    for row, c in zip(table, correct):
        for k in (1, 2, 16, 128, n // 2, n):
            want = exact(n, int(c), k)
            assert row[k - 1] == pytest.approx(want, abs=1e-9)
            assert K.pass_at_k(n, int(c), k) == pytest.approx(want, abs=1e-9)
        assert np.all(np.diff(row) >= -1e-12)  # more tries never hurt


def test_estimator_is_unbiased():
    rng = np.random.default_rng(0)
    p, n, k = 0.03, 64, 16
    estimates = [K.pass_at_k(n, int(c), k) for c in rng.binomial(n, p, size=20000)]
    assert np.mean(estimates) == pytest.approx(1 - (1 - p) ** k, abs=0.01)


@pytest.mark.parametrize("args, message", [
    ((4, 1, 5), "k = 5 must be between 1 and n = 4"),
    ((4, 1, 0), "k = 0 must be between 1 and n = 4"),
    ((4, 5, 1), "c = 5 must be between 0 and n = 4"),
    ((0, 0, 1), "n = 0 must be at least 1"),
    ((4, 1.5, 1), "c = 1.5 must be a whole number"),
])
def test_estimator_rejects_bad_arguments(args, message):
    with pytest.raises(ValueError, match=message):
        K.pass_at_k(*args)


def test_sampler_follows_the_probabilities():
    rng = np.random.default_rng(1)
    probs = rng.dirichlet(np.full(6, 0.4), size=4)
    paths = K.sample_paths(probs, 40000, rng)
    for row, p in zip(paths, probs):
        assert np.bincount(row, minlength=6) / 40000 == pytest.approx(p, abs=0.01)


def test_policy_gradient_matches_finite_differences():
    # d/dlogits of mean_i w_i log softmax(logits)[s_i], for each problem row.
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(3, 5))
    paths = rng.integers(0, 5, size=(3, 4))
    weights = rng.normal(size=(3, 4))

    def objective(z):
        logp = np.log(K.softmax(z))
        return float((weights * np.take_along_axis(logp, paths, axis=1)).sum() / paths.shape[1])

    grad = K.score_function_grad(paths, weights, K.softmax(logits))
    numeric = np.zeros_like(logits)
    for idx in np.ndindex(logits.shape):
        step = np.zeros_like(logits)
        step[idx] = 1e-6
        numeric[idx] = (objective(logits + step) - objective(logits - step)) / 2e-6
    np.testing.assert_allclose(grad, numeric, atol=1e-7)


def test_grpo_ignores_groups_without_signal():
    solves = np.array([[True] * 4, [False] * 4])  # always right, always wrong
    policy = K.Policy(np.zeros((2, 4)))
    K.grpo_step(policy, solves, 8, 1.0, np.random.default_rng(0))
    assert np.all(policy.per_problem == 0) and np.all(policy.shared == 0) and policy.sharpness == 1.0


def test_result_interface_and_determinism():
    params = {"n_problems": 30, "samples": 64, "rl_steps": 40, "distill_steps": 40}
    a, b = run(params, 5), run(params, 5)
    assert a == b
    assert a["ks"] == list(range(1, 65))
    assert set(a["pass_at_k"]) == {"base", "rl", "distilled"}
    assert all(len(curve) == 64 for curve in a["pass_at_k"].values())
    assert run(params, 6)["pass_at_k"] != a["pass_at_k"]


def test_zero_rl_steps_gives_the_base_model():
    result = run({"rl_steps": 0, "n_problems": 40}, 3)
    assert result["pass_at_k"]["rl"] == result["pass_at_k"]["base"]
    assert result["crossover_k"] is None


@pytest.mark.parametrize("params, message", [
    ({"n_problems": 0}, "Problems (n_problems) must be between 1 and 400, got 0"),
    ({"samples": 2048}, "Samples per problem n (samples) must be between 2 and 1024, got 2048"),
    ({"group_size": 1}, "Group size G (group_size) must be between 2 and 64, got 1"),
    ({"n_problems": 400, "rl_steps": 1000, "distill_steps": 1000, "group_size": 64}, "Problems (n_problems) = 400 with these steps and group size would take"),
])
def test_bad_parameters_are_named(params, message):
    with pytest.raises(ParamError, match=re.escape(message)):
        run(params, 0)


class TestThePapersPicture:
    """At the defaults, across seeds: what the paper reports, produced by training."""

    SEEDS = range(5)

    @pytest.fixture(scope="class")
    def runs(self):
        return {seed: run({}, seed) for seed in self.SEEDS}

    def test_rl_wins_at_k_1_and_loses_at_k_n(self, runs):
        for seed, r in runs.items():
            base, rl = r["pass_at_k"]["base"], r["pass_at_k"]["rl"]
            assert rl[0] > base[0] + 0.05, seed
            assert base[-1] > rl[-1], seed
            assert r["crossover_k"] is not None and 1 < r["crossover_k"] < r["params"]["samples"], seed

    def test_distillation_is_above_base_at_both_ends(self, runs):
        for seed, r in runs.items():
            base, distilled = r["pass_at_k"]["base"], r["pass_at_k"]["distilled"]
            assert distilled[0] > base[0] and distilled[-1] > base[-1], seed

    def test_rl_makes_accuracy_more_extreme(self, runs):
        # The paper's Fig. 5: after RL, more problems near accuracy 1 and more at exactly 0.
        for seed, r in runs.items():
            base, rl = r["histogram"]["base"], r["histogram"]["rl"]
            assert rl[-1] > base[-1] and rl[0] > base[0], seed

    def test_more_rl_steps_narrow_coverage(self):
        coverage = {steps: np.mean([run({"rl_steps": steps, "distill_steps": 0}, s)["coverage"]["rl"] for s in self.SEEDS])
                    for steps in (0, 50, 150)}
        assert coverage[0] > coverage[50] > coverage[150], coverage
