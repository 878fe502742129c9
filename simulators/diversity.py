"""Diversity analyzer for "Artificial Hivemind" (Jiang et al., NeurIPS 2025 D&B best paper).

Measures how homogeneous a set of responses is. Top-level metrics are for group A (`text`);
with a second group (`text_b`) the same metrics for B are under `group_b`, and the paper's
inter-model view under `intra_a`, `intra_b`, `inter_ab` (mean cosine similarities).

Similarity is cosine over TF-IDF vectors of word unigrams and bigrams (smoothed idf
ln((1+N)/(1+df)) + 1, L2-normalised), a lexical stand-in for the paper's OpenAI
text-embedding-3-small sentence embeddings, which cannot run offline in a browser.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from html import escape

import numpy as np

from . import diversity_presets as presets
from . import params as P
from . import svg

NAME = "diversity"
TITLE = "How alike are these responses? A diversity analyzer"

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
    {"name": "k", "kind": "int", "default": 0, "min": 0, "max": 10, "step": 1,
     "label": "Clusters k", "help": "Number of k-means clusters in the map; 0 picks k by the silhouette score."},
]

SEPARATOR_LINE = re.compile(r"^\s*---\s*$", re.MULTILINE)
WORD = re.compile(r"\w+")


# --- text ---------------------------------------------------------------------------------

def split_responses(text: str, param: str) -> list[str]:
    """Responses separated by `---` lines; blank blocks are dropped; each must contain a word."""
    blocks = [b.strip() for b in SEPARATOR_LINE.split(text)]
    responses = [b for b in blocks if b]
    for i, response in enumerate(responses, start=1):
        if not WORD.search(response):
            raise ValueError(f"parameter '{param}': response {i} ({response[:30]!r}) has no words to compare")
    return responses


def tokens(text: str) -> list[str]:
    return WORD.findall(text.lower())


def ngrams(toks: list[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(toks[i:i + n]) for i in range(len(toks) - n + 1)]


# --- lexical metrics --------------------------------------------------------------------------

def type_token_ratio(token_lists: list[list[str]]) -> float:
    words = [w for toks in token_lists for w in toks]
    return len(set(words)) / len(words)


def distinct_n(token_lists: list[list[str]], n: int) -> float:
    """Unique n-grams / total n-grams, pooled over responses (n-grams never cross responses)."""
    grams = [g for toks in token_lists for g in ngrams(toks, n)]
    return len(set(grams)) / len(grams) if grams else 0.0


def self_bleu(token_lists: list[list[str]], epsilon: float = 0.1) -> float:
    """Mean over i of BLEU-4(hypothesis i, references = all others): uniform weights over
    clipped 1- to 4-gram precisions, brevity penalty with the closest reference length
    (ties: the shorter), Chen & Cherry method 1 (a zero count becomes epsilon / total).
    A hypothesis with no unigram match scores 0."""
    counts = [[Counter(ngrams(toks, n)) for n in range(1, 5)] for toks in token_lists]
    # For clipping, the largest count of each n-gram in any *other* response: keep the top
    # two counts per n-gram with the owner of the top one.
    best: list[dict] = [{} for _ in range(4)]
    for owner, per_n in enumerate(counts):
        for n, counter in enumerate(per_n):
            table = best[n]
            for gram, c in counter.items():
                top, second, who = table.get(gram, (0, 0, -1))
                if c > top:
                    table[gram] = (c, top, owner)
                elif c > second:
                    table[gram] = (top, c, who)
    lengths = [len(t) for t in token_lists]
    scores = []
    for i, per_n in enumerate(counts):
        log_sum = 0.0
        zero_unigram = False
        for n, counter in enumerate(per_n):
            total = max(1, sum(counter.values()))
            matched = 0
            for gram, c in counter.items():
                top, second, who = best[n][gram]
                matched += min(c, second if who == i else top)
            if matched == 0:
                if n == 0:
                    zero_unigram = True
                    break
                precision = epsilon / total
            else:
                precision = matched / total
            log_sum += 0.25 * math.log(precision)
        if zero_unigram:
            scores.append(0.0)
            continue
        c = lengths[i]
        others = [lengths[j] for j in range(len(lengths)) if j != i]
        r = min(others, key=lambda length: (abs(length - c), length))
        penalty = 1.0 if c > r else math.exp(1 - r / c)
        scores.append(penalty * math.exp(log_sum))
    return float(np.mean(scores))


# --- vectors and similarity -----------------------------------------------------------------

def tfidf(token_lists: list[list[str]]) -> np.ndarray:
    """Rows: L2-normalised TF-IDF over word unigrams and bigrams, smoothed idf."""
    docs = [Counter(toks + [" ".join(g) for g in ngrams(toks, 2)]) for toks in token_lists]
    vocab: dict[str, int] = {}
    for doc in docs:
        for term in doc:
            vocab.setdefault(term, len(vocab))
    X = np.zeros((len(docs), len(vocab)))
    for row, doc in enumerate(docs):
        X[row, [vocab[t] for t in doc]] = list(doc.values())
    df = (X > 0).sum(axis=0)
    X *= np.log((1 + len(docs)) / (1 + df)) + 1
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def pair_values(S: np.ndarray) -> np.ndarray:
    return S[np.triu_indices(S.shape[0], 1)]


def similarity_histogram(values: np.ndarray) -> list[int]:
    """Pairs per 0.1 bin of cosine similarity, [0, 0.1) … [0.9, 1.0]."""
    bins = np.clip((values * 10).astype(int), 0, 9)
    return [int(c) for c in np.bincount(bins, minlength=10)]


def embed_2d(S: np.ndarray, dims: int = 2) -> tuple[np.ndarray, list[float]]:
    """PCA of the unit vectors through their Gram matrix (cheap for few, long vectors):
    coordinates on the top principal components and their share of variance."""
    n = S.shape[0]
    centre = np.eye(n) - 1.0 / n
    K = centre @ S @ centre
    values, vectors = np.linalg.eigh(K)
    order = np.argsort(values)[::-1][:dims]
    top = np.clip(values[order], 0, None)
    coords = vectors[:, order] * np.sqrt(top)
    # Fix each axis's sign so the picture does not flip between CPython and the browser.
    coords *= np.where(coords[np.abs(coords).argmax(axis=0), range(coords.shape[1])] < 0, -1, 1)
    total = max(float(np.clip(values, 0, None).sum()), 1e-12)
    return coords, [float(v / total) for v in top]


def kmeans(points: np.ndarray, k: int, rng: np.random.Generator, iterations: int = 50) -> np.ndarray:
    """Seeded k-means++ then Lloyd's iterations; returns a label per point."""
    centres = [points[rng.integers(len(points))]]
    for _ in range(1, k):
        d2 = np.min([((points - c) ** 2).sum(axis=1) for c in centres], axis=0)
        centres.append(points[rng.choice(len(points), p=d2 / d2.sum())] if d2.sum() > 0 else points[rng.integers(len(points))])
    centres = np.array(centres)
    labels = np.zeros(len(points), dtype=int)
    norms = (points**2).sum(axis=1)[:, None]
    for _ in range(iterations):
        # |x - c|^2 = |x|^2 - 2 x.c + |c|^2, without an N x k x dims array
        labels_new = (norms - 2 * points @ centres.T + (centres**2).sum(axis=1)[None, :]).argmin(axis=1)
        if _ and np.array_equal(labels_new, labels):
            break
        labels = labels_new
        for j in range(k):
            if np.any(labels == j):
                centres[j] = points[labels == j].mean(axis=0)
    return labels


