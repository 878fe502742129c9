"""The simulator contract: what a simulator module declares, checked once when it is registered,
and the frame envelope that every caller (the site build, the browser worker, the tests) receives.

A simulator is a module (or package) with:
    NAME      the name a topic's front matter uses
    TITLE     the figure's title
    PARAMS    the controls (see kit.params)
    READOUTS  numbers shown beside the figure: [Readout(path, label, format), ...]
    run(cfg, seed) -> result dict, and/or steps(cfg, seed) -> partial results, the final one last
    render(result) -> the figure: panels made with kit.svg.panels (or one, with kit.svg.figure)
    table(result) -> {"caption", "columns", "rows"}: the data behind the figure
Optionally, refresh_build_data(log): bring data the simulator ships (precomputed at build time
by its own code) up to date; the site build calls it before rendering first frames.
Optionally, VIEW_ONLY: names of controls that only change the view of work the simulator keeps
in its own caches (kit.cache), such as the time shown. The browser worker then computes the
page's settings once in the background after it boots, so that these controls answer at once.
Optionally, reframe(cfg, seed, shown) -> result or None: the result of a setting that differs
from the final result `shown` (which carries its "params" and "seed") in VIEW_ONLY controls
alone, computed from `shown` itself instead of the caches; None where it needs them. The worker
answers such a change with it while the background run is still filling the caches.
Optionally, WARM_UP = True: that background run is worth making without view-only controls too,
because runs of other settings reuse what it leaves in the caches (the superposition page's
sweep, which a change of the main model's width does not retrain). Or WARM_UP = a function
(cfg, seed) -> bool, which the build asks at each page's setting: where the work is shipped
already, a warm-up would spend a reader's processor on nothing. Without WARM_UP, view-only
controls imply a warm-up; with it, the simulator decides (the RL page's agent ships its
weights, so its start and goal need no caches warmed).
Optionally, GRID: {control name or "seed": [values]}: settings the page teaches, shipped as
precomputed frames so that the page shows them at once, with or without its runtime: every
combination of the listed values, at the page's other settings.
Optionally, shipped_result(cfg, seed) -> final result or None: the result of a setting whose work
the simulator already ships (data its own code computed at build time, such as trained agents),
so that the build draws that setting instead of computing it again.
Optionally, ASSETS: [kit.assets.Asset, ...]: large files some settings need, each with the
function that prepares it at build time; the browser downloads one only when a run asks for it.
Optionally, CHEAP_PARAMS: {control name: value}: small in-range settings that run in well under
a second, which the contract tests (tests/simulators/test_contract.py) run every registered
simulator at; without it they use the defaults.
Optionally, parts(cfg, seed) and part(cfg, seed, key): independent pieces of a `steps` run that
the browser computes on helper workers; `steps` asks for each with `yield kit.parts.Need(key)`
(see kit.parts).
`cfg` and `seed` arrive validated (the adapter does it once). A result is plain JSON data that
carries "done" (bool) and may carry "progress" (0..1) and "phase" (text for the reader); the
adapter adds "params" (every control) and "seed" before drawing it, so render and table read them.
The browser estimates how long a run takes from its progress (time so far / progress), so a
`steps` that does unequal pieces of work shares progress out by their cost, and yields at
least every few tenths of a second (partial results are cheap: only those sent are drawn).
"""

from __future__ import annotations

import difflib
import json
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import ModuleType
from typing import Callable, Iterator

from . import assets as assets_kit
from . import params as P
from . import parts as parts_kit


class ContractError(TypeError):
    """A simulator module does not keep the contract; the message names it, its file and the
    missing piece; `file` holds the file."""

    def __init__(self, message: str, file: str | None = None):
        super().__init__(message)
        self.file = file


@dataclass(frozen=True)
class Readout:
    path: str  # into the result, dotted for nested values: "coverage.rl", "variants.none.sink_ratio"
    label: str  # as the reader sees it
    format: str  # a Python format spec: ".1%", ".3g"

    def text(self, result: dict) -> str:
        value = lookup(result, self.path)
        return "–" if value is None else format(value, self.format)


def lookup(result, path: str):
    """The value at a dotted path (dict keys, or list indices); KeyError names the part missing.
    A None on the way (an optional group left out) gives None: the reader sees "–"."""
    value = result
    parts = path.split(".")
    for i, part in enumerate(parts):
        if value is None:
            return None
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            raise KeyError(f"result has no '{path}' (stops at '{part}'; {_what_is_at('.'.join(parts[:i]), value, part)})")
    return value


