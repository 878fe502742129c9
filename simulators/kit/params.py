"""Control schemas and their validation, shared by every simulator.

A simulator declares `PARAMS`, a list of dicts, one per control:
    {"name", "kind": "int"|"float"|"choice"|"text"|"bool", "default", "label", "help",
     "min"/"max"/"step" (numbers), "choices" (choice), "max_length" (text), "unit" (optional),
     "choice_labels": {value: text} (optional, choice: what the menu shows for a value; the
     value itself stays what the URL and the simulator use),
     "scale": "log" (optional, numbers shown on a log slider),
     "values": [v, ...] (optional, numbers: the only values the control takes, ascending within
     min..max, such as the depths a paper sweeps; the slider moves over them one by one, and
     the build ships a slow simulator's neighbouring values precomputed),
     "max_from": NAME (optional, int: at most the current value of int control NAME),
     "used_when": {NAME: [values]} (optional: the control matters only when choice or bool
     control NAME has one of these values; otherwise its value is set to its default, so a
     setting that cannot change the result never recomputes it, and the page disables it)}
The adapter (`simulators.bridge`) calls `validate` and `validate_seed` once per request, so a
simulator's `run` and `steps` receive a complete, typed dict and an int seed. Every problem is a
`ParamError` that names the control as the reader sees it.
"""

from __future__ import annotations

import math

SEED_MAX = 2**32 - 1
SEED_LABEL = "Seed"
KINDS = ("int", "float", "choice", "text", "bool")


class ParamError(ValueError):
    """A bad value for one control. Reads "Samples per problem n (n_problems) must be between
    2 and 1024, got 5000"; a simulator may raise it without the label, which the adapter adds."""

    def __init__(self, name: str, problem: str, label: str | None = None):
        super().__init__(name, problem)
        self.name, self.problem, self.label = name, problem, label

    def __str__(self) -> str:
        space = "" if self.problem.startswith(":") else " "  # "Moves so far (moves): move 2 …"
        who = f"{self.label} ({self.name})" if self.label else f"'{self.name}'"
        return f"{who}{space}{self.problem}"


def defaults(schema: list[dict]) -> dict:
    return {p["name"]: p["default"] for p in schema}


def label_of(schema: list[dict], name: str) -> str | None:
    if name == "seed":
        return SEED_LABEL
    return next((p["label"] for p in schema if p["name"] == name), None)


def validate(schema: list[dict], params: dict | None) -> dict:
    """Merge `params` over the defaults and check every value; raise ParamError on the first problem."""
    params = dict(params or {})
    by_name = {p["name"]: p for p in schema}
    unknown = sorted(set(params) - set(by_name))
    if unknown:
        raise ParamError(unknown[0], f"is not a setting of this simulator (settings: {', '.join(by_name)})")
    values = {name: coerce(spec, params[name]) if name in params else spec["default"] for name, spec in by_name.items()}
    for name, spec in by_name.items():
        if not is_used(spec, values):
            values[name] = spec["default"]
    for name, spec in by_name.items():
        bound = spec.get("max_from")
        if bound is not None and values[name] > values[bound]:
            raise ParamError(name, f"must be at most {by_name[bound]['label']} ({bound}) = {values[bound]}, got {values[name]}",
                             spec.get("label"))
    return values


def is_used(spec: dict, values: dict) -> bool:
    """Whether this control can change the result, given the others' values (see "used_when")."""
    return all(values[other] in allowed for other, allowed in spec.get("used_when", {}).items())


