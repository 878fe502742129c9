"""One entry point for callers outside Python (the browser worker) and for parity tests.

`run_json` and `steps_json` take and return JSON text so the worker moves plain strings
across the Pyodide boundary, and CPython tests can call exactly what the browser calls.
"""

from __future__ import annotations

import json

from . import REGISTRY


def _module(name: str):
    if name not in REGISTRY:
        raise ValueError(f"unknown simulator '{name}' (known: {', '.join(sorted(REGISTRY))})")
    return REGISTRY[name]


def package(module, result: dict) -> str:
    payload = {"result": result, "svg": module.render(result)}
    if hasattr(module, "table"):
        payload["table"] = module.table(result)
    return json.dumps(payload, allow_nan=False)


def run_json(name: str, params_json: str, seed) -> str:
    module = _module(name)
    return package(module, module.run(json.loads(params_json), seed))


def steps_json(name: str, params_json: str, seed):
    """Yield JSON payloads: partial results while computing, the final result last."""
    module = _module(name)
    params = json.loads(params_json)
    if hasattr(module, "steps"):
        for partial in module.steps(params, seed):
            yield package(module, partial)
    else:
        yield package(module, module.run(params, seed))