def _what_is_at(where: str, value, part: str) -> str:
    """What a path could have named where it stopped: an author's typo is then plain to see."""
    at = f"'{where}'" if where else "the result"
    if isinstance(value, dict):
        names = sorted(value)
        if not names:
            return f"{at} is empty"
        close = [n for n in names if n.startswith(part)] or difflib.get_close_matches(part, names, n=1)
        listed = f"{at} has {', '.join(names[:20])}{', …' if len(names) > 20 else ''}"
        return f"did you mean '{close[0]}'? {listed}" if close else listed
    if isinstance(value, list):
        return f"{at} is a list of {len(value)}, indices 0 to {len(value) - 1}" if value else f"{at} is an empty list"
    return f"{at} is a value, {value!r}, with nothing inside"


@dataclass(frozen=True)
class Frame:
    """One frame, the only shape there is: at build time, in the browser, in the tests."""

    svg: str
    table: dict
    readouts: dict[str, str]  # readout path -> formatted text
    progress: float
    phase: str
    done: bool
    result: dict

    def to_json(self) -> str:
        # The fields as they are: json walks the result itself, where asdict would first copy it
        # value by value (3.7 times as long for the site's 109 frames; the worker's partial
        # frames come through here too)
        return json.dumps({f.name: getattr(self, f.name) for f in fields(self)}, allow_nan=False)


@dataclass(frozen=True)
class Simulator:
    name: str
    title: str
    params: list[dict]
    readouts: tuple[Readout, ...]
    render: Callable[[dict], str]
    table: Callable[[dict], dict]
    module: ModuleType
    run_fn: Callable | None = None
    steps_fn: Callable | None = None
    refresh_build_data: Callable | None = None
    view_only: tuple[str, ...] = ()
    warm_up: bool | Callable = False  # compute the page's settings in the background once the runtime is up
    grid: dict = field(default_factory=dict)
    shipped_result: Callable | None = None
    parts_fn: Callable | None = None
    part_fn: Callable | None = None
    reframe: Callable | None = None
    cheap_params: dict = field(default_factory=dict)
    assets: tuple = ()  # kit.assets.Asset, each prepared by the build

    def warms_up(self, cfg: dict, seed: int) -> bool:
        """Whether a page at this setting (validated controls and seed) warms up once live."""
        return bool(self.warm_up(cfg, seed)) if callable(self.warm_up) else self.warm_up

    @property
    def external_module(self) -> str | None:
        """The module's name if it was registered from outside the `simulators` package (the
        build ships its file and the worker imports it by this name); None for the package's own."""
        name = self.module.__name__
        return None if name.split(".")[0] == __name__.split(".")[0] else name

    def defaults(self) -> dict:
        return P.defaults(self.params)

    def results(self, cfg: dict, seed: int, pool: parts_kit.Pool | None = None) -> Iterator[dict]:
        """Partial results while computing (if the simulator animates), the final result last.
        Parts (kit.parts) come from `pool` where helpers computed them, else are computed here."""
        if self.steps_fn is None:
            yield self.run_fn(cfg, seed)
        elif self.parts_fn is None:
            yield from self.steps_fn(cfg, seed)
        else:
            costs = {item["key"]: item["cost"] for item in self.parts_fn(cfg, seed)}
            yield from parts_kit.drive(self.steps_fn(cfg, seed), lambda key: self.part_fn(cfg, seed, key), costs, pool)

    def run(self, cfg: dict, seed: int) -> dict:
        if self.run_fn is not None:
            return self.run_fn(cfg, seed)
        final = None
        for final in self.results(cfg, seed):
            pass
        return final

    def part(self, cfg: dict, seed: int, key: str) -> dict:
        """One part's result, as a helper worker computes it."""
        return parts_kit.run_part(lambda k: self.part_fn(cfg, seed, k), key)

    def frame(self, result: dict, cfg: dict, seed: int) -> Frame:
        """The frame of a result, which the adapter gives the setting it was computed at ("params",
        every control, and "seed"): a simulator's results need not carry them."""
        result = {"params": cfg, "seed": seed, **{k: v for k, v in result.items() if k not in ("params", "seed")}}
        done = result.get("done")
        if not isinstance(done, bool):
            raise ContractError(f"simulator '{self.name}': a result must carry 'done' (true or false)")
        try:
            readouts = {r.path: r.text(result) for r in self.readouts}
        except KeyError as missing:
            raise ContractError(f"simulator '{self.name}': readout {missing.args[0]}") from None
        return Frame(svg=self.render(result), table=self.table(result), readouts=readouts,
                     progress=float(result.get("progress", 1.0 if done else 0.0)),
                     phase=str(result.get("phase", "done" if done else "computing")), done=done, result=result)


