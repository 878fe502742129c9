"""Bounded caches for simulators that keep expensive work (trained models, reverse
trajectories) between runs in the same worker, so a view-only change re-reads it."""

from __future__ import annotations

_ALL: list["Recent"] = []  # every cache made, so tests (and a reset) can empty them in one call
_SCALE = [1]  # how many times its size each cache keeps: more in a build process (keep_more)


class Recent(dict):
    """A dict that keeps at most `size` entries, dropping the oldest insertion first."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size
        _ALL.append(self)

    def put(self, key, value):
        if key not in self and len(self) >= self.size * _SCALE[0]:
            del self[next(iter(self))]
        self[key] = value
        return value


def keep_more(factor: int) -> None:
    """Let every cache, made or to be made, keep `factor` times its size: for a build process,
    which computes many settings in turn and has the memory a browser tab lacks."""
    _SCALE[0] = factor


def clear_all() -> None:
    """Empty every simulator cache: the next run computes from scratch."""
    for cache in _ALL:
        cache.clear()
