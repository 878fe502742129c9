"""In-browser simulators: pure Python + NumPy, the same code under CPython and Pyodide.

Each module exposes PARAMS (the control schema), run(params, seed) -> dict,
render(result) -> SVG string, and optionally steps(params, seed) (partial results for
animation), READOUTS (numbers shown beside the figure) and table(result) (the data behind
the figure). `REGISTRY` maps a name, as written in a topic's front matter, to its module:
it is the only list of simulators.
"""

from __future__ import annotations

from . import diffusion, diversity, gated_attention, passk, superposition, thousand_layer_rl, transductive

REGISTRY = {
    diffusion.NAME: diffusion,
    diversity.NAME: diversity,
    gated_attention.NAME: gated_attention,
    passk.NAME: passk,
    superposition.NAME: superposition,
    thousand_layer_rl.NAME: thousand_layer_rl,
    transductive.NAME: transductive,
}
