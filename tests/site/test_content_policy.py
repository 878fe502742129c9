"""The Content-Security-Policy in the built pages: present first, as tight as each page allows,
and allowing exactly the inline scripts the pages carry. (In Chromium, every browser test
fails on any refusal: see the `page` fixture; test_hosting.py checks the policy bites.)"""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser

from sitegen import csp
from sitegen.pipeline import default_options, build

from conftest import PROJECT_ROOT

CDN = "https://cdn.jsdelivr.net/pyodide/v0.29.3/full/"


class PageScan(HTMLParser):
    """The policy, the inline scripts, and anything a policy without 'unsafe-inline' would refuse."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.policy = []
        self.first_tags = []  # tags in <head> before the policy
        self.inline_scripts = []
        self.handlers = []
        self.style_elements = 0
        self._script = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and attrs.get("http-equiv", "").lower() == "content-security-policy":
            self.policy.append(attrs["content"])
        elif not self.policy:
            self.first_tags.append(tag)
        self.handlers += [f"<{tag} {name}>" for name in attrs if name.startswith("on")]
        if tag == "style":
            self.style_elements += 1
        if tag == "script" and "src" not in attrs and attrs.get("type") != "application/json":
            self._script = []

    def handle_data(self, data):
        if self._script is not None:
            self._script.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.inline_scripts.append("".join(self._script))
            self._script = None


def scan(path) -> PageScan:
    page = PageScan()
    page.feed(path.read_text())
    return page


def directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in policy.split(";")}


def test_every_page_carries_the_policy_before_anything_it_governs(built_site):
    pages = sorted(built_site.rglob("*.html"))
    assert len(pages) == 9
    for path in pages:
        page = scan(path)
        assert len(page.policy) == 1, path
        assert set(page.first_tags) <= {"html", "head", "meta"}, (path, page.first_tags)
        rules = directives(page.policy[0])
        assert rules["default-src"] == ["'none'"] and rules["object-src"] == ["'none'"], path
        assert rules["base-uri"] == ["'self'"], path
        assert "'unsafe-inline'" not in rules["script-src"] and "'unsafe-eval'" not in rules["script-src"], path
        assert "'unsafe-inline'" not in rules["style-src"], path
        # Each inline script is allowed by its own hash, and nothing else is inline.
        assert page.inline_scripts, path  # the theme, set before first paint
        hashes = {f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in page.inline_scripts}
        assert hashes <= set(rules["script-src"]), path
        assert page.handlers == [] and page.style_elements == 0, (path, page.handlers)
        # Only topic pages with a simulator may compile WebAssembly or start a blob: worker.
        has_simulator = 'data-sim-config' in path.read_text()
        assert ("'wasm-unsafe-eval'" in rules["script-src"]) == has_simulator, path
        assert ("blob:" in rules["worker-src"]) == has_simulator, path
        assert not any(re.match(r"https?://", s) for rule in rules.values() for s in rule), path


def test_a_cdn_runtime_adds_its_host_and_nothing_else(tmp_path):
    options = default_options(PROJECT_ROOT, tmp_path / "site")
    options.pyodide_url = CDN
    options.log = lambda message: None
    build(options)
    page = scan(tmp_path / "site" / "gated-attention" / "index.html")
    local = scan(tmp_path / "site" / "index.html")
    rules = directives(page.policy[0])
    assert rules["script-src"][-1] == rules["connect-src"][-1] == "https://cdn.jsdelivr.net"
    others = [s for rule in rules.values() for s in rule if "://" in s]
    assert others == ["https://cdn.jsdelivr.net"] * 2
    assert "cdn.jsdelivr.net" not in local.policy[0]  # a page without a simulator never loads it
    assert not list((tmp_path / "site" / "static").glob("pyodide*"))


def test_policy_lists_each_source_once_in_a_stable_order():
    policy = csp.policy(["a();"], simulator=True, pyodide_url=CDN)
    assert policy == csp.policy(["a();"], simulator=True, pyodide_url=CDN)
    for name, sources in directives(policy).items():
        assert len(sources) == len(set(sources)), name
    assert csp.script_hash("a();") in directives(policy)["script-src"]
