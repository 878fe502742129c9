"""The processes that compute a build's frames. They live for the whole build (first frames,
then precomputed frames and experiments) and each keeps its simulators' caches between jobs,
so a job sent where its relatives ran finds their work there: a diffusion setting that changes
only the high-dimensional model reads the 2-D trainings its seed's page setting left (3.6 s
of 3.7 in CPython). Relatives are jobs of one simulator at one seed; settings at other seeds
share no work in any simulator here.

Each slot is an executor of one process, so the scheduler chooses where a job runs: among the
waiting jobs of the lowest rank (the first frames before the rest), a free slot takes the
longest of a seed it has computed before, else the longest one no slot has begun, else the
longest. No slot idles while a job waits, and a job that finishes may add more (a page's
further settings once its first frame has told how long its simulator takes)."""

from __future__ import annotations

import math
import multiprocessing
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

# How many times its usual entries a simulator cache keeps in a build process. The sizes suit a
# reader's browser tab; a build process computes a page's every setting in turn (the largest
# process of a cold build of this site peaked at 412 MB, measured with /usr/bin/time).
BUILD_CACHE_SCALE = 8


def _start_worker() -> None:
    from simulators.kit.cache import keep_more

    keep_more(BUILD_CACHE_SCALE)


class FramePool:
    """`size` worker processes, started on first use; `close` (or `with`) stops them."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._slots: list[ProcessPoolExecutor] = []
        self._seen: list[set] = []  # per slot: the (simulator, module, seed) it has computed

    def __enter__(self) -> "FramePool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for slot in self._slots:
            slot.shutdown(cancel_futures=True)
        self._slots, self._seen = [], []

    @property
    def started(self) -> bool:
        return bool(self._slots)

    def _start(self) -> None:
        context = multiprocessing.get_context("spawn")
        while len(self._slots) < self.size:
            self._slots.append(ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_start_worker))
            self._seen.append(set())

    def run(self, work, groups: list[tuple], on_done, keep_going=lambda: True) -> None:
        """Compute every group: (relatives key, estimated seconds or None, its jobs[, rank]), a
        group's jobs in one process in turn, lower ranks begun first (0 when not given). Calls
        on_done(group index, work(jobs)'s result) as each ends; it may return more groups, which
        wait with the rest (their indices follow). Once keep_going() is false, only groups of
        rank 0 begin (those running end)."""
        self._start()
        every: list[tuple] = []  # the groups given and those added: a group's index is its place here
        waiting: list[int] = []
        running: dict = {}  # future -> (slot, group index)

        def add(new: list[tuple]) -> None:
            start = len(every)
            every.extend(new)
            waiting.extend(range(start, len(every)))
            waiting.sort(key=lambda i: (_rank(every[i]), -(math.inf if every[i][1] is None else every[i][1])))  # stable

        add(groups)
        while waiting or running:
            if not keep_going():
                waiting[:] = [i for i in waiting if _rank(every[i]) == 0]
            for slot in range(len(self._slots)):
                if waiting and slot not in {s for s, _ in running.values()}:
                    pick = self._choose(slot, waiting, every)
                    waiting.remove(pick)
                    self._seen[slot].add(every[pick][0])
                    running[self._slots[slot].submit(work, every[pick][2])] = (slot, pick)
            if not running:
                break
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                _, index = running.pop(future)
                add(on_done(index, future.result()) or [])

    def _choose(self, slot: int, waiting: list[int], groups) -> int:
        rank = _rank(groups[waiting[0]])  # waiting is sorted: the lowest rank waiting
        candidates = [i for i in waiting if _rank(groups[i]) == rank]
        begun = set().union(*self._seen)
        for wanted in (lambda key: key in self._seen[slot], lambda key: key not in begun, lambda key: True):
            for i in candidates:  # longest first
                if wanted(groups[i][0]):
                    return i
        raise AssertionError("unreachable: the last rule takes any group")


def _rank(group: tuple) -> int:
    return group[3] if len(group) > 3 else 0
