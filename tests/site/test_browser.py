"""End to end in Debian's Chromium: first frame, live runtime, parity with CPython, failures.

Every request to a host other than the local test server is aborted and recorded; each test
asserts none happened.
"""

from __future__ import annotations

from urllib.parse import urlencode
import shutil

import pytest

from simulators import bridge
from sim_helpers import assert_close  # numbers to 1e-6: Pyodide's libm may differ from glibc in the last bit

import chromium
from axe import assert_none_at

pytestmark = pytest.mark.browser
SIM = "[data-sim=superposition]"
QUICK = "?steps=100&scaling_sweep=false&m_dims=8&n_features=40"
QUICK_PARAMS = {"steps": 100, "scaling_sweep": False, "m_dims": 8, "n_features": 40}

chromium.require()

from conftest import serve  # noqa: E402


def wait_status(page, *statuses, timeout=60_000):
    page.locator(SIM).scroll_into_view_if_needed()  # the runtime starts when the simulator nears the viewport
    selector = ", ".join(f'{SIM}[data-sim-status="{s}"]' for s in statuses)
    page.wait_for_selector(selector, state="attached", timeout=timeout)
    return page.get_attribute(SIM, "data-sim-status")


def test_first_frame_is_there_before_the_runtime(page, site_url):
    # Hold the runtime back: the page must already show a real figure and readouts.
    page.route("**/pyodide.mjs", lambda route: None)
    page.goto(site_url + "superposition-scaling/", wait_until="domcontentloaded")
    assert page.get_attribute(SIM, "data-sim-status") in ("prerendered", "loading")
    assert page.locator(f"{SIM} [data-sim-svg] svg.sim-panel > title").count() == 3  # three panels
    expected = bridge_result({}, 0)
    assert page.text_content('[data-readout="loss"]') == f"{expected['loss']:.4f}"


def bridge_result(params: dict, seed: int) -> dict:
    return bridge.result("superposition", params, seed)


def test_live_result_equals_cpython_and_controls_update_it(page, site_url):
    page.goto(site_url + "superposition-scaling/" + QUICK)
    # The runtime loads; the link's setting then runs live here, while a busy machine's estimate
    # may park it for Run (CI saw "ready-to-run" right after "live"): settle presses Run then.
    assert wait_status(page, "live", "ready-to-run", "error") != "error"
    chromium.settle(page, SIM, 1, timeout=60_000)
    browser_result = page.evaluate("document.querySelector('[data-sim]').simulator.lastFrame.result")
    cpython = bridge_result(QUICK_PARAMS, 0)
    assert browser_result["params"] == cpython["params"]
    for key in ("loss", "fraction_represented", "mean_interference"):
        assert browser_result[key] == pytest.approx(cpython[key], rel=1e-6, abs=1e-6), key
    before = page.inner_html("[data-sim-svg]")
    # Move a control with the keyboard, as a reader would.
    page.focus("#sim-superposition-m_dims")
    page.keyboard.press("ArrowRight")
    chromium.settle(page, SIM, 2, timeout=60_000)
    assert "m_dims=9" in page.url
    assert page.inner_html("[data-sim-svg]") != before
    after = bridge_result({**QUICK_PARAMS, "m_dims": 9}, 0)
    assert page.text_content('[data-readout="loss"]') == f"{after['loss']:.4f}"
    assert_none_at(page, "superposition-scaling/ live", 390, "dark")


# Every other simulator: its page runs it live and gets CPython's numbers (quick settings).
LIVE_CASES = {
    "passk": ("rlvr-reasoning/", {"n_problems": 40, "samples": 64, "rl_steps": 60, "distill_steps": 30}),
    "diversity": ("artificial-hivemind/", {"preset": "mottos (two models)", "k": 3}),
    "transductive": ("transductive-online-learning/", {"preset": "thresholds", "n_points": 5, "moves": "1"}),
    "gated_attention": ("gated-attention/", {"train_steps": 50, "head": 2}),
    "thousand_layer_rl": ("thousand-layer-rl/", {"maze": "open room", "train_steps": 100, "depth": 2, "goal": "3,3"}),
    # t = 1000: the SNR readout is 4.04e-05, which a JavaScript copy of the formatter printed as 0.0000404.
    "diffusion": ("diffusion-memorization/", {"t": 1000, "dataset": "grid of 9", "sizes": "9, 18", "budget": 5}),
}


