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
    """Validate, then yield a frame per partial result; the last frame is the final one."""
    sim, cfg, seed = _prepare(name, params, seed, module)
    with _labelled(sim):
        for result in sim.results(cfg, seed):
            yield sim.frame(result)


def frame(name: str, params: dict | None, seed, module: str | None = None) -> Frame:
    """The final frame, computed without drawing the partial ones."""
    sim, cfg, seed = _prepare(name, params, seed, module)
    with _labelled(sim):
        return sim.frame(sim.run(cfg, seed))


def shipped_frame(name: str, params: dict | None, seed, module: str | None = None) -> Frame | None:
    """The final frame drawn from work the simulator already ships for these settings (its
    `shipped_result`), or None. The build tries it before computing a frame."""
    sim, cfg, seed = _prepare(name, params, seed, module)
    if sim.shipped_result is None:
        return None
    with _labelled(sim):
        result = sim.shipped_result(cfg, seed)
        return None if result is None else sim.frame(result)


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


class Run:
    """One run that its caller steps through: `advance` computes the next partial result without
    drawing it, `frame_json` draws the current one. The worker draws only the frames it sends, and
    can park a run between steps (to ask the reader before a long one) and resume it later."""

    def __init__(self, name: str, params_json: str, seed, module: str | None = None):
        self._sim, self._cfg, self._seed = _prepare(name, json.loads(params_json), seed, module)
        self._results = self._sim.results(self._cfg, self._seed)
        self.result: dict | None = None
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
        except AssetMissing as missing:
            self.needs = missing.name
            self._results = self._sim.results(self._cfg, self._seed)
            return True
        self.needs = None
        return True

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
        with _labelled(self._sim):
            return self._sim.frame(self.result).to_json()

    def close(self) -> None:
        self._results.close()
