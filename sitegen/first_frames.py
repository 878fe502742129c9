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


@dataclass(frozen=True)
class Computed:
    """What `compute` gives: each page's simulator with its frames, by page slug; the errors a
    simulator's own checks raised at a page's setting; and per setting of `along` (in its pages'
    order), its frame or the ParamError its values raised."""

    pages: dict[str, PageSimulator]
    errors: list[ContentError]
    along: list


def compute(bodies, cache: DiskCache | None, log=print, along: dict[str, list[Setting]] | None = None,
            pool: FramePool | None = None, precomputing: bool = True) -> Computed:
    """Each page's simulator with its first frame and, when `precomputing`, the frames of its GRID
    and (if its simulator is slow: its first frame took PRECOMPUTE_ABOVE_S or more; or if it ships
    its results) of its one-click settings, and of the settings `along` holds for it (its
    experiments', by page slug). A frame comes from the cache when its key is there, else it is
    computed and stored, all in one run of `pool`'s processes: a page's further settings begin as
    soon as its first frame is done (its time known, its setting valid), so no phase waits for
    another's slowest job. After a first frame the simulator refuses, only first frames begin
    (each refusal is reported), and the build stops with them."""
    timings = _timings(cache)
    showing: dict[str, tuple[Setting, list[str]]] = {}  # frame key -> (setting, the slugs of the pages asking)
    for slug, body in bodies.items():
        if body.simulator is not None:
            setting = Setting(body.simulator.simulator, body.simulator.values, body.simulator.seed)
            showing.setdefault(setting.key, (setting, []))[1].append(slug)
    extra: dict[str, tuple[Setting, list[str]]] = {}  # frame key -> (setting, the slugs of the pages shipping it)
    along = along or {}
    along_keys = {slug: [setting.key for setting in settings] for slug, settings in along.items()}  # once: a key hashes files as they are now
    out: dict = {}  # frame key -> Frame, or the ParamError its setting raised
    queued: dict[str, Setting] = {}  # frame key -> setting, for the jobs given to compute_frames
    keys: list[str] = []  # per job given to compute_frames, in order: its frame key

    def jobs_for(settings: list[tuple[str, Setting]]) -> list[Job]:
        """Jobs for the settings neither computed, cached nor on their way."""
        jobs = []
        for key, setting in settings:
            if key in out or key in queued:
                continue
            hit = cache.get(key) if cache is not None else None
            if hit is not None:
                out[key] = _frame_from_json(hit[0])
            else:
                queued[key] = setting
                keys.append(key)
                jobs.append(Job(setting.simulator.name, setting.simulator.external_module, setting.values, setting.seed))
        return jobs

    def further(key: str) -> list[Job]:
        """The jobs of the pages showing the first frame `key`, beyond it (its timing is known):
        their shipped settings, then their experiments (begun only after the page's own setting
        proved valid: a refused one starts none)."""
        found = []
        for slug in showing[key][1]:
            for setting in _further_settings(bodies[slug].simulator, timings):
                slugs = extra.setdefault(setting.key, (setting, []))[1]
                if slug not in slugs:
                    slugs.append(slug)
                found.append((setting.key, setting))
            found += zip(along_keys.get(slug, []), along.get(slug, []))
        return jobs_for(found)

    refused = False

    def then(index: int, outcome) -> list[Job] | None:
        nonlocal refused
        key = keys[index]
        setting = queued[key]
        if isinstance(outcome, P.ParamError):
            out[key] = outcome
            refused = refused or key in showing
        else:
            payload, seconds = outcome
            if key in showing and seconds is not None:
                timings[setting.simulator.name] = round(seconds, 2)
            if cache is not None:
                cache.put(key, payload, simulator=setting.simulator.name)
            out[key] = _frame_from_json(payload)
        if refused:
            return None
        return further(key) if precomputing and key in showing else []

    first = jobs_for([(key, setting) for key, (setting, _) in showing.items()])
    later = []
    if precomputing:
        for key in showing:
            if isinstance(out.get(key), Frame):  # from the cache: its timing is known already
                later += further(key)
    compute_frames(first, timings, log, "first frames" if first else "precomputed frames and experiments", pool, later, then)
    _save_timings(cache, timings)

    shown, errors = {}, []
    for key, (setting, slugs) in showing.items():
        for slug in slugs:
            body, outcome = bodies[slug], out.get(key)
            if isinstance(outcome, P.ParamError):  # a check between controls, made by the simulator itself
                errors.append(_content_error(body, body.topic.meta["simulator"], outcome))
            elif outcome is not None:  # None: not begun after another page's setting was refused
                shown[slug] = replace(body.simulator, frame=outcome)
    if errors:
        return Computed(shown, errors, [])
    shipped: dict[str, list] = {}
    for key, (setting, slugs) in extra.items():
        if isinstance(out[key], Frame):  # a setting the simulator rejects is simply not offered
            for slug in slugs:
                shipped.setdefault(slug, []).append((setting.values, setting.seed, out[key]))
    pages = {slug: page.with_precomputed(shipped.get(slug, [])) for slug, page in shown.items()}
    return Computed(pages, [], [out[key] for keys_of_page in along_keys.values() for key in keys_of_page] if precomputing else [])


