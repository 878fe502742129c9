"""Parts of a run computed elsewhere (kit.parts): the same numbers, bit for bit, whoever computes them."""

from __future__ import annotations

import json
import types

import pytest

from simulators import bridge
from simulators.kit import params as P
from simulators.kit import cache, contract, parts
from simulators.kit.params import ParamError


def drive_with_helpers(name: str, params: dict, seed: int, helpers: int):
    """As the browser does: the run hands parts out, each is computed apart (through JSON, as
    between workers) and given back when the run waits for it. Returns (final result, handed keys, waits)."""
    run = bridge.Run(name, json.dumps(params), seed)
    handed = json.loads(run.delegate(helpers))
    waits = []
    while run.advance():
        if run.waiting:
            key = run._pool.waiting_for
            waits.append(key)
            run.give(key, bridge.part_json(name, json.dumps(params), seed, key))
        elif run.done:
            break
    return run.result, handed, waits


SPLIT = {"superposition": {"n_features": 100, "steps": 150}, "gated_attention": {"train_steps": 50},
         "diffusion": {"features": 128, "sizes": "8, 16, 24", "theory_features": 64, "theory_sizes": "32, 64"}}


@pytest.mark.parametrize("helpers", [1, 3])
@pytest.mark.parametrize("name", sorted(SPLIT))
def test_a_run_with_helpers_equals_the_serial_run(name, helpers):
    serial = bridge.frame(name, SPLIT[name], 4)
    cache.clear_all()  # trained models are cached per setting: train them again
    pooled, handed, waits = drive_with_helpers(name, SPLIT[name], 4, helpers)
    assert handed and waits == handed  # the run waited for exactly the parts it handed out
    sim = bridge.simulator(name)
    drawn = sim.frame(pooled, P.validate(sim.params, SPLIT[name]), 4)
    assert drawn.result == serial.result and drawn.svg == serial.svg


def test_diffusion_draws_a_size_trained_elsewhere_with_a_model_trained_here():
    """A helper's 2-D training returns its curves, not its model: showing that size retrains it here."""
    params = dict(SPLIT["diffusion"], shown_n=8)
    pooled, handed, _ = drive_with_helpers("diffusion", params, 0, 3)
    assert "2d:8" not in handed and "2d:24" in handed  # the size shown is never handed out
    shown_24 = bridge.frame("diffusion", dict(params, shown_n=24), 0)  # a view change, from the caches
    cache.clear_all()
    assert shown_24.result == bridge.frame("diffusion", dict(params, shown_n=24), 0).result
    assert shown_24.result["sweep"] == pooled["sweep"]


def test_gated_attention_shows_a_variant_training_elsewhere_as_pending():
    run = bridge.Run("gated_attention", json.dumps({"train_steps": 50}), 0)
    handed = json.loads(run.delegate(1))
    while run.advance() and not run.waiting:
        pass
    pending = [v for v, stats in run.result["variants"].items() if stats is None]
    assert pending == handed and not run.result["done"]
    frame = json.loads(run.frame_json())
    assert frame["svg"].count("training on another worker") == len(handed)
    assert all(frame["readouts"][f"variants.{v}.sink_ratio"] == "–" for v in handed)


def test_the_helpers_get_the_last_parts_and_the_load_is_balanced():
    items = [{"key": str(k), "cost": c} for k, c in enumerate([0.1, 0.1, 0.2, 0.2, 0.2])]
    assert parts.plan(items, own_share=0.2, helpers=0) == []
    assert parts.plan(items, own_share=0.2, helpers=1) == ["3", "4"]  # 0.6 kept, 0.4 handed
    # Three helpers share all 0.8 (about 0.27 each) while this worker does its own 0.2.
    assert parts.plan(items, own_share=0.2, helpers=3) == ["0", "1", "2", "3", "4"]


def test_a_failed_part_stops_the_run_naming_it():
    run = bridge.Run("superposition", json.dumps({"n_features": 100, "steps": 100}), 0)
    handed = json.loads(run.delegate(1))
    with pytest.raises(parts.PartFailed, match=f"part {handed[0]} of the run failed.*worker died"):
        while run.advance():
            if run.waiting:
                run.fail(run._pool.waiting_for, "worker died")


def test_parts_taken_back_are_computed_here():
    params = {"n_features": 100, "steps": 100}
    run = bridge.Run("superposition", json.dumps(params), 2)
    assert json.loads(run.delegate(1))
    run.take_back()  # the helpers were stopped before handing anything in
    while run.advance() and not run.done:
        assert not run.waiting
    assert json.loads(run.frame_json())["result"] == bridge.result("superposition", params, 2)


def test_estimates_count_only_this_workers_share():
    run = bridge.Run("superposition", json.dumps({"n_features": 100, "steps": 100}), 0)
    json.loads(run.delegate(1))
    run.advance()
    assert run.work_progress > run.progress > 0  # the handed parts are not this worker's time


def test_parts_without_part_break_the_contract():
    module = types.ModuleType("half_parts")
    module.__dict__.update(NAME="half", TITLE="t", PARAMS=[], READOUTS=[], render=lambda r: "", table=lambda r: {},
                           steps=lambda cfg, seed: iter(()), parts=lambda cfg, seed: [])
    with pytest.raises(contract.ContractError, match="defines parts without part"):
        contract.from_module(module)


def test_a_part_computed_here_reports_progress_without_a_new_figure():
    run = bridge.Run("superposition", json.dumps({"n_features": 100, "steps": 100}), 0)
    seen = []  # (progress, something new to draw)
    while run.advance() and not run.done:
        seen.append((run.progress, run.dirty))
        run.dirty and run.frame_json()
    progress_only = [p for p, dirty in seen if not dirty]
    assert progress_only, "the sweep's widths report their progress"
    assert [p for p, _ in seen] == sorted(p for p, _ in seen)  # progress never goes back
    assert sum(dirty for _, dirty in seen) >= 6  # the main model's reports and each finished width


def test_a_setting_refused_while_handing_parts_out_names_the_control():
    run = bridge.Run("diffusion", json.dumps({"theory_sizes": "32"}), 0)
    with pytest.raises(ParamError, match=r"^High-dimensional sizes n \(theory_sizes\) must list 2"):
        run.delegate(1)
