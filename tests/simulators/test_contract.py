"""The simulator contract, checked for every registered simulator through the one adapter."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim_helpers import frames_json, run_json
from simulators import REGISTRY, bridge
from simulators.kit.contract import Frame, lookup
from simulators.kit import params as P
from simulators.kit import svg
from simulators.kit.params import SEED_MAX, ParamError

NAMES = sorted(REGISTRY)  # every simulator found under simulators/: each test's id names it (pytest -k NAME)
# Each simulator's own small settings (its CHEAP_PARAMS), so each contract test runs in well under a second.
CHEAP = {name: REGISTRY[name].cheap_params for name in NAMES}
SVG = "{http://www.w3.org/2000/svg}"


def test_every_module_in_the_folder_is_a_registered_simulator():
    folder = Path(__file__).resolve().parents[2] / "simulators"
    on_disk = {p.stem if p.is_file() else p.name for p in folder.iterdir()
               if (p.suffix == ".py" or (p / "__init__.py").is_file()) and p.name not in ("__init__.py", "kit", "bridge.py")}
    registered = {s.module.__name__.split(".")[1] for s in REGISTRY.values() if s.external_module is None}
    assert registered == on_disk and len(on_disk) >= 7  # no list to edit: each is found on disk


def test_a_module_in_the_folder_that_breaks_the_contract_stops_the_build_naming_its_file(tmp_path):
    """A new simulator file is registered because it is there; missing a piece, the build says
    which file and which piece, and writes nothing."""
    root = Path(__file__).resolve().parents[2]
    for folder in ("simulators", "sitegen", "templates", "static", "content"):
        shutil.copytree(root / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(root / "build.py", tmp_path)
    example = (root / "tests" / "example_simulator.py").read_text()
    (tmp_path / "simulators" / "coins.py").write_text(example.split("\ndef table(")[0])  # all but table
    done = subprocess.run([sys.executable, "build.py", "--out", str(tmp_path / "site")], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "COMPANION_CACHE": str(root / ".cache")})
    assert done.returncode == 1 and not (tmp_path / "site").exists()
    assert done.stderr.splitlines()[0] == ("simulators/coins.py: simulator: simulator module 'simulators.coins' "
                                           "(simulators/coins.py) is missing table (result -> data table)")


@pytest.fixture(scope="module", params=NAMES)
def frames(request):
    """Every frame of one cheap run, and the final frame of a second run at the same seed."""
    name = request.param
    return name, list(bridge.frames(name, CHEAP[name], 1)), bridge.frame(name, CHEAP[name], 1)


def test_same_seed_same_result_and_partial_frames_end_in_the_final_one(frames):
    name, streamed, direct = frames
    assert streamed[-1].result == direct.result and streamed[-1].svg == direct.svg
    assert [f.done for f in streamed] == [False] * (len(streamed) - 1) + [True]
    progress = [f.progress for f in streamed]
    assert progress == sorted(progress) and progress[-1] == 1.0


def test_another_seed_changes_what_is_random(frames):
    name, _, direct = frames
    if name == "transductive":
        pytest.skip("exact game-tree search: the seed is accepted and changes nothing")
    assert bridge.frame(name, CHEAP[name], 2).result != direct.result


def figure_panels(markup: str):
    """The figure's group element and its panels, checked for what assistive technology needs."""
    root = ET.fromstring(markup)
    assert root.tag == "div" and root.get("role") == "group" and root.get("aria-label").strip()
    assert root.find("p[@class='visually-hidden']").text.strip()  # the numbers, for screen readers
    panels = root.findall(f"{SVG}svg")
    assert panels and len(panels) == len(root) - 1
    return panels


def test_figure_is_panels_a_phone_can_read(frames):
    """Every panel fits a 360 px phone at about one pixel per unit and uses no text smaller
    than MIN_FONT units, so figure text renders at 10 px or more there (the browser test
    measures it); a panel with buttons is a group, since an image may not hold controls."""
    for frame in frames[1]:
        for panel in figure_panels(frame.svg):
            assert panel.find(f"{SVG}title").text.strip() and panel.get("aria-label") == panel.find(f"{SVG}title").text
            assert float(panel.get("width")) <= svg.PANEL_WIDTH
            sizes = [float(t.get("font-size")) for t in panel.iter(f"{SVG}text")]
            assert min(sizes) >= svg.MIN_FONT, f"{frames[0]}: text of {min(sizes)} units in '{panel.get('aria-label')}'"
            buttons = [g for g in panel.iter(f"{SVG}g") if g.get("role") == "button"]
            assert panel.get("role") == ("group" if buttons else "img")
            assert all(float(g.find(f"{SVG}rect").get("height")) >= svg.BUTTON_HEIGHT for g in buttons)


