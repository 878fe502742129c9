"""Diffusion part 2: the random-features score model, its closed-form training, the
memorization criterion, and the generalization window measured over n."""

import json
import math
import re

import numpy as np
import pytest

from sim_helpers import runner
from simulators import REGISTRY, bridge
from simulators.kit.params import ParamError
from simulators import diffusion as S
from simulators.diffusion import process as D
from simulators.diffusion import training as W

run, steps = runner("diffusion")


@pytest.fixture(scope="module")
def small_fit():
    """One noise level, trained on 6 points, with its U and V rebuilt independently."""
    rng = np.random.default_rng(0)
    points = S.DATASETS["two blobs"].sample(rng, 6)
    eps = np.tile(W.NOISE_NODES, (6, 1))
    weights = np.tile(W.NOISE_WEIGHTS, 6) / 6
    noised = D.forward(np.repeat(points, len(W.NOISE_NODES), axis=0), eps, 0.5)
    features = W.RandomFeatures(rng, 32, 1.0)
    test = rng.normal(size=(50, 2))
    fit = W.LevelFit(features, noised, eps, weights, test, rng.normal(size=(50, 2)))
    phi = features(noised)
    return fit, phi, eps, weights


def test_closed_form_matches_plain_gradient_descent(small_fit):
    fit, phi, eps, weights = small_fit
    cov = (phi * weights[:, None]).T @ phi
    cross = (eps * weights[:, None]).T @ phi
    a = np.zeros((2, phi.shape[1]))
    for k in range(1, 201):
        a = a - fit.eta * 2 * (a @ cov - cross)  # the gradient of mean ||A phi - eps||^2 is 2 (A U - V)
        if k in (1, 7, 200):
            closed = fit.coefficients(k) @ fit.basis.T
            assert np.allclose(closed, a, rtol=1e-8, atol=1e-10)
            # and its training loss is the weighted mean squared error of that A
            direct = float((weights * ((phi @ a.T - eps) ** 2).sum(axis=1)).sum())
            assert fit.losses(k)[0] == pytest.approx(direct, rel=1e-9)


def test_training_loss_falls_monotonically(small_fit):
    fit = small_fit[0]
    losses = [fit.losses(k)[0] for k in W.checkpoints(10**6)]
    assert losses[0] < 2.0 and all(b <= a + 1e-12 for a, b in zip(losses, losses[1:]))


def test_quadrature_integrates_the_noise_exactly():
    assert W.NOISE_WEIGHTS.sum() == pytest.approx(1.0)
    second = (W.NOISE_WEIGHTS[:, None] * W.NOISE_NODES**2).sum(axis=0)
    fourth = (W.NOISE_WEIGHTS[:, None] * W.NOISE_NODES**4).sum(axis=0)
    assert np.allclose(second, 1.0) and np.allclose(fourth, 3.0)  # moments of N(0, 1)


def test_memorization_criterion_on_hand_made_cases():
    training = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 5.0]])
    samples = np.array([
        [0.0, 0.0],    # an exact copy: memorized
        [0.1, 0.0],    # 0.1 / 0.9 < 1/3: memorized
        [0.5, 0.0],    # halfway between two training points: not
        [10.0, 0.0],   # far from everything: 9 / 10, not
        [0.3, 0.0],    # 0.3 / 0.7 is above 1/3: not
    ])
    assert W.memorized(samples, training).tolist() == [True, True, False, False, False]
    with pytest.raises(ValueError, match="at least 2 training points"):
        W.memorized(samples, training[:1])


def test_reading_times_off_curves():
    assert W.first_reaching([1, 10, 100], [0.0, 0.5, 1.0], 0.75) == pytest.approx(10**1.5)
    assert W.first_reaching([1, 10], [0.6, 0.9], 0.5) == 1.0
    assert W.first_reaching([1, 10], [0.1, 0.2], 0.5) is None
    assert W.loglog_slope([2, 4, 8], [12, 48, 192]) == pytest.approx(2.0)
    assert W.loglog_slope([2, 4, 8], [12, None, 192]) == pytest.approx(2.0)  # unmeasured sizes are left out
    assert W.loglog_slope([2, 4], [5, None]) is None
    assert W.generalization_bar([2.0, 1.0, 1.5]) == pytest.approx(1.1)
    assert W.memorization_bar(0.2) == pytest.approx(0.6)


