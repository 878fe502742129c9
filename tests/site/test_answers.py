"""How a control change ends, in Debian's Chromium: shown again from the tab's memory, from the
build's precomputed frames, live, or (for a long setting) on request after an estimate, with
Run and Stop. Timing is left to bench/recompute.py; these tests check which path was taken
and that the reader never loses the figure or what they chose."""

from __future__ import annotations

import functools
import json
import re

import numpy as np
import pytest

from simulators import bridge

import chromium
from chromium import settle

pytestmark = pytest.mark.browser
chromium.require()

GATED = "[data-sim=gated_attention]"


@functools.cache
def _cpython(name: str, params: str, seed: int):
    return bridge.frame(name, json.loads(params), seed)


def cpython_frame(name: str, params: dict, seed: int = 0):
    """CPython's frame of a setting, computed once per test process: a frame depends on its
    setting alone, and the diffusion page's takes seconds (three tests compare with t = 600)."""
    return _cpython(name, json.dumps(params, sort_keys=True), seed)


def go_live(page, url: str, root: str) -> None:
    page.goto(url + "#simulator")
    page.wait_for_selector(f'{root}[data-sim-status="live"]', state="attached", timeout=60_000)


def set_control(page, root: str, name: str, value) -> None:
    """As a reader would: the value (a slider over listed values moves to its position), then
    the input event the control fires."""
    page.evaluate("""([root, name, value]) => {
      const input = document.querySelector(root).querySelector(`[name="${name}"]`);
      const listed = document.querySelector(root).simulator.controls.schema[name]?.values;
      if (listed && !listed.includes(value)) throw new Error(`${name} takes ${listed}, not ${value}`);
      if (input.type === "checkbox") input.checked = value;
      else input.value = String(listed ? listed.indexOf(value) : value);
      input.dispatchEvent(new Event("input", { bubbles: true }));
    }""", [root, name, value])


def shown_result(page, root: str) -> dict:
    return page.evaluate(f"document.querySelector('{root}').simulator.lastFrame.result")


def runs_sent(page) -> list:
    """Every message the page posts to its worker, recorded from now on."""
    page.evaluate("""() => {
      const sim = document.querySelector('[data-sim]').simulator;
      window.sentToWorker = [];
      const worker = sim.runtime.worker;
      const post = worker.postMessage.bind(worker);
      worker.postMessage = (message) => { window.sentToWorker.push(message.type); post(message); };
    }""")


def test_one_click_setting_is_precomputed_and_equals_cpython(page, site_url):
    root = "[data-sim=diffusion]"
    go_live(page, site_url + "diffusion-memorization/", root)
    runs_sent(page)
    page.select_option(f"{root} [name=dataset]", "ring of 8")
    assert settle(page, root, 1) == "precomputed"
    assert "computed when this page was built" in page.text_content(f"{root} [data-sim-message]").lower()
    assert "run" not in page.evaluate("window.sentToWorker")
    expected = cpython_frame("diffusion", {"dataset": "ring of 8"})
    assert shown_result(page, root)["sweep"] == expected.result["sweep"]
    assert page.text_content(f'{root} [data-readout="alpha_bar"]') == expected.readouts["alpha_bar"]


def test_reset_shows_the_build_frame_without_a_run(page, site_url):
    go_live(page, site_url + "gated-attention/", GATED)
    built_figure = page.inner_html(f"{GATED} [data-sim-svg]")
    set_control(page, GATED, "train_steps", 50)
    assert settle(page, GATED, 1) in ("live", "on-request")
    assert page.inner_html(f"{GATED} [data-sim-svg]") != built_figure
    runs_sent(page)
    page.click(f"{GATED} [data-action=reset]")
    assert settle(page, GATED, 2) == "precomputed"
    assert page.inner_html(f"{GATED} [data-sim-svg]") == built_figure
    assert "run" not in page.evaluate("window.sentToWorker")
    assert "train_steps" not in page.url


def test_a_setting_seen_before_in_this_tab_comes_back_without_a_run(page, site_url):
    root = "[data-sim=passk]"
    go_live(page, site_url + "rlvr-reasoning/", root)
    set_control(page, root, "seed", 11)
    first_path = settle(page, root, 1)
    first = shown_result(page, root)
    set_control(page, root, "seed", 12)
    settle(page, root, 2)
    assert page.get_attribute(root, "data-sim-cached") is None
    runs_sent(page)
    set_control(page, root, "seed", 11)
    assert settle(page, root, 3) == first_path
    assert page.get_attribute(root, "data-sim-cached") == ""
    assert shown_result(page, root) == first
    assert "run" not in page.evaluate("window.sentToWorker")
    assert "shown again" in page.text_content(f"{root} [data-sim-message]").lower()


