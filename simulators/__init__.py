"""In-browser simulators: pure Python + NumPy, the same code under CPython and Pyodide.

`REGISTRY` maps a simulator's name (as written in a topic's front matter) to its
module. It is the only list of simulators.
"""

from __future__ import annotations

REGISTRY: dict = {}