@pytest.fixture(scope="module")
def default_runs():
    return [run({}, seed) for seed in (0, 1, 2)]


def test_sweep_interface(default_runs):
    result = default_runs[0]
    assert [s["n"] for s in result["sweep"]] == [8, 16, 24, 32]
    for s in result["sweep"]:
        assert set(s) >= {"n", "tau_gen", "tau_mem"}
    assert isinstance(result["tau_mem_slope"], float) and isinstance(result["tau_gen_slope"], float)


def test_tau_mem_grows_with_n_while_tau_gen_stays_nearly_flat(default_runs):
    """At the defaults, over three seeds: the window opens at about the same time for every n
    and closes much later for more data."""
    budget = 10 ** REGISTRY["diffusion"].defaults()["budget"]
    for result in default_runs:
        sweep = result["sweep"]
        mem = [s["tau_mem"] if s["tau_mem"] is not None else 10 * budget for s in sweep]  # beyond the budget
        gen = [s["tau_gen"] for s in sweep]
        assert all(g is not None for g in gen)
        assert mem[-1] / mem[0] > 8  # measured 13 to 3400 over these seeds
        assert gen[-1] / gen[0] < 4 and mem[-1] / mem[0] > 3 * gen[-1] / gen[0]
        assert all(g < m for g, m in zip(gen, mem))  # a window exists for every n
        assert result["tau_mem_slope"] > 1.5 and abs(result["tau_gen_slope"]) < 1


def test_samples_generalize_inside_the_window_and_copy_after_it():
    early = run({"view_time": 2.0}, 0)["shown"]   # 100 steps: inside the window for n = 8
    late = run({"view_time": 7.0}, 0)["shown"]    # the whole budget
    assert early["tau_gen"] < 100 < early["tau_mem"]
    assert early["view_f_mem"] < early["chance"] + 0.15 and early["view_quality"] > 0.85
    assert late["view_f_mem"] > 0.6


def test_switching_the_shown_n_or_time_does_not_retrain():
    first = run({"sizes": "8, 16", "budget": 4, "samples": 50}, 3)
    models = {id(v["model"]) for v in S._TRAINED.values()}
    second = run({"sizes": "8, 16", "budget": 4, "samples": 50, "shown_n": 16, "view_time": 4}, 3)
    assert {id(v["model"]) for v in S._TRAINED.values()} == models and len(models) == 2
    assert second["shown"]["n"] == 16 and first["sweep"] == second["sweep"]


def test_a_shorter_budget_reads_the_longer_run_and_equals_its_own_training():
    setting = {"sizes": "8, 16", "samples": 50}
    own = run({**setting, "budget": 4}, 3)  # trained to 10^4 steps alone
    S._TRAINED.clear()
    run({**setting, "budget": 5}, 3)
    models = {id(v["model"]) for v in S._TRAINED.values()}
    read = run({**setting, "budget": 4}, 3)
    assert {id(v["model"]) for v in S._TRAINED.values()} == models  # nothing trained again
    assert read == own  # every curve, time and sample, bit for bit
    assert read["sweep"] != run({**setting, "budget": 5}, 3)["sweep"]  # the budget matters: the equality says something
    # and a longer budget than the cached one trains again
    run({**setting, "budget": 6}, 3)
    assert {id(v["model"]) for v in S._TRAINED.values()}.isdisjoint(models)


def test_the_nearest_size_is_shown_when_the_sizes_change():
    assert run({"sizes": "16, 32", "budget": 3, "samples": 50}, 0)["shown"]["n"] == 16
    assert run({"sizes": "8, 16", "budget": 3, "samples": 50, "shown_n": 13}, 0)["shown"]["n"] == 16


