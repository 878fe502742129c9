"""The reader's side of an experiment, in Chromium: "Try this" sets the URL and the controls, shows
the setting the build computed for it (at once, with or without the runtime), and the claims are
checked again on what is shown; another seed runs in the browser, may break them, and the page
says so."""

from __future__ import annotations

import json
import re

from simulators import bridge
from simulators.kit.contract import lookup

import chromium

chromium.require()

PAGE = "gated-attention/"
ROOT = "[data-sim]"


def verdict(page, name: str, timeout: float = 120_000) -> str:
    page.wait_for_selector(f'[data-experiment="{name}"][data-claim-live]', state="attached", timeout=timeout)
    return page.get_attribute(f'[data-experiment="{name}"]', "data-claim-live")


def config_of(page, name: str) -> dict:
    return json.loads(page.text_content(f'[data-experiment="{name}"] [data-experiment-config]'))


def test_try_this_sets_the_url_and_controls_runs_and_checks_the_claims(page, site_url):
    page.goto(site_url + PAGE)
    config = config_of(page, "sink-forms")
    page.click('[data-experiment="sink-forms"] [data-action="try"]')
    assert verdict(page, "sink-forms") == "holds"
    # The build computed this setting to check the claims, and ships it: the try is shown at once,
    # labelled as the build's, and judged again here (another seed then runs in the browser).
    assert page.get_attribute(ROOT, "data-sim-path") == "precomputed"
    assert "computed when this page was built" in page.text_content(f"{ROOT} [data-sim-message]").lower()
    sim_config = json.loads(page.text_content("[data-sim-config]"))
    changed = {k: v for k, v in config["params"].items() if v != sim_config["defaults"][k]}
    schema = {spec["name"]: spec for spec in sim_config["schema"]}
    for name, value in changed.items():
        assert f"{name}={value}" in page.url
        listed = schema[name].get("values")  # a slider over listed values sits at the value's index
        assert page.input_value(f'[data-sim-controls] [name="{name}"]') == str(listed.index(value) if listed else value)
    expected = bridge.frame("gated_attention", config["params"], config["seed"])
    live = page.text_content('[data-experiment="sink-forms"] [data-experiment-live]')
    assert f"seed {config['seed']}" in live and "the claims hold" in live
    for path, label in config["labels"].items():  # the values shown are the simulator's own
        if path in expected.readouts:
            assert f"{label} {expected.readouts[path]}" in live
            assert page.text_content(f'{ROOT} [data-readout="{path}"]') == expected.readouts[path]
        else:  # to three figures, as the build writes them
            assert f"{label} {lookup(expected.result, path):.3g}" in live
    note = page.locator("[data-sim-experiment]")
    assert note.is_visible() and note.locator("a").get_attribute("href") == "#experiment-sink-forms"


def test_another_seed_can_break_a_claim_and_the_page_says_so(page, site_url):
    page.goto(site_url + PAGE)
    config = config_of(page, "seed-two")
    page.click('[data-experiment="seed-two"] [data-action="try"]')
    assert verdict(page, "seed-two") == "holds"
    request = int(page.get_attribute(ROOT, "data-sim-request"))
    page.fill(f'{ROOT} [name="seed"]', "0")
    page.press(f'{ROOT} [name="seed"]', "Enter")
    chromium.settle(page, ROOT, request + 1)
    page.wait_for_selector('[data-experiment="seed-two"][data-claim-live="fails"]', state="attached", timeout=30_000)
    live = page.text_content('[data-experiment="seed-two"] [data-experiment-live]')
    at_zero = bridge.result("gated_attention", config["params"], 0)["variants"]["elementwise"]["sink_ratio"]
    assert at_zero <= 0.5  # the claim really is false there
    assert "seed 0" in live and "variants.elementwise.sink_ratio > 0.5" in live
    assert re.search(r"The build checked seed 2\b", live)
    # judged in the worker by the build's own Python, which formats the values too
    at_seed_0 = bridge.frame("gated_attention", config["params"], 0)
    judged = json.loads(bridge.judge(json.dumps(config["claims"]), json.dumps(config["labels"]), at_seed_0.to_json()))
    assert judged["holds"] is False and f"({'; '.join(judged['failing'])}). {judged['found']}." in live


def test_the_worker_judges_as_the_build_does_where_the_old_javascript_copy_did_not(page, site_url):
    """A boolean where a number belongs (the build refuses it; a JavaScript copy counted it as 1)
    and a large number (the build writes 1.23e+03; JavaScript's toPrecision wrote 1230)."""
    page.goto(site_url + PAGE)
    cases = [(["flag > 0"], {"flag": "Flag"}, {"result": {"flag": True}, "readouts": {}}),
             (["big > 1000"], {"big": "Big"}, {"result": {"big": 1234.0}, "readouts": {}}),
             (["min(curve.*) < 0.5"], {"curve.*": "Curve"}, {"result": {"curve": [0.25, 0.75]}, "readouts": {}})]
    for claims, labels, frame in cases:
        in_browser = page.evaluate("([c, l, f]) => document.querySelector('[data-sim]').simulator.judge(c, l, f)", [claims, labels, frame])
        built = json.loads(bridge.judge(json.dumps(claims), json.dumps(labels), json.dumps(frame)))
        assert in_browser == built
    assert built == {"holds": True, "failing": [], "found": "Curve 0.25–0.75"}
    boolean, large = (json.loads(bridge.judge(json.dumps(c), json.dumps(l), json.dumps(f))) for c, l, f in cases[:2])
    assert boolean == {"error": "'flag' is bool 'True', not a number"}
    assert large == {"holds": True, "failing": [], "found": "Big 1.23e+03"}
