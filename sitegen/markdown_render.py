"""Markdown body -> HTML fragment: tables, footnotes, highlighted code, heading anchors."""

from __future__ import annotations

import re
from dataclasses import dataclass

import markdown
from pygments.formatters import HtmlFormatter

_MD_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_TOPIC_HREF = re.compile(r'href="([a-z0-9-]+)\.md(#[^"]*)?"')

EXTENSIONS = ["extra", "codehilite", "toc", "sane_lists", "smarty", "admonition"]
EXTENSION_CONFIGS = {
    "codehilite": {"css_class": "highlight", "guess_lang": False},
    "toc": {"permalink": "#", "permalink_title": "Link to this section", "toc_depth": "2-3"},
}


@dataclass
class RenderedBody:
    html: str
    toc: list[dict]  # [{"id", "name", "level", "children"}], as Python-Markdown gives it
    link_lines: dict[str, int]  # link target as written -> first source line using it


def render(body: str, first_line: int) -> RenderedBody:
    md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS, output_format="html")
    html = md.convert(body)
    # Authors link topics as `slug.md` (it reads well in an editor); pages live at `slug/`.
    html = _TOPIC_HREF.sub(lambda m: f'href="../{m.group(1)}/{m.group(2) or ""}"', html)
    return RenderedBody(html=html, toc=md.toc_tokens, link_lines=_link_lines(body, first_line))


def _link_lines(body: str, first_line: int) -> dict[str, int]:
    lines: dict[str, int] = {}
    for match in _MD_LINK.finditer(body):
        target = match.group(1)
        rewritten = _TOPIC_HREF.sub(lambda m: f'../{m.group(1)}/{m.group(2) or ""}', f'href="{target}"')
        lines.setdefault(rewritten, first_line + body.count("\n", 0, match.start()))
    return lines


def pygments_css() -> str:
    """Code colours for both themes, keyed the same way as the site's colour variables."""
    light = HtmlFormatter(style="default").get_style_defs(".highlight")
    dark_rules = HtmlFormatter(style="github-dark").get_style_defs(".highlight")
    dark_forced = _prefix(dark_rules, ':root[data-theme="dark"] ')
    dark_system = _prefix(dark_rules, ':root:not([data-theme="light"]) ')
    return f"{light}\n{dark_forced}\n@media (prefers-color-scheme: dark) {{\n{dark_system}\n}}\n"


def _prefix(css: str, prefix: str) -> str:
    out = []
    for line in css.splitlines():
        if line.startswith((".highlight", "pre")):
            selector, _, rule = line.partition("{")
            selector = ", ".join(prefix + s.strip() for s in selector.split(","))
            out.append(f"{selector} {{{rule}")
    return "\n".join(out)