def test_long_setting_waits_for_run_and_stop_keeps_the_page_usable(page, site_url):
    """A setting two steps from the page's, which the build does not ship, takes over 2 s on one
    core: the page's four models at a higher share of asks (a third of the work of 800 steps)."""
    go_live(page, site_url + "gated-attention/", GATED)
    built_figure = page.inner_html(f"{GATED} [data-sim-svg]")
    set_control(page, GATED, "ask_share", 0.5)
    page.wait_for_selector(f'{GATED}[data-sim-status="ready-to-run"]', state="attached", timeout=30_000)
    estimate = page.text_content(f"{GATED} [data-sim-estimate]")
    assert re.fullmatch(r"about \d+ (s|min)", estimate), estimate
    assert page.is_visible(f"{GATED} [data-action=run]")
    assert page.inner_html(f"{GATED} [data-sim-svg]") == built_figure  # nothing half-computed is shown
    page.click(f"{GATED} [data-action=run]")
    page.wait_for_selector(f"{GATED}[data-sim-busy] [data-action=stop]:not([hidden])", state="attached", timeout=10_000)
    page.wait_for_selector(f'{GATED}[data-sim-first-frame="1"]', state="attached", timeout=30_000)
    page.click(f"{GATED} [data-action=stop]")
    page.wait_for_selector(f'{GATED}[data-sim-status="ready-to-run"]', state="attached", timeout=30_000)
    assert "stopped" in page.text_content(f"{GATED} [data-sim-message]").lower()
    # The last complete result is back, and what the reader chose is still there.
    assert page.inner_html(f"{GATED} [data-sim-svg]") == built_figure
    assert page.text_content(f'{GATED} [data-output="ask_share"]') == "0.5"
    assert "ask_share=0.5" in page.url
    page.click(f"{GATED} [data-action=run]")  # goes on from where it stopped
    page.wait_for_selector(f'{GATED}[data-sim-done="1"]', state="attached", timeout=120_000)
    assert page.get_attribute(GATED, "data-sim-path") == "on-request"
    expected = bridge.frame("gated_attention", {"ask_share": 0.5}, 0)
    assert shown_result(page, GATED)["variants"]["none"]["sink_ratio"] == pytest.approx(
        expected.result["variants"]["none"]["sink_ratio"], abs=1e-6)


def test_a_run_that_goes_silent_is_stopped_said_so_and_offered_again(page, site_url):
    """The watchdog (30 s of silence on the site) stops a run, restarts the runtime and offers
    Run with the reader's setting. Here its limit is shortened below the 0.25 s between
    progress reports, so a healthy run trips it without waiting 30 s, and the run is a short one
    (50 training steps, a setting the build does not ship)."""
    go_live(page, site_url + "gated-attention/", GATED)
    built_figure = page.inner_html(f"{GATED} [data-sim-svg]")
    page.evaluate(f"document.querySelector('{GATED}').simulator.config.runtime.timeoutMs = 100")
    set_control(page, GATED, "train_steps", 50)
    chromium.eventually(page, f"document.querySelector('{GATED} [data-sim-message]').textContent"
                              ".includes('0.1 s without reporting progress and was stopped')", timeout=30)
    assert page.inner_html(f"{GATED} [data-sim-svg]") == built_figure  # the last complete result
    page.evaluate(f"document.querySelector('{GATED}').simulator.config.runtime.timeoutMs = 30000")
    page.wait_for_selector(f'{GATED}[data-sim-status="ready-to-run"]', state="attached", timeout=60_000)
    message = page.text_content(f"{GATED} [data-sim-message]")
    assert "was stopped. The runtime restarted." in message and "press Run" in message
    assert page.text_content(f'{GATED} [data-output="train_steps"]') == "50" and "train_steps=50" in page.url
    page.click(f"{GATED} [data-action=run]")
    page.wait_for_selector(f'{GATED}[data-sim-done="1"]', state="attached", timeout=120_000)
    assert page.get_attribute(GATED, "data-sim-path") == "on-request"
    expected = bridge.frame("gated_attention", {"train_steps": 50}, 0)
    assert shown_result(page, GATED)["variants"]["none"]["sink_ratio"] == pytest.approx(
        expected.result["variants"]["none"]["sink_ratio"], abs=1e-6)


