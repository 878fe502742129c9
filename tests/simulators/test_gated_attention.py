"""Gated-attention simulator: the task, the metrics, and the paper's qualitative result."""

import re
import math

import numpy as np
import pytest

from sim_helpers import runner
from simulators.kit.cache import clear_all
from simulators.kit.params import ParamError
from simulators import gated_attention as G
from simulators.gated_attention import model as A

run, steps = runner("gated_attention")

SEEDS = range(6)


@pytest.fixture(scope="module")
def default_runs():
    return {seed: run({}, seed) for seed in SEEDS}


def decode(x):
    """Features back to (keys, values) with -1 where absent."""
    keys = x[..., A.N_TYPES:A.N_TYPES + len(A.KEYS)]
    values = x[..., A.N_TYPES + len(A.KEYS):]
    return (np.where(keys.any(-1), keys.argmax(-1), -1), np.where(values.any(-1), values.argmax(-1), -1))


def test_batches_follow_the_task_rules():
    x, targets, types = A.sample_batch(np.random.default_rng(0), 64, 20, 0.4)
    keys, values = decode(x)
    assert (types[:, 0] == A.BOS).all() and not x[:, 0].any()  # the start token is empty
    assert np.array_equal(targets, A.targets_of(types, keys, values))  # vectorised = reference loop
    for b in range(64):
        stored = [k for k, t in zip(keys[b], types[b]) if t == A.STORE]
        assert len(stored) == len(set(stored))  # keys never repeat
        for i in np.flatnonzero(types[b] == A.ASK):  # every ask has its key stored earlier
            assert keys[b, i] in [keys[b, j] for j in range(i) if types[b, j] == A.STORE]
            assert targets[b, i] > 0
    assert 0.3 < (types[:, 2:] == A.ASK).mean() < 0.5


def test_parse_sequence():
    labels, x, targets = G.parse_sequence("a=3 B=5 ?A ?b ?C")
    assert labels == ["⟨s⟩", "A=3", "B=5", "?A", "?B", "?C"]
    assert targets.tolist() == [0, 0, 0, 1 + 3, 1 + 5, 0]  # ?C: never stored, so "none"
    assert x.shape == (1, 6, A.FEATURES)


@pytest.mark.parametrize("text, message", [
    ("", "Sequence shown (sequence) must not be empty"),
    ("   ", "Sequence shown (sequence) must not be empty"),
    ("A=3 " * 25, "Sequence shown (sequence) must have at most 24 tokens, got 25"),
    ("A=3 B=9", "Sequence shown (sequence): token 2 'B=9'"),
    ("A=3 ?AB", "token 2 '?AB'"),
    ("<script>", "token 1 '<script>'"),
])
def test_bad_sequences_are_named(text, message):
    with pytest.raises(ParamError, match=re.escape(message)) as error:
        run({"sequence": text}, 0)
    assert error.value.name == "sequence"


@pytest.mark.parametrize("params, message", [
    ({"head": 3}, "Head shown (head) must be at most Heads (heads) = 2, got 3"),
    ({"train_length": 40}, "Training sequence length (train_length) must be between 6 and 24, got 40"),
    ({"train_steps": 5000}, "Training steps (train_steps) must be between"),
    ({"learning_rate": 0}, "Learning rate (learning_rate) must be between"),
    ({"heads": 9}, "Heads (heads) must be between 1 and 4, got 9"),
])
def test_bad_settings_are_named(params, message):
    with pytest.raises(ParamError, match=re.escape(message)):
        run(params, 0)


def test_attention_stats_on_hand_made_matrices():
    L = 4
    uniform = np.tril(np.ones((L, L))) / np.arange(1, L + 1)[:, None]
    stats = G.attention_stats(uniform)
    assert stats["sink_ratio"] == pytest.approx(np.mean([1 / 2, 1 / 3, 1 / 4]))
    assert stats["entropy"] == pytest.approx(np.mean([math.log(2), math.log(3), math.log(4)]))
    assert stats["effective_tokens"] == pytest.approx(3.0)
    assert stats["sparsity"] == 0.0
    sink = np.zeros((L, L))
    sink[:, 0] = 1.0
    stats = G.attention_stats(sink)
    assert stats["sink_ratio"] == 1.0 and stats["entropy"] == 0.0 and stats["effective_tokens"] == 1.0
    assert stats["sparsity"] == pytest.approx(6 / 9)  # of the 9 visible weights in rows 1..3, 6 are zero