@pytest.mark.parametrize("name", sorted(LIVE_CASES))
def test_each_simulator_runs_live_with_cpythons_numbers_and_passes_axe(page, site_url, name):
    slug, params = LIVE_CASES[name]
    root = f"[data-sim={name}]"
    page.goto(site_url + slug + "?" + urlencode({**params, "seed": 4}))
    assert chromium.settle(page, root, 1) in ("live", "on-request")
    assert page.get_attribute(root, "data-sim-status") == "live"
    browser_result = page.evaluate(f"document.querySelector('{root}').simulator.lastFrame.result")
    expected = bridge.frame(name, params, 4)
    assert_close(browser_result, expected.result)
    # Readouts are formatted in Python (the worker's envelope); the page only places the text.
    shown = {path: page.text_content(f'{root} [data-readout="{path}"]') for path in expected.readouts}
    assert shown == expected.readouts
    assert page.locator(f"{root} [data-sim-svg] svg.sim-panel").count() >= 2
    # Headers redrawn by the page lower subscripts (τ_gen) as the build's do.
    assert "_" not in page.text_content(f"{root} [data-sim-table] thead")
    # The live page, as redrawn by the runtime, at a phone's width or a desktop's, in either theme.
    width, theme = (390, "dark") if sorted(LIVE_CASES).index(name) % 2 else (1280, "light")
    assert_none_at(page, f"{slug} live", width, theme)


def test_game_moves_are_played_by_clicking_and_keyboard(page, site_url):
    root = "[data-sim=transductive]"
    page.goto(site_url + "transductive-online-learning/")
    page.locator(root).scroll_into_view_if_needed()
    page.wait_for_selector(f'{root}[data-sim-status="live"]', state="attached", timeout=60_000)
    page.click(f"{root} [data-sim-svg] #move-0")  # predict 0 on the adversary's first instance
    page.wait_for_selector(f'{root}[data-sim-done="1"]', state="attached", timeout=30_000)
    assert "moves=0" in page.url
    first = page.evaluate(f"document.querySelector('{root}').simulator.lastFrame.result")
    assert len([r for r in first["history"] if not r["forced"]]) == 1
    # Keyboard: focus stays on a move button after the redraw, so Enter plays the next move.
    page.keyboard.press("Enter")
    page.wait_for_selector(f'{root}[data-sim-done="2"]', state="attached", timeout=30_000)
    second = page.evaluate(f"document.querySelector('{root}').simulator.lastFrame.result")
    assert len([r for r in second["history"] if not r["forced"]]) == 2
    assert page.text_content(f'{root} [data-readout="mistakes"]') == str(second["mistakes"])


def test_switching_heads_from_the_figure_updates_figure_and_table(page, site_url):
    root = "[data-sim=gated_attention]"
    page.goto(site_url + "gated-attention/?train_steps=25")
    chromium.settle(page, root, 1, timeout=60_000)
    trained = page.evaluate(f"document.querySelector('{root}').simulator.lastFrame.result")
    page.click(f"{root} [data-sim-svg] #ga-head-2")
    page.wait_for_selector(f'{root}[data-sim-done="2"]', state="attached", timeout=30_000)
    assert "head=2" in page.url
    assert page.get_attribute(f"{root} [data-sim-svg] #ga-head-2", "aria-pressed") == "true"
    assert "(head 2)" in page.text_content(f"{root} [data-sim-table-caption]")
    shown = page.evaluate(f"document.querySelector('{root}').simulator.lastFrame.result")
    # Same trained models (the switch re-reads them, it does not retrain).
    assert shown["variants"]["none"]["sink_ratio"] == trained["variants"]["none"]["sink_ratio"]
    first_row = page.locator(f"{root} [data-sim-table] tbody tr").nth(1).locator("td").all_text_contents()
    expected = shown["variants"]["none"]["attention"][1][1][0]  # head 2, query 1, key 0
    assert float(first_row[7]) == round(expected, 3)