def test_a_quick_setting_runs_live(page, site_url):
    root = "[data-sim=transductive]"
    go_live(page, site_url + "transductive-online-learning/", root)
    page.select_option(f"{root} [name=preset]", "intervals")  # not a setting the build ships (an experiment's is)
    assert settle(page, root, 1) == "live"
    assert page.get_attribute(root, "data-sim-status") == "live"


def test_width_and_weight_decay_changes_train_the_main_model_alone(page, site_url):
    """At the superposition page's setting the sweep's points are shipped (every weight decay on
    the slider, seeds 0-2; simulators/superposition/sweep.py): a change of the main model's width
    or of the weight decay reads them, so no part goes to a helper, no frame of the run is in the
    sweep's phase, and the numbers are CPython's. (The main model alone takes about 1.2 s here,
    so the change is answered live on a quiet machine; under the parallel suite's load it may
    take over 2 s and wait for Run, which is the page's promise too, so either path passes.)"""
    root = "[data-sim=superposition]"
    go_live(page, site_url + "superposition-scaling/", root)
    page.evaluate(f"""(() => {{
      const simulator = document.querySelector('{root}').simulator;
      const pool = simulator.runtime.pool;
      const assign = pool.assign.bind(pool);
      pool.handedOut = 0;
      pool.assign = (id, setting, keys) => {{ pool.handedOut += keys.length; return assign(id, setting, keys); }};
      const show = simulator.show.bind(simulator);
      window.phasesShown = [];
      simulator.show = (frame, final, remaining) => {{ window.phasesShown.push(frame.phase); return show(frame, final, remaining); }};
    }})()""")
    for request, (name, value, params) in enumerate(((("m_dims", 11, {"m_dims": 11})),
                                                     ("weight_decay", -0.9, {"m_dims": 11, "weight_decay": -0.9})), start=1):
        page.evaluate("window.phasesShown = []")
        set_control(page, root, name, value)
        assert settle(page, root, page.evaluate(f"document.querySelector('{root}').simulator.requestId")) in ("live", "on-request")
        assert page.evaluate(f"document.querySelector('{root}').simulator.runtime.pool.handedOut") == 0, name
        phases = page.evaluate("window.phasesShown")
        assert phases[-1] == "done" and "training" in phases and "scaling sweep" not in phases, (name, phases)
        expected = bridge.frame("superposition", params, 0)
        for readout in ("loss", "scaling_exponent"):
            assert page.text_content(f'{root} [data-readout="{readout}"]') == expected.readouts[readout], (name, readout)


def test_the_warm_up_yields_to_a_run_of_other_settings(page, site_url):
    """The diffusion page warms its caches by training its own sweeps again (seconds here). A
    reader's change to another seed must not queue behind that: the warm-up stops and the change
    gets its estimate at once."""
    root = "[data-sim=diffusion]"
    go_live(page, site_url + "diffusion-memorization/", root)
    assert page.get_attribute(root, "data-sim-warm") is None  # still warming
    set_control(page, root, "seed", 9)  # a seed the build does not ship: trained on request
    page.wait_for_selector(f'{root}[data-sim-status="ready-to-run"]', state="attached", timeout=60_000)
    assert page.get_attribute(root, "data-sim-warm") == "stopped"
    assert "press Run" in page.text_content(f"{root} [data-sim-message]")


def test_a_link_to_other_settings_goes_to_them_without_warming_the_page_defaults(page, site_url):
    """A teacher's link to seed 9 cannot use the caches of the page's own trainings. Warming them
    first would hold the link's estimate back by one training before the link stopped it."""
    root = "[data-sim=diffusion]"
    page.goto(site_url + "diffusion-memorization/?seed=9#simulator")
    page.wait_for_selector(f'{root}[data-sim-status="ready-to-run"]', state="attached", timeout=60_000)
    assert page.get_attribute(root, "data-sim-warm") is None  # no warm-up was started, so none was stopped
    assert not page.evaluate(f"document.querySelector('{root}').simulator.warming")
    assert page.input_value(f"{root} [name=seed]") == "9"


