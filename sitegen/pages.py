"""Jinja rendering: page contexts for the home page, each topic, and the 404 page."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import jinja2
from markupsafe import Markup, escape

from simulators.kit.svg import SUBSCRIPT

from . import csp
from .citation import bibtex, distinction, short_citation
from .disk_cache import key_of

SIMULATOR_MARKER = "<!-- simulator -->"
FIRST_FRAME_FILE = "first-frame.json"  # beside each topic page: the build-time frame (Reset, and exports before any run)
ONE_CLICK_FOLDER = "frames"  # beside each topic page: frames of the settings one click away, computed at build time


def environment(templates_dir: Path, cache_dir: Path | None = None) -> jinja2.Environment:
    """Compiled templates are kept in `cache_dir` (Jinja checks each against its source's mtime)."""
    bytecode = None
    if cache_dir is not None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        bytecode = jinja2.FileSystemBytecodeCache(str(cache_dir))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        bytecode_cache=bytecode,
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,  # a typo in a template is an error, not a blank
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["subscripts"] = subscripts
    env.filters["distinction"] = distinction  # a topic's venue and award, as its header says them
    return env


def subscripts(text: str) -> Markup:
    """τ_gen in a table header or a readout's label, as the page's maths writes it: τ<sub>gen</sub>
    (static/js/simulator/view.mjs does the same to headers that change with the settings)."""
    return Markup(SUBSCRIPT.sub(r"\1<sub>\2</sub>", str(escape(text))))


def version_query(path: str, versions: dict[str, str]) -> str:
    """How pages ask for a site file: `?v=<content hash>` where the build versioned it, else
    nothing. The offline service worker lists the same URLs (sitegen/offline.py)."""
    version = versions.get(path)
    return f"?v={version}" if version else ""


def render_all(loaded, bodies, assets: dict[str, str], templates_dir: Path, runtime: dict | None = None,
               cache_dir: Path | None = None) -> dict[PurePosixPath, str]:
    env = environment(templates_dir, cache_dir)
    site = loaded.site
    topics = loaded.topics
    by_slug = {t.slug: t for t in topics}
    out: dict[PurePosixPath, str] = {}
    pyodide_url = runtime["indexURL"] if runtime and runtime["external"] else None

    def content_security_policy(inline_scripts: list[str], simulator) -> str:
        return csp.policy([str(s) for s in inline_scripts], simulator=bool(simulator), pyodide_url=pyodide_url)

    def common(root: str, page_path: str) -> dict:
        def asset(path: str) -> str:
            key = f"static/{path}"
            return f"{root}{key}{version_query(key, assets)}"

        return {"site": site, "root": root, "asset": asset, "topics": topics, "page_path": page_path,
                "uses_math": False, "uses_code": False, "simulator": None,
                "content_security_policy": content_security_policy}

    index_ctx = common("", "index.html")
    quick_start = [
        {**path, "steps": [by_slug[s] for s in path["topics"]]} for path in site["quick_start"]
    ]
    out[PurePosixPath("index.html")] = env.get_template("index.html").render(**index_ctx, quick_start=quick_start)

    for i, topic in enumerate(topics):
        body = bodies[topic.slug]
        ctx = common("../", f"{topic.slug}/index.html")
        html = body.rendered.html
        # Stylesheets only where they are used (a page without code loads no Pygments CSS).
        ctx.update(uses_math='class="katex' in html, uses_code='class="highlight"' in html, simulator=body.simulator)
        before, marker, after = html.partition(SIMULATOR_MARKER)
        out[PurePosixPath(topic.slug, "index.html")] = env.get_template("topic.html").render(
            **ctx,
            topic=topic,
            meta=topic.meta,
            body_before=before,
            body_after=after if marker else "",
            toc=body.rendered.toc,
            sim_config=_sim_config(body.simulator, runtime, "../", ctx["asset"],
                                   lambda file: file + version_query(f"{topic.slug}/{file}", assets)) if body.simulator else None,
            related=[by_slug[s] for s in topic.meta.get("related", [])],
            previous=topics[i - 1] if i > 0 else None,
            next=topics[i + 1] if i + 1 < len(topics) else None,
            bibtex=bibtex(topic.meta),
            short_citation=short_citation(topic.meta),
        )

    # The 404 page is served from any path, so it links from the site's base path.
    out[PurePosixPath("404.html")] = env.get_template("404.html").render(**common(site["base_path"], "404.html"))
    return out


def _sim_config(page, runtime: dict, root: str, asset, versioned) -> dict:
    """What the page script needs, as JSON: which simulator, its controls, defaults and seed, and
    the runtime's URLs. Frames are not here: the first one is in the HTML, later ones come from
    the worker in the same envelope."""
    runtime = dict(runtime, worker=asset("js/sim-worker.mjs"))
    if not runtime["external"]:
        runtime["indexURL"] = root + runtime["indexURL"]
    runtime["archive"] = root + runtime["archive"]
    runtime["assets"] = {name: {**file, "url": root + file["url"]} for name, file in runtime.get("assets", {}).items()}
    return {
        "name": page.name,
        "module": page.simulator.module.__name__,  # the worker imports this one simulator, not all
        "schema": page.simulator.params,
        "defaults": page.values,
        "seed": page.seed,
        "firstFrame": versioned(FIRST_FRAME_FILE),
        "precomputed": [{"params": values, "seed": seed, "file": versioned(file)} for file, values, seed, _ in precomputed_frames(page)],
        # Controls that only re-read cached work: the worker computes the page's settings once in
        # the background (a warm-up that any run of other settings stops), so that these answer at
        # once; `warmUp` also for a simulator whose other settings reuse that work (kit.contract).
        "viewOnly": list(page.simulator.view_only),
        "warmUp": page.simulator.warms_up(page.values, page.seed),
        "reframe": page.simulator.reframe is not None,  # view-only changes drawn from the build's frame during the warm-up
        "parts": page.simulator.parts_fn is not None,  # runs split into parts: the page starts helper workers
        "runtime": runtime,
        "shareLink": asset("js/share-link.mjs"),  # loaded only when a text value is long
    }


def precomputed_frames(page) -> list[tuple[str, dict, int, object]]:
    """(file beside the page, settings, seed, frame) for each frame the build computed for a page:
    its own settings first, then those one click away and its simulator's grid."""
    return [(FIRST_FRAME_FILE, page.values, page.seed, page.frame)] + [
        (f"{ONE_CLICK_FOLDER}/{key_of(values, seed)[:16]}.json", values, seed, frame) for values, seed, frame in page.precomputed]