def from_module(module: ModuleType) -> Simulator:
    """Check `module` against the contract, once, and describe it; raise ContractError naming
    the simulator and what is missing or wrong."""
    file = file_of(module)
    who = f"simulator module '{module.__name__}' ({file})"

    def broken(message: str) -> ContractError:
        return ContractError(message, file)

    def need(attribute: str, kind: type | None = None, what: str = ""):
        if not hasattr(module, attribute):
            raise broken(f"{who} is missing {attribute}{what}")
        value = getattr(module, attribute)
        if kind is None and not callable(value) or kind is not None and not isinstance(value, kind):
            raise broken(f"{who}: {attribute} must be {'callable' if kind is None else kind.__name__}")
        return value

    name, title, schema = need("NAME", str), need("TITLE", str), need("PARAMS", list)
    readouts = need("READOUTS", list, " (a list of kit.contract.Readout, which may be empty)")
    render, table = need("render", what=" (result -> figure markup, see kit.svg.panels)"), need("table", what=" (result -> data table)")
    run_fn, steps_fn = getattr(module, "run", None), getattr(module, "steps", None)
    refresh = getattr(module, "refresh_build_data", None)
    if not callable(run_fn) and not callable(steps_fn):
        raise broken(f"{who} is missing run(cfg, seed) or steps(cfg, seed)")
    try:
        P.check_schema(schema)
    except ValueError as error:
        raise broken(f"{who}: {error}") from None
    for readout in readouts:
        if not isinstance(readout, Readout):
            raise broken(f"{who}: READOUTS holds {readout!r}, not a Readout")
    view_only = tuple(getattr(module, "VIEW_ONLY", ()))
    unknown = sorted(set(view_only) - {spec["name"] for spec in schema})
    if unknown:
        raise broken(f"{who}: VIEW_ONLY names {', '.join(unknown)}, which PARAMS does not have")
    warm_up = getattr(module, "WARM_UP", bool(view_only))  # view-only controls need the caches warm, unless it says
    if not isinstance(warm_up, bool) and not callable(warm_up):
        raise broken(f"{who}: WARM_UP must be True, False or a function (cfg, seed) -> bool, not {warm_up!r}")
    grid = getattr(module, "GRID", {})
    if not isinstance(grid, dict):
        raise broken(f"{who}: GRID must be a dict of control name -> list of values")
    for control, values in grid.items():
        spec = next((p for p in schema if p["name"] == control), None)
        if control != "seed" and spec is None:
            raise broken(f"{who}: GRID names {control}, which PARAMS does not have")
        if not isinstance(values, (list, tuple)) or not values:
            raise broken(f"{who}: GRID['{control}'] must be a non-empty list of values")
        try:
            for value in values:
                P.validate_seed(value) if spec is None else P.coerce(spec, value)
        except P.ParamError as error:
            raise broken(f"{who}: GRID['{control}']: {error}") from None
    shipped = getattr(module, "shipped_result", None)
    parts_fn, part_fn = getattr(module, "parts", None), getattr(module, "part", None)
    if callable(parts_fn) != callable(part_fn):
        raise broken(f"{who} defines {'parts' if callable(parts_fn) else 'part'} without "
                            f"{'part(cfg, seed, key)' if callable(parts_fn) else 'parts(cfg, seed)'}: a run's parts need both")
    if callable(parts_fn) and not callable(steps_fn):
        raise broken(f"{who} defines parts, which only steps(cfg, seed) can ask for")
    reframe = getattr(module, "reframe", None)
    if callable(reframe) and not view_only:
        raise broken(f"{who} defines reframe, which answers changes of VIEW_ONLY controls, but names none")
    files = tuple(getattr(module, "ASSETS", ()))
    for asset in files:
        if not isinstance(asset, assets_kit.Asset):
            raise broken(f"{who}: ASSETS holds {asset!r}, not a kit.assets.Asset")
    cheap = getattr(module, "CHEAP_PARAMS", {})
    try:
        P.validate(schema, cheap)
    except (P.ParamError, AttributeError, TypeError) as error:
        raise broken(f"{who}: CHEAP_PARAMS: {error}") from None
    return Simulator(name=name, title=title, params=schema, readouts=tuple(readouts), render=render, table=table, cheap_params=dict(cheap), assets=files,
                     module=module, run_fn=run_fn if callable(run_fn) else None,
                     steps_fn=steps_fn if callable(steps_fn) else None, refresh_build_data=refresh if callable(refresh) else None,
                     view_only=view_only, warm_up=warm_up, grid={k: list(v) for k, v in grid.items()},
                     shipped_result=shipped if callable(shipped) else None,
                     parts_fn=parts_fn if callable(parts_fn) else None, part_fn=part_fn if callable(part_fn) else None,
                     reframe=reframe if callable(reframe) else None)


def file_of(module: ModuleType) -> str:
    """The module's file, relative to the folder holding its top package when it is inside it."""
    path = Path(getattr(module, "__file__", None) or module.__name__)
    top = sys.modules.get(module.__name__.split(".")[0])
    root = Path(getattr(top, "__file__", None) or path).resolve().parent
    root = root.parent if top is not module else root
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