def test_hostile_response_text_is_shown_as_text(page, site_url):
    hostile = ['<script>window.pwned = 1</script> time is a river',
               '<img src=x onerror="window.pwned = 1"> time is a weaver']
    root = "[data-sim=diversity]"
    page.goto(site_url + "artificial-hivemind/?" + urlencode({"text": "\n---\n".join(hostile), "text_b": "", "embedding": "tfidf"}))
    page.wait_for_selector(f'{root}[data-sim-done="1"]', state="attached", timeout=60_000)
    assert page.evaluate("window.pwned") is None
    assert page.locator(f"{root} img, {root} [data-sim-svg] script").count() == 0
    cells = page.locator(f"{root} [data-sim-table] tbody td:nth-child(4)").all_text_contents()
    assert cells == hostile
    assert hostile[0] in page.locator(f"{root} [data-sim-svg] circle > title").first.text_content()


def test_bad_url_parameter_gives_a_clear_message_and_controls_agree_with_the_figure(page, site_url):
    page.goto(site_url + "superposition-scaling/?m_dims=abc&alpha=0.5")
    assert wait_status(page, "error") == "error"
    message = page.text_content("[data-sim-message]")
    assert "Hidden dimensions m (m_dims) must be a number, got 'abc'" in message
    # The figure still shows the build's frame; the controls and the link now say the same.
    assert page.locator(f"{SIM} [data-sim-svg] svg.sim-panel").count() == 3
    defaults = page.evaluate("JSON.parse(document.querySelector('[data-sim-config]').textContent).defaults")
    for name in ("m_dims", "alpha"):
        assert page.evaluate(f"document.querySelector('[data-sim]').simulator.controlValue('{name}')") == defaults[name]
    assert "m_dims" not in page.url and "alpha" not in page.url


def test_a_runtime_that_fails_after_a_shipped_setting_was_picked_says_what_the_figure_shows(first_visit_page, site_url):
    """A reader who moved to a setting the build shipped (α = 1.5, one click from the page's) while
    the runtime was still loading keeps that figure when the runtime fails, and the message
    says so rather than claiming the default settings. (A first visit, in a context of its own,
    whose route holds back the runtime's first file when the worker asks for it.)"""
    page = first_visit_page
    held = []
    page.context.route("**/pyodide.mjs", lambda route: held.append(route))  # the runtime's first file, held back
    page.goto(site_url + "superposition-scaling/#simulator")
    page.evaluate("""() => { const root = document.querySelector('[data-sim]');
      const input = root.querySelector('[name=alpha]');
      input.value = String(root.simulator.controls.schema.alpha.values.indexOf(1.5));
      input.dispatchEvent(new Event('input', { bubbles: true })); }""")
    assert chromium.settle(page, SIM, 1, timeout=10_000) == "precomputed"
    for _ in range(300):  # until the worker asks for the runtime
        if held:
            break
        page.wait_for_timeout(100)
    held[0].abort()
    assert wait_status(page, "error") == "error"
    message = page.text_content("[data-sim-message]")
    assert "could not load" in message and "at these settings" in message and "default" not in message
    assert page.text_content("[data-output=alpha]") == "1.5" and "alpha=1.5" in page.url


