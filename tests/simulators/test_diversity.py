"""Diversity analyzer: each metric on hand-computed cases, self-BLEU against an independent
implementation, the presets' point, and bad input."""

from __future__ import annotations

import re
import math
from collections import Counter

import numpy as np
import pytest

from sim_helpers import runner
from simulators.kit.params import ParamError
from simulators import diversity as D
from simulators.diversity import metrics as M

run, steps = runner("diversity")


def two(a: str, b: str, **extra) -> dict:
    return run({"text": f"{a}\n---\n{b}", "text_b": "", **extra})


def test_tokens_are_lowercase_unicode_words():
    assert M.tokens("Ça va? Time-is_a RIVER, 2x!") == ["ça", "va", "time", "is_a", "river", "2x"]


def test_responses_split_on_dash_lines_only():
    text = "one --- still one\n---\n\n  ---  \ntwo\n---\n"
    assert D.split_responses(text, "text") == ["one --- still one", "two"]


def test_ttr_and_distinct_n_by_hand():
    # "a b a" and "a b c": 6 tokens, 3 types; bigrams ab ba ab bc: 3 unique of 4; trigrams aba abc: 2 of 2
    toks = [["a", "b", "a"], ["a", "b", "c"]]
    assert M.type_token_ratio(toks) == pytest.approx(3 / 6)
    assert M.distinct_n(toks, 1) == pytest.approx(3 / 6)
    assert M.distinct_n(toks, 2) == pytest.approx(3 / 4)
    assert M.distinct_n(toks, 3) == pytest.approx(2 / 2)


def test_similarity_by_hand():
    # Identical responses: cosine 1. Responses with no shared unigram or bigram: cosine 0.
    result = run({"text": "red fox\n---\nred fox\n---\nblue whale", "text_b": "", "embedding": "tfidf"})
    S = np.array(result["similarity_matrix"])
    assert S[0, 1] == pytest.approx(1.0) and S[0, 2] == pytest.approx(0.0)
    assert result["mean_pairwise_similarity"] == pytest.approx(1 / 3, abs=1e-4)
    assert result["share_pairs_above_0_8"] == pytest.approx(1 / 3, abs=1e-4)
    assert result["similarity_histogram"] == [2, 0, 0, 0, 0, 0, 0, 0, 0, 1]


def test_tfidf_weights_by_hand():
    # Docs "a b" and "a c": terms a, b, a b (doc 1). idf(a) = ln(3/3)+1 = 1, idf(b) = ln(3/2)+1.
    X = M.tfidf([["a", "b"], ["a", "c"]])
    idf_rare = math.log(3 / 2) + 1
    expected_cos = 1 / (1 + 2 * idf_rare**2)  # only "a" is shared
    assert float(X[0] @ X[1]) == pytest.approx(expected_cos)


def reference_bleu(hyp, refs, eps=0.1):
    """Written from the definition, independently of the module."""
    logs = []
    for n in range(1, 5):
        grams = Counter(tuple(hyp[i:i + n]) for i in range(len(hyp) - n + 1))
        ref_max = Counter()
        for ref in refs:
            for g, c in Counter(tuple(ref[i:i + n]) for i in range(len(ref) - n + 1)).items():
                ref_max[g] = max(ref_max[g], c)
        matched = sum(min(c, ref_max[g]) for g, c in grams.items())
        total = max(1, sum(grams.values()))
        if matched == 0 and n == 1:
            return 0.0
        logs.append(math.log((matched if matched else eps) / total))
    closest = sorted((abs(len(r) - len(hyp)), len(r)) for r in refs)[0][1]
    bp = 1.0 if len(hyp) > closest else math.exp(1 - closest / len(hyp))
    return bp * math.exp(sum(logs) / 4)


def test_self_bleu_matches_an_independent_implementation():
    rng = np.random.default_rng(0)
    words = ["time", "is", "a", "river", "weaver", "that", "flows", "on", "and"]
    for _ in range(30):
        lists = [list(rng.choice(words, size=rng.integers(1, 12))) for _ in range(rng.integers(2, 7))]
        expected = np.mean([reference_bleu(h, lists[:i] + lists[i + 1:]) for i, h in enumerate(lists)])
        assert M.self_bleu(lists) == pytest.approx(expected, rel=1e-12), lists


