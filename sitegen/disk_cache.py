"""A content-addressed store of build results on disk (first frames, KaTeX output).

Each entry is one file named by its key, holding the payload and the payload's own sha256, and
written to a temporary name first and then renamed into place. A reader that finds the file
unreadable, truncated or not matching its checksum deletes it and reports a miss, so a corrupt
or partial entry is recomputed, never served. Removing the folder costs nothing but time.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

FORMAT = 1  # bump when the entry layout changes: old entries then read as misses


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then rename it into place: a reader (in
    another process too) sees the old file or the whole new one, never half of it."""
    handle, temporary = tempfile.mkstemp(prefix=".partial-", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def key_of(*parts) -> str:
    """A stable key for JSON-serialisable parts (sorted keys, so dict order does not matter)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


class DiskCache:
    def __init__(self, folder: Path):
        self.folder = folder

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> tuple[str, dict] | None:
        """The payload and metadata stored under `key`, or None (missing or damaged: removed)."""
        path = self._path(key)
        try:
            entry = json.loads(path.read_bytes())
            payload, meta = entry["payload"], entry["meta"]
            intact = (entry["format"] == FORMAT and entry["key"] == key
                      and hashlib.sha256(payload.encode()).hexdigest() == entry["sha256"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            intact = False
        if not intact:
            path.unlink(missing_ok=True)
            return None
        return payload, meta

    def put(self, key: str, payload: str, **meta) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        entry = {"format": FORMAT, "key": key, "sha256": hashlib.sha256(payload.encode()).hexdigest(),
                 "meta": meta, "payload": payload}
        write_atomically(path, json.dumps(entry))
