"""load -> validate -> render -> write. The one function `build` runs the whole site."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import time
from dataclasses import dataclass
from typing import Callable
from pathlib import Path, PurePosixPath

from simulators import REGISTRY

from . import browser_bundle, experiments, first_frames, links, markdown_render, mathtex, module_imports, offline, pages, shipped_data, sources, vendor, writer
from . import content as content_mod
from .disk_cache import DiskCache, key_of
from .errors import BuildFailed, ContentError
from .frame_pool import FramePool


@dataclass
class BuildOptions:
    project_root: Path
    content_dir: Path
    templates_dir: Path
    static_dir: Path
    out_dir: Path
    pyodide_url: str | None = None  # load Pyodide from this URL instead of vendoring it
    base_path: str | None = None  # the path the site is hosted under; default: site.yaml's base_path
    build_cache: Path | None = None  # first frames, KaTeX output, compiled templates; default: vendor.cache_dir()
    log: Callable[[str], None] = print  # progress of long steps
    # Pages with their first frames only: no one-click or grid frames, no experiments run (their
    # boxes and values say they are pending), shipped data as committed and no large files
    # prepared (simulators' ASSETS). `--serve` serves this first, then builds the rest.
    draft: bool = False


@dataclass
class BuildReport:
    pages: int
    seconds: float
    timings: dict[str, float]


def default_options(project_root: Path, out_dir: Path | None = None) -> BuildOptions:
    return BuildOptions(
        project_root=project_root,
        content_dir=project_root / "content",
        templates_dir=project_root / "templates",
        static_dir=project_root / "static",
        out_dir=out_dir or project_root / "site",
    )


def build(options: BuildOptions) -> BuildReport:
    """Build the site; raise BuildFailed (with every error) leaving `out_dir` untouched."""
    timings: dict[str, float] = {}
    started = clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = now - clock
        clock = now

    loaded, errors = content_mod.load(options.content_dir, options.project_root, set(REGISTRY))
    if errors:
        raise BuildFailed(errors)
    if options.base_path:
        loaded.site["base_path"] = options.base_path
    if any(topic.meta.get("simulator") for topic in loaded.topics):  # written last, but slow to fetch from a fresh clone
        browser_bundle.prepare_soon(loaded.site, options.pyodide_url)
    lap("load+validate")

    bodies, spans, errors = _render_bodies(loaded)
    katex_pin = vendor.NpmPin(**loaded.site["runtime"]["katex"])
    with _blamed_on(loaded, "runtime.katex"):
        katex_dir = vendor.extract_package(katex_pin)
    cache = options.build_cache or vendor.cache_dir()
    katex_js, katex_cache = katex_dir / "dist" / "katex.js", DiskCache(cache / "katex")
    placed, problems = _render_math([(b, s) for b, s in spans if not experiments.has_values(s.tex)], katex_js, katex_cache, katex_pin)
    errors += problems
    # a formula holding inline values is checked now with stand-ins, and placed once they are computed
    errors += _render_math([(b, dataclasses.replace(s, tex=experiments.with_placeholders(s.tex))) for b, s in spans
                            if experiments.has_values(s.tex)], katex_js, katex_cache, katex_pin)[1]
    simulators, problems = first_frames.page_simulators(bodies)
    errors += problems
    bodies = {slug: dataclasses.replace(_with_html(body, placed.get(slug)), simulator=simulators.get(slug))
              for slug, body in bodies.items()}
    errors += [e for body in bodies.values() if body.experiments
               for e in experiments.check_settings(body.topic, body.simulator, body.experiments)]
    if errors:  # content, math, sections, simulator and experiment settings: all reported before anything runs
        raise BuildFailed(errors)
    lap("markdown+math")
    unmarked = [f"{b.topic.rel_source}:{line}" for b in bodies.values() for line, _ in b.unmarked]
    if unmarked:
        options.log(f"source marks: {len(unmarked)} sentences quote a number with no source mark or inline value "
                    f"(python -m sitegen.sources lists them), first at {unmarked[0]}")
    if not options.draft:  # a draft shows the shipped data as committed; the whole build refreshes it
        shipped_data.prepare_assets()  # simulators' on-request files, which their shipped data may need
        shipped_data.refresh(options.log)
    lap("shipped data")
    frames_cache = DiskCache(cache / "frames")
    with FramePool(os.cpu_count() or 1) as pool:  # one set of processes for every frame: each keeps its work for the next
        along = {slug: experiments.settings([page]) for slug, page in _checked(bodies, options).items()}
        computed = first_frames.compute(bodies, frames_cache, options.log, along=along, pool=pool, precomputing=not options.draft)
    if computed.errors:
        raise BuildFailed(computed.errors)
    bodies = {slug: _with_simulator(body, computed.pages.get(slug)) for slug, body in bodies.items()}
    errors = experiments.check(list(_checked(bodies, options).values()), computed.along)  # inline page values read the first frames
    if errors:  # a false claim stops the build like any content error: the old site stays
        raise BuildFailed(errors)
    lap("frames")
    env = pages.environment(options.templates_dir, cache / "jinja")
    bodies = {slug: _with_html(body, experiments.fill(body.rendered.html, body.simulator, body.experiments, env))
              if body.experiments else body for slug, body in bodies.items()}
    bodies = {slug: _with_simulator(body, body.simulator.with_precomputed(experiments.tried_frames(body.simulator, body.experiments)))
              if body.experiments else body for slug, body in bodies.items()}
    placed, errors = _render_math(_math_with_values(bodies), katex_js, katex_cache, katex_pin)
    if errors:
        raise BuildFailed(errors)
    bodies = {slug: _with_html(body, placed.get(slug)) for slug, body in bodies.items()}
    lap("experiments")

    with writer.staged_output(options.out_dir) as staging:
        assets = _write_assets(staging, options.static_dir, katex_dir, katex_pin.version)
        runtime = None
        if any(b.simulator for b in bodies.values()):
            with _blamed_on(loaded, "runtime.pyodide"):
                runtime = browser_bundle.write(staging, loaded.site, options.pyodide_url)
        budget = loaded.site["precomputed_budget_mb"]
        for slug, body in bodies.items():  # frames the page shows without running anything (Reset, one click, grid)
            if body.simulator is not None:
                written = 0
                for file, _, _, frame in pages.precomputed_frames(body.simulator):
                    text = frame.to_json()
                    writer.write_text(staging, f"{slug}/{file}", text)
                    data = text.encode()
                    assets[f"{slug}/{file}"] = _version(data)  # fetched as file?v=…, like the static files
                    written += len(data)
                _check_budget(loaded, body, written, budget, options.log)
        lap("assets")
        site_pages = pages.render_all(loaded, bodies, assets, options.templates_dir, runtime, cache / "jinja")
        for path, html in site_pages.items():
            writer.write_text(staging, str(path), html)
        offline.write_service_worker(staging, loaded.site["offline"], assets)
        lap("templates")
        problems = links.broken_links(staging, {p: h for p, h in site_pages.items() if p.name != "404.html"})
        if problems:
            raise BuildFailed([_link_error(loaded, bodies, page, href, reason) for page, href, reason in problems])
        lap("link check")
    lap("swap")
    return BuildReport(pages=len(site_pages), seconds=time.perf_counter() - started, timings=timings)


@contextlib.contextmanager
def _blamed_on(loaded, field: str):
    """A download or check of a pinned package that fails is a content error on its pin in site.yaml."""
    try:
        yield
    except vendor.VendorError as exc:
        raise BuildFailed([ContentError(loaded.site_file, loaded.site_lines.get(field, 0), field, str(exc))]) from None


@dataclass(frozen=True)
class Body:
    """A topic's page body as it goes through the stages: each stage returns new bodies."""

    topic: content_mod.Topic
    rendered: markdown_render.RenderedBody
    spans: list[mathtex.MathSpan]
    simulator: first_frames.PageSimulator | None = None  # from first_frames.page_simulators
    experiments: experiments.PageExperiments | None = None  # the body's experiment blocks and inline values
    unmarked: list[tuple[int, str]] = dataclasses.field(default_factory=list)  # (line, sentence): a number with no source (sources.py)