def test_a_start_or_goal_change_on_the_rl_page_restores_its_shipped_agent(page, site_url):
    """The RL page's own agent ships its weights (simulators/thousand_layer_rl/sweep.py): the page
    does not train it again in the background, and moving the start answers live with CPython's
    critic and rollout."""
    root = "[data-sim=thousand_layer_rl]"
    go_live(page, site_url + "thousand-layer-rl/", root)
    sim = f"document.querySelector('{root}').simulator"
    assert page.evaluate(f"[{sim}.config.warmUp, {sim}.warmingUp]") == [False, False]
    set_control(page, root, "start", "0,0")
    assert settle(page, root, 1) == "live"
    expected = cpython_frame("thousand_layer_rl", {"start": "0,0"})
    result = shown_result(page, root)
    assert result["start"] == expected.result["start"] == [0, 0]
    assert result["value"] == pytest.approx(expected.result["value"], abs=1e-9)
    assert page.text_content(f'{root} [data-readout="success_rate"]') == expected.readouts["success_rate"]


def test_each_shipped_depth_answers_precomputed_before_the_runtime_loads(page, site_url):
    """The RL page's lesson is depth: every depth of the shipped sweep, at each of its seeds on
    both of its mazes, is a frame the build drew from the sweep's own agents. A reader on a slow
    phone gets them before the 15 MB runtime arrives, and they equal what CPython computes."""
    root = "[data-sim=thousand_layer_rl]"
    page.route("**/pyodide-*/**", lambda route: route.abort())  # a runtime that never arrives
    page.goto(site_url + "thousand-layer-rl/")
    sim = f"document.querySelector('{root}').simulator"
    request = 0
    for maze, depth, seed in [("zigzag", 16, 2), ("u-maze", 64, 1), ("u-maze", 1, 0)]:
        for name, value in (("maze", maze), ("depth", depth), ("seed", seed)):
            set_control(page, root, name, value)
            request += 1
        assert settle(page, root, request, timeout=10_000) == "precomputed"
        assert page.evaluate(f"{sim}.ready") is False  # answered without the runtime
        # Depth 1 is trained here again, in CPython; the deep agents take minutes, so those are
        # compared with the sweep's stored agent (tests/simulators/test_rl.py checks the two agree).
        params = {"maze": maze, "depth": depth}
        expected = bridge.frame("thousand_layer_rl", params, seed) if depth == 1 else bridge.shipped_frame("thousand_layer_rl", params, seed)
        assert page.text_content(f'{root} [data-readout="success_rate"]') == expected.readouts["success_rate"]
        assert shown_result(page, root)["value"] == pytest.approx(expected.result["value"], abs=1e-9)
        assert page.text_content(f"{root} [data-output=depth]") == str(depth)
        assert f"depth={depth}" in page.url or depth == 4


def test_each_head_of_the_page_models_answers_precomputed_before_the_runtime_loads(page, site_url):
    """Gated attention's head shown is a view of the page's own models: the build ships each
    head (its GRID), so a reader's head change needs neither the runtime nor its warm-up."""
    root = "[data-sim=gated_attention]"
    page.route("**/pyodide-*/**", lambda route: route.abort())  # a runtime that never arrives
    page.goto(site_url + "gated-attention/")
    heads = bridge.result("gated_attention", {}, 0)["params"]["heads"]
    for request, head in enumerate([*range(2, heads + 1), 1], start=1):
        set_control(page, root, "head", head)
        assert settle(page, root, request, timeout=10_000) == "precomputed"
        expected = bridge.frame("gated_attention", {"head": head}, 0)
        assert page.text_content(f'{root} [data-readout="variants.none.sink_ratio"]') == expected.readouts["variants.none.sink_ratio"]
        assert shown_result(page, root) == expected.result
        assert page.text_content(f"{root} [data-sim-table-caption]") == expected.table["caption"]
    assert page.evaluate(f"document.querySelector('{root}').simulator.ready") is False


