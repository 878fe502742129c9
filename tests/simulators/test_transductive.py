"""Mistake-bound game: exact values on known classes, against a naive search, play, bad input."""

from __future__ import annotations

import itertools
import random

import pytest

from sim_helpers import runner
from simulators import transductive as T
from simulators.transductive import game as G

run, steps = runner("transductive")


def naive_transductive(H) -> int:
    """Independent of the module: every order of every instance, no memo, no pruning."""
    n = len(H[0])

    def value(V, rest):
        if not rest:
            return 0
        x, tail = rest[0], rest[1:]
        parts = [[h for h in V if h[x] == y] for y in (0, 1)]
        if not parts[0] or not parts[1]:
            return value(V, tail)
        a, b = value(parts[0], tail), value(parts[1], tail)
        return min(max(a, 1 + b), max(1 + a, b))

    return max(value(list(H), order) for order in itertools.permutations(range(n)))


def random_classes(count, seed=0):
    rng = random.Random(seed)
    for _ in range(count):
        n = rng.randint(1, 5)
        H = sorted({tuple(rng.randint(0, 1) for _ in range(n)) for _ in range(rng.randint(1, 12))})
        yield H


def preset(name, **extra):
    return T.preset_class({**{p["name"]: p["default"] for p in T.PARAMS}, "preset": name, **extra})


@pytest.mark.parametrize("n", range(1, 11))
def test_thresholds_have_ldim_floor_log2_n_plus_1(n):
    assert G.littlestone_dimension(preset("thresholds", n_points=n)) == (n + 1).bit_length() - 1


@pytest.mark.parametrize("d", range(1, 8))
def test_all_labelings_of_d_points_have_ldim_d(d):
    H = preset("all_labelings", n_points=d)
    assert G.littlestone_dimension(H) == d
    assert G.transductive_value(H) == d  # every instance is a fresh coin: knowing the order cannot help


@pytest.mark.parametrize("n", range(2, 11))
def test_singletons_have_ldim_1(n):
    H = preset("singletons", n_points=n)
    assert G.littlestone_dimension(H) == 1
    # By hand: the learner predicts 0 everywhere and errs at most once, at the single 1;
    # the adversary can always force that one mistake.
    assert G.transductive_value(H) == 1


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_mistake_tree_class_has_ldim_depth(depth):
    assert G.littlestone_dimension(G.mistake_tree_class(depth)) == depth


@pytest.mark.parametrize("name", T.PRESETS)
def test_standard_value_equals_ldim_and_bounds_transductive_on_every_preset(name):
    H = preset(name)
    ldim = G.littlestone_dimension(H)
    assert G.standard_value(H) == ldim
    assert G.transductive_value(H) <= ldim


def test_on_random_classes_values_agree_with_theory_and_naive_search():
    for H in random_classes(150):
        ldim = G.littlestone_dimension(H)
        assert G.standard_value(H) == ldim, H
        tr = G.transductive_value(H)
        assert tr <= ldim, H
        assert tr == naive_transductive(H), H


@pytest.mark.parametrize("H, value", [
    ([(0, 1, 1)], 0),                                    # one hypothesis: nothing to learn
    ([(0, 0, 0), (1, 1, 1)], 1),                         # two: the first label settles it
    # Thresholds on 3 points: order x1 first; either answer leaves two hypotheses that
    # differ on one later point, so the adversary gets one more mistake: 2 in all.
    ([(0, 0, 0), (0, 0, 1), (0, 1, 1), (1, 1, 1)], 2),
    # Two points, three labelings {00, 01, 10}: Ldim 1 (no point splits both halves), and
    # the adversary forces exactly one mistake on the first point.
    ([(0, 0), (0, 1), (1, 0)], 1),
])
def test_hand_checked_transductive_values(H, value):
    assert G.transductive_value(H) == value


def test_the_gap_example_is_a_real_gap():
    H = preset("gap_example")
    assert G.littlestone_dimension(H) == 3
    assert G.transductive_value(H) == 2 == naive_transductive(H)


def test_optimal_learner_holds_the_transductive_adversary_to_the_value():
    # Replaying the learner's optimal hints against the optimal adversary: exactly the value.
    params = {"preset": "gap_example", "setting": "transductive", "play_as": "learner"}
    moves = []
    while True:
        result = run({**params, "moves": ",".join(moves)})
        if result["game_over"]:
            break
        moves.append(str(result["next"]["hint"]))
    assert result["mistakes"] == result["transductive_value"] == 2


def test_reader_as_adversary_against_soa_makes_at_most_ldim_mistakes():
    rng = random.Random(1)
    for _ in range(20):
        moves = []
        while True:
            result = run({"preset": "thresholds", "n_points": 7, "setting": "standard", "play_as": "adversary",
                            "moves": ",".join(moves)})
            if result["game_over"]:
                break
            moves.append(rng.choice(result["next"]["options"])["value"].split(",")[-1])
        assert result["mistakes"] <= result["littlestone_dimension"]
        assert len(result["alive"]) == 1


@pytest.mark.parametrize("params, message", [
    ({"preset": "custom", "custom_class": ""}, "Custom class (custom_class): the hypothesis class is empty"),
    ({"preset": "custom", "custom_class": "01\n011"}, "hypothesis 2 labels 3 instances but hypothesis 1 labels 2"),
    ({"preset": "custom", "custom_class": "01\n10\n01"}, "hypotheses 1 and 3 are the same labelling 01"),
    ({"preset": "custom", "custom_class": "01\n1x"}, "Custom class (custom_class): line 2 must contain only 0s and 1s, got '1x'"),
    ({"preset": "custom", "custom_class": "0" * 11}, "at most 10 keep the exact search fast"),
    ({"preset": "custom", "custom_class": "\n".join(format(i, "08b") for i in range(129))}, "the class has 129 hypotheses"),
    ({"preset": "all_labelings", "n_points": 8}, "Instances n (n_points) must be at most 7 for all labelings (256 hypotheses"),
    ({"preset": "intervals", "n_points": 10}, "Instances n (n_points): the class has 10 distinct informative instances"),
    ({"moves": "2"}, "Moves so far (moves): move 1 '2' must be a prediction, 0 or 1"),
    ({"setting": "standard", "play_as": "adversary", "moves": "9:1"}, "must be instance:label"),
    ({"preset": "thresholds", "n_points": 3, "setting": "standard", "play_as": "adversary", "moves": "1:1,2:0"},
     "no hypothesis left labels instance 2 with 0"),
    ({"preset": "singletons", "n_points": 2, "moves": "0,0,0"}, "the game ended after move"),
])
def test_bad_input_gets_a_named_error(params, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run(params)


def test_public_functions_validate_their_input():
    with pytest.raises(ValueError, match="empty"):
        G.littlestone_dimension([])
    with pytest.raises(ValueError, match="same labelling"):
        G.standard_value([(0, 1), (0, 1)])


def test_hostile_text_in_the_custom_class_is_rejected_not_rendered():
    with pytest.raises(ValueError, match="must contain only 0s and 1s"):
        run({"preset": "custom", "custom_class": "<script>alert(1)</script>"})