def _checked(bodies: dict[str, Body], options: BuildOptions) -> dict[str, tuple]:
    """(topic, PageSimulator, PageExperiments) of the pages whose experiments the build computes
    and checks (none in a draft), by page slug in page order."""
    return {slug: (b.topic, b.simulator, b.experiments) for slug, b in bodies.items() if b.experiments and not options.draft}


def _render_bodies(loaded: content_mod.Content):
    bodies: dict[str, Body] = {}
    all_spans: list[tuple[Body, mathtex.MathSpan]] = []
    errors: list[ContentError] = []
    required = loaded.site["topic_sections"]
    for topic in loaded.topics:
        prose = sources.prose(topic, loaded.site["source_sections"])
        errors += prose.errors
        shielded, spans = mathtex.shield(prose.text, topic.doc.body_start_line, start_index=len(all_spans))
        rendered = markdown_render.render(shielded, topic.doc.body_start_line)
        rendered = dataclasses.replace(rendered, html=sources.fill(rendered.html, prose.marks, topic.meta["arxiv"], topic.meta.get("code")))
        errors += experiments.stray_blocks(rendered.html, topic.rel_source, prose.experiments)
        body = Body(topic, rendered, spans, experiments=prose.experiments, unmarked=prose.unmarked)
        bodies[topic.slug] = body
        all_spans += [(body, s) for s in spans]
        headings = {t["name"].strip().lower() for t in rendered.toc}
        for section in required:
            if section.lower() not in headings:
                errors.append(ContentError(topic.rel_source, topic.doc.body_start_line, "body",
                                           f"missing required section '## {section}'"))
    return bodies, all_spans, errors


def _with_simulator(body: Body, simulator: first_frames.PageSimulator | None) -> Body:
    """The body with its simulator as a later stage returned it (None: a page without one)."""
    return dataclasses.replace(body, simulator=simulator)