def _further_settings(page: PageSimulator, timings: dict) -> list[Setting]:
    """The settings a page ships beside its own: its GRID's, and its one-click ones if its
    simulator is slow or ships its results (a pair the simulator refuses is left out)."""
    wanted = grid_settings(page.simulator.grid, page.values, page.seed)
    if timings.get(page.name, 0.0) >= PRECOMPUTE_ABOVE_S or page.simulator.shipped_result is not None:
        wanted += [(values, page.seed) for values in one_click_settings(page.simulator.params, page.values)]
    own = frame_key(page.simulator, page.values, page.seed)
    found = []
    for values, seed in wanted:
        try:  # the page's settings merged with a grid's values
            setting = Setting(page.simulator, P.validate(page.simulator.params, values), seed)
        except P.ParamError:
            continue
        if setting.key != own:
            found.append(setting)
    return found


def _save_timings(cache: DiskCache | None, timings: dict) -> None:
    if cache is not None and timings:
        cache.folder.mkdir(parents=True, exist_ok=True)
        # Atomically: a build reading half a file (in another process) would not know which
        # simulators are slow, and would ship none of their one-click frames.
        write_atomically(cache.folder / TIMINGS, json.dumps(timings, indent=1, sort_keys=True))


@dataclass(frozen=True)
class Job:
    name: str
    module: str | None  # where to import a simulator registered outside the package
    values: dict
    seed: int


def compute_frames(jobs: list[Job], estimates: dict[str, float], log=print, what: str = "first frames",
                   pool: FramePool | None = None, later: list[Job] = (), then=None) -> list:
    """Run each job's simulator; return, per job, (frame JSON, seconds) or the ParamError it
    raised: the jobs, then `later`, then those `then` added, in order. `later` jobs begin once
    every one of `jobs` has. then(index, outcome), called as each ends, may return more jobs, or
    None: then only `jobs` still begin, and a later job not begun has no outcome (None).

    One job runs here unless `pool` has begun; several run in its processes (or in a pool for
    this call alone), BLAS pinned to one thread in each through the environment they inherit,
    the slowest first so the processes finish together: a simulator with no timing yet (one
    whose first frame came from shipped data) counts as slowest. Jobs that differ only in
    view-only controls go to one process together (`_siblings`), and a process takes the jobs
    of a seed it has computed before where it can (frame_pool)."""
    every = [*jobs, *later]
    if not every:
        return []
    size = pool.size if pool is not None else os.cpu_count() or 1
    workers = min(len(every), size)
    log(f"{what}: computing {_counted(jobs or later)} in {workers} process{'es' if workers > 1 else ''}{_about(jobs or later, estimates, workers)}")
    if jobs and later:
        log(f"  then {_counted(later)}")
    outcomes: list = [None] * len(every)
    ranks = [0] * len(jobs) + [1] * len(later)
    started, done, stopped = time.perf_counter(), 0, False

    def finished(i: int, outcome) -> list[int]:
        """Keep job i's outcome; the indices of the jobs `then` adds after it."""
        nonlocal done, stopped
        outcomes[i], done = outcome, done + 1
        log(f"  {_finished(_label(every[i]), outcome)} ({done}/{len(every)}, {time.perf_counter() - started:.1f} s)")
        more = then(i, _unpack(outcome)) if then is not None else []
        stopped = stopped or more is None
        if stopped:
            return []
        if more:
            log(f"  then {_counted(more)}")
        every.extend(more)
        outcomes.extend([None] * len(more))
        ranks.extend([1] * len(more))
        return list(range(len(every) - len(more), len(every)))

    todo = list(range(len(every)))
    while todo:
        if (len(todo) == 1 or size == 1) and (pool is None or not pool.started):  # no processes to start for one job
            todo = todo[1:] + finished(todo[0], _compute(every[todo[0]]))
            todo = [i for i in todo if ranks[i] == 0 or not stopped]
            continue
        groups: list[list[int]] = []

        def grouped(indices: list[int]) -> list[tuple]:
            """The pool's groups of these jobs: siblings together (`_siblings`), each keyed by its relatives."""
            found = [[indices[k] for k in group] for group in _siblings([every[i] for i in indices])]
            groups.extend(found)
            return [((every[g[0]].name, every[g[0]].module, every[g[0]].seed), estimates.get(every[g[0]].name),
                     [every[i] for i in g], ranks[g[0]]) for g in found]

        def group_done(index: int, results: list) -> list[tuple]:
            added = [i for job, outcome in zip(groups[index], results) for i in finished(job, outcome)]
            return grouped(added)

        keep_going = lambda: not stopped  # noqa: E731
        if pool is not None:
            pool.run(_compute_each, grouped(todo), group_done, keep_going)
        else:
            with FramePool(min(len(todo), size)) as own:
                own.run(_compute_each, grouped(todo), group_done, keep_going)
        todo = []
    return [None if outcome is None else _unpack(outcome) for outcome in outcomes]


def _counted(jobs: list[Job]) -> str:
    counts = Counter(job.name for job in jobs)
    return f"{len(jobs)} ({', '.join(f'{name} {count}' if count > 1 else name for name, count in counts.items())})"


def _about(jobs: list[Job], estimates: dict[str, float], workers: int) -> str:
    known = [estimates[job.name] for job in jobs if job.name in estimates]
    return f", about {max(max(known), sum(known) / workers):.0f} s" if known and len(known) == len(jobs) else ""


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