def test_self_bleu_extremes():
    same = [["the", "cat", "sat", "on", "the", "mat"]] * 3
    assert M.self_bleu(same) == pytest.approx(1.0)
    assert M.self_bleu([["a", "b"], ["c", "d"]]) == 0.0


def test_two_groups_give_intra_and_inter_similarity():
    result = run({"text": "red fox\n---\nred fox", "text_b": "blue whale\n---\nblue whale", "embedding": "tfidf"})
    assert result["mean_pairwise_similarity"] == pytest.approx(1.0) and result["group_b"]["mean_pairwise_similarity"] == pytest.approx(1.0)
    assert result["inter_ab"] == pytest.approx(0.0)
    assert result["group_b"]["ttr"] == pytest.approx(2 / 4)


@pytest.mark.parametrize("embedding, times", [("semantic", 2), ("tfidf", 4)])
def test_default_preset_makes_the_papers_point(embedding, times):
    r = run({"embedding": embedding})
    # The model-like group is far more alike than the varied writers, on every measure.
    assert r["mean_pairwise_similarity"] > times * r["group_b"]["mean_pairwise_similarity"]
    assert r["self_bleu"] > 5 * r["group_b"]["self_bleu"]
    assert r["distinct_2"] < r["group_b"]["distinct_2"]
    assert r["share_pairs_above_0_8"] > 0 == r["group_b"]["share_pairs_above_0_8"]


def test_two_model_presets_show_inter_model_homogeneity():
    for preset in D.PRESET_CHOICES:
        r = run({"preset": preset})
        # Between-model similarity is as high as within-model: the models sound alike.
        assert r["inter_ab"] >= 0.8 * min(r["mean_pairwise_similarity"], r["group_b"]["mean_pairwise_similarity"]), preset


def test_clusters_and_map():
    r = run({"k": 3})
    assert r["k_used"] == 3 and set(r["clusters"]) <= {0, 1, 2}
    assert len(r["map"]) == r["n_a"] + r["n_b"]
    auto = run({})
    assert 2 <= auto["k_used"] <= 8
    # The weaver answers (the last 12 of group A) land in one cluster of their own.
    weaver = set(auto["clusters"][18:30])
    assert len(weaver) == 1 and not weaver & set(auto["clusters"][:18])


def test_deterministic():
    assert run({}, 3) == run({}, 3)


@pytest.mark.parametrize("params, message", [
    ({"text": "", "text_b": ""}, "Responses, group A (text) must hold responses"),
    ({"text": "just one", "text_b": ""}, "Responses, group A (text) must hold at least 2 responses to measure how alike they are, got 1"),
    ({"text": "a\n---\n?!?", "text_b": ""}, "Responses, group A (text) must give responses with words to compare; response 2 ('?!?') has none"),
    ({"text": "a\n---\nb", "text_b": "lonely"}, "Responses, group B (optional) (text_b) must hold at least 2 responses"),
    ({"text": "\n---\n".join(["word"] * 201), "text_b": ""}, "Responses, group A (text) and group B together must hold at most 200 responses, got 201"),
    ({"text": "x" * 50_001}, "Responses, group A (text) must be at most 50000 characters long, got 50001"),
    ({"k": 11}, "Clusters k (k) must be between 0 and 10, got 11"),
])
def test_bad_input_gets_a_named_error(params, message):
    with pytest.raises(ParamError, match=re.escape(message)):
        run(params)


HOSTILE = ['<script>window.pwned = 1</script> time is a river',
           '<img src=x onerror="window.pwned = 1"> time is a weaver',
           '"></title><svg onload="window.pwned=1"> & more']


def test_hostile_text_is_escaped_in_the_svg():
    svg = D.render(run({"text": "\n---\n".join(HOSTILE), "text_b": ""}))
    assert "<script" not in svg and "<img" not in svg and "<svg onload" not in svg
    assert "&lt;script&gt;" in svg
