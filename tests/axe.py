"""axe-core, the accessibility engine, for the browser tests only: a pinned npm tarball fetched
once into the cache and checked against its hash (sitegen/vendor.py), injected into a page."""

from __future__ import annotations

from chromium import screen
from sitegen.vendor import NpmPin, extract_package

AXE = NpmPin("axe-core", "4.14.1",
             "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==")


def violations(page) -> list[dict]:
    """Run axe on the page as it is now (WCAG 2.x A and AA rules and best practices); returns
    the violations as {id, impact, help, targets}."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated through DevTools, not as a <script> tag: the page's policy refuses inline scripts.
        source = (extract_package(AXE) / "axe.min.js").read_text(encoding="utf-8")
        page.evaluate(f"() => {{ {source}\n }}")
    found = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                              targets: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
    }""")
    return found


def assert_none_at(page, where: str, width: int, theme: str) -> None:
    """The page, as it is, has no violations once set in place to `width` px in `theme` (as when a
    phone turns or the system theme switches). `where` names the page for the failure message."""
    resized = page.viewport_size != screen(width)
    page.set_viewport_size(screen(width))
    page.emulate_media(color_scheme=theme)  # styles only: no script of the pages listens for it, nothing transitions
    if resized:
        page.wait_for_timeout(300)  # the page's resize handlers wait 150 ms for the resizing to stop
    # and its resize observers run before the next frame is painted
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    found = violations(page)
    assert not found, f"{where} at {width} px, {theme}:\n{describe(found)}"


def describe(found: list[dict]) -> str:
    return "\n".join(f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(v['targets'])}" for v in found)