def test_frames_fill_the_sweep_one_size_at_a_time():
    frames = list(steps({"sizes": "8, 16, 24", "budget": 3, "samples": 50, "theory_sizes": "16, 24"}, 4))
    # the two-dimensional sizes first, then the high-dimensional experiment's, one by one
    assert [len(f["sweep"]) for f in frames] == [0, 1, 2, 3, 3, 3]
    assert [f["theory"] and len(f["theory"]["sweep"]) for f in frames] == [None, None, None, None, 1, 2]
    assert [f["done"] for f in frames] == [False] * 5 + [True]
    assert "shown" not in frames[0] and frames[-1]["shown"]["n"] == 8
    assert [f["progress"] for f in frames] == sorted(f["progress"] for f in frames)
    assert "<svg" in S.render(frames[0]) and "sizes done" in S.render(frames[0])
    # Once trained, a redraw (here: another time step) is a single final frame.
    again = list(steps({"sizes": "8, 16, 24", "budget": 3, "samples": 50, "t": 500, "theory_sizes": "16, 24"}, 4))
    assert len(again) == 1 and again[0]["done"]


def test_a_training_is_driven_piece_by_piece_with_its_progress():
    """The browser's worker answers the reader (a change of t) only between two steps of a run:
    each size's training is a step per noise level's fit and per checkpoint's samples, not one
    step of a second or more, and the progress moves with each piece."""
    params = {"sizes": "8, 16", "budget": 4, "samples": 50, "theory_sizes": "16, 24"}
    run = bridge.Run("diffusion", json.dumps(params), 2)
    run.delegate(0)
    seen = []
    while run.advance():
        seen.append((run.progress, run.phase))
    pieces = len(W.LEVELS) + len(W.checkpoints(10**4))
    training = [progress for progress, phase in seen if phase == "training"]
    assert len(training) == 2 * (pieces - 1)  # the last piece of each ends with the next frame
    assert training == sorted(training) and len(set(training)) == len(training)
    assert seen[-1] == (1.0, "computing") and run.done
    assert json.loads(run.frame_json())["result"] == bridge.frame("diffusion", params, 2).result


@pytest.mark.parametrize("params, message", [
    ({"sizes": "8, x"}, "Training-set sizes n (sizes) must list whole numbers like 8, 16, 32, got 'x'"),
    ({"sizes": "8, 500"}, "Training-set sizes n (sizes) must list sizes between 2 and 128, got 500"),
    ({"sizes": "1, 8"}, "must list sizes between 2 and 128, got 1"),
    ({"sizes": "8"}, "must list 2 to 5 different sizes, to fit a slope; got 1"),
    ({"sizes": "8, 8"}, "must list 2 to 5 different sizes, to fit a slope; got 1"),
    ({"sizes": "2, 4, 8, 16, 32, 64"}, "must list 2 to 5 different sizes, to fit a slope; got 6"),
    ({"view_time": 6.0, "budget": 5}, "Samples after 10ˣ steps (view_time) must be within the training budget (10^5 steps), got 10^6.0"),
    ({"budget": 9}, "Training budget (10ˣ steps) (budget) must be between 3 and 7, got 9"),
    ({"features": 4}, "Random features p (features) must be between 64 and 512, got 4"),
])
def test_bad_training_settings_are_named(params, message):
    with pytest.raises(ParamError, match=re.escape(message)):
        run(params, 0)


def test_table_lists_the_sweep(default_runs):
    table = S.table(default_runs[0])
    assert [row[0] for row in table["rows"]] == [8, 16, 24, 32]
    assert table["columns"][1].startswith("τ_gen") and math.isfinite(table["rows"][0][1])


def test_training_keeps_one_levels_test_features_at_a_time():
    """Each noise level's test features (1,000 x p) are dropped once its losses are read: the 13
    levels' together held 27 MB at p = 256, and the browser's heap keeps its largest size."""
    import tracemalloc

    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        W.train_curves(S.DATASETS["two blobs"], D.alpha_bar("linear"), 32, 256, 10**3, 0)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert peak < 20e6, f"training n = 32 peaked at {peak / 1e6:.0f} MB"