def _with_html(body: Body, html: str | None) -> Body:
    """The body with new HTML (None: as it is)."""
    return body if html is None else dataclasses.replace(body, rendered=dataclasses.replace(body.rendered, html=html))


def _render_math(spans, katex_js: Path, cache: DiskCache, pin: vendor.NpmPin) -> tuple[dict[str, str], list[ContentError]]:
    """Render every (body, span) formula; return each body's HTML with its formulas in place (by
    topic slug) and the errors. One KaTeX output is cached per (KaTeX pin, TeX, display mode), so
    Node starts only when some formula is new."""
    keys = [key_of("katex", pin.spec, pin.integrity, span.tex, span.display) for _, span in spans]
    results: list = [cache.get(key) for key in keys]
    new = [i for i, hit in enumerate(results) if hit is None]
    for i, hit in enumerate(results):
        if hit is not None:
            results[i] = hit[0]
    if new:
        try:
            fresh = mathtex.render_all([spans[i][1] for i in new], katex_js)
        except mathtex.MathError as exc:
            return {}, [ContentError("content", 0, "math", str(exc))]
        for i, result in zip(new, fresh):
            results[i] = result
            if not isinstance(result, mathtex.MathError):
                cache.put(keys[i], result)
    errors: list[ContentError] = []
    placed: dict[str, str] = {}
    for (body, span), result in zip(spans, results):
        if isinstance(result, mathtex.MathError):
            errors.append(ContentError(body.topic.rel_source, span.line, "body", f"math ${span.tex}$: {result}"))
        else:
            slug = body.topic.slug
            placed[slug] = mathtex.unshield(placed.get(slug, body.rendered.html), [span], {span.token: result})
    return placed, errors


def _math_with_values(bodies: dict[str, Body]) -> list[tuple[Body, mathtex.MathSpan]]:
    """The formulas that hold inline values, their TeX filled from the computed frames."""
    return [(body, dataclasses.replace(span, tex=experiments.fill_tex(span.tex, body.simulator, body.experiments)))
            for body in bodies.values() for span in body.spans if experiments.has_values(span.tex)]


def _check_budget(loaded, body: Body, written: int, budget_mb: float, log) -> None:
    """Say what a page's precomputed frames cost, and fail past site.yaml's budget."""
    count = len(body.simulator.precomputed) + 1
    if count > 1:
        log(f"{body.topic.slug}: {count} precomputed frames, {written / 1e6:.1f} MB (budget {budget_mb} MB a page)")
    if written > budget_mb * 1e6:
        field = "precomputed_budget_mb"
        raise BuildFailed([ContentError(body.topic.rel_source, body.topic.doc.line_of("simulator"), "simulator",
                                        f"{count} precomputed frames take {written / 1e6:.1f} MB, over the budget of "
                                        f"{budget_mb} MB a page ({field} in {loaded.site_file}); declare a smaller GRID "
                                        "or raise the budget")])


def _version(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:10]


def _write_assets(staging: Path, static_dir: Path, katex_dir: Path, katex_version: str) -> dict[str, str]:
    """Copy static files and vendored KaTeX; return site path -> content-hashed URL suffix.
    KaTeX's folder carries its version: its fonts are fetched by name, without a hash."""
    writer.copy_tree(static_dir, staging / "static")
    module_imports.pin_imports(staging / "static", _version)
    writer.write_text(staging, "static/css/pygments.css", markdown_render.pygments_css())
    katex_out = staging / "static" / "vendor" / f"katex-{katex_version}"
    katex_out.mkdir(parents=True, exist_ok=True)
    (katex_out / "katex.min.css").write_bytes((katex_dir / "dist" / "katex.min.css").read_bytes())
    fonts = katex_out / "fonts"
    fonts.mkdir(exist_ok=True)
    # Every current browser takes the woff2 face listed first; the woff/ttf fallbacks are not shipped.
    for font in (katex_dir / "dist" / "fonts").glob("*.woff2"):
        (fonts / font.name).write_bytes(font.read_bytes())
    versions: dict[str, str] = {}
    for path in (staging / "static").rglob("*"):
        if path.is_file() and path.suffix in (".css", ".js", ".mjs", ".svg", ".png", ".ico", ".json"):
            rel = path.relative_to(staging).as_posix()
            versions[rel] = _version(path.read_bytes())
    return versions


def _link_error(loaded, bodies: dict[str, Body], page: PurePosixPath, href: str, reason: str) -> ContentError:
    slug = page.parts[0] if len(page.parts) > 1 else None
    body = bodies.get(slug) if slug else None
    if body is not None and href in body.rendered.link_lines:
        return ContentError(body.topic.rel_source, body.rendered.link_lines[href], "body", f"broken link '{href}': {reason}")
    where = body.topic.rel_source if body is not None else f"templates (page {page})"
    return ContentError(where, 0, "link", f"broken link '{href}': {reason}")