def coerce(spec: dict, value):
    """Check one value against its spec; accept numeric and boolean strings (they come from URLs)."""
    kind = spec["kind"]

    def reject(problem: str):
        return ParamError(spec["name"], problem, spec.get("label"))

    if kind in ("int", "float"):
        number = _to_number(value, kind, reject)
        low, high = spec["min"], spec["max"]
        if not (low <= number <= high):
            shown = number if isinstance(value, str) else value  # "got 5000", also when 5000 came from a URL
            raise reject(f"must be between {low} and {high}, got {shown!r}")
        if "values" in spec and number not in spec["values"]:
            listed = ", ".join(map(str, spec["values"][:-1])) + f" or {spec['values'][-1]}"
            raise reject(f"must be one of {listed}, got {number!r}")
        return number
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if value in ("true", "1", 1):
            return True
        if value in ("false", "0", 0):
            return False
        raise reject(f"must be true or false, got {value!r}")
    if kind == "choice":
        if value not in spec["choices"]:
            raise reject(f"must be one of {', '.join(map(str, spec['choices']))}, got {value!r}")
        return value
    if kind == "text":
        if not isinstance(value, str):
            raise reject(f"must be text, got {type(value).__name__}")
        if len(value) > spec["max_length"]:
            raise reject(f"must be at most {spec['max_length']} characters long, got {len(value)}")
        return value
    raise reject(f"has unknown kind {kind!r}")


def _to_number(value, kind: str, reject):
    if isinstance(value, bool):
        raise reject(f"must be a number, got {value!r}")
    if isinstance(value, str):
        try:
            value = float(value) if kind == "float" or "." in value or "e" in value.lower() else int(value)
        except ValueError:
            raise reject(f"must be a number, got {value!r}") from None
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        raise reject(f"must be a finite number, got {value!r}")
    if kind == "int":
        if float(value) != int(value):
            raise reject(f"must be a whole number, got {value!r}")
        return int(value)
    return float(value) + 0.0  # -0.0 becomes 0.0: a minus zero is no value below a minimum of 0


def validate_seed(seed) -> int:
    spec = {"name": "seed", "label": SEED_LABEL, "kind": "int", "min": 0, "max": SEED_MAX}
    try:
        return coerce(spec, seed)
    except ParamError:
        raise ParamError("seed", f"must be a whole number between 0 and {SEED_MAX}, got {seed!r}", SEED_LABEL) from None


def check_schema(schema: list[dict]) -> None:
    """Raise ValueError if a PARAMS declaration itself is inconsistent (checked at registration)."""
    seen = set()
    for spec in schema:
        name = spec.get("name")
        if not name or name in seen or name == "seed":
            raise ValueError(f"PARAMS: missing, duplicate or reserved name {name!r}")
        seen.add(name)
        if spec.get("kind") not in KINDS:
            raise ValueError(f"PARAMS '{name}': kind must be one of {KINDS}")
        required = ("label", "help", "default") + {"int": ("min", "max", "step"), "float": ("min", "max", "step"),
                                                   "choice": ("choices",), "text": ("max_length",)}.get(spec["kind"], ())
        for key in required:
            if key not in spec:
                raise ValueError(f"PARAMS '{name}': missing '{key}'")
        if "values" in spec:
            listed = spec["values"]
            if spec["kind"] not in ("int", "float") or not listed or sorted(set(listed)) != list(listed) \
                    or "scale" in spec or "max_from" in spec:
                raise ValueError(f"PARAMS '{name}': values must be an ascending list of numbers, on a number control "
                                 "without scale or max_from")
            for value in listed:
                coerce({k: v for k, v in spec.items() if k != "values"}, value)  # each within min..max
        coerce(spec, spec["default"])  # the default must itself be valid
        if spec.get("scale") == "log" and not spec["min"] > 0:
            raise ValueError(f"PARAMS '{name}': a log scale needs a positive min")
        stray = set(spec.get("choice_labels", {})) - set(spec.get("choices", ()))
        if stray:
            raise ValueError(f"PARAMS '{name}': choice_labels names values that are not choices: {sorted(stray)}")
    by_name = {spec["name"]: spec for spec in schema}
    for spec in schema:
        name, bound = spec["name"], spec.get("max_from")
        if bound is not None and (spec["kind"] != "int" or by_name.get(bound, {}).get("kind") != "int"):
            raise ValueError(f"PARAMS '{name}': max_from must name another int control, got {bound!r}")
        for other, allowed in spec.get("used_when", {}).items():
            if other == name or by_name.get(other, {}).get("kind") not in ("choice", "bool") or not allowed:
                raise ValueError(f"PARAMS '{name}': used_when must name another choice or bool control, got {other!r}")
            for value in allowed:
                coerce(by_name[other], value)  # each listed value must be one the control can take
