"""What simulators ship beside their code, made at build time by their own code before first
frames are rendered: the large files some settings need (their `ASSETS`, such as a model's
weights), then precomputed data (`refresh_build_data`, such as trained agents). Each keeps its
own input hash, so an unchanged one costs nothing."""

from __future__ import annotations

from simulators import REGISTRY
from simulators.kit.assets import AssetError
from simulators.kit.contract import file_of

from .errors import BuildFailed, ContentError
from .vendor import cache_lock


def prepare_assets() -> None:
    """Prepare every simulator's assets; a failure is a build error naming the simulator's file."""
    errors = []
    with cache_lock("simulator-assets"):  # prepared into the shared cache: one process at a time
        for simulator in REGISTRY.values():
            for asset in simulator.assets:
                try:
                    asset.prepare()
                except AssetError as exc:
                    errors.append(ContentError(file_of(simulator.module), 0, f"asset {asset.name}", str(exc)))
    if errors:
        raise BuildFailed(errors)


def refresh(log=print) -> None:
    with cache_lock("shipped-data"):  # a retrain writes into the project: one process at a time
        for simulator in REGISTRY.values():
            if simulator.refresh_build_data is not None:
                simulator.refresh_build_data(log)
