"""Run a simulator the way every caller does: through the adapter (simulators.bridge), which
validates params and seed once. Simulators' own run/steps take checked settings only."""

from __future__ import annotations

import json
from typing import Iterator

from simulators import bridge


def runner(name: str):
    """(run, steps) for simulator `name`: final result, and every partial result in order."""

    def run(params: dict | None = None, seed=0) -> dict:
        return bridge.result(name, params, seed)

    def steps(params: dict | None = None, seed=0) -> list[dict]:
        return [frame.result for frame in bridge.frames(name, params, seed)]

    return run, steps


def run_json(name: str, params_json: str, seed) -> str:
    """The final frame as JSON text, taking params as JSON text (what crosses the worker's boundary)."""
    return bridge.frame(name, json.loads(params_json), seed).to_json()


def frames_json(name: str, params_json: str, seed) -> Iterator[str]:
    """Every frame as JSON text, as the build and the tests draw them."""
    for each in bridge.frames(name, json.loads(params_json), seed):
        yield each.to_json()
