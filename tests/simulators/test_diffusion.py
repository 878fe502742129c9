"""Diffusion simulator: schedules, forward moments, the exact score, and the ideal reverse process."""

import re
import math

import numpy as np
import pytest

from sim_helpers import runner
from simulators import diffusion as S
from simulators.kit.cache import clear_all
from simulators.kit.params import ParamError
from simulators.diffusion import process as D
from gradient_check import numerical_gradient, relative_error

run, steps = runner("diffusion")


def test_schedules():
    linear, cosine = D.alpha_bar("linear"), D.alpha_bar("cosine")
    assert linear[0] == cosine[0] == 1.0 and len(linear) == D.T + 1
    assert np.all(np.diff(linear) < 0) and np.all(np.diff(cosine) < 0)
    # prod(1 - beta) for beta linear in [1e-4, 0.02] over 1000 steps, computed independently:
    assert linear[-1] == pytest.approx(math.exp(sum(math.log(1 - (1e-4 + (0.02 - 1e-4) * i / 999)) for i in range(1000))))
    assert linear[-1] == pytest.approx(4.04e-5, rel=0.01)
    assert cosine[500] == pytest.approx(0.49, abs=0.01)  # cosine keeps about half the signal at T/2
    with pytest.raises(ValueError, match="unknown schedule 'quadratic'"):
        D.alpha_bar("quadratic")


@pytest.mark.parametrize("abar", [0.9, 0.4, 0.05])
def test_forward_moments(abar):
    rng = np.random.default_rng(0)
    x0 = np.array([1.5, -0.7])
    draws = D.forward(x0, rng.normal(size=(40_000, 2)), abar)
    se = math.sqrt((1 - abar) / len(draws))
    assert np.all(np.abs(draws.mean(axis=0) - math.sqrt(abar) * x0) < 4 * se)
    assert np.allclose(draws.var(axis=0), 1 - abar, rtol=0.03)


def test_noised_mixture_is_the_law_of_noised_samples():
    mixture = S.DATASETS["two blobs"]
    rng = np.random.default_rng(1)
    abar = 0.3
    noised = D.forward(mixture.sample(rng, 60_000), rng.normal(size=(60_000, 2)), abar)
    closed = mixture.noised(abar)
    assert np.allclose(noised.mean(axis=0), closed.means.mean(axis=0), atol=0.02)
    # Per-axis variance of an equal mixture: component variance + variance of the means.
    expected = closed.std**2 + closed.means.var(axis=0)
    assert np.allclose(noised.var(axis=0), expected, rtol=0.03)


@pytest.mark.parametrize("name", sorted(S.DATASETS))
def test_score_is_the_gradient_of_the_log_density(name):
    mixture = S.DATASETS[name].noised(0.6)
    x = np.random.default_rng(2).normal(size=(5, 2)) * 2
    for i in range(len(x)):
        point = x[i:i + 1].copy()
        numeric = numerical_gradient(lambda: float(mixture.log_density(point)[0]), point)
        assert relative_error(mixture.score(point), numeric) < 1e-6


@pytest.mark.parametrize("name", sorted(S.DATASETS))
@pytest.mark.parametrize("schedule", D.SCHEDULES)
def test_exact_score_reverse_process_returns_the_data_distribution(name, schedule):
    mixture = S.DATASETS[name]
    rng = np.random.default_rng(3)
    abar = D.alpha_bar(schedule)
    samples = D.reverse(D.exact_score(mixture, abar), abar, rng.normal(size=(3000, 2)), rng, keep_every=100)[0]
    dist = np.sqrt(((samples[:, None] - mixture.means[None]) ** 2).sum(-1))
    counts = np.bincount(dist.argmin(axis=1), minlength=len(mixture.means))
    expected = len(samples) / len(mixture.means)
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert chi2 < 3 * len(mixture.means)  # components visited equally (mean of chi2 is K - 1)
    if name != "two blobs":  # well-separated components: distance to the own mean is Rayleigh
        assert dist.min(axis=1).mean() == pytest.approx(mixture.std * math.sqrt(math.pi / 2), rel=0.08)
    fresh = mixture.sample(rng, 3000)
    assert mixture.log_density(samples).mean() == pytest.approx(mixture.log_density(fresh).mean(), abs=0.08)


def test_timeline_ends():
    start, end = run({"t": 0}, 5), run({"t": 1000}, 5)
    assert start["alpha_bar"] == 1.0 and start["snr"] is None
    assert start["final"]["on_data"] > 0.95
    noise = np.array(end["forward_points"])
    assert abs(noise.mean()) < 0.15 and noise.std() == pytest.approx(1.0, abs=0.1)  # pure noise at t = T
    # The reverse process starts from pure noise at t = T: its points there are standard normal too.
    assert np.array(end["reverse_points"]).std() == pytest.approx(1.0, abs=0.1)


def test_scrubbing_reuses_the_reverse_run():
    a = run({"t": 200}, 7)
    assert len(S._REVERSED) == 1
    b = run({"t": 600}, 7)
    assert len(S._REVERSED) == 1 and a["final"] == b["final"]


# Small trainings (0.7 s a run in CPython, the page's own 6 s): both kinds still trained and shown.
SMALL = {"sizes": "8, 16", "budget": 4, "theory_sizes": "8, 16", "theory_features": 64, "features": 64}


def test_a_change_of_t_or_samples_is_drawn_from_the_shown_result_equal_to_a_full_run():
    """reframe (what the browser answers such a change with during its warm-up) keeps the shown
    result's trainings and redraws the processes: the frame is the full run's, to the bit."""
    import json

    from simulators import bridge

    shown = json.dumps(bridge.result("diffusion", SMALL, 0))
    for change in ({"t": 500}, {"samples": 600}, {"t": 0, "samples": 50}):
        clear_all()  # nothing cached: the frame comes from `shown` alone
        frame = bridge.reframe_json("diffusion", json.dumps({**SMALL, **change}), 0, shown)
        assert json.loads(frame) == json.loads(bridge.frame("diffusion", {**SMALL, **change}, 0).to_json()), change
    # The samples at another training time, or another n shown, need the trained models; other
    # controls and another seed are not view-only changes of the shown result.
    for change, seed in (({"view_time": 2}, 0), ({"shown_n": 16}, 0), ({"features": 128}, 0), ({"t": 500}, 1)):
        assert bridge.reframe_json("diffusion", json.dumps({**SMALL, **change}), seed, shown) == "", change


@pytest.mark.parametrize("params, message", [
    ({"t": 305}, "Time step t (t) must be a multiple of 10, got 305"),
    ({"t": 1010}, "Time step t (t) must be between 0 and 1000, got 1010"),
    ({"schedule": "quadratic"}, "Noise schedule (schedule) must be one of linear, cosine, got 'quadratic'"),
    ({"dataset": "moons"}, "Data (dataset) must be one of"),
    ({"samples": 5000}, "Points (samples) must be between 50 and 1000, got 5000"),
])
def test_bad_settings_are_named(params, message):
    with pytest.raises(ParamError, match=re.escape(message)):
        run(params, 0)
