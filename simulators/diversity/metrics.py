"""Diversity metrics of a set of responses: lexical (type-token ratio, distinct-n, self-BLEU)
and semantic stand-ins (TF-IDF cosine similarity, a 2-D PCA map, k-means clusters)."""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np

WORD = re.compile(r"\w+")


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
