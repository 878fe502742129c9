"""Offline reading: the service worker `sw.js` at the site's root (so its scope is the whole
site, under whatever path the site is hosted). It is sitegen/offline_worker.js after one line
that lists this build's files, so its bytes, and therefore the browser's copy, change with
every build that changes any file. With `offline: false` in site.yaml, sw.js instead removes
what an earlier build installed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .pages import version_query

WORKER_FILE = "sw.js"
SOURCE = Path(__file__).with_name("offline_worker.js")
SWITCHED_OFF = Path(__file__).with_name("offline_worker_off.js")


def group_of(path: str) -> str:
    """Which files are kept when (see offline_worker.js)."""
    if path.startswith("static/pyodide-") or path.startswith("static/sim/simulators-") or "/frames/" in path:
        return "runtime"
    if path.startswith("static/sim/"):
        return "on_request"
    return "pages"


def manifest(site_dir: Path, versions: dict[str, str]) -> dict:
    """Each file's URL as the pages request it (with its ?v= hash where they use one) and sha256."""
    groups: dict[str, dict[str, str]] = {"pages": {}, "runtime": {}, "on_request": {}}
    for path in sorted(p for p in site_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(site_dir).as_posix()
        if rel == WORKER_FILE:
            continue
        url = rel + version_query(rel, versions)
        groups[group_of(rel)][url] = _sha256(path)
    version = hashlib.sha256(json.dumps(groups, sort_keys=True).encode()).hexdigest()[:16]
    return {"version": version, **groups}


def write_service_worker(site_dir: Path, enabled: bool, versions: dict[str, str]) -> None:
    if enabled:
        build = json.dumps(manifest(site_dir, versions), sort_keys=True, separators=(",", ":"))
        text = f"const BUILD = {build};\n{SOURCE.read_text()}"
    else:
        text = SWITCHED_OFF.read_text()
    (site_dir / WORKER_FILE).write_text(text, encoding="utf-8")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
