"""The Content-Security-Policy every page carries, as a `<meta http-equiv>` (it works on any
static host). The browser then refuses anything from another origin, so the promise that the
site loads nothing from elsewhere is enforced, not just tested. The simulator's worker is
started from a `blob:` URL, which makes it inherit this policy too (a worker started from its
own URL would take its policy from HTTP headers, which most static hosts cannot set).
Each source below says which page needs it and why; pages without a simulator get neither
WebAssembly nor blob: workers. The README's "Hosting" section lists them for site owners.
"""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import urlsplit

# directive -> sources, before the inline-script hashes and the Pyodide CDN (if any) are added.
BASE_POLICY: dict[str, list[str]] = {
    "default-src": ["'none'"],
    "script-src": ["'self'"],
    "worker-src": ["'self'"],  # the offline service worker
    # first frames, precomputed frames, the runtime, the simulators archive, the live-reload stream.
    "connect-src": ["'self'"],
    "style-src": ["'self'"],
    # KaTeX positions glyphs with style attributes; figures set a cursor. No <style> element is allowed.
    "style-src-attr": ["'unsafe-inline'"],
    "font-src": ["'self'"],
    # The favicon; heat maps are PNG data: URLs inside the figures' SVG.
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'none'"],  # no form submits anywhere: controls are read by script
}

# What a page with a simulator adds: WebAssembly compilation for Pyodide (in the worker, which
# inherits the page's policy), and the worker itself, started from a blob: URL.
SIMULATOR_SOURCES = {"script-src": ["'wasm-unsafe-eval'"], "worker-src": ["blob:"]}


def script_hash(source: str) -> str:
    """The CSP source that allows exactly this inline script's text."""
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def cdn_origin(pyodide_url: str | None) -> str | None:
    """The one other origin the policy names: the Pyodide CDN's, when the build uses one."""
    if not pyodide_url:
        return None
    parts = urlsplit(pyodide_url)
    return f"{parts.scheme}://{parts.netloc}"


def policy(inline_scripts: list[str], simulator: bool = False, pyodide_url: str | None = None) -> str:
    directives = {name: list(sources) for name, sources in BASE_POLICY.items()}
    directives["script-src"] += [script_hash(s) for s in inline_scripts]
    if simulator:
        for name, sources in SIMULATOR_SOURCES.items():
            directives[name] += sources
    origin = cdn_origin(pyodide_url)
    if simulator and origin:  # the worker imports Pyodide's scripts and fetches its wasm, stdlib and wheels there
        directives["script-src"].append(origin)
        directives["connect-src"].append(origin)
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())
