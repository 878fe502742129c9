"""Run in a build process (sitegen.frame_pool) by tests: a module of its own, since a test
module's import would run the suite's fixtures' setup in that process."""

from __future__ import annotations

import os


def process_of(jobs: list) -> tuple[int, int]:
    """Which process this is, and how many times its size a simulator cache keeps here."""
    from simulators.kit import cache

    return os.getpid(), cache._SCALE[0]


def names_of(jobs: list) -> list:
    """The jobs as given: which ran, in the order the pool's results come back."""
    return list(jobs)
