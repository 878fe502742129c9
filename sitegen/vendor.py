"""Fetch pinned npm packages once into a local cache, verified by their integrity hash.

Third-party browser assets (KaTeX, Pyodide) come from the npm registry, the one
source these machines can reach. Every tarball is checked against the sha512
integrity pinned in `content/site.yaml` before a single file is read from it, so
a changed or truncated download is refused instead of shipped.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; one build at a time there
    fcntl = None

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class VendorError(RuntimeError):
    """A pinned asset could not be fetched or did not match its pin."""


@dataclass(frozen=True)
class NpmPin:
    name: str
    version: str
    integrity: str  # "sha512-<base64>", as npm reports it

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def tarball_name(self) -> str:
        # npm names scoped tarballs "scope-name-version.tgz"
        return f"{self.name.lstrip('@').replace('/', '-')}-{self.version}.tgz"


def cache_dir() -> Path:
    """Where downloads live between builds; override with COMPANION_CACHE."""
    override = os.environ.get("COMPANION_CACHE")
    return Path(override) if override else PROJECT_ROOT / ".cache"


@contextlib.contextmanager
def cache_lock(name: str):
    """Hold `name` in the download cache against other processes (a second build, or the test
    suite's parallel workers): one downloads or unpacks, the others wait and then find it done."""
    folder = cache_dir() / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{name}.lock", "w") as handle:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
        yield


def sri_of(path: Path, algorithm: str = "sha512") -> str:
    digest = hashlib.new(algorithm)
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return f"{algorithm}-{base64.b64encode(digest.digest()).decode()}"


def fetch_tarball(pin: NpmPin) -> Path:
    """Return the verified tarball for `pin`, downloading it with `npm pack` if needed."""
    folder = cache_dir() / "npm"
    folder.mkdir(parents=True, exist_ok=True)
    tarball = folder / pin.tarball_name
    with cache_lock(pin.tarball_name):
        if not tarball.exists():
            _npm_pack(pin, folder)
        actual = sri_of(tarball, pin.integrity.split("-", 1)[0])
        if actual != pin.integrity:
            tarball.unlink()  # never keep a bad blob around for the next build
            raise VendorError(
                f"{pin.spec}: tarball integrity mismatch (expected {pin.integrity}, got {actual}); "
                "the cached copy was deleted, run the build again to re-download"
            )
    return tarball


def _npm_pack(pin: NpmPin, folder: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise VendorError(f"{pin.spec}: `npm` is not on the PATH; install Node.js 18+ to fetch it")
    # `npm pack` downloads the tarball without installing or running any script.
    proc = subprocess.run(
        [npm, "pack", pin.spec, "--json", "--pack-destination", str(folder)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise VendorError(f"{pin.spec}: `npm pack` failed: {' | '.join(tail)}")
    try:
        reported = json.loads(proc.stdout)[0]["filename"]
    except (ValueError, LookupError, TypeError):
        reported = pin.tarball_name
    produced = folder / reported
    if produced.name != pin.tarball_name and produced.exists():
        produced.rename(folder / pin.tarball_name)


def extract_package(pin: NpmPin) -> Path:
    """Unpack the verified tarball once; return the folder holding its `package/` tree."""
    target = cache_dir() / "unpacked" / f"{pin.tarball_name[:-4]}-{pin.integrity[7:19].replace('/', '_')}"
    done_marker = target / ".complete"
    if done_marker.exists():
        return target / "package"
    with cache_lock(target.name):
        if done_marker.exists():  # another process unpacked it while this one waited
            return target / "package"
        tarball = fetch_tarball(pin)
        staging = target.with_name(target.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        with tarfile.open(tarball, "r:gz") as archive:
            archive.extractall(staging, filter="data")
        (staging / ".complete").write_text(pin.integrity)
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    return target / "package"
