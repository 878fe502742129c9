"""axe-core, the accessibility engine, for the browser tests only: a pinned npm tarball fetched
once into the cache and checked against its hash (sitegen/vendor.py), injected into a page."""

from __future__ import annotations

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


def assert_none_live(page, what: str, width: int, theme: str) -> None:
    """A live simulator page has no violations at `width` px in `theme`, set in place (the
    page's resize handlers wait 150 ms for the resizing to stop). Called by the tests that already
    took a page live and checked its numbers, rather than opening each page live again for axe."""
    page.set_viewport_size({"width": width, "height": 844 if width < 600 else 900})
    page.emulate_media(color_scheme=theme)
    page.wait_for_timeout(300)
    found = violations(page)
    assert not found, f"{what} live at {width} px, {theme}:\n{describe(found)}"


def describe(found: list[dict]) -> str:
    return "\n".join(f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(v['targets'])}" for v in found)
