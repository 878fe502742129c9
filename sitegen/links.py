"""Check that every internal link and asset in the built pages resolves."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit


class _LinkCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []  # (attribute, value)
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if name in ("href", "src"):
                self.links.append((name, value))
            elif name == "id":
                self.ids.add(value)


def parse(html: str) -> _LinkCollector:
    collector = _LinkCollector()
    collector.feed(html)
    return collector


def is_external(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.scheme or parts.netloc)


def external_hosts(html: str) -> set[str]:
    return {urlsplit(v).netloc for _, v in parse(html).links if urlsplit(v).scheme in ("http", "https")}


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

