"""What the browser needs to run simulators: the `simulators` package as one hashed archive,
and (unless a CDN is configured) the vendored Pyodide runtime."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from simulators import REGISTRY
from simulators.kit import assets
from simulators.kit.assets import deterministic_zip

from . import pyodide_runtime
from .pyodide_runtime import PyodidePins, link_or_copy, vendor_runtime

SIM_ROOT = Path(__file__).resolve().parent.parent / "simulators"
RUN_TIMEOUT_MS = 30_000  # a run silent for this long is cancelled and the worker restarted


def archive_files() -> dict[str, Path]:
    """Archive name -> source file: the package's code and shipped data, plus any simulator
    registered from a module outside the package (shipped at the top level, imported by name)."""
    files = {f"simulators/{p.relative_to(SIM_ROOT).as_posix()}": p
             for p in [*SIM_ROOT.rglob("*.py"), *SIM_ROOT.rglob("data/*.json")]}
    for simulator in REGISTRY.values():
        if simulator.external_module is None:
            continue
        source = Path(simulator.module.__file__).resolve()
        if source.name == "__init__.py":
            folder = source.parent
            files.update({f"{folder.name}/{p.relative_to(folder).as_posix()}": p for p in folder.rglob("*.py")})
        else:
            files[source.name] = source
    return files


def package_archive() -> bytes:
    """A deterministic ZIP, so its hash changes only with its content."""
    return deterministic_zip({name: path.read_bytes() for name, path in archive_files().items()})


def external_runtime_url(site: dict, pyodide_url: str | None) -> str | None:
    """Where pages load Pyodide from another host (--pyodide-url, else the site's
    runtime.pyodide.url); None where the build vendors it into the site."""
    return pyodide_url or site["runtime"]["pyodide"].get("url")


def vendored_pins(site: dict, pyodide_url: str | None) -> PyodidePins | None:
    """The Pyodide runtime the build vendors into the site; None where pages load it from a URL."""
    return None if external_runtime_url(site, pyodide_url) else PyodidePins.from_config(site["runtime"]["pyodide"])


def prepare_soon(site: dict, pyodide_url: str | None) -> None:
    """Start preparing the vendored runtime in the background, where the build will need it:
    from a fresh clone it is about 6 s of npm and unpacking, which then overlaps the math and
    the first frames instead of following them. A failure is left to `write`, which prepares
    again (waiting for this thread through the cache's lock) and reports it."""
    pins = vendored_pins(site, pyodide_url)
    if pins is None:
        return

    def head_start():
        try:
            pyodide_runtime.prepare(pins)
        except Exception:  # noqa: BLE001 (write() reports it, blamed on the site's file)
            pass

    # Not a daemon: a build that stops early must not cut a download or an unpacking short.
    threading.Thread(target=head_start, name="pyodide runtime").start()


def write(staging: Path, site: dict, pyodide_url: str | None) -> dict:
    """Write the archive and the runtime; return what pages embed (URLs relative to the site root)."""
    archive = package_archive()
    digest = hashlib.sha256(archive).hexdigest()
    name = f"static/sim/simulators-{digest[:16]}.zip"
    target = staging / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(archive)
    pins = vendored_pins(site, pyodide_url)
    url = external_runtime_url(site, pyodide_url)
    if pins is not None:
        # The folder carries the version: Pyodide fetches its files by name, and a browser (or the
        # offline cache) must never pair one build's pyodide.mjs with another's WebAssembly.
        url = f"static/pyodide-{pins.core.version}/"
        vendor_runtime(pins, staging / url)
    return {"indexURL": url, "archive": name, "archiveSha256": digest,
            "timeoutMs": RUN_TIMEOUT_MS, "external": pins is None,
            # A draft has not prepared them: its pages offer them once the whole build lands.
            "assets": {asset.name: _asset(staging, asset) for simulator in REGISTRY.values() for asset in simulator.assets
                       if (assets.cache_folder() / asset.file_name).exists()}}


def _asset(staging: Path, asset: assets.Asset) -> dict:
    """A file a simulator downloads on request (kit.assets), from the build's prepared copy:
    named by its hash, so a browser never keeps a stale one. Prepared by the pipeline first."""
    source = assets.cache_folder() / asset.file_name
    digest = assets.sha256(source)
    stem, suffix = asset.file_name.rsplit(".", 1)
    name = f"static/sim/{stem}-{digest[:16]}.{suffix}"
    link_or_copy(source, staging / name)
    return {"url": name, "sha256": digest, "bytes": source.stat().st_size, "label": asset.label}
