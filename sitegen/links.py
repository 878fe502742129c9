"""Check that every internal link and asset in the built pages resolves."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit


# The pages are our own generated HTML, so a scan of start tags finds what a full parser finds
# (the tests compare both) at a quarter of the cost: the inline SVG figures hold thousands of tags.
_SKIPPED = re.compile(r"<!--.*?-->|<(script|style)\b([^>]*)>.*?</\1\s*>", re.S | re.I)
_START_TAG = re.compile(r"<[A-Za-z][^>]*>")
_ATTRIBUTE = re.compile(r"""\s([A-Za-z_:][-\w:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""")


@dataclass
class PageLinks:
    links: list[tuple[str, str]] = field(default_factory=list)  # (attribute, value)
    ids: set[str] = field(default_factory=set)


def parse(page_html: str) -> PageLinks:
    found = PageLinks()
    kept = _SKIPPED.sub(lambda m: f"<{m.group(1)}{m.group(2)}>" if m.group(1) else "", page_html)
    for tag in _START_TAG.finditer(kept):
        for attribute in _ATTRIBUTE.finditer(tag.group(0)):
            name = attribute.group(1).lower()
            if name not in ("href", "src", "id"):
                continue
            raw = next(v for v in attribute.groups()[1:] if v is not None)
            value = html.unescape(raw)
            if name == "id":
                found.ids.add(value)
            else:
                found.links.append((name, value))
    return found


def is_external(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.scheme or parts.netloc)


def resolve(page: PurePosixPath, href: str) -> tuple[PurePosixPath, str]:
    """Site-relative target of `href` written on `page` (both relative to the site root)."""
    parts = urlsplit(href)
    path = unquote(parts.path)
    if not path:
        return page, parts.fragment
    target = PurePosixPath(*_normalise((page.parent / path).parts))
    if path.endswith("/") or target == PurePosixPath("."):
        target = target / "index.html"
    return target, parts.fragment


def _normalise(parts: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for part in parts:
        if part == "..":
            if out:
                out.pop()
        elif part not in (".", ""):
            out.append(part)
    return out or ["."]


def broken_links(site_root: Path, pages: dict[PurePosixPath, str]) -> list[tuple[PurePosixPath, str, str]]:
    """Return (page, href, reason) for each internal link that does not resolve.

    `pages` maps page path -> HTML for every HTML page, so fragments can be checked
    against the ids the target really has.
    """
    parsed = {path: parse(html) for path, html in pages.items()}
    problems = []
    for page, collector in parsed.items():
        for _, href in collector.links:
            if is_external(href) or href.startswith(("mailto:", "data:", "javascript:")):
                continue
            target, fragment = resolve(page, href)
            if target in parsed:
                if fragment and fragment not in parsed[target].ids:
                    problems.append((page, href, f"no element with id '{fragment}' in {target}"))
            elif not (site_root / target).is_file():
                problems.append((page, href, f"{target} does not exist in the site"))
    return problems

