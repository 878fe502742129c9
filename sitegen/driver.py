"""One build as the command line asks for it: skip it when the site is already current (see
up_to_date), else run the pipeline and record what it built. `python build.py` calls it directly;
`python build.py --serve` calls it in a builder process that keeps its imports warm.

Heavy modules (NumPy, the simulators, Jinja) are imported only when a build really runs.
"""

from __future__ import annotations

import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from . import up_to_date
from .vendor import cache_dir

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Request:
    out_dir: Path
    content_dir: Path
    pyodide_url: str | None = None
    base_path: str | None = None  # overrides site.yaml's base_path
    force: bool = False  # build even when nothing changed (the caches still apply)
    quiet: bool = False
    draft: bool = False  # pages and first frames only (pipeline.BuildOptions.draft); never recorded as current


@dataclass
class Outcome:
    ok: bool
    skipped: bool = False  # nothing changed: the site on disk is already this build
    draft: bool = False  # the pages with their first frames; the rest is still to build
    pages: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)  # "file:line: field: message", one per problem
    report: str = ""  # what the terminal shows on failure

    def summary(self, out_dir: Path) -> str:
        if self.skipped:
            return f"{out_dir} is up to date: nothing changed since the last build"
        if self.draft:
            return (f"built {self.pages} pages with their first frames into {out_dir} in {self.seconds:.2f} s; "
                    "one-click frames and experiments follow")
        return f"built {self.pages} pages into {out_dir} in {self.seconds:.2f} s"


def watched_folders(request: Request) -> list[Path]:
    """Every folder whose files decide the site, the generator's own code included."""
    return [request.content_dir, *(PROJECT_ROOT / name for name in ("templates", "static", "simulators", "sitegen"))]


def run(request: Request) -> Outcome:
    options = {"out": str(request.out_dir.resolve()), "content": str(request.content_dir.resolve()),
               "pyodide_url": request.pyodide_url, "base_path": request.base_path}
    inputs = up_to_date.input_digest(watched_folders(request), [PROJECT_ROOT / "build.py"], options)
    stamp = up_to_date.stamp_path(cache_dir(), request.out_dir)
    if not request.force and up_to_date.is_current(stamp, inputs, request.out_dir):
        return Outcome(ok=True, skipped=True)
    if "numpy" not in sys.modules:  # a builder process pins once, before its first build
        from .blas import pin_threads

        pin_threads()
    from simulators.kit.contract import ContractError

    from .errors import BuildFailed, ContentError

    try:  # the pipeline registers every simulator in simulators/ as it is imported
        from .pipeline import build, default_options
    except ContractError as broken:
        failure = BuildFailed([ContentError(broken.file or "simulators", 0, "simulator", str(broken))])
        return Outcome(ok=False, errors=[str(e) for e in failure.errors], report=failure.report())

    build_options = default_options(PROJECT_ROOT, request.out_dir)
    build_options.content_dir = request.content_dir
    build_options.pyodide_url = request.pyodide_url
    build_options.base_path = request.base_path
    build_options.draft = request.draft
    if request.quiet:
        build_options.log = lambda message: None
    try:
        report = build(build_options)
    except BuildFailed as failure:
        return Outcome(ok=False, errors=[str(e) for e in failure.errors], report=failure.report())
    if request.draft:  # the next build, the whole one, must not be skipped
        up_to_date.forget(stamp)
    else:
        up_to_date.record(stamp, inputs, request.out_dir)
    return Outcome(ok=True, pages=report.pages, seconds=report.seconds, draft=request.draft)


def run_reporting_crashes(request: Request) -> Outcome:
    """For the serve builder: a bug in a simulator or template being edited is shown to the
    author like a content error, and the server keeps serving the last good site."""
    try:
        return run(request)
    except Exception:  # noqa: BLE001 - anything the edited code raises
        text = traceback.format_exc()
        return Outcome(ok=False, errors=[text.strip().splitlines()[-1]], report=text)
