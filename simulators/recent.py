"""A small bounded cache for simulators that keep expensive work (trained models, reverse
trajectories) between runs in the same worker, so a view-only change re-reads it."""

from __future__ import annotations


class Recent(dict):
    """A dict that keeps at most `size` entries, dropping the oldest insertion first."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def put(self, key, value):
        if key not in self and len(self) >= self.size:
            del self[next(iter(self))]
        self[key] = value
        return value
