"""Large files a simulator needs only for some settings (the Hivemind page's sentence encoder).

A simulator declares them in `ASSETS` (kit.contract): each an `Asset` with the function that
prepares it. The build calls that before first frames, into the cache folder, where CPython
finds it, and ships the file beside the pages. The browser worker downloads it only when a run
asks for it: the run raises `AssetMissing`, the page says what it is and how large, the reader
presses Run, the worker fetches and checks the file, calls `provide(name, path)` and the run
starts again.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable


@dataclass(frozen=True)
class Asset:
    name: str  # how the page's runtime config lists it, and the worker asks for it
    file_name: str  # in the cache folder, and beside the pages
    label: str  # what the page calls it when it offers the download
    prepare: Callable[[], Path]  # build time only: write the file into cache_folder() if it is not current


class AssetError(Exception):
    """A file could not be prepared (a download failed or did not match its pin); the message says why."""

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


def deterministic_zip(entries: dict[str, bytes]) -> bytes:
    """A ZIP archive whose bytes depend only on its content (fixed timestamps and modes, sorted
    entries), so that a file named by its hash changes name only when what it holds changes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            archive.writestr(info, entries[name], zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
