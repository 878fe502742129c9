"""Large files a simulator needs only for some settings (the Hivemind page's sentence encoder).

The build prepares each one into the cache folder, where CPython finds it. The browser worker
downloads it only when a run asks for it: the run raises `AssetMissing`, the page says what it
is and how large, the reader presses Run, the worker fetches and checks the file, calls
`provide(name, path)` and the run starts again.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

_PROVIDED: dict[str, Path] = {}
_DIGESTS: dict[tuple, str] = {}  # (path, size, mtime) -> sha256: a build hashes each file once


class AssetMissing(Exception):
    """A run needs a file that is not here yet. `name` is how the page's runtime config lists it."""

    def __init__(self, name: str, file_name: str):
        super().__init__(f"needs the file {file_name} ({name}), which is not available here")
        self.name = name
        self.file_name = file_name


def cache_folder() -> Path:
    """Where the build leaves prepared files: COMPANION_CACHE/assets, else .cache/assets in the project."""
    override = os.environ.get("COMPANION_CACHE")
    root = Path(override) if override else Path(__file__).resolve().parents[2] / ".cache"
    return root / "assets"


def provide(name: str, path: str) -> None:
    _PROVIDED[name] = Path(path)


def sha256(file: Path) -> str:
    """The file's sha256, computed once per process while its size and time stay the same."""
    stat = file.stat()
    key = (str(file), stat.st_size, stat.st_mtime_ns)
    if key not in _DIGESTS:
        _DIGESTS[key] = hashlib.sha256(file.read_bytes()).hexdigest()
    return _DIGESTS[key]


def path(name: str, file_name: str) -> Path:
    """The file for `name`: the one provided in this process, else the build's prepared copy."""
    for candidate in (_PROVIDED.get(name), cache_folder() / file_name):
        if candidate is not None and candidate.exists():
            return candidate
    raise AssetMissing(name, file_name)
