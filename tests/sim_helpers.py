"""Run a simulator the way every caller does: through the adapter (simulators.bridge), which
validates params and seed once. Simulators' own run/steps take checked settings only."""

from __future__ import annotations

from simulators import bridge


def runner(name: str):
    """(run, steps) for simulator `name`: final result, and every partial result in order."""

    def run(params: dict | None = None, seed=0) -> dict:
        return bridge.result(name, params, seed)

    def steps(params: dict | None = None, seed=0) -> list[dict]:
        return [frame.result for frame in bridge.frames(name, params, seed)]

    return run, steps
