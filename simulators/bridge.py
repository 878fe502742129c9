"""The one adapter between a simulator and its callers: the site build, the browser worker and
the tests. It validates params and seed once, runs the simulator, and returns frame envelopes
(kit.contract.Frame). `Run` and `judge` take and return JSON text, so the worker moves plain
strings across the Pyodide boundary, and CPython tests call exactly what the browser calls.
"""

from __future__ import annotations

import importlib
import json
from contextlib import contextmanager
from typing import Iterator

from . import register, registered
from .kit import claims
from .kit import parts as parts_kit
from .kit import params as P
from .kit.assets import AssetMissing
from .kit.contract import Frame, Simulator


def simulator(name: str, module: str | None = None) -> Simulator:
    """The registered simulator `name`. `module` names where to import it from when it is not
    registered yet (the worker passes it, so that it imports only its page's simulator)."""
    found = registered(name)
    if found is None and module:
        found = register(importlib.import_module(module))
        if found.name != name:
            raise ValueError(f"module '{module}' holds simulator '{found.name}', not '{name}'")
    if found is None:
        from . import REGISTRY  # every built-in simulator, for the lookup and the error's list
        found = REGISTRY.get(name)
        if found is None:
            raise ValueError(f"unknown simulator '{name}' (known: {', '.join(sorted(REGISTRY))})")
    return found


def frames(name: str, params: dict | None, seed, module: str | None = None) -> Iterator[Frame]:
    """Validate, then yield a frame per partial result; the last frame is the final one. A result
    yielded again with only its progress moved (kit.parts.Progress) has nothing new to draw."""
    sim, cfg, seed = _prepare(name, params, seed, module)
    with _labelled(sim):
        for result in sim.results(cfg, seed):
            if not isinstance(result, parts_kit.Progress):
                yield sim.frame(result, cfg, seed)


def frame(name: str, params: dict | None, seed, module: str | None = None) -> Frame:
    """The final frame, computed without drawing the partial ones."""
    sim, cfg, seed = _prepare(name, params, seed, module)
    with _labelled(sim):
        return sim.frame(sim.run(cfg, seed), cfg, seed)


def shipped_frame(name: str, params: dict | None, seed, module: str | None = None) -> Frame | None:
    """The final frame drawn from work the simulator already ships for these settings (its
    `shipped_result`), or None. The build tries it before computing a frame."""
    sim, cfg, seed = _prepare(name, params, seed, module)
    if sim.shipped_result is None:
        return None
    with _labelled(sim):
        result = sim.shipped_result(cfg, seed)
        return None if result is None else sim.frame(result, cfg, seed)


def _prepare(name: str, params: dict | None, seed, module: str | None):
    sim = simulator(name, module)
    return sim, P.validate(sim.params, params), P.validate_seed(seed)


@contextmanager
def _labelled(sim: Simulator):
    """A simulator's own check (one control against another) names the control; add its label."""
    try:
        yield
    except P.ParamError as error:
        error.label = error.label or P.label_of(sim.params, error.name)
        raise


def result(name: str, params: dict | None = None, seed=0) -> dict:
    """The final result alone, for tests and benchmarks."""
    return frame(name, params, seed).result


def judge(claims_json: str, labels_json: str, frame_json: str) -> str:
    """An experiment's verdict on a frame the reader's browser shows (kit.claims.verdict): the
    worker judges with the code the build checked the claims with."""
    frame = json.loads(frame_json)
    return json.dumps(claims.verdict(json.loads(claims_json), json.loads(labels_json), frame["result"], frame["readouts"]))


def part_json(name: str, params_json: str, seed, key: str, module: str | None = None) -> str:
    """One part of a run (kit.parts) as JSON text: what a helper worker computes for the page."""
    sim, cfg, seed = _prepare(name, json.loads(params_json), seed, module)
    with _labelled(sim):
        return json.dumps(sim.part(cfg, seed, key), allow_nan=False)


