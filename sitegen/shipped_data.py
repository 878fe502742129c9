"""Data that simulators ship, precomputed at build time by their own code (the RL depth sweep):
brought up to date before first frames are rendered. Each simulator keeps its own input hash,
so an unchanged one costs nothing."""

from __future__ import annotations

from simulators import REGISTRY


def refresh(log=print) -> None:
    for simulator in REGISTRY.values():
        if simulator.refresh_build_data is not None:
            simulator.refresh_build_data(log)
