"""Controls that fit their values, in Chromium: one-line inputs for short text, one run per
typed value (after a pause, or at once on Enter), bounds that follow another control, controls
that cannot matter disabled with their reason, a log-scale slider that keeps linked values
exact, and exports that work on the build's own frame before any live run."""

from __future__ import annotations

import json

import pytest

from simulators import bridge

import chromium

pytestmark = pytest.mark.browser
chromium.require()

TRANSDUCTIVE = "[data-sim=transductive]"


def go_live(page, url: str, root: str):
    page.goto(url)
    page.locator(root).scroll_into_view_if_needed()  # the runtime starts when the simulator nears the viewport
    page.wait_for_selector(f'{root}[data-sim-status="live"]', state="attached", timeout=60_000)


def requests_made(page, root: str) -> int:
    return int(page.get_attribute(root, "data-sim-request") or 0)


def slide(page, selector: str, value) -> None:
    """Move a range input as a reader's drag would: set it and fire `input`."""
    page.eval_on_selector(selector, "(el, v) => { el.value = String(v); el.dispatchEvent(new Event('input', {bubbles: true})); }", value)


def test_short_text_gets_one_line_and_long_text_a_box(built_site):
    rl = (built_site / "thousand-layer-rl" / "index.html").read_text()
    assert '<input type="text" id="sim-thousand_layer_rl-start"' in rl
    # No maxlength: the browser would cut a paste silently; the simulator's check names the limit.
    assert "maxlength" not in rl
    hivemind = (built_site / "artificial-hivemind" / "index.html").read_text()
    assert '<textarea id="sim-diversity-text"' in hivemind
    # A menu shows a choice's label; the value (in the URL, to the simulator) stays short.
    assert '<option value="semantic" selected>meaning (embeddings)</option>' in hivemind


def test_an_over_long_value_is_kept_and_the_message_names_the_control(page, site_url):
    go_live(page, site_url + "transductive-online-learning/", TRANSDUCTIVE)
    field = page.locator(f"{TRANSDUCTIVE} textarea[name=moves]")
    limit = next(p for p in bridge.simulator("transductive").params if p["name"] == "moves")["max_length"]
    too_long = "0," * limit
    field.fill(too_long)  # runs once the reader pauses
    page.wait_for_selector(f'{TRANSDUCTIVE}[data-sim-status="error"]', state="attached", timeout=30_000)
    message = page.text_content(f"{TRANSDUCTIVE} [data-sim-message]")
    assert f"must be at most {limit} characters long, got {len(too_long)}" in message
    assert field.input_value() == too_long  # nothing the reader typed is lost


def test_typing_runs_once_after_a_pause_and_enter_runs_at_once(page, site_url):
    go_live(page, site_url + "transductive-online-learning/", TRANSDUCTIVE)
    before = requests_made(page, TRANSDUCTIVE)
    page.type(f"{TRANSDUCTIVE} textarea[name=moves]", "0,1,0,1,0,", delay=40)  # ten characters
    page.wait_for_timeout(1200)
    assert requests_made(page, TRANSDUCTIVE) == before + 1  # one run for the whole value, not ten
    page.focus(f"{TRANSDUCTIVE} input[name=seed]")
    page.keyboard.press("ArrowUp")  # a step, not typing: it runs at once
    page.wait_for_timeout(150)
    assert requests_made(page, TRANSDUCTIVE) == before + 2

    diffusion = "[data-sim=diffusion]"
    go_live(page, site_url + "diffusion-memorization/", diffusion)
    before = requests_made(page, diffusion)
    field = page.locator(f"{diffusion} input[name=sizes]")
    field.fill("8, 16")  # one input event: typed key by key, a loaded machine could pause past the typing pause
    field.press("Enter")
    page.wait_for_timeout(150)  # well inside the typing pause: only Enter can have started it
    assert requests_made(page, diffusion) == before + 1


def test_controls_that_cannot_matter_are_disabled_with_their_reason(page, site_url):
    go_live(page, site_url + "transductive-online-learning/", TRANSDUCTIVE)
    n_points = page.locator(f"{TRANSDUCTIVE} input[name=n_points]")
    note = page.locator("#sim-transductive-n_points-unused")
    assert n_points.is_disabled() and note.is_visible()  # the gap example has no n
    assert note.text_content().startswith("Used only when Hypothesis class is thresholds, intervals")
    assert "sim-transductive-n_points-unused" in n_points.get_attribute("aria-describedby")
    page.select_option(f"{TRANSDUCTIVE} select[name=preset]", "thresholds")
    assert n_points.is_enabled() and not note.is_visible()
    assert page.locator(f"{TRANSDUCTIVE} input[name=k_intervals]").is_disabled()
    page.select_option(f"{TRANSDUCTIVE} select[name=preset]", "unions_of_intervals")
    assert page.locator(f"{TRANSDUCTIVE} input[name=k_intervals]").is_enabled()


def test_a_bound_follows_the_control_it_depends_on(page, site_url, built_site):
    root = "[data-sim=gated_attention]"
    html = (built_site / "gated-attention" / "index.html").read_text()
    assert 'name="head" min="1" max="2"' in html  # at the page's two heads, before any script
    go_live(page, site_url + "gated-attention/?train_steps=25", root)
    slide(page, f"{root} input[name=heads]", 3)  # heads take the list 1, 2, 3, 4: position 3 is four heads
    slide(page, f"{root} input[name=head]", 4)
    assert page.get_attribute(f"{root} input[name=head]", "max") == "4"
    slide(page, f"{root} input[name=heads]", 2)  # three heads
    assert page.get_attribute(f"{root} input[name=head]", "max") == "3"
    assert page.input_value(f"{root} input[name=head]") == "3"  # pulled down with its bound
    assert page.text_content(f'{root} [data-output="head"]') == "3"
    assert "head=3" in page.url


def test_log_slider_keeps_linked_values_exact_and_spreads_small_ones(page, site_url):
    root = "[data-sim=passk]"
    go_live(page, site_url + "rlvr-reasoning/?samples=256", root)
    assert page.text_content(f'{root} [data-output="samples"]') == "256"  # not 257, the nearest position
    slide(page, f"{root} input[name=samples]", 500)  # the middle of 2..1024 on a log scale
    assert page.text_content(f'{root} [data-output="samples"]') == "45"
    assert "samples=45" in page.url
    slide(page, f"{root} input[name=samples]", 0)
    assert page.text_content(f'{root} [data-output="samples"]') == "2"


def test_exports_work_on_the_build_frame_before_any_run(page, site_url, built_site):
    page.route("**/pyodide.mjs", lambda route: None)  # the runtime never arrives
    page.goto(site_url + "rlvr-reasoning/", wait_until="domcontentloaded")
    expected = json.loads((built_site / "rlvr-reasoning" / "first-frame.json").read_text())
    with page.expect_download() as download:
        page.click('[data-sim=passk] [data-action="export-json"]')
    assert json.loads(open(download.value.path()).read()) == expected["result"]
    with page.expect_download() as download:
        page.click('[data-sim=passk] [data-action="export-csv"]')
    lines = open(download.value.path()).read().splitlines()
    assert lines[0] == ",".join(expected["table"]["columns"]) and len(lines) == 1 + len(expected["table"]["rows"])
