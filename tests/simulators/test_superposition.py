"""Superposition and scaling: the paper's qualitative results, reproduced by training."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest

from sim_helpers import runner
from simulators import superposition as S
from simulators.kit.params import ParamError

run, steps = runner("superposition")
FAST = {"steps": 50, "n_features": 40, "m_dims": 6, "scaling_sweep": False}


def test_width_must_be_below_the_feature_count():
    with pytest.raises(ParamError) as error:
        run({**FAST, "n_features": 40, "m_dims": 50}, 0)
    assert str(error.value) == "Hidden dimensions m (m_dims) must be smaller than Features n (n_features) = 40, got 50"


def test_figure_shows_the_scaling_panel():
    svg = S.render(run({**FAST, "scaling_sweep": True}, 0))
    panels = ET.fromstring(svg).findall("{http://www.w3.org/2000/svg}svg")
    scaling = [p for p in panels if "width" in p.get("aria-label")]
    assert len(scaling) == 1 and "width m" in ET.tostring(scaling[0], encoding="unicode")
    assert "scaling sweep off" not in svg


class TestSuperpositionPhysics:
    """The paper's qualitative results, reproduced by training (several seeds)."""

    @pytest.mark.parametrize("seed", [0, 1, 2])
    def test_strong_superposition_loss_scales_about_as_one_over_m(self, seed):
        result = run({"weight_decay": -1.0, "alpha": 1.0}, seed)
        assert result["fraction_represented"] > 0.95
        assert 0.8 <= result["scaling_exponent"] <= 1.35, result["scaling_exponent"]
        # the weak-regime formula would predict a much shallower slope at alpha = 1; the result
        # carries that slope, fitted over the sweep's own widths, and the legend prints it
        weak = S.fit_exponent([s["m"] for s in result["scaling"]], [s["weak_prediction"] for s in result["scaling"]])
        assert result["weak_exponent"] == weak and weak < 0.5
        assert f"i &gt; m: slope −{weak:.2f}" in S.render(result)

    @pytest.mark.parametrize("seed", [0, 1, 2])
    def test_weak_superposition_follows_the_frequency_tail(self, seed):
        result = run({"weight_decay": 0.5, "alpha": 2.0}, seed)
        n, m = 200, result["params"]["m_dims"]
        assert result["fraction_represented"] < 2 * m / n  # about m features kept, not all n
        # At the smallest width (m = 4) decay can leave fewer than m features (measured: loss up
        # to 3.3x the formula at seed 1), so the tail law is checked where the regime holds.
        for point in result["scaling"]:
            if point["m"] < 6:
                continue
            ratio = point["loss"] / point["weak_prediction"]
            assert 0.5 < ratio < 2.5, point  # loss ≈ (4/3) Σ_{i>m} p_i, within a factor ~2

    def test_interference_is_near_one_over_m_in_strong_regime(self):
        result = run({"weight_decay": -1.0, "scaling_sweep": False}, 0)
        m = result["params"]["m_dims"]
        assert 0.5 / m < result["mean_interference"] < 1.5 / m


def drawn_one_by_one(p, spare, rng, count):
    draw = S.Sampler(p, 64, spare=spare)
    return (draw(rng) for _ in range(count))


def drawn_in_chunks(p, spare, rng, count, chunk_rows=640):  # ten batches a chunk, as in training
    assert spare == 6.0  # the Sampler's own
    S.CHUNK_ROWS, saved = chunk_rows, S.CHUNK_ROWS
    try:
        yield from S.batches(p, 64, rng, count)
    finally:
        S.CHUNK_ROWS = saved


# spare 0: most features run out of gaps and go on one by one
@pytest.mark.parametrize("draws, spare", [(drawn_one_by_one, 6.0), (drawn_one_by_one, 0.0), (drawn_in_chunks, 6.0)])
def test_the_sampler_draws_each_feature_with_its_probability(spare, draws):
    p = S.feature_probabilities(100, 1.5)
    rng = np.random.default_rng(3)
    batches = 2000
    counts = np.zeros(p.size)
    values = []
    drawn = list(draws(p, spare, rng, batches))
    assert len(drawn) == batches
    for x in drawn:
        assert x.shape == (64, 100) and (0 <= x.rows.min()) and x.rows.max() < 64
        assert len(set(zip(x.rows.tolist(), x.cols.tolist()))) == x.rows.size  # no entry twice
        counts += np.bincount(x.cols, minlength=p.size)
        values.append(x.values)
    trials = batches * 64
    z = (counts - trials * p) / np.sqrt(trials * p * (1 - p))
    assert np.abs(z).max() < 4.5, np.abs(z).max()
    v = np.concatenate(values)
    assert 0 < v.min() and v.max() < 2 and abs(v.mean() - 1) < 0.01


def test_sparse_products_match_the_dense_ones():
    rng = np.random.default_rng(0)
    x = S.sample(rng, S.feature_probabilities(50, 1.0), 32)
    W, g = rng.normal(size=(50, 6)), rng.normal(size=(32, 6))
    dense = x.dense()
    assert np.allclose(x.times(W), dense @ W) and np.allclose(x.transposed_times(g), dense.T @ g)
    y = rng.normal(size=(32, 50))
    assert np.allclose(x.subtract_from(y.copy()), y - dense)


def test_a_width_change_trains_the_main_model_alone(monkeypatch):
    """The sweep does not depend on the main model's width: after one run, changing m_dims
    re-reads the sweep's points (none is offered to helpers) and trains one model."""
    sweep = {**FAST, "scaling_sweep": True}
    first = run(sweep, 0)
    trained = []
    real_train = S.model.train  # the main model's and the sweep's
    monkeypatch.setattr(S.model, "train", lambda n, m, *rest, **kw: trained.append(m) or real_train(n, m, *rest, **kw))
    assert S.parts({**S_defaults(), **sweep, "m_dims": 8}, 0) == []
    wider = run({**sweep, "m_dims": 8}, 0)
    assert trained == [8]
    assert wider["scaling"] == first["scaling"] and wider["scaling_exponent"] == first["scaling_exponent"]
    assert run({**sweep, "m_dims": 8}, 1)["scaling"] != first["scaling"] and len(trained) == 1 + 1 + len(first["scaling"])


def S_defaults() -> dict:
    return {p["name"]: p["default"] for p in S.PARAMS}
