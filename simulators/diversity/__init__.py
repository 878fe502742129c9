"""Diversity analyzer for "Artificial Hivemind" (Jiang et al., NeurIPS 2025 D&B best paper).

Measures how homogeneous a set of responses is. Top-level metrics are for group A (`text`);
with a second group (`text_b`) the same metrics for B are under `group_b`, and the paper's
inter-model view under `intra_a`, `intra_b`, `inter_ab` (mean cosine similarities).

Similarity is cosine between sentence embeddings, as in the paper (which used OpenAI's
text-embedding-3-small; here Google's Universal Sentence Encoder, which runs in NumPy: see
encoder.py and semantic.py), or, as the lexical view, between TF-IDF vectors of word unigrams
and bigrams (smoothed idf ln((1+N)/(1+df)) + 1, L2-normalised).
"""

from __future__ import annotations

import re

import numpy as np

from ..kit import assets
from ..kit.contract import Readout
from ..kit.params import ParamError
from . import encoder, presets, semantic
from .figure import TITLE, render  # noqa: F401  (the contract's TITLE and render)
from .metrics import WORD, cluster, embed_2d, group_metrics, tfidf, tokens

NAME = "diversity"

MAX_RESPONSES = 200
MAX_CHARS = 50_000
OWN_TEXT = "your text"
PRESET_CHOICES = {"mottos (two models)": "mottos: two models", "metaphors (two models)": "time metaphors: two models"}
_DEFAULT_A, _DEFAULT_B = presets.PRESETS["time metaphors: one model vs varied writers"]

PARAMS = [
    {"name": "preset", "kind": "choice", "default": OWN_TEXT, "choices": [OWN_TEXT, *PRESET_CHOICES],
     "label": "Example set", "help": "Analyse the text boxes below, or one of the example pairs (which ignores the boxes)."},
    {"name": "text", "kind": "text", "default": presets.joined(_DEFAULT_A), "max_length": MAX_CHARS,
     "label": "Responses, group A", "help": "One response per block; separate responses with a line containing only ---."},
    {"name": "text_b", "kind": "text", "default": presets.joined(_DEFAULT_B), "max_length": MAX_CHARS,
     "label": "Responses, group B (optional)", "help": "A second model, or humans, for intra- and inter-group similarity. Leave empty for one group."},
    {"name": "embedding", "kind": "choice", "default": "semantic", "choices": ["semantic", "tfidf"],
     "choice_labels": {"semantic": "meaning (embeddings)", "tfidf": "shared words (TF-IDF)"},
     "label": "Similarity by",
     "help": "Meaning: cosine between sentence embeddings, as the paper measures (new text needs a one-time download of the encoder). Shared words: TF-IDF cosine, the lexical view."},
    {"name": "k", "kind": "int", "default": 0, "min": 0, "max": 10, "step": 1,
     "label": "Clusters k", "help": "Number of k-means clusters in the map; 0 picks k by the silhouette score."},
]
# Small in-range settings that run in well under a second: what the contract tests use.
CHEAP_PARAMS = {"text": "a b\n---\nb c\n---\nc d", "text_b": "a c\n---\nd d"}

SEPARATOR_LINE = re.compile(r"^\s*---\s*$", re.MULTILINE)


# --- text ---------------------------------------------------------------------------------

def split_responses(text: str, param: str) -> list[str]:
    """Responses separated by `---` lines; blank blocks are dropped; each must contain a word."""
    blocks = [b.strip() for b in SEPARATOR_LINE.split(text)]
    responses = [b for b in blocks if b]
    for i, response in enumerate(responses, start=1):
        if not WORD.search(response):
            raise ParamError(param, f"must give responses with words to compare; response {i} ({response[:30]!r}) has none")
    return responses


def run(cfg: dict, seed: int) -> dict:
    if cfg["preset"] == OWN_TEXT:
        group_a = split_responses(cfg["text"], "text")
        group_b = split_responses(cfg["text_b"], "text_b")
    else:
        group_a, group_b = presets.PRESETS[PRESET_CHOICES[cfg["preset"]]]
    if not group_a:
        raise ParamError("text", "must hold responses: write one per block, separated by lines containing only ---")
    if len(group_a) < 2:
        raise ParamError("text", "must hold at least 2 responses to measure how alike they are, got 1")
    if len(group_b) == 1:
        raise ParamError("text_b", "must hold at least 2 responses, or be empty for one group; got 1")
    if len(group_a) + len(group_b) > MAX_RESPONSES:
        raise ParamError("text", f"and group B together must hold at most {MAX_RESPONSES} responses, got {len(group_a) + len(group_b)}")
    texts = group_a + group_b
    token_lists = [tokens(t) for t in texts]
    X = semantic.embed(texts) if cfg["embedding"] == "semantic" else tfidf(token_lists)
    S = np.clip(X @ X.T, -1.0, 1.0)
    na = len(group_a)
    result = {"done": True, "phase": "done", "progress": 1.0, "embedding": cfg["embedding"],
              "responses": texts, "groups": ["A"] * na + ["B"] * len(group_b), "n_a": na, "n_b": len(group_b)}
    result.update(group_metrics(token_lists[:na], S[:na, :na]))
    result["similarity_matrix"] = [[round(float(v), 4) for v in row] for row in S]
    # Group A's metrics sit at the top level; group B's, when given, under group_b.
    result["group_b"] = group_metrics(token_lists[na:], S[na:, na:]) if group_b else None
    result["inter_ab"] = round(float(S[:na, na:].mean()), 6) if group_b else None
    labels, k = cluster(X, S, cfg["k"], seed)
    coords, variance = embed_2d(S)
    result["clusters"] = [int(v) for v in labels]
    result["k_used"] = k
    result["map"] = [[round(float(x), 5), round(float(y), 5)] for x, y in coords]
    result["map_variance"] = [round(v, 4) for v in variance]
    return result


def _prepare_encoder():
    from . import wheel  # build time only: the browser downloads the prepared file

    return wheel.prepare()


# The sentence encoder, which only new text needs (the examples' embeddings ship with the page).
ASSETS = [assets.Asset(encoder.ASSET, encoder.FILE_NAME, encoder.LABEL, _prepare_encoder)]


def refresh_build_data(log=print) -> None:
    """Called by the site build before first frames: embed the example responses again if they,
    the encoder or its model changed."""
    semantic.refresh(log)


READOUTS = [
    Readout("mean_pairwise_similarity", "Mean pairwise similarity (A)", ".3f"),
    Readout("share_pairs_above_0_8", "Pairs above 0.8 (A)", ".1%"),
    Readout("self_bleu", "Self-BLEU (A; lower = more diverse)", ".3f"),
    Readout("ttr", "Type-token ratio (A)", ".3f"),
    Readout("distinct_1", "Distinct-1 (A)", ".3f"),
    Readout("distinct_2", "Distinct-2 (A)", ".3f"),
    Readout("distinct_3", "Distinct-3 (A)", ".3f"),
    Readout("group_b.mean_pairwise_similarity", "Mean similarity within B", ".3f"),
    Readout("inter_ab", "Mean similarity between A and B", ".3f"),
    Readout("k_used", "Clusters in the map", ".0f"),
]


def table(result: dict) -> dict:
    rows = [[i + 1, g, c + 1, text] for i, (g, c, text) in enumerate(zip(result["groups"], result["clusters"], result["responses"]))]
    return {"caption": "Responses with their group and cluster", "columns": ["#", "group", "cluster", "response"], "rows": rows}