def test_interface_keys(default_runs):
    result = default_runs[0]
    assert set(result["variants"]) == {"none", "elementwise", "headwise", "constant"}
    for stats in result["variants"].values():
        assert {"sink_ratio", "entropy", "final_loss"} <= set(stats)
        assert 0 <= stats["sink_ratio"] <= 1 and stats["final_loss"] >= 0


def test_sink_at_the_default_seed(default_runs):
    v = default_runs[0]["variants"]
    assert v["none"]["sink_ratio"] > 0.5
    assert v["elementwise"]["sink_ratio"] < 0.05 and v["headwise"]["sink_ratio"] < 0.05
    assert v["constant"]["sink_ratio"] > 0.5


def test_sink_over_seeds_and_every_model_learns_the_task(default_runs):
    """The paper's picture, over six seeds: the ungated and constant-gate models park
    attention on the first token, the input-dependent gates mostly do not, and it is not
    because they failed to learn (every model answers the asks)."""
    sink = {v: np.array([default_runs[s]["variants"][v]["sink_ratio"] for s in SEEDS]) for v in A.VARIANTS}
    assert sink["none"].mean() > 0.5 and sink["constant"].mean() > 0.4
    for gated in ("elementwise", "headwise"):
        assert sink[gated].mean() < 0.2
        assert (sink[gated] < sink["none"] / 2).sum() >= len(SEEDS) - 1
    for s in SEEDS:
        for v, stats in default_runs[s]["variants"].items():
            assert stats["ask_accuracy"] > 0.8, (s, v)


def test_gates_close_for_stores_and_open_for_asks(default_runs):
    for s in SEEDS:
        v = default_runs[s]["variants"]
        for gated in ("elementwise", "headwise"):
            assert v[gated]["gate_at_stores"] < 0.25 < v[gated]["gate_at_asks"], (s, gated)
        assert v["constant"]["gate_at_stores"] == v["constant"]["gate_at_asks"]  # it cannot tell them apart


def test_training_animates_then_caches():
    frames = list(steps({"train_steps": 50}, 3))
    assert len(frames) >= 3 and [f["done"] for f in frames] == [False] * (len(frames) - 1) + [True]
    assert [f["progress"] for f in frames] == sorted(f["progress"] for f in frames)
    # Switching heads or editing the sequence reuses the trained models: one final frame, same numbers.
    again = list(steps({"train_steps": 50, "head": 2, "sequence": "A=1 ?A"}, 3))
    assert len(again) == 1
    assert again[0]["variants"]["none"]["sink_ratio"] == frames[-1]["variants"]["none"]["sink_ratio"]
    clear_all()
    fresh = run({"train_steps": 50}, 3)
    assert fresh["variants"] == frames[-1]["variants"]


def test_render_shows_head_buttons_and_paper_numbers(default_runs):
    svg = G.render(default_runs[0])
    assert svg.count('data-param="head"') == 2 and 'aria-pressed="true"' in svg
    assert "Table 4" in svg and "46.7%" in svg
    table = G.table(default_runs[0])
    assert len(table["rows"]) == len(default_runs[0]["tokens"])
    ask_row = table["rows"][4]  # ?A in the default sequence: the stored value is 3
    assert ask_row[1] == "?A" and ask_row[2] == "3"


def test_another_number_of_steps_goes_on_from_a_kept_training_and_equals_a_fresh_one(monkeypatch):
    """50 steps after 25 train 25 more; 25 after 50 trains none: each frame equal to the same
    setting trained from scratch (the batches, the optimiser's moments and the curves resume)."""
    quick = {"train_length": 8, "heads": 1}
    fresh = {}
    for n in (25, 50, 100):
        clear_all()
        fresh[n] = run({**quick, "train_steps": n}, 3)
    clear_all()
    batches = []
    sample = A.sample_batch

    def counted(rng, batch, *rest):  # training batches only (the evaluation batch is larger)
        batches.extend([1] if batch == G.BATCH else [])
        return sample(rng, batch, *rest)

    monkeypatch.setattr(A, "sample_batch", counted)
    for n, trained in ((50, 50), (100, 50), (25, 0)):
        batches.clear()
        assert run({**quick, "train_steps": n}, 3) == fresh[n]
        assert len(batches) == trained, n
