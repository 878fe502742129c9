"""Simulator figures as readers see them, in Chromium: readable and usable on a phone and a
desktop, free of accessibility violations (axe-core) in both themes as first drawn (live pages:
test_browser.py), and exportable as one SVG from the first frame."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

import chromium
from chromium import screen
from conftest import PROJECT_ROOT
from axe import assert_none_at
from figure_metrics import contrasts, measure

chromium.require()

TOPICS = sorted(f"{p.stem}/" for p in (PROJECT_ROOT / "content" / "topics").glob("*.md") if "\nsimulator:" in p.read_text())
SVG = "{http://www.w3.org/2000/svg}"


def open_page(browser, url, width, theme="light", **options):
    """The page as first drawn, as a reader sees it before (or without) the runtime."""
    context = browser.new_context(viewport=screen(width), color_scheme=theme, accept_downloads=True, **options)
    page = context.new_page()
    page.route("**/pyodide.mjs", lambda route: route.abort())
    page.goto(url)
    return context, page


@pytest.mark.parametrize("width", [360, 390, 1280])
def test_figures_fit_the_screen_with_readable_text_and_buttons(browser, site_url, width):
    context, page = open_page(browser, site_url, width, service_workers="block")  # each page from the server
    for slug in TOPICS:
        page.goto(site_url + slug)
        page.locator("[data-sim]").scroll_into_view_if_needed()
        found = measure(page)
        assert not found["sideways"], f"{slug} scrolls sideways at {width} px"
        assert found["badButtons"] == 0, f"{slug}: {found['badButtons']} figure buttons off-screen or under 24 px at {width} px"
        smallest = 10 if width < 600 else 11
        assert found["minFont"] >= smallest, f"{slug}: figure text of {found['minFont']:.1f} px at {width} px"
    context.close()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_figure_text_and_marks_stand_out_from_the_background(browser, site_url, theme):
    """Figure text at 4.5:1 or more and data marks (lines, dots) at 3:1 or more, in each theme:
    axe-core checks the page's HTML text but not text and marks drawn in SVG."""
    context, page = open_page(browser, site_url, 1280, theme)
    for slug in TOPICS:
        page.goto(site_url + slug)
        found = contrasts(page)
        assert any(f["kind"] == "text" for f in found), slug
        low = [f for f in found if f["ratio"] < (4.5 if f["kind"] == "text" else 3.0)]
        assert not low, f"{slug} in the {theme} theme: {low[:5]}"
    context.close()


@pytest.mark.parametrize("width", [360, 390])
def test_the_phone_header_is_one_row_and_names_the_site_in_full(browser, site_url, width):
    context, page = open_page(browser, site_url + "thousand-layer-rl/", width)
    header = page.evaluate("""() => {
      const row = document.querySelector('.header-row');
      const parts = [...row.children].map((e) => e.getBoundingClientRect());
      const brand = row.querySelector('.brand');
      return {height: row.getBoundingClientRect().height, tops: parts.map((r) => r.top), bottoms: parts.map((r) => r.bottom),
              cut: brand.scrollWidth > brand.clientWidth,
              shown: [...brand.children].filter((e) => e.getBoundingClientRect().width > 1).map((e) => e.textContent).join('')};
    }""")
    name = page.get_by_role("link", name="NeurIPS 2025 Award Papers, Explained")
    assert name.count() >= 1  # a screen reader still hears the full title
    context.close()
    # One row: every part overlaps every other vertically, and the short name is not cut off.
    assert max(header["tops"]) < min(header["bottoms"]), header
    assert not header["cut"] and header["shown"] == "NeurIPS 2025 Explained", header


# Each load of the prerendered sweep: the width it opens at, then (width, theme) in turn. The
# theme and the width change in place, as when the system theme switches or a phone turns (the
# styles follow prefers-color-scheme and the viewport without a reload). The desktop load ends
# narrowed to a phone's width: a figure row that turned sideways on a resize once lost its tab stop.
PRERENDERED_VIEWS = ((390, ((390, "light"), (390, "dark"))),
                     (1280, ((1280, "dark"), (1280, "light"), (390, "light"))))


def test_no_accessibility_violations_prerendered(browser, site_url):
    """Every page at both widths in both themes, as first drawn (the runtime held back). One tab
    per opening width goes from page to page (axe, injected into each, compiles from the tab's
    cache after the first); service workers are blocked in it, so each page comes from the
    server, as on a first visit (the offline copy changes nothing a reader sees)."""
    for opened_at, views in PRERENDERED_VIEWS:
        context, page = open_page(browser, site_url, opened_at, service_workers="block")
        for slug in ["", "404.html"] + TOPICS:
            page.set_viewport_size(screen(opened_at))
            page.emulate_media(color_scheme="light")
            page.goto(site_url + slug)
            page.wait_for_load_state("load")
            for width, theme in views:
                assert_none_at(page, f"{slug or 'home'} opened at {opened_at} px, then", width, theme)
        context.close()


# Live pages are checked by axe where tests/site/test_browser.py takes each simulator live.


