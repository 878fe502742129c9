"""Sentence embeddings for the diversity analyzer, from the sentence encoder (encoder.py).

The example responses' embeddings are computed at build time by the same encoder and shipped
in data/preset_embeddings.json (half precision), so the page's own examples need no download. Any other text is
embedded by the encoder itself, which in the browser is a download the reader asks for: until
then `embed` raises `assets.AssetMissing`, and the page offers it with its size.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import numpy as np

from ..kit import assets
from ..kit.cache import Recent
from . import encoder, presets

DATA_FILE = Path(__file__).resolve().parent / "data" / "preset_embeddings.json"
_ENCODER: list[encoder.SentenceEncoder] = []  # loaded once per process
_SEEN = Recent(2000)  # text key -> embedding, for text the encoder embedded in this process


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


# Half precision: every page downloads the simulators' archive, and a cosine moves by 1e-3 at most.
def _pack(vector: np.ndarray) -> str:
    return base64.b64encode(vector.astype("<f2").tobytes()).decode("ascii")


def _unpack(packed: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(packed), dtype="<f2")


def _shipped() -> dict[str, str]:
    if not hasattr(_shipped, "table"):
        try:
            _shipped.table = json.loads(DATA_FILE.read_text())["embeddings"]
        except (OSError, ValueError, KeyError):
            _shipped.table = {}
    return _shipped.table


def sentence_encoder() -> encoder.SentenceEncoder:
    if not _ENCODER:
        _ENCODER.append(encoder.SentenceEncoder(assets.path(encoder.ASSET, encoder.FILE_NAME)))
    return _ENCODER[0]


def missing(texts: list[str]) -> list[str]:
    """The texts whose embeddings are neither shipped nor already computed here."""
    shipped = _shipped()
    return [t for t in texts if text_key(t) not in shipped and text_key(t) not in _SEEN]


def embed(texts: list[str]) -> np.ndarray:
    """Unit vectors, one row per text (raises AssetMissing if new text meets no encoder)."""
    new = list(dict.fromkeys(missing(texts)))
    if new:
        for text, vector in zip(new, sentence_encoder().embed(new)):
            _SEEN.put(text_key(text), vector)
    shipped = _shipped()
    rows = [_SEEN[k] if k in _SEEN else _unpack(shipped[k]) for k in map(text_key, texts)]
    return np.array(rows, dtype=np.float64)


# --- build time ---------------------------------------------------------------------------------

def preset_texts() -> list[str]:
    return sorted({t for group_a, group_b in presets.PRESETS.values() for t in group_a + group_b})


def inputs_hash(model_path: Path) -> str:
    digest = hashlib.sha256(json.dumps(preset_texts()).encode())
    digest.update(Path(encoder.__file__).read_bytes())
    digest.update(assets.sha256(model_path).encode())
    return digest.hexdigest()


def refresh(log=print) -> None:
    """Embed the presets again if they, the encoder's code or its model file changed."""
    model = assets.path(encoder.ASSET, encoder.FILE_NAME)
    wanted = inputs_hash(model)
    try:
        if json.loads(DATA_FILE.read_text())["inputs_hash"] == wanted:
            return
    except (OSError, ValueError, KeyError):
        pass
    texts = preset_texts()
    vectors = sentence_encoder().embed(texts)
    DATA_FILE.parent.mkdir(parents=True, exist_ok=True)
    DATA_FILE.write_text(json.dumps({"inputs_hash": wanted, "model": sentence_encoder().meta,
                                     "embeddings": {text_key(t): _pack(v) for t, v in zip(texts, vectors)}},
                                    indent=0, sort_keys=True) + "\n")
    _shipped.__dict__.pop("table", None)
    log(f"diversity: embedded {len(texts)} preset responses into {DATA_FILE.name}")
