"""Independent parts of a run, which the browser may compute on other workers.

A simulator whose work splits into pieces that depend only on (cfg, seed) and the piece (the
superposition page's sweep widths) declares them:

    parts(cfg, seed) -> [{"key": text, "cost": share of the whole run's work}, ...]
    part(cfg, seed, key) -> a generator: yields its progress (0..1), returns the part's result (JSON data)

and its `steps` asks for each one where it needs it with `result = yield Need(key)`. A `steps`
that does the other parts' work itself in its own way (side by side, to animate them) first asks
which parts helpers compute with `handed = yield Handed()` (a set of keys; empty in CPython). Whoever
drives `steps` answers: here, in order, by running `part` (so a run is the same code wherever
it runs); in the browser's main worker, from results that helper workers computed and the page
handed in (`Pool.give`). Each part is seeded on its own, so both ways give the same numbers,
bit for bit.

The browser's worker answers the reader only between two steps of a run. A `steps` whose own
work takes long in one go (the diffusion page's trainings, over a second each there) gives it
in pieces: `result = yield from reported(work, last, share)`, where `work` is a generator
that yields the fraction of it done and returns its result, and `last` the frame shown meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Need:
    """Yielded by steps(): the result of part(cfg, seed, key) is needed; it is sent back in."""

    key: str
    phase: str = "computing"


@dataclass(frozen=True)
class Handed:
    """Yielded by steps(): which parts helpers compute; the set of their keys is sent back in."""


class Progress(dict):
    """A result yielded again with only its progress moved (a part computing here): nothing new to draw."""


class PartFailed(RuntimeError):
    """A part a helper was given failed twice; the run stops with this, naming the part."""


@dataclass
class Pool:
    """The parts of one run that helpers compute, and the results they have handed in."""

    delegated: set = field(default_factory=set)
    given: dict = field(default_factory=dict)  # key -> result, or PartFailed
    waiting_for: str | None = None  # the delegated part the run is blocked on, if any
    handed_cost: float = 0.0  # the delegated parts' share of the run's work
    passed_cost: float = 0.0  # the share of it the run has received and gone past

    def take_back(self) -> None:
        """Compute here whatever the helpers have not handed in yet (they were stopped)."""
        self.delegated &= set(self.given)


def plan(parts: list[dict], own_share: float, helpers: int) -> list[str]:
    """The keys to hand to `helpers` workers: the last parts in the run's order, as many as
    balance the load (the worker running the run keeps its own work `own_share` and the parts it
    reaches first, so it seldom waits; the helpers share the rest, taking them in order)."""
    if helpers <= 0 or not parts:
        return []
    costs = [item["cost"] for item in parts]

    def longest(split: int) -> float:  # the busiest worker's work if the parts from `split` on are handed out
        return max(own_share + sum(costs[:split]), sum(costs[split:]) / helpers, max(costs[split:], default=0.0))

    split = min(range(len(parts) + 1), key=lambda k: (longest(k), -k))
    return [item["key"] for item in parts[split:]]


def drive(steps, part, costs: dict, pool: Pool | None):
    """The results of `steps`, answering its Needs: from `pool` for a delegated part (yielding the
    last result again while it has not arrived, with pool.waiting_for set), else by running
    `part(key)` here, reporting its progress as its cost's share of the run."""
    last: dict = {"done": False, "progress": 0.0}
    answer = None
    while True:
        try:
            item = steps.send(answer)
        except StopIteration:
            return
        answer = None
        if isinstance(item, Handed):
            answer = set(pool.delegated) if pool is not None else set()
            continue
        if not isinstance(item, Need):
            last = item
            yield item
            continue
        if pool is not None and item.key in pool.delegated:
            while item.key not in pool.given:
                pool.waiting_for = item.key
                yield Progress(last)
            pool.waiting_for = None
            pool.passed_cost += costs.get(item.key, 0.0)
            answer = pool.given[item.key]
            if isinstance(answer, PartFailed):
                raise answer
            continue
        answer = yield from reported(part(item.key), last, costs.get(item.key, 0.0), phase=item.phase)


def reported(work, last: dict, share: float, phase: str = "computing"):
    """Run `work` (a generator that yields the fraction of it done and returns its result) as
    `share` of a run whose last result is `last`: yields `last` again with the run's progress
    moved at each of work's yields (between two of them the browser's worker answers the
    reader), and returns work's result."""
    base = float(last.get("progress", 0.0))
    while True:
        try:
            fraction = next(work)
        except StopIteration as finished:
            return finished.value
        yield Progress(last, progress=base + share * fraction, phase=phase)


def result_of(work):
    """What a generator returns, its yields ignored."""
    while True:
        try:
            next(work)
        except StopIteration as finished:
            return finished.value


def run_part(part, key: str) -> dict:
    """A part's result, its progress ignored (a helper worker, the tests)."""
    return result_of(part(key))