def test_export_svg_joins_the_panels_of_the_first_frame(browser, site_url):
    context, page = open_page(browser, site_url + "gated-attention/", 1280)
    panels = page.locator("[data-sim-svg] svg.sim-panel").count()
    with page.expect_download() as download:
        page.click("[data-action=export-svg]")
    root = ET.parse(download.value.path()).getroot()
    context.close()
    assert root.tag == f"{SVG}svg" and root.find(f"{SVG}title").text.startswith("Gated attention")
    nested = root.findall(f"{SVG}svg")
    assert len(nested) == panels == 6
    # Placed as shown: side by side on a desktop, so the export is wider than one panel.
    assert float(root.get("width")) > 2 * float(nested[0].get("width"))


FIGURE_WHILE_CONTROLLING = """async () => {
  // Each control as a reader scrolls to it (focus and links scroll the same way): how much of the
  // figure is then in view, and whether the figure covers the control. First the page lays out
  // and measures its sticky figure (a resize observer, before the next paint).
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  const root = document.querySelector('[data-sim]');
  const figure = root.querySelector('[data-sim-svg]');
  const row = figure.querySelector('.sim-panels');
  const seen = [];
  for (const control of root.querySelectorAll('.sim-controls .control')) {
    control.scrollIntoView();
    const f = figure.getBoundingClientRect(), c = control.getBoundingClientRect();
    seen.push({control: control.querySelector('[name]').name, visible: Math.min(f.bottom, innerHeight) - Math.max(f.top, 0),
               whole: row.getBoundingClientRect().height, covered: c.top < f.bottom - 1});
  }
  return seen;
}"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_on_a_phone_the_figure_stays_in_view_while_any_control_changes(browser, site_url, theme):
    """At 390 x 844 a reader who moves a control must see the figure respond: at least 250 px of
    it (or the whole panel in view, where that is shorter) beside every control, and no control
    hidden under it."""
    context, page = open_page(browser, site_url, 390, theme)
    for slug in TOPICS:
        page.goto(site_url + slug)
        for seen in page.evaluate(FIGURE_WHILE_CONTROLLING):
            assert seen["visible"] >= min(250, seen["whole"]), f"{slug}: {seen['visible']:.0f} px of figure beside {seen['control']}"
            assert not seen["covered"], f"{slug}: the figure covers {seen['control']}"
    context.close()


def test_on_a_desktop_the_figure_stays_beside_the_controls(browser, site_url):
    context, page = open_page(browser, site_url + "thousand-layer-rl/", 1280)
    side, figure = (page.locator(selector).bounding_box() for selector in (".sim-side", "[data-sim-svg]"))
    context.close()
    assert figure["x"] > side["x"] + side["width"] and abs(figure["y"] - side["y"]) < 200


PANEL_IN_VIEW = """() => {
  const row = document.querySelector('[data-sim-svg] .sim-panels');
  const panels = [...row.querySelectorAll(':scope > .sim-panel')];
  const left = row.getBoundingClientRect().left;
  const distance = (panel) => Math.abs(panel.getBoundingClientRect().left - left);
  const shown = panels.reduce((best, panel, i) => (distance(panel) < distance(panels[best]) ? i : best), 0);
  return { shown, html: panels.map((panel) => panel.outerHTML) };
}"""


def test_on_a_phone_a_change_out_of_view_brings_the_changed_panel_into_view(page, site_url):
    """In one column the panels scroll sideways: a control that changes only panels out of view
    (the diffusion training budget, not the forward process in view) turns the row to the first
    one it changed; one that changes the panel in view leaves the row where it is."""
    root = "[data-sim=diffusion]"
    page.set_viewport_size(screen(390))
    # A link to a lighter setting than the page's (two sizes, 10^5 steps, a smaller high-dimensional
    # model): the same panels, and its run leaves the trainings that a shorter budget re-reads.
    page.goto(site_url + "diffusion-memorization/?sizes=8,16&budget=5&theory_features=128&theory_sizes=32,64#simulator")
    chromium.settle(page, root, 1)
    # Its run changed the training panels from the page's first frame, which turned the row to
    # them: the reader turns it back to the forward process.
    page.evaluate("document.querySelector('[data-sim-svg] .sim-panels').scrollTo({left: 0, behavior: 'instant'})")
    before = page.evaluate(PANEL_IN_VIEW)
    assert before["shown"] == 0
    page.focus("#sim-diffusion-budget")
    page.keyboard.press("ArrowLeft")  # 10^5 -> 10^4 steps: the training panels change, the noising ones do not
    chromium.settle(page, root, page.evaluate(f"document.querySelector('{root}').simulator.requestId"))
    after = page.evaluate(PANEL_IN_VIEW)
    changed = [i for i, (a, b) in enumerate(zip(before["html"], after["html"])) if a != b]
    assert after["html"][0] == before["html"][0] and changed, changed
    assert after["shown"] == changed[0] > 0
    page.fill("#sim-diffusion-seed", "7")  # a new seed: every panel changes, the one in view too, so the row stays
    page.keyboard.press("Enter")  # (a live run: its partial frames must not turn the row either)
    chromium.settle(page, root, page.evaluate(f"document.querySelector('{root}').simulator.requestId"))
    again = page.evaluate(PANEL_IN_VIEW)
    assert again["html"][changed[0]] != after["html"][changed[0]] and again["shown"] == changed[0]
