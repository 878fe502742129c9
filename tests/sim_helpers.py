"""Run a simulator the way every caller does: through the adapter (simulators.bridge), which
validates params and seed once. Simulators' own run/steps take checked settings only."""

from __future__ import annotations

import json
from typing import Iterator

import pytest

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


def assert_close(actual, expected, path: str = "result", rel: float = 1e-6, abs: float = 1e-6) -> None:
    """The same structure, every value equal but floats, which may differ by rounding (to `rel`
    or `abs`): Pyodide's libm and NumPy (no BLAS) against CPython's, or one CPU's kernels
    against another's. `path` names the first value that differs."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and actual.keys() == expected.keys(), path
        for key in expected:
            assert_close(actual[key], expected[key], f"{path}.{key}", rel, abs)
    elif isinstance(expected, (list, tuple)):
        assert isinstance(actual, (list, tuple)) and len(actual) == len(expected), path
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert_close(a, e, f"{path}[{i}]", rel, abs)
    elif isinstance(expected, float):
        assert actual == pytest.approx(expected, rel=rel, abs=abs), path
    else:
        assert actual == expected, path
