"""From a simulator's PARAMS to the controls a reader sees: which widget fits each value, and
its state at the page's settings. The template draws them; static/js/simulator/controls.mjs keeps them
in step afterwards using the same rules (the schema travels in the page config)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from simulators.kit import params as P

ONE_LINE_UP_TO = 60  # characters: a text value this short gets a one-line input
LOG_POSITIONS = 1000  # a log-scale slider moves over positions 0..1000


@dataclass(frozen=True)
class Control:
    spec: dict
    widget: str  # "range", "select", "checkbox", "line" (one-line text) or "area" (multi-line text)
    value: object  # as the widget holds it: a slider position on a log scale
    shown: str  # the value as the reader reads it beside the control
    min: object = None  # a range's ends and step: slider positions on a log scale;
    max: object = None  # the upper end follows "max_from"
    step: object = None
    rows: int = 0  # text areas
    used: bool = True  # False: it cannot change the result at these settings, so it is disabled
    unused_note: str = ""  # when it is used at all ("Used only when Maze is random."), for controls that say

    @property
    def name(self) -> str:
        return self.spec["name"]

    @property
    def log_scale(self) -> bool:
        return self.spec.get("scale") == "log"


def controls(schema: list[dict], values: dict) -> list[Control]:
    by_name = {spec["name"]: spec for spec in schema}
    return [_control(spec, values, by_name) for spec in schema]


def _control(spec: dict, values: dict, by_name: dict) -> Control:
    value, kind = values[spec["name"]], spec["kind"]
    state = {"used": P.is_used(spec, values), "unused_note": unused_note(spec, by_name) if "used_when" in spec else ""}
    unit = f" {spec['unit']}" if "unit" in spec else ""
    if kind in ("int", "float"):
        upper = values[spec["max_from"]] if "max_from" in spec else spec["max"]
        if "values" in spec:  # a slider over the listed values: its positions are their indices
            return Control(spec, "range", spec["values"].index(value), f"{value}{unit}", 0, len(spec["values"]) - 1, 1, **state)
        if spec.get("scale") == "log":
            return Control(spec, "range", log_position(spec, value), f"{value}{unit}", 0, LOG_POSITIONS, 1, **state)
        return Control(spec, "range", value, f"{value}{unit}", spec["min"], upper, spec["step"], **state)
    if kind == "choice":
        return Control(spec, "select", value, str(value), **state)
    if kind == "bool":
        return Control(spec, "checkbox", value, str(value), **state)
    if spec["max_length"] <= ONE_LINE_UP_TO:
        return Control(spec, "line", value, value, **state)
    return Control(spec, "area", value, value, rows=3 if spec["max_length"] <= 400 else 6, **state)


def log_position(spec: dict, value: float) -> int:
    """Where `value` sits on a log slider from min to max (min must be positive)."""
    low, high = spec["min"], spec["max"]
    return round(LOG_POSITIONS * math.log(value / low) / math.log(high / low))


def unused_note(spec: dict, by_name: dict) -> str:
    """'Used only when Maze is random.' from the control's "used_when"."""
    parts = []
    for other, allowed in spec["used_when"].items():
        shown = [("on" if v else "off") if isinstance(v, bool) else str(v) for v in allowed]
        listed = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]
        parts.append(f"{by_name[other]['label']} is {listed}")
    return "Used only when " + " and ".join(parts) + "."