def test_new_text_waits_for_the_reader_before_the_sentence_encoder_downloads(first_visit_page, site_url):
    """The Hivemind page's examples were embedded at build time; text the reader writes needs the
    encoder, a download the page names with its size and fetches only when Run is pressed (on a
    first visit: nothing is in the browser's cache yet)."""
    page = first_visit_page
    root = "[data-sim=diversity]"
    fetched = []
    page.on("request", lambda request: fetched.append(request.url) if ".npz" in request.url else None)
    go_live(page, site_url + "artificial-hivemind/", root)
    built_figure = page.inner_html(f"{root} [data-sim-svg]")
    own = ["The tide of time pulls every ship to the same harbour.",
           "Time is a harbour where all the ships end up.",
           "My cat prefers the armchair to the sofa."]
    set_control(page, root, "text", "\n---\n".join(own))
    page.wait_for_selector(f'{root}[data-sim-status="ready-to-run"]', state="attached", timeout=30_000)
    assert re.fullmatch(r"\d+\sMB download", page.text_content(f"{root} [data-sim-estimate]"))
    assert "the sentence encoder" in page.text_content(f"{root} [data-sim-message]")
    assert fetched == [] and page.inner_html(f"{root} [data-sim-svg]") == built_figure
    page.click(f"{root} [data-action=run]")
    page.wait_for_selector(f'{root}[data-sim-done="1"]', state="attached", timeout=120_000)
    assert page.get_attribute(root, "data-sim-path") == "on-request"
    expected = bridge.result("diversity", {"text": "\n---\n".join(own)}, 0)
    shown = shown_result(page, root)
    assert shown["embedding"] == "semantic"
    assert sum(shown["similarity_matrix"], []) == pytest.approx(sum(expected["similarity_matrix"], []), abs=2e-4)
    # The two paraphrases are close in meaning; the cat is not.
    assert shown["similarity_matrix"][0][1] > shown["similarity_matrix"][0][2] + 0.2
    set_control(page, root, "k", 2)  # the encoder stays loaded: no second download, no question
    assert settle(page, root, 2) == "live"
    assert len(fetched) == 1


def test_view_only_changes_during_and_after_the_warm_up(page, site_url):
    """Diffusion's time shown is view-only. Right after the page goes live its warm-up trains the
    sweeps again (seconds here); one warm-up serves every step below. While it trains, a link to
    t = 600 and then a change of t are drawn from the build's frame of the page's setting (the
    simulator's reframe) without waiting; the samples at another training time need the trained
    models, so that change waits for the warm-up and reports its progress; once it is done, a
    change of t answers live from the warmed caches."""
    root = "[data-sim=diffusion]"
    # CPython's frames first: computed after going live (seconds of training in this process),
    # they would let the warm-up finish before the changes that must come during it.
    linked = cpython_frame("diffusion", {"t": 600})
    changed = cpython_frame("diffusion", {"t": 400})
    viewed = cpython_frame("diffusion", {"t": 400, "view_time": 4})
    warmed = cpython_frame("diffusion", {"t": 600, "view_time": 4})

    page.goto(site_url + "diffusion-memorization/?t=600#simulator")
    assert settle(page, root, 1) == "live"
    assert page.get_attribute(root, "data-sim-warm") is None  # the warm-up trains for seconds yet
    assert page.text_content(f'{root} [data-readout="alpha_bar"]') == linked.readouts["alpha_bar"]
    # The processes at t = 600, as CPython draws them (rounded to 4 places: a last-bit difference
    # in Pyodide's libm may move one place).
    assert np.allclose(shown_result(page, root)["reverse_points"], linked.result["reverse_points"], atol=2e-4)

    page.evaluate(f"""() => {{ const sim = document.querySelector('{root}').simulator; window.progressSeen = 0;
      const handlers = sim.runtime.handlers, handle = handlers.progress;
      handlers.progress = (m) => {{ if (m.id === sim.requestId) window.progressSeen++; handle(m); }}; }}""")
    set_control(page, root, "t", 400)
    assert settle(page, root, 2) == "live"
    assert page.get_attribute(root, "data-sim-warm") is None
    assert page.evaluate("window.progressSeen") == 0  # answered, not waiting
    assert page.text_content(f'{root} [data-readout="alpha_bar"]') == changed.readouts["alpha_bar"]

    assert page.get_attribute(root, "data-sim-warm") is None  # still warming: the next change has to wait
    set_control(page, root, "view_time", 4)
    assert settle(page, root, 3) == "live"
    assert page.get_attribute(root, "data-sim-warm") == "done"
    assert page.evaluate("window.progressSeen") >= 1  # the reader saw it move while it waited
    shown = shown_result(page, root)["shown"]
    assert shown["view_steps"] == viewed.result["shown"]["view_steps"] == 10_000
    assert np.allclose(shown["samples"], viewed.result["shown"]["samples"], atol=2e-4)

    set_control(page, root, "t", 600)  # re-reads the reverse run and the trained models
    assert settle(page, root, 4) == "live"
    assert page.text_content(f'{root} [data-readout="alpha_bar"]') == warmed.readouts["alpha_bar"]