def test_every_readout_names_a_value_in_the_result(frames):
    name, streamed, _ = frames
    for frame in streamed:
        for readout in REGISTRY[name].readouts:
            lookup(frame.result, readout.path)  # raises KeyError when the path is missing
            assert frame.readouts[readout.path] == readout.text(frame.result)


def test_table_rows_are_as_wide_as_its_columns(frames):
    for frame in frames[1]:
        table = frame.table
        assert table["caption"] and table["columns"]
        assert all(len(row) == len(table["columns"]) for row in table["rows"])


def test_envelope_round_trips_through_json(frames):
    name, _, direct = frames
    text = run_json(name, json.dumps(CHEAP[name]), 1)
    assert Frame(**json.loads(text)) == Frame(**json.loads(direct.to_json()))
    assert set(json.loads(text)) == {"svg", "table", "readouts", "progress", "phase", "done", "result"}


@pytest.mark.parametrize("name", NAMES)
def test_bad_params_and_seeds_give_the_named_error(name):
    spec = next(p for p in REGISTRY[name].params if p["kind"] in ("int", "float", "choice"))
    bad = spec["max"] + 1 if spec["kind"] != "choice" else "no such choice"
    with pytest.raises(ParamError) as error:
        bridge.frame(name, {**CHEAP[name], spec["name"]: bad}, 0)
    assert error.value.name == spec["name"] and str(error.value).startswith(f"{spec['label']} ({spec['name']}) must be")
    with pytest.raises(ParamError, match=r"^'bogus' is not a setting"):
        bridge.frame(name, {"bogus": 1}, 0)
    for seed in (-1, SEED_MAX + 1, "x", 1.5):
        with pytest.raises(ParamError) as error:
            bridge.frame(name, CHEAP[name], seed)
        assert error.value.name == "seed" and str(error.value).startswith("Seed (seed) must be a whole number between 0 and")


def test_unknown_simulator_is_named():
    with pytest.raises(ValueError, match="unknown simulator 'nope'"):
        bridge.frame("nope", {}, 0)


