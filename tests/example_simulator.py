"""A minimal simulator that keeps the whole contract, used by the tests to check the path from
front matter to first frame to the browser apart from the seven real simulators. It is also
the shortest example of how to write one: README, "Adding a simulator"."""

from __future__ import annotations

import numpy as np

from simulators.kit import svg
from simulators.kit.contract import Readout
from simulators.kit.params import ParamError

NAME = "example_coins"
TITLE = "Coin flips: the share of heads settles as flips accumulate"
PARAMS = [
    {"name": "flips", "kind": "int", "default": 200, "min": 10, "max": 5000, "step": 10,
     "label": "Flips", "help": "How many coins are flipped."},
    {"name": "p", "kind": "float", "default": 0.5, "min": 0.0, "max": 1.0, "step": 0.05,
     "label": "Chance of heads p", "help": "Each flip lands heads with this chance."},
    {"name": "window", "kind": "int", "default": 10, "min": 1, "max": 100, "step": 1,
     "label": "Window", "help": "Flips per point on the curve; must not exceed the flips."},
]
READOUTS = [Readout("share.heads", "Share of heads", ".1%"), Readout("longest_run", "Longest run of heads", ".0f")]


def run(cfg: dict, seed: int) -> dict:
    if cfg["window"] > cfg["flips"]:
        raise ParamError("window", f"must be at most the number of flips ({cfg['flips']}), got {cfg['window']}")
    heads = np.random.default_rng(seed).random(cfg["flips"]) < cfg["p"]
    running = np.cumsum(heads) / np.arange(1, heads.size + 1)
    runs = np.diff(np.flatnonzero(np.diff(np.r_[0, heads.astype(int), 0])))[::2]
    return {"done": True,
            "share": {"heads": float(heads.mean()), "tails": float(1 - heads.mean())},
            "longest_run": int(runs.max(initial=0)),
            "curve": [[int(i + 1), round(float(running[i]), 5)] for i in range(cfg["window"] - 1, heads.size, cfg["window"])]}


def render(result: dict) -> str:
    # At most svg.PANEL_WIDTH (340) units wide, so that the panel reads on a 360 px phone.
    panel = svg.Panel(56, 34, 264, 200, (0, result["params"]["flips"]), (0, 1))
    body = panel.axes("flips", "share of heads", "Running share of heads")
    body.append(panel.hline(result["params"]["p"], svg.MUTED, 1, "4 3", "p"))
    body.append(panel.polyline([c[0] for c in result["curve"]], [c[1] for c in result["curve"]], svg.PALETTE[0], 2, "", "share"))
    desc = f"{result['params']['flips']} flips with p = {result['params']['p']}: {result['share']['heads']:.1%} heads."
    return svg.panels(TITLE, desc, [svg.panel(280, "Running share of heads", body)])


def table(result: dict) -> dict:
    return {"caption": "Running share of heads", "columns": ["flips", "share of heads"], "rows": result["curve"]}
