"""Is the built site already what a build would produce? Then `python build.py` has nothing to do.

Like make, but by content: a build records a digest of every input (content, templates, static
files, simulators, the generator's own code, the options, and the versions of Python and of the
packages that shape the output) together with a listing of the site it wrote (size and mtime of
every file). The next build compares both; any edited input, or any output file touched, removed
or added, means a real build. Only the standard library is imported here, so the check runs
before NumPy, Jinja or a single simulator is loaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from importlib import metadata
from pathlib import Path

from .disk_cache import write_atomically

PACKAGES = ("jinja2", "markdown", "pyyaml", "pygments", "numpy")
SKIPPED_FOLDERS = {"__pycache__", ".pytest_cache"}


def input_digest(folders: list[Path], files: list[Path], options: dict) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps({"options": options, "python": sys.version, "packages": _versions()}, sort_keys=True).encode())
    for path in [p for folder in folders for p in _files(folder)] + files:
        digest.update(f"\0{path.as_posix()}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def output_listing(out_dir: Path) -> dict[str, list[int]]:
    listing = {}
    for path in _files(out_dir):
        stat = path.stat()
        listing[path.relative_to(out_dir).as_posix()] = [stat.st_size, stat.st_mtime_ns]
    return listing


def is_current(stamp_file: Path, inputs: str, out_dir: Path) -> bool:
    try:
        stamp = json.loads(stamp_file.read_text())
        return stamp["inputs"] == inputs and out_dir.is_dir() and stamp["outputs"] == output_listing(out_dir)
    except (OSError, ValueError, KeyError, TypeError):
        return False


def record(stamp_file: Path, inputs: str, out_dir: Path) -> None:
    stamp_file.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(stamp_file, json.dumps({"inputs": inputs, "outputs": output_listing(out_dir)}))


def forget(stamp_file: Path) -> None:
    """The folder no longer holds a recorded build (a draft replaced it)."""
    stamp_file.unlink(missing_ok=True)


def stamp_path(cache_dir: Path, out_dir: Path) -> Path:
    """One stamp per output folder, so two sites built from one clone do not mistake each other."""
    name = hashlib.sha256(str(out_dir.resolve()).encode()).hexdigest()[:16]
    return cache_dir / "builds" / f"{name}.json"


def _files(folder: Path) -> list[Path]:
    found = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_FOLDERS)
        found += [Path(root) / name for name in sorted(names) if not name.endswith(".pyc")]
    return found


def _versions() -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "missing"
    return versions
