"""In-browser simulators: pure Python + NumPy, the same code under CPython and Pyodide.

    kit/          the shared kit: the contract, params, svg, nn, cache
    bridge.py     the one adapter: validates, runs, returns frame envelopes (build and browser)
    <paper>/      one package per simulator that spans several modules, its figure in figure.py
    <paper>.py    a simulator small enough for one module

`REGISTRY` maps a name, as written in a topic's front matter, to its checked description
(kit.contract.Simulator). Nothing lists the simulators: every module and package in this folder
but `kit` and `bridge` is one (`built_in`), and one that breaks the contract is an error naming
its file and the missing piece. `register` adds a module from elsewhere. The package's own
simulators are imported on the first use of `REGISTRY`, not with the package: the browser's
worker imports the one its page shows (`bridge.simulator` with a module name), which saves it
importing the others before its first run.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from .kit.contract import ContractError, Simulator, from_module

NOT_SIMULATORS = ("kit", "bridge")  # the shared kit and the adapter


def built_in() -> list[str]:
    """The names of the modules and packages in this folder that are simulators, found on disk
    (nothing is imported)."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name not in NOT_SIMULATORS and not m.name.startswith("_"))

_registered: dict[str, Simulator] = {}


def register(module: ModuleType) -> Simulator:
    """Check `module` against the contract and add it; a name already taken by another module is
    an error, and registering a module again returns what it registered the first time."""
    simulator = from_module(module)
    taken = _registered.get(simulator.name)
    if taken is not None and taken.module is module:
        return taken
    if taken is not None:
        raise ContractError(f"simulator name '{simulator.name}' is taken by module '{taken.module.__name__}'")
    _registered[simulator.name] = simulator
    return simulator


def registered(name: str) -> Simulator | None:
    """The simulator `name` if it is registered already, importing nothing."""
    return _registered.get(name)


def __getattr__(attribute: str):
    # PEP 562: `REGISTRY` is made on first use, then is an ordinary module attribute.
    if attribute != "REGISTRY":
        raise AttributeError(f"module {__name__!r} has no attribute {attribute!r}")
    for name in built_in():
        register(importlib.import_module(f"{__name__}.{name}"))
    globals()["REGISTRY"] = _registered
    return _registered
