"""Shared helper for simulators that animate: `run` is the last frame of `steps`."""

from __future__ import annotations


def last_frame(steps, params: dict | None, seed) -> dict:
    """Drive a `steps(params, seed)` generator to its end and return its final result."""
    final = None
    for final in steps(params, seed):
        pass
    return final