def silhouette(distance: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette: (b - a) / max(a, b), a = mean distance within the own cluster,
    b = smallest mean distance to another cluster; 0 for points alone in their cluster."""
    onehot = np.eye(labels.max() + 1)[labels]
    sizes = onehot.sum(axis=0)
    sums = distance @ onehot  # distance from each point to each cluster, summed
    own = sizes[labels]
    a = sums[np.arange(len(labels)), labels] / np.maximum(own - 1, 1)
    mean_to = np.where(sizes > 0, sums / np.maximum(sizes, 1), np.inf)
    mean_to[np.arange(len(labels)), labels] = np.inf
    b = mean_to.min(axis=1)
    scale = np.maximum(a, b)
    scores = np.where((own > 1) & np.isfinite(b) & (scale > 0), (b - a) / np.where(scale > 0, scale, 1), 0.0)
    return float(scores.mean())


def cluster(X: np.ndarray, S: np.ndarray, k: int, seed: int) -> tuple[np.ndarray, int]:
    """k-means on the full unit vectors; k = 0 picks k in 2..8 by the silhouette score on
    cosine distance (the paper's picture: a few tight clusters among near-identical answers)."""
    n = X.shape[0]
    if k:
        return kmeans(X, min(k, n), np.random.default_rng([seed, k])), min(k, n)
    if n < 3:
        return np.zeros(n, dtype=int), 1
    distance = np.clip(1 - S, 0, None)
    best = None
    for candidate in range(2, min(8, n - 1) + 1):
        labels = kmeans(X, candidate, np.random.default_rng([seed, candidate]))
        score = silhouette(distance, labels)
        if best is None or score > best[0] + 1e-9:
            best = (score, labels, candidate)
    return best[1], best[2]


# --- the simulator contract ----------------------------------------------------------------

def group_metrics(token_lists: list[list[str]], S: np.ndarray) -> dict:
    pairs = pair_values(S)
    return {
        "ttr": round(type_token_ratio(token_lists), 6),
        "distinct_1": round(distinct_n(token_lists, 1), 6),
        "distinct_2": round(distinct_n(token_lists, 2), 6),
        "distinct_3": round(distinct_n(token_lists, 3), 6),
        "self_bleu": round(self_bleu(token_lists), 6),
        "mean_pairwise_similarity": round(float(pairs.mean()), 6),
        "share_pairs_above_0_8": round(float((pairs > 0.8).mean()), 6),
        "similarity_histogram": similarity_histogram(pairs),
    }


def run(params: dict | None, seed: int = 0) -> dict:
    cfg = P.validate(PARAMS, params)
    seed = P.validate_seed(seed)
    if cfg["preset"] == OWN_TEXT:
        group_a = split_responses(cfg["text"], "text")
        group_b = split_responses(cfg["text_b"], "text_b")
    else:
        group_a, group_b = presets.PRESETS[PRESET_CHOICES[cfg["preset"]]]
    if not group_a:
        raise ValueError("parameter 'text': no responses; write one response per block, separated by lines containing only ---")
    if len(group_a) < 2:
        raise ValueError("parameter 'text': only 1 response; at least 2 are needed to measure how alike they are")
    if len(group_b) == 1:
        raise ValueError("parameter 'text_b': only 1 response; give at least 2, or leave it empty for one group")
    if len(group_a) + len(group_b) > MAX_RESPONSES:
        raise ValueError(f"parameter 'text': {len(group_a) + len(group_b)} responses in all; at most {MAX_RESPONSES} are analysed")
    texts = group_a + group_b
    token_lists = [tokens(t) for t in texts]
    X = tfidf(token_lists)
    S = np.clip(X @ X.T, -1.0, 1.0)
    na = len(group_a)
    result = {"params": cfg, "seed": seed, "done": True, "phase": "done", "progress": 1.0,
              "responses": texts, "groups": ["A"] * na + ["B"] * len(group_b), "n_a": na, "n_b": len(group_b)}
    result.update(group_metrics(token_lists[:na], S[:na, :na]))
    result["similarity_matrix"] = [[round(float(v), 4) for v in row] for row in S]
    if group_b:
        result["group_b"] = group_metrics(token_lists[na:], S[na:, na:])
        result["intra_a"] = result["mean_pairwise_similarity"]
        result["intra_b"] = result["group_b"]["mean_pairwise_similarity"]
        result["inter_ab"] = round(float(S[:na, na:].mean()), 6)
    else:
        result["group_b"] = None
        result["intra_a"], result["intra_b"], result["inter_ab"] = result["mean_pairwise_similarity"], None, None
    labels, k = cluster(X, S, cfg["k"], seed)
    coords, variance = embed_2d(S)
    result["clusters"] = [int(v) for v in labels]
    result["k_used"] = k
    result["map"] = [[round(float(x), 5), round(float(y), 5)] for x, y in coords]
    result["map_variance"] = [round(v, 4) for v in variance]
    return result


READOUTS = [
    {"key": "mean_pairwise_similarity", "label": "Mean pairwise similarity (A)", "format": ".3f"},
    {"key": "share_pairs_above_0_8", "label": "Pairs above 0.8 (A)", "format": ".1%"},
    {"key": "self_bleu", "label": "Self-BLEU (A; lower = more diverse)", "format": ".3f"},
    {"key": "ttr", "label": "Type-token ratio (A)", "format": ".3f"},
    {"key": "distinct_1", "label": "Distinct-1 (A)", "format": ".3f"},
    {"key": "distinct_2", "label": "Distinct-2 (A)", "format": ".3f"},
    {"key": "distinct_3", "label": "Distinct-3 (A)", "format": ".3f"},
    {"key": "intra_b", "label": "Mean similarity within B", "format": ".3f"},
    {"key": "inter_ab", "label": "Mean similarity between A and B", "format": ".3f"},
    {"key": "k_used", "label": "Clusters in the map", "format": ".0f"},
]


def table(result: dict) -> dict:
    rows = [[i + 1, g, c + 1, text] for i, (g, c, text) in enumerate(zip(result["groups"], result["clusters"], result["responses"]))]
    return {"caption": "Responses with their group and cluster", "columns": ["#", "group", "cluster", "response"], "rows": rows}


def render(result: dict) -> str:
    S = np.array(result["similarity_matrix"])
    n, na = S.shape[0], result["n_a"]
    body: list[str] = []

    # Panel 1: similarity heatmap, A then B.
    size = 250
    body += svg.raster_heatmap(40, 50, size, S, 1.0, "Cosine similarity (TF-IDF)",
                               f"similarity matrix of {n} responses; the data table lists them")
    if result["n_b"]:
        edge = 40 + size * na / n
        body.append(f'<line x1="{edge:.1f}" y1="50" x2="{edge:.1f}" y2="{50 + size}" stroke="{svg.FG}" stroke-width="1.2"/>')
        body.append(f'<line x1="40" y1="{50 + size * na / n:.1f}" x2="{40 + size}" y2="{50 + size * na / n:.1f}" stroke="{svg.FG}" stroke-width="1.2"/>')
        body.append(svg.text(40 + size * na / n / 2, 315, "A", "middle", 12, svg.FG, "600"))
        body.append(svg.text(40 + size * (na + n) / n / 2, 315, "B", "middle", 12, svg.FG, "600"))
    body.append(svg.text(40, 350, "white 0, red 1; responses in input order", "start", 11, svg.MUTED))

    # Panel 2: 2-D map (PCA), colour = cluster, shape = group; hover shows the text.
    coords = np.array(result["map"])
    span = float(max(np.abs(coords).max(), 1e-6)) * 1.15
    p2 = svg.Panel(340, 50, 250, 250, (-span, span), (-span, span))
    variance = result["map_variance"]
    body += p2.axes(f"PC 1 ({variance[0]:.0%} of variance)", f"PC 2 ({variance[1]:.0%})" if len(variance) > 1 else "PC 2",
                    f"Map of responses, {result['k_used']} clusters", xticks=[], yticks=[])
    for i, (x, y) in enumerate(coords):
        colour = svg.PALETTE[result["clusters"][i] % len(svg.PALETTE)]
        label = f"{result['groups'][i]}{i + 1} (cluster {result['clusters'][i] + 1}): {result['responses'][i][:200]}"
        px, py = p2.px(x), p2.py(y)
        if result["groups"][i] == "A":
            body.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4.5" fill="{colour}" fill-opacity="0.8"><title>{escape(label)}</title></circle>')
        else:
            body.append(f'<rect x="{px - 4:.1f}" y="{py - 4:.1f}" width="8" height="8" fill="none" stroke="{colour}" stroke-width="1.8"><title>{escape(label)}</title></rect>')
    body.append(svg.text(340, 350, "● group A   □ group B; hover a point to read it", "start", 11, svg.MUTED))

    # Panel 3: histogram of pairwise similarities (0.1 bins), A and B.
    hist_a = result["similarity_histogram"]
    hist_b = result["group_b"]["similarity_histogram"] if result["group_b"] else None
    share = lambda h: [c / max(1, sum(h)) for c in h]  # noqa: E731
    top = max(share(hist_a) + (share(hist_b) if hist_b else [])) * 1.1 or 1
    p3 = svg.Panel(660, 50, 220, 250, (0, 1), (0, top))
    body += p3.axes("cosine similarity", "share of pairs", "Pairwise similarity")
    width = p3.w / 10 / (2.2 if hist_b else 1.2)
    for series, hist, colour in (("A", hist_a, svg.PALETTE[1]), ("B", hist_b, svg.PALETTE[0])):
        if not hist:
            continue
        offset = 0 if series == "A" else width
        for b, value in enumerate(share(hist)):
            body.append(p3.bar(p3.px(b / 10) + 2 + offset, width, value, colour,
                               f"group {series}, similarity {b / 10:.1f}–{(b + 1) / 10:.1f}: {hist[b]} pairs"))
    entries = [(svg.PALETTE[1], "", f"A: mean {result['mean_pairwise_similarity']:.2f}")]
    if hist_b:
        entries.append((svg.PALETTE[0], "", f"B: mean {result['intra_b']:.2f}"))
    body += svg.legend(p3.x + p3.w - 100, p3.y + 16, entries)
    if result["inter_ab"] is not None:
        body.append(svg.text(660, 350, f"between A and B: mean {result['inter_ab']:.2f}", "start", 11, svg.FG))

    desc = (f"{result['n_a']} responses in group A" + (f" and {result['n_b']} in group B" if result["n_b"] else "")
            + f". Mean pairwise cosine similarity in A {result['mean_pairwise_similarity']:.3f}, "
            f"{result['share_pairs_above_0_8']:.0%} of pairs above 0.8, self-BLEU {result['self_bleu']:.3f}"
            + (f"; within B {result['intra_b']:.3f}, between A and B {result['inter_ab']:.3f}." if result["n_b"] else "."))
    return svg.figure(900, 360, TITLE, desc, body)
