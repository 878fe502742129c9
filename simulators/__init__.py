"""In-browser simulators: pure Python + NumPy, the same code under CPython and Pyodide.

    kit/          the shared kit: the contract, params, svg, nn, cache
    bridge.py     the one adapter: validates, runs, returns frame envelopes (build and browser)
    <paper>/      one package per simulator that spans several modules, its figure in figure.py
    <paper>.py    a simulator small enough for one module

`REGISTRY` maps a name, as written in a topic's front matter, to its checked description
(kit.contract.Simulator): it is the only list of simulators. `register` adds one.
"""

from __future__ import annotations

from types import ModuleType

from . import diffusion, diversity, gated_attention, passk, superposition, thousand_layer_rl, transductive
from .kit.contract import ContractError, Simulator, from_module

REGISTRY: dict[str, Simulator] = {}


def register(module: ModuleType) -> Simulator:
    """Check `module` against the contract and add it; a name already taken by another module is an error."""
    simulator = from_module(module)
    taken = REGISTRY.get(simulator.name)
    if taken is not None and taken.module is not module:
        raise ContractError(f"simulator name '{simulator.name}' is taken by module '{taken.module.__name__}'")
    REGISTRY[simulator.name] = simulator
    return simulator


for _module in (diffusion, diversity, gated_attention, passk, superposition, thousand_layer_rl, transductive):
    register(_module)
