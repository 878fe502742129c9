"""First frames: each page's simulator, run at its front-matter settings under CPython through
the same adapter the browser uses, so the page ships a real figure, readouts and data table
that need no JavaScript. Settings are checked before anything runs; a simulator that rejects
them at run time is reported as `file:line: simulator.params.NAME: message` like any content error.
Frames are cached on disk by a key of everything that decides them (frame_key), so a build
recomputes only the frames whose simulator code, data or settings changed.

For a simulator whose frame takes a while (PRECOMPUTE_ABOVE_S, or one that ships its own
results), the build also computes the settings a reader reaches with one click from the page's
own: each other option of a choice, each flipped checkbox, the neighbours in a control's list of
values; and for any simulator, the settings
its GRID declares. The page shows those at once, labelled as computed at build time, instead of
making the reader wait for the browser. A setting whose work the simulator ships (its
`shipped_result`) is drawn from that, never computed again."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from dataclasses import dataclass, replace

from simulators import REGISTRY, bridge
from simulators.kit import params as P
from simulators.kit.contract import Frame, Simulator

from .controls import Control, controls
from .disk_cache import DiskCache, key_of, write_atomically
from .errors import ContentError
from .frame_key import frame_key
from .frame_pool import FramePool


@dataclass(frozen=True)
class PageSimulator:
    """A topic's simulator: what its front matter asks for, and the frames computed for it (each
    stage returns a new one: `render` sets its frame, `with_precomputed` adds what else it ships)."""

    simulator: Simulator
    values: dict  # every control, validated
    seed: int
    title: str
    caption: str
    frame: Frame | None = None
    precomputed: tuple[tuple[dict, int, Frame], ...] = ()  # (values, seed, frame): one click away, and the grid

    @property
    def name(self) -> str:
        return self.simulator.name

    def with_precomputed(self, frames: list[tuple[dict, int, Frame]]) -> "PageSimulator":
        """This page shipping these frames too, each setting once (the page's own is its first frame)."""
        have = {key_of(values, seed) for values, seed, _ in [(self.values, self.seed, None), *self.precomputed]}
        added = []
        for values, seed, frame in frames:
            key = key_of(values, seed)
            if key not in have:
                have.add(key)
                added.append((values, seed, frame))
        return replace(self, precomputed=self.precomputed + tuple(added))

    @property
    def controls(self) -> list[Control]:
        return controls(self.simulator.params, self.values)


def page_simulators(bodies) -> tuple[dict[str, PageSimulator], list[ContentError]]:
    """Each page's simulator, its params and seed validated (nothing runs), by page slug."""
    found: dict[str, PageSimulator] = {}
    errors: list[ContentError] = []
    for slug, body in bodies.items():
        spec = body.topic.meta.get("simulator")
        if not spec:
            continue
        simulator = REGISTRY[spec["name"]]
        try:
            values = P.validate(simulator.params, spec.get("params"))
            seed = P.validate_seed(spec["seed"])
        except P.ParamError as error:
            errors.append(_content_error(body, spec, error))
            continue
        found[slug] = PageSimulator(simulator, values, seed, spec.get("title") or simulator.title, spec.get("caption", ""))
    return found, errors


PRECOMPUTE_ABOVE_S = 0.2  # CPython seconds: a default frame slower than this gets its one-click settings precomputed


def one_click_settings(schema: list[dict], values: dict) -> list[dict]:
    """The settings one click away from `values`: each other option of a choice, each flipped
    checkbox, and the listed values on either side of a control that takes a short list, for the
    controls that matter in this setting."""
    found = []
    for spec in schema:
        if not P.is_used(spec, values):
            continue
        if spec["kind"] == "choice":
            found += [{**values, spec["name"]: choice} for choice in spec["choices"] if choice != values[spec["name"]]]
        elif spec["kind"] == "bool":
            found.append({**values, spec["name"]: not values[spec["name"]]})
        elif "values" in spec and values[spec["name"]] in spec["values"]:
            at = spec["values"].index(values[spec["name"]])
            found += [{**values, spec["name"]: spec["values"][i]} for i in (at - 1, at + 1) if 0 <= i < len(spec["values"])]
    return found


def grid_settings(grid: dict, values: dict, seed: int) -> list[tuple[dict, int]]:
    """(values, seed) for every combination of a simulator's GRID, at the page's other settings."""
    settings = [(dict(values), seed)]
    for name, listed in grid.items():
        settings = [({**v, name: x} if name != "seed" else v, x if name == "seed" else s) for v, s in settings for x in listed]
    return settings


@dataclass(frozen=True)
class Setting:
    """One computation: a simulator at validated values and a seed."""

    simulator: Simulator
    values: dict
    seed: int

    @property
    def key(self) -> str:
        return frame_key(self.simulator, self.values, self.seed)


def render(bodies, cache: DiskCache | None, log=print, pool: FramePool | None = None) -> tuple[dict[str, PageSimulator], list[ContentError]]:
    """Each page's simulator with its final frame, by page slug: from the cache when its key is
    there, else computed (in parallel processes when several are missing: `pool`'s, whose
    processes keep their work for `precompute`) and stored; and the errors a simulator's own
    checks raised. `precompute` adds the rest."""
    timings = _timings(cache)
    showing: dict[str, tuple[Setting, list[str]]] = {}  # frame key -> (setting, the slugs of the pages asking)
    for slug, body in bodies.items():
        if body.simulator is not None:
            setting = Setting(body.simulator.simulator, body.simulator.values, body.simulator.seed)
            showing.setdefault(setting.key, (setting, []))[1].append(slug)
    frames = _frames({key: setting for key, (setting, _) in showing.items()}, cache, timings, log, pool=pool)
    shown, errors = {}, []
    for key, outcome in frames.items():
        for slug in showing[key][1]:
            body = bodies[slug]
            if isinstance(outcome, P.ParamError):  # a check between controls, made by the simulator itself
                errors.append(_content_error(body, body.topic.meta["simulator"], outcome))
            else:
                shown[slug] = replace(body.simulator, frame=outcome)
    _save_timings(cache, timings)
    return shown, errors


def precompute(bodies, cache: DiskCache | None, log=print, along: list[Setting] = (),
               pool: FramePool | None = None) -> tuple[dict[str, PageSimulator], list]:
    """Each page's simulator shipping the frames of its GRID too, and its one-click frames if its
    simulator is slow (its first frame, computed by `render`, took PRECOMPUTE_ABOVE_S or more) or
    ships its results, by page slug. The settings `along` (the experiments') are computed in the
    same pool, so that no phase waits for another's slowest job; returned second, per setting of
    `along`: its frame or the ParamError its values raised."""
    timings = _timings(cache)
    extra: dict[str, tuple[Setting, list[str]]] = {}  # frame key -> (setting, the slugs of the pages shipping it)
    for slug, body in bodies.items():
        page = body.simulator
        if page is None:
            continue
        wanted = grid_settings(page.simulator.grid, page.values, page.seed)
        slow = timings.get(page.name, 0.0) >= PRECOMPUTE_ABOVE_S or page.simulator.shipped_result is not None
        if slow:
            wanted += [(values, page.seed) for values in one_click_settings(page.simulator.params, page.values)]
        own = frame_key(page.simulator, page.values, page.seed)
        for values, seed in wanted:
            try:  # the page's settings merged with a grid's values: a pair the simulator refuses is left out
                setting = Setting(page.simulator, P.validate(page.simulator.params, values), seed)
            except P.ParamError:
                continue
            if setting.key != own and slug not in extra.setdefault(setting.key, (setting, []))[1]:
                extra[setting.key][1].append(slug)
    along_keys = [setting.key for setting in along]  # once: a key hashes the simulator's files as they are now
    wanted = {key: setting for key, (setting, _) in extra.items()} | dict(zip(along_keys, along))
    frames = _frames(wanted, cache, timings, log, what="precomputed frames and experiments", pool=pool)
    shipped: dict[str, list] = {}
    for key, (setting, slugs) in extra.items():
        if isinstance(frames[key], Frame):  # a setting the simulator rejects is simply not offered
            for slug in slugs:
                shipped.setdefault(slug, []).append((setting.values, setting.seed, frames[key]))
    pages = {slug: body.simulator.with_precomputed(shipped.get(slug, [])) for slug, body in bodies.items() if body.simulator is not None}
    return pages, [frames[key] for key in along_keys]


def _save_timings(cache: DiskCache | None, timings: dict) -> None:
    if cache is not None and timings:
        cache.folder.mkdir(parents=True, exist_ok=True)
        # Atomically: a build reading half a file (in another process) would not know which
        # simulators are slow, and would ship none of their one-click frames.
        write_atomically(cache.folder / TIMINGS, json.dumps(timings, indent=1, sort_keys=True))


def _frames(wanted: dict[str, Setting], cache: DiskCache | None, timings: dict, log, what="first frames",
            pool: FramePool | None = None) -> dict:
    """key -> Frame (or the ParamError its settings raised) for every wanted key; updates `timings`
    with what it computed (a default frame's time decides whether its one-click frames are made)."""
    out: dict = {}
    missing = []
    for key, setting in wanted.items():
        hit = cache.get(key) if cache is not None else None
        if hit is None:
            missing.append((key, setting))
        else:
            out[key] = _frame_from_json(hit[0])
    jobs = [Job(s.simulator.name, s.simulator.external_module, s.values, s.seed) for _, s in missing]
    for (key, setting), outcome in zip(missing, compute_frames(jobs, timings, log, what, pool)):
        if isinstance(outcome, P.ParamError):
            out[key] = outcome
            continue
        payload, seconds = outcome
        if what == "first frames" and seconds is not None:
            timings[setting.simulator.name] = round(seconds, 2)
        if cache is not None:
            cache.put(key, payload, simulator=setting.simulator.name)
        out[key] = _frame_from_json(payload)
    return out


@dataclass(frozen=True)
class Job:
    name: str
    module: str | None  # where to import a simulator registered outside the package
    values: dict
    seed: int


def compute_frames(jobs: list[Job], estimates: dict[str, float], log=print, what: str = "first frames",
                   pool: FramePool | None = None) -> list:
    """Run each job's simulator; return, per job, (frame JSON, seconds) or the ParamError it raised.
    One job runs here unless `pool` has begun; several run in its processes (or in a pool for this
    call alone), BLAS pinned to one thread in each through the environment they inherit, the
    slowest first so the processes finish together: a simulator with no timing yet (one whose
    first frame came from shipped data) counts as slowest. Jobs that differ only in view-only
    controls go to one process together (`_siblings`), and a process takes the jobs of a seed
    it has computed before where it can (frame_pool)."""
    if not jobs:
        return []
    guess = [estimates.get(job.name) for job in jobs]
    workers = min(len(jobs), pool.size if pool is not None else os.cpu_count() or 1)
    known = [g for g in guess if g is not None]
    about = f", about {max(max(known), sum(known) / workers):.0f} s" if len(known) == len(jobs) else ""
    counts = Counter(job.name for job in jobs)
    log(f"{what}: computing {len(jobs)} ({', '.join(f'{name} {count}' if count > 1 else name for name, count in counts.items())}) "
        f"in {workers} process{'es' if workers > 1 else ''}{about}")
    if workers == 1 and (pool is None or not pool.started):
        return [_unpack(_compute(job)) for job in jobs]
    started = time.perf_counter()
    groups = _siblings(jobs)
    outcomes = [None] * len(jobs)
    done = 0

    def finished(index: int, results: list) -> None:
        nonlocal done
        for i, outcome in zip(groups[index], results):
            outcomes[i], done = outcome, done + 1
            log(f"  {_finished(_label(jobs[i]), outcome)} ({done}/{len(jobs)}, {time.perf_counter() - started:.1f} s)")

    relatives = [((jobs[g[0]].name, jobs[g[0]].module, jobs[g[0]].seed), guess[g[0]], [jobs[i] for i in g]) for g in groups]
    if pool is not None:
        pool.run(_compute_each, relatives, finished)
    else:
        with FramePool(workers) as own:
            own.run(_compute_each, relatives, finished)
    return [_unpack(outcome) for outcome in outcomes]


def _label(job: Job) -> str:
    """The job as an author would find it: the simulator, the controls it sets away from the
    simulator's defaults (long text cut short) and the seed."""
    defaults = bridge.simulator(job.name, job.module).defaults()
    changed = [f"{name}={value if len(str(value)) <= 24 else str(value)[:20] + '…'}"
               for name, value in job.values.items() if defaults.get(name) != value]
    return f"{job.name} ({', '.join(changed + [f'seed {job.seed}'])})"


def _finished(name: str, outcome: tuple) -> str:
    """A job's progress line: what it took, so that an author sees which settings are slow."""
    if outcome[0] != "frame":
        return f"{name}: setting refused"
    return f"{name} drawn from shipped data" if outcome[2] is None else f"{name} done in {outcome[2]:.1f} s"


def _siblings(jobs: list[Job]) -> list[list[int]]:
    """The jobs' indices, grouped by all but their simulator's view-only controls: one process
    computes a group in turn, and the later ones find the work in the simulator's own caches (two
    heads of one gated-attention training) instead of another process training it again."""
    groups: dict[tuple, list[int]] = {}
    for i, job in enumerate(jobs):
        view_only = bridge.simulator(job.name, job.module).view_only
        rest = json.dumps({name: value for name, value in job.values.items() if name not in view_only}, sort_keys=True)
        groups.setdefault((job.name, job.module, job.seed, rest), []).append(i)
    return list(groups.values())


def _compute_each(jobs: list[Job]) -> list:
    return [_compute(job) for job in jobs]


def _compute(job: Job):
    """In a worker process too: return plain data, since a ParamError does not pickle by itself."""
    started = time.perf_counter()
    try:
        shipped = bridge.shipped_frame(job.name, job.values, job.seed, job.module)
        frame = shipped or bridge.frame(job.name, job.values, job.seed, job.module)
    except P.ParamError as error:
        return ("param_error", error.name, error.problem, error.label)
    # A frame drawn from shipped work says nothing of how long computing it takes: no time.
    return ("frame", frame.to_json(), None if shipped else time.perf_counter() - started)


def _unpack(outcome):
    if outcome[0] == "param_error":
        return P.ParamError(*outcome[1:])
    return outcome[1], outcome[2]


def _frame_from_json(payload: str) -> Frame:
    return Frame(**json.loads(payload))


TIMINGS = "timings.json"  # seconds each simulator's last computed frame took: for estimates only


def _timings(cache: DiskCache | None) -> dict[str, float]:
    try:
        return json.loads((cache.folder / TIMINGS).read_text()) if cache is not None else {}
    except (OSError, ValueError):
        return {}


def _content_error(body, spec: dict, error: P.ParamError) -> ContentError:
    if error.name == "seed":
        field = "simulator.seed"
    elif error.name in spec.get("params", {}):
        field = f"simulator.params.{error.name}"
    else:
        field = "simulator.params"
    return ContentError(body.topic.rel_source, body.topic.doc.line_of(field), field, str(error))