def test_the_worker_imports_only_the_simulator_its_page_names():
    # A fresh interpreter, as in the browser's worker: the bridge and one named simulator, not the rest.
    code = """
import sys
from simulators import built_in, bridge
loaded = lambda: sorted(n for n in built_in() if f"simulators.{n}" in sys.modules)
before = loaded()
found = bridge.simulator("superposition", "simulators.superposition")
print(before, loaded(), found.name)
from simulators import REGISTRY
print(loaded() == built_in(), REGISTRY["superposition"] is found)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2]).stdout.splitlines()
    assert out == ["[] ['superposition'] superposition", "True True"]


def test_a_module_holding_another_simulator_is_refused():
    with pytest.raises(ValueError, match="module 'simulators.passk' holds simulator 'passk', not 'pass_k'"):
        bridge.simulator("pass_k", "simulators.passk")


def test_url_strings_are_accepted():
    as_text = {"steps": "50", "n_features": "40", "batch_size": "32", "scaling_sweep": "false"}
    assert bridge.result("superposition", as_text, "0") == bridge.result("superposition", CHEAP["superposition"], 0)


def test_minus_zero_is_zero():
    # Found by the property test below: -0.0 passed "at least 0" and reached NumPy as a negative scale.
    spread = {**CHEAP["passk"], "difficulty_spread": -0.0}
    assert bridge.result("passk", spread, 0) == bridge.result("passk", {**spread, "difficulty_spread": 0.0}, 0)
    assert bridge.result("passk", {**spread, "difficulty_spread": "-0"}, 0)["done"]


def _other_value(spec):
    """A valid value of this control other than its default."""
    if spec["kind"] in ("int", "float"):
        return spec["max"] if spec["default"] != spec["max"] else spec["min"]
    if spec["kind"] == "text":
        return "01\n10" if spec["name"] == "custom_class" else "other"
    if spec["kind"] == "bool":
        return not spec["default"]
    return next(c for c in spec["choices"] if c != spec["default"])


UNUSED = [(name, spec) for name in NAMES for spec in REGISTRY[name].params if "used_when" in spec]


def test_some_controls_are_declared_unused_in_some_settings():
    assert {(name, spec["name"]) for name, spec in UNUSED} >= {("thousand_layer_rl", "maze_seed"), ("transductive", "n_points")}


@pytest.mark.parametrize("name,spec", UNUSED, ids=[f"{n}.{s['name']}" for n, s in UNUSED])
def test_a_control_declared_unused_really_changes_nothing(name, spec):
    # Run the simulator itself on raw settings (no normalisation by validate), with the control at two values.
    sim = REGISTRY[name]
    by_name = {p["name"]: p for p in sim.params}
    (other, allowed), = spec["used_when"].items()
    choices = by_name[other]["choices"] if by_name[other]["kind"] == "choice" else [True, False]
    unused_at = next(c for c in choices if c not in allowed)
    cfg = {**sim.defaults(), **CHEAP[name], other: unused_at}
    raw = [{**cfg, spec["name"]: value} for value in (spec["default"], _other_value(spec))]
    frames = [sim.frame(sim.run(each, 0), each, 0) for each in raw]
    assert frames[0].svg == frames[1].svg and frames[0].readouts == frames[1].readouts
    # and the adapter folds such a value back to the default, so both settings are one cached result
    assert P.validate(sim.params, {**cfg, spec["name"]: _other_value(spec)}) == P.validate(sim.params, cfg)


def test_a_bound_from_another_control_is_checked_with_both_labels():
    with pytest.raises(P.ParamError, match=r"Head shown \(head\) must be at most Heads \(heads\) = 2, got 4"):
        bridge.frame("gated_attention", {**CHEAP["gated_attention"], "heads": 2, "head": 4}, 0)


def test_schema_cross_references_are_checked_at_registration():
    base = {"kind": "int", "default": 1, "min": 1, "max": 4, "step": 1, "label": "A", "help": "h"}
    with pytest.raises(ValueError, match="max_from"):
        P.check_schema([{**base, "name": "a", "max_from": "nope"}])
    with pytest.raises(ValueError, match="used_when"):
        P.check_schema([{**base, "name": "a", "used_when": {"b": [1]}}, {**base, "name": "b"}])
    choice = {"name": "c", "kind": "choice", "default": "x", "choices": ["x", "y"], "label": "C", "help": "h"}
    with pytest.raises(ParamError):  # a value the named control cannot take
        P.check_schema([{**base, "name": "a", "used_when": {"c": ["z"]}}, choice])
    with pytest.raises(ValueError, match="choice_labels"):  # a label for a value that is not a choice
        P.check_schema([{**choice, "choice_labels": {"z": "Zed"}}])


def test_a_control_over_listed_values_takes_only_those():
    spec = {"name": "depth", "kind": "int", "default": 4, "min": 1, "max": 64, "step": 1, "values": [1, 4, 16, 64],
            "label": "Depth", "help": "h"}
    P.check_schema([spec])
    assert P.validate([spec], {"depth": "16"}) == {"depth": 16}  # as it comes from a link
    with pytest.raises(ParamError, match=r"Depth \(depth\) must be one of 1, 4, 16 or 64, got 5"):
        P.validate([spec], {"depth": 5})
    for bad in ([4, 1], [], [1, 128]):  # not ascending, empty, outside min..max
        with pytest.raises((ValueError, ParamError)):
            P.check_schema([{**spec, "values": bad}])


def test_a_grid_is_checked_at_registration():
    import types

    from simulators.kit.contract import ContractError, from_module

    def module(grid):
        return types.SimpleNamespace(__name__="grid_example", NAME="g", TITLE="G", READOUTS=[], GRID=grid,
                                     PARAMS=[{"name": "n", "kind": "int", "default": 1, "min": 1, "max": 4, "step": 1,
                                              "label": "N", "help": "h"}],
                                     run=lambda cfg, seed: {"done": True}, render=str, table=dict)

    assert from_module(module({"n": [1, 2], "seed": [0, 1]})).grid == {"n": [1, 2], "seed": [0, 1]}
    with pytest.raises(ContractError, match="GRID names m, which PARAMS does not have"):
        from_module(module({"m": [1]}))
    with pytest.raises(ContractError, match=r"GRID\['n'\]: N \(n\) must be between 1 and 4, got 9"):
        from_module(module({"n": [9]}))
    with pytest.raises(ContractError, match="non-empty list"):
        from_module(module({"seed": []}))


def test_a_warm_up_is_declared_or_implied_by_view_only_controls():
    import types

    from simulators.kit.contract import ContractError, from_module

    def module(**declared):
        return types.SimpleNamespace(__name__="warm_example", NAME="w", TITLE="W", READOUTS=[], **declared,
                                     PARAMS=[{"name": "n", "kind": "int", "default": 1, "min": 1, "max": 4, "step": 1,
                                              "label": "N", "help": "h"}],
                                     run=lambda cfg, seed: {"done": True}, render=str, table=dict)

    assert from_module(module()).warm_up is False
    assert from_module(module(WARM_UP=True)).warm_up is True
    assert from_module(module(VIEW_ONLY=("n",))).warm_up is True  # view-only controls need the caches warm
    # Or asked at each page's setting: here only where n is odd.
    asked = from_module(module(WARM_UP=lambda cfg, seed: cfg["n"] % 2 == 1))
    assert asked.warms_up({"n": 3}, 0) is True and asked.warms_up({"n": 2}, 0) is False
    # With view-only controls too, a declared WARM_UP decides (where the work they re-read is shipped).
    assert from_module(module(WARM_UP=lambda cfg, seed: False, VIEW_ONLY=("n",))).warms_up({"n": 2}, 0) is False
    assert from_module(module(WARM_UP=asked.warm_up, VIEW_ONLY=("n",))).warms_up({"n": 3}, 0) is True
    with pytest.raises(ContractError, match=r"WARM_UP must be True, False or a function \(cfg, seed\) -> bool, not 'yes'"):
        from_module(module(WARM_UP="yes"))
    # reframe answers changes of view-only controls: without any, it could never be asked.
    assert from_module(module(VIEW_ONLY=("n",), reframe=lambda cfg, seed, shown: None)).reframe is not None
    with pytest.raises(ContractError, match="defines reframe, which answers changes of VIEW_ONLY controls, but names none"):
        from_module(module(reframe=lambda cfg, seed, shown: None))


def _value_strategy(spec):
    """In-range values most of the time, out-of-range and wrong-typed ones too."""
    if spec["kind"] in ("int", "float"):
        lo, hi = spec["min"], spec["max"]
        inside = st.integers(lo, hi) if spec["kind"] == "int" else st.floats(lo, hi, allow_nan=False)
        return st.one_of(inside, st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=5))
    if spec["kind"] == "bool":
        return st.one_of(st.booleans(), st.sampled_from(["true", "0", "yes"]))
    if spec["kind"] == "choice":
        return st.one_of(st.sampled_from(spec["choices"]), st.text(max_size=5))
    return st.text(max_size=spec["max_length"] + 10)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_property_finite_frame_or_named_error(name, data):
    specs = {p["name"]: p for p in REGISTRY[name].params}
    chosen = data.draw(st.sets(st.sampled_from(sorted(specs)), max_size=3))
    drawn = {k: data.draw(_value_strategy(specs[k])) for k in chosen}
    # The cheap settings are applied after drawing, so a draw never makes a run expensive:
    # the cost of this test does not depend on what hypothesis happens to pick.
    params = {**drawn, **CHEAP[name]}
    seed = data.draw(st.one_of(st.integers(0, SEED_MAX), st.integers(-5, -1)))
    try:
        frame = bridge.frame(name, params, seed)
    except ParamError as error:
        assert error.name in specs or error.name == "seed"
        assert error.label and str(error).startswith(error.label)
        return
    assert json.loads(frame.to_json())["done"] is True  # to_json raises on NaN or infinity


VIEW_MOVES = {"sequence": "A=1 B=2 ?A ?B", "head": 2, "t": 500, "samples": 100, "shown_n": 16, "view_time": 3.0,
              "start": "0,0", "goal": "0,2"}


@pytest.mark.parametrize("name", [n for n in NAMES if REGISTRY[n].view_only])
def test_view_only_controls_reread_cached_work(name):
    """After the worker's warm-up run, a view-only control answers with its very first result:
    nothing is trained or sampled again that the figure's other parts need."""
    bridge.frame(name, CHEAP[name], 1)  # the warm-up
    for control in REGISTRY[name].view_only:
        run = bridge.Run(name, json.dumps({**CHEAP[name], control: VIEW_MOVES[control]}), 1)
        assert run.advance() and run.done, f"{name}: changing {control} recomputes cached work"


def test_run_steps_through_the_same_frames_as_frames():
    """bridge.Run (what the worker drives) gives the partial results bridge.frames gives, drawn on request."""
    name = "superposition"
    expected = [json.loads(text)["result"] for text in frames_json(name, json.dumps(CHEAP[name]), 3)]
    run = bridge.Run(name, json.dumps(CHEAP[name]), 3)
    seen = []
    while run.advance():
        seen.append(json.loads(run.frame_json())["result"])
    assert seen == expected and run.done and run.progress == 1.0
    assert not run.advance()  # finished: no more steps
