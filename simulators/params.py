"""Parameter schemas and validation, shared by every simulator.

A simulator declares `PARAMS`, a list of dicts, one per control:
    {"name", "kind": "int"|"float"|"choice"|"text"|"bool", "default", "label", "help",
     "min"/"max"/"step" (numbers), "choices" (choice), "max_length" (text), "unit" (optional),
     "scale": "log" (optional, numbers shown on a log slider)}
`validate(PARAMS, params)` returns a complete, typed dict or raises ValueError naming the
parameter and what is allowed, so a bad URL or slider value never reaches the maths.
"""

from __future__ import annotations

import math

SEED_MAX = 2**32 - 1
KINDS = ("int", "float", "choice", "text", "bool")


def defaults(schema: list[dict]) -> dict:
    return {p["name"]: p["default"] for p in schema}


def validate(schema: list[dict], params: dict | None) -> dict:
    """Merge `params` over the defaults and check every value; raise ValueError on the first problem."""
    params = dict(params or {})
    by_name = {p["name"]: p for p in schema}
    unknown = sorted(set(params) - set(by_name))
    if unknown:
        raise ValueError(f"unknown parameter '{unknown[0]}' (allowed: {', '.join(by_name)})")
    out = {}
    for name, spec in by_name.items():
        out[name] = coerce(spec, params[name]) if name in params else spec["default"]
    return out


def coerce(spec: dict, value):
    """Check one value against its spec; accept numeric strings (they come from URLs)."""
    name, kind = spec["name"], spec["kind"]
    if kind in ("int", "float"):
        number = _to_number(name, value, kind)
        low, high = spec["min"], spec["max"]
        if not (low <= number <= high):
            raise ValueError(f"parameter '{name}' = {value!r} is out of range: allowed {low} to {high}")
        return number
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if value in ("true", "1", 1):
            return True
        if value in ("false", "0", 0):
            return False
        raise ValueError(f"parameter '{name}' = {value!r} must be true or false")
    if kind == "choice":
        if value not in spec["choices"]:
            raise ValueError(f"parameter '{name}' = {value!r} is not allowed: choose one of {', '.join(map(str, spec['choices']))}")
        return value
    if kind == "text":
        if not isinstance(value, str):
            raise ValueError(f"parameter '{name}' must be text, got {type(value).__name__}")
        if len(value) > spec["max_length"]:
            raise ValueError(f"parameter '{name}' is {len(value)} characters long: at most {spec['max_length']} allowed")
        return value
    raise ValueError(f"parameter '{name}' has unknown kind {kind!r}")


def _to_number(name: str, value, kind: str):
    if isinstance(value, bool):
        raise ValueError(f"parameter '{name}' must be a number, got a boolean")
    if isinstance(value, str):
        try:
            value = float(value) if kind == "float" or "." in value or "e" in value.lower() else int(value)
        except ValueError:
            raise ValueError(f"parameter '{name}' = {value!r} is not a number") from None
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"parameter '{name}' = {value!r} is not a finite number")
    if kind == "int":
        if float(value) != int(value):
            raise ValueError(f"parameter '{name}' = {value!r} must be a whole number")
        return int(value)
    return float(value)


def validate_seed(seed) -> int:
    try:
        number = _to_number("seed", seed, "int")
    except ValueError:
        raise ValueError(f"seed = {seed!r} must be a whole number from 0 to {SEED_MAX}") from None
    if not (0 <= number <= SEED_MAX):
        raise ValueError(f"seed = {seed!r} is out of range: allowed 0 to {SEED_MAX}")
    return number


def check_schema(schema: list[dict]) -> None:
    """Raise if a PARAMS declaration itself is inconsistent (used by tests and the build)."""
    seen = set()
    for spec in schema:
        name = spec.get("name")
        if not name or name in seen:
            raise ValueError(f"PARAMS: missing or duplicate name {name!r}")
        seen.add(name)
        if spec.get("kind") not in KINDS:
            raise ValueError(f"PARAMS '{name}': kind must be one of {KINDS}")
        for key in ("label", "help", "default"):
            if key not in spec:
                raise ValueError(f"PARAMS '{name}': missing '{key}'")
        coerce(spec, spec["default"])  # the default must itself be valid