def test_missing_runtime_is_explained_and_page_stays_useful(page, built_site, tmp_path):
    broken = tmp_path / "site"
    shutil.copytree(built_site, broken)
    [runtime] = (broken / "static").glob("pyodide-*")
    shutil.rmtree(runtime)
    server, url = serve(broken)
    try:
        page.goto(url + "superposition-scaling/")
        assert wait_status(page, "error") == "error"
        message = page.text_content("[data-sim-message]")
        assert "could not load" in message and "computed when this page was built" in message
        assert page.locator(f"{SIM} [data-sim-svg] svg.sim-panel").count() == 3
        assert page.locator("h2#deep-dive").count() == 1
    finally:
        server.shutdown()


def test_theme_toggle_persists(page, site_url):
    page.goto(site_url)
    page.click("[data-theme-toggle]")
    assert page.get_attribute("html", "data-theme") == "light"
    page.click("[data-theme-toggle]")
    page.reload()
    assert page.get_attribute("html", "data-theme") == "dark"


def test_phone_width_has_no_horizontal_scroll(browser, site_url):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    context.route("**/pyodide.mjs", lambda route: route.abort())
    for slug in ("", "gated-attention/", "superposition-scaling/", "rlvr-reasoning/"):
        page.goto(site_url + slug)
        if page.locator("[data-sim]").count():
            # Measure in the error state: its message holds a long URL that must wrap.
            page.locator("[data-sim]").scroll_into_view_if_needed()
            page.wait_for_selector("[data-sim][data-sim-status=error]", state="attached")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{slug or 'home'} scrolls sideways by {overflow}px at 360px"
    context.close()


@pytest.fixture(scope="module")
def example_site_url(tmp_path_factory):
    """The site built with tests/example_simulator.py on the superposition page."""
    import example_simulator
    import simulators
    from conftest import PROJECT_ROOT, build_content
    from test_example_simulator import use_example

    content = tmp_path_factory.mktemp("example") / "content"
    shutil.copytree(PROJECT_ROOT / "content", content)
    use_example(content)
    simulators.register(example_simulator)
    try:
        build_content(content, content.parent / "site")
    finally:
        del simulators.REGISTRY[example_simulator.NAME]
    server, url = serve(content.parent / "site")
    yield url
    server.shutdown()


def test_example_simulator_runs_live_from_its_own_module(page, example_site_url):
    """A simulator from outside the package: shipped in the archive, imported by the worker."""
    import example_simulator
    import simulators

    root = "[data-sim=example_coins]"
    page.goto(example_site_url + "superposition-scaling/?flips=500&p=0.7&seed=3")
    page.wait_for_selector(f'{root}[data-sim-done="1"]', state="attached", timeout=60_000)
    simulators.register(example_simulator)
    try:
        expected = bridge.frame("example_coins", {"flips": 500, "p": 0.7}, 3)
    finally:
        del simulators.REGISTRY[example_simulator.NAME]
    assert_close(page.evaluate(f"document.querySelector('{root}').simulator.lastFrame.result"), expected.result)
    assert page.text_content(f'{root} [data-readout="share.heads"]') == expected.readouts["share.heads"]
    page.goto(example_site_url + "superposition-scaling/?window=90&flips=50")
    page.wait_for_selector(f'{root}[data-sim-status="error"]', state="attached", timeout=60_000)
    assert "Window (window) must be at most the number of flips (50), got 90" in page.text_content(f"{root} [data-sim-message]")


def test_papers_menu_closes_on_escape_and_outside_click_and_pager_links_are_named(page, site_url):
    page.goto(site_url + "gated-attention/")
    menu = page.locator("details.topics-menu")
    page.click("details.topics-menu summary")
    assert menu.evaluate("m => m.open")
    page.keyboard.press("Escape")
    assert not menu.evaluate("m => m.open")
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"  # focus back on the button
    page.click("details.topics-menu summary")
    page.click("h1")
    assert not menu.evaluate("m => m.open")
    # Accessible names, computed by the browser from the visible text: "Previous: Artificial Hivemind".
    for side, word in (("prev", "Previous"), ("next", "Next")):
        title = page.locator(f".pager .{side}").evaluate("a => a.lastChild.textContent")
        assert page.get_by_role("link", name=f"{word}: {title}", exact=True).count() == 1
