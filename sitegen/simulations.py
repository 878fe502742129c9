"""Simulators at build time: validate front-matter params, pre-render first frames, ship code and runtime."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

from simulators import REGISTRY
from simulators import params as sim_params

from .errors import ContentError
from .pyodide_runtime import PyodidePins, vendor_runtime

SIM_ROOT = Path(__file__).resolve().parent.parent / "simulators"
RUN_TIMEOUT_MS = 30_000  # a run silent for this long is cancelled and the worker restarted


def refresh_build_data(log=print) -> None:
    """Let simulators that ship precomputed data (module-level `refresh_build_data`) bring it up
    to date before their first frames are rendered; each keeps its own hash of inputs."""
    for module in REGISTRY.values():
        refresh = getattr(module, "refresh_build_data", None)
        if refresh is not None:
            refresh(log)


def first_frames(bodies) -> list[ContentError]:
    """Run each page's simulator at its configured defaults under CPython; attach the frame."""
    errors: list[ContentError] = []
    for body in bodies.values():
        spec = body.topic.meta.get("simulator")
        if not spec:
            continue
        module = REGISTRY[spec["name"]]
        try:
            values = sim_params.validate(module.PARAMS, spec.get("params"))
        except ValueError as exc:
            bad = next((k for k in spec.get("params", {}) if f"'{k}'" in str(exc)), None)
            field = f"simulator.params.{bad}" if bad else "simulator.params"
            errors.append(ContentError(body.topic.rel_source, body.topic.doc.line_of(field), field, str(exc)))
            continue
        result = module.run(values, spec["seed"])
        body.simulator = {
            "name": spec["name"],
            "title": spec.get("title") or module.TITLE,
            "caption": spec.get("caption", ""),
            "schema": module.PARAMS,
            "values": values,
            "seed": spec["seed"],
            "svg": module.render(result),
            "readouts": [dict(r, value=format_value(result.get(r["key"]), r["format"])) for r in getattr(module, "READOUTS", [])],
            "table": module.table(result) if hasattr(module, "table") else None,
        }
    return errors


def format_value(value, spec: str) -> str:
    """Python's format mini-language; the page script mirrors it for live updates."""
    if value is None:
        return "–"
    return format(value, spec)


def package_archive() -> bytes:
    """The `simulators` package and its shipped data as a deterministic ZIP (fixed timestamps, sorted entries)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted([*SIM_ROOT.rglob("*.py"), *SIM_ROOT.glob("data/*.json")]):
            info = zipfile.ZipInfo(f"simulators/{path.relative_to(SIM_ROOT).as_posix()}", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def write_runtime(staging: Path, site: dict, pyodide_url: str | None) -> dict:
    """Write the simulators archive and (unless a CDN URL is configured) the Pyodide runtime.

    Returns the runtime description the pages embed (URLs relative to the site root).
    """
    archive = package_archive()
    digest = hashlib.sha256(archive).hexdigest()
    name = f"static/sim/simulators-{digest[:16]}.zip"
    target = staging / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(archive)
    config = site["runtime"]["pyodide"]
    url = pyodide_url or config.get("url")
    if not url:
        manifest = vendor_runtime(PyodidePins.from_config(config), staging / "static" / "pyodide")
        wheel = next(n for n in manifest if n.endswith(".whl"))
        url = "static/pyodide/"
    else:
        wheel = None
    return {"indexURL": url, "archive": name, "archiveSha256": digest, "wheel": wheel,
            "timeoutMs": RUN_TIMEOUT_MS, "external": bool(pyodide_url or config.get("url"))}