def reframe_json(name: str, params_json: str, seed, shown_json: str, module: str | None = None) -> str:
    """The frame of these settings drawn from the final result `shown` (JSON text) by the
    simulator's `reframe`, as JSON text; "" where it cannot: no such hook, a setting that differs
    from `shown` in more than view-only controls, or the hook needs its caches."""
    sim, cfg, seed = _prepare(name, json.loads(params_json), seed, module)
    shown = json.loads(shown_json)
    differs = {spec["name"] for spec in sim.params if cfg[spec["name"]] != shown["params"].get(spec["name"])}
    if sim.reframe is None or seed != shown["seed"] or not differs <= set(sim.view_only):
        return ""
    with _labelled(sim):
        result = sim.reframe(cfg, seed, shown)
        return "" if result is None else sim.frame(result, cfg, seed).to_json()


class Run:
    """One run that its caller steps through: `advance` computes the next partial result without
    drawing it, `frame_json` draws the current one. The worker draws only the frames it sends, and
    can park a run between steps (to ask the reader before a long one) and resume it later."""

    def __init__(self, name: str, params_json: str, seed, module: str | None = None):
        self._sim, self._cfg, self._seed = _prepare(name, json.loads(params_json), seed, module)
        self._pool = parts_kit.Pool()
        self._results = self._sim.results(self._cfg, self._seed, self._pool)
        self.result: dict | None = None
        self.dirty = False  # a result not drawn yet, other than progress (kit.parts.Progress)
        self.needs: str | None = None  # a file (kit.assets) the last step asked for and did not find

    def advance(self) -> bool:
        """Compute the next result; False once the final result has been reached. A step that
        needs a file not here yet sets `needs` and returns True: the run starts again from its
        first step on the next call, once the caller has provided the file."""
        if self.done:
            return False
        try:
            with _labelled(self._sim):
                self.result = next(self._results)
            self.dirty = self.dirty or not isinstance(self.result, parts_kit.Progress)
        except AssetMissing as missing:
            self.needs = missing.name
            self._results = self._sim.results(self._cfg, self._seed, self._pool)
            return True
        self.needs = None
        return True

    # --- parts computed by helper workers (kit.parts) ---

    def delegate(self, helpers: int) -> str:
        """Hand parts of this run to `helpers` workers; the JSON list of their keys (none when the
        simulator has no parts). Call before the first advance."""
        with _labelled(self._sim):  # parts() may refuse a setting, as steps() would
            found = self._sim.parts_fn(self._cfg, self._seed) if self._sim.parts_fn else []
        keys = parts_kit.plan(found, 1.0 - sum(item["cost"] for item in found), helpers)
        self._pool.delegated = set(keys)
        self._pool.handed_cost = sum(item["cost"] for item in found if item["key"] in self._pool.delegated)
        return json.dumps(keys)

    def give(self, key: str, result_json: str) -> None:
        self._pool.given[key] = json.loads(result_json)

    def fail(self, key: str, message: str) -> None:
        self._pool.given[key] = parts_kit.PartFailed(f"part {key} of the run failed on a helper worker: {message}")

    def take_back(self) -> None:
        """The helpers were stopped: compute here what they had not handed in."""
        self._pool.take_back()

    @property
    def waiting(self) -> bool:
        """Blocked on a part a helper has not handed in yet (the last advance computed nothing)."""
        return self._pool.waiting_for is not None

    @property
    def work_progress(self) -> float:
        """Progress through the work this worker does itself, for estimates: the parts helpers
        compute meanwhile do not count at this worker's rate."""
        own = 1.0 - self._pool.handed_cost
        return min(1.0, max(0.0, (self.progress - self._pool.passed_cost) / own)) if own > 0 else self.progress

    @property
    def done(self) -> bool:
        return self.result is not None and self.result.get("done") is True

    @property
    def progress(self) -> float:
        if self.result is None:
            return 0.0
        return 1.0 if self.done else float(self.result.get("progress", 0.0))

    @property
    def phase(self) -> str:
        return "" if self.result is None else str(self.result.get("phase", "computing"))

    def frame_json(self) -> str:
        self.dirty = False
        with _labelled(self._sim):
            return self._sim.frame(self.result, self._cfg, self._seed).to_json()

    def close(self) -> None:
        self._results.close()
