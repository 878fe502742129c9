"""Mistake-bound game for "Optimal Mistake Bounds for Transductive Online Learning"
(Chase, Hanneke, Moran & Shafer, NeurIPS 2025).

The exact search is in `game`, the figure in `figure`; this module turns the reader's
settings into a class, replays the moves played so far, and reports the exact values.
"""

from __future__ import annotations

import itertools
import re

from ..kit.contract import Readout
from ..kit.params import ParamError
from .figure import TITLE, render  # noqa: F401  (the contract's TITLE and render)
from .game import (MAX_HYPOTHESES, MAX_INSTANCES, Game, runs_of_ones, adversary_label, check_class,
                   mistake_tree_class, optimal_prediction, soa_prediction)

NAME = "transductive"
PRESETS = ["thresholds", "intervals", "singletons", "unions_of_intervals", "all_labelings", "mistake_tree",
           "gap_example", "custom"]
# Found by exhaustive search over small classes: Littlestone dimension 3, transductive value 2.
GAP_EXAMPLE = ["00011", "01010", "01100", "01110", "01111", "10001", "10011", "10101"]

PARAMS = [
    {"name": "preset", "kind": "choice", "default": "gap_example", "choices": PRESETS,
     "label": "Hypothesis class", "help": "A classic class, or 'custom' to use the table below."},
    {"name": "n_points", "kind": "int", "default": 7, "min": 1, "max": MAX_INSTANCES, "step": 1,
     "used_when": {"preset": ["thresholds", "intervals", "singletons", "unions_of_intervals", "all_labelings"]},
     "label": "Instances n", "help": "Points on the line."},
    {"name": "k_intervals", "kind": "int", "default": 2, "min": 1, "max": 4, "step": 1,
     "used_when": {"preset": ["unions_of_intervals"]},
     "label": "Intervals k", "help": "For unions of at most k intervals."},
    {"name": "tree_depth", "kind": "int", "default": 3, "min": 1, "max": 3, "step": 1, "used_when": {"preset": ["mistake_tree"]},
     "label": "Mistake-tree depth", "help": "For the class read off a complete mistake tree (2ᵈ − 1 instances at depth d)."},
    {"name": "custom_class", "kind": "text", "default": "0011\n0101\n0110\n1001", "max_length": 2000,
     "used_when": {"preset": ["custom"]},
     "label": "Custom class", "help": "One hypothesis per line, its labels as 0s and 1s (e.g. 0110)."},
    {"name": "setting", "kind": "choice", "default": "transductive", "choices": ["standard", "transductive"],
     "label": "Setting to play", "help": "Standard: the adversary picks each instance as it goes. Transductive: it commits to the order first."},
    {"name": "play_as", "kind": "choice", "default": "learner", "choices": ["learner", "adversary"],
     "label": "You play", "help": "The other side plays optimally."},
    {"name": "moves", "kind": "text", "default": "", "max_length": 400,
     "label": "Moves so far", "help": "Filled in as you click the move buttons in the figure; clear it to start over."},
]
# Small in-range settings that run in well under a second: what the contract tests use.
CHEAP_PARAMS = {"n_points": 5, "preset": "thresholds"}


def parse_custom(text: str) -> list[tuple[int, ...]]:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        cleaned = re.sub(r"[\s,]", "", line)
        if not cleaned:
            continue
        if not re.fullmatch(r"[01]+", cleaned):
            raise ParamError("custom_class", f": line {number} must contain only 0s and 1s, got {line.strip()[:20]!r}")
        rows.append(tuple(int(c) for c in cleaned))
    try:
        return check_class(rows)
    except ValueError as error:
        raise ParamError("custom_class", f": {error}") from None


def preset_class(cfg: dict) -> list[tuple[int, ...]]:
    name, n, k = cfg["preset"], cfg["n_points"], cfg["k_intervals"]
    if name == "custom":
        return parse_custom(cfg["custom_class"])
    if name == "gap_example":
        return [tuple(int(c) for c in h) for h in GAP_EXAMPLE]
    if name == "thresholds":
        return [tuple(int(x >= t) for x in range(n)) for t in range(n + 1)]
    if name == "singletons":
        return [tuple(int(x == i) for x in range(n)) for i in range(n)]
    if name == "mistake_tree":
        return mistake_tree_class(cfg["tree_depth"])
    labelings = itertools.product((0, 1), repeat=n)
    if name == "all_labelings":
        if 2**n > MAX_HYPOTHESES:
            raise ParamError("n_points", f"must be at most 7 for all labelings ({2**n} hypotheses; at most {MAX_HYPOTHESES} allowed), got {n}")
        return list(labelings)
    limit = 1 if name == "intervals" else k
    H = [h for h in labelings if runs_of_ones(h) <= limit]
    if len(H) > MAX_HYPOTHESES:
        raise ParamError("n_points", f"= {n} gives {len(H)} hypotheses for unions of {limit} interval(s), at most "
                                     f"{MAX_HYPOTHESES} allowed; use fewer points or intervals")
    return H


def replay(game: Game, cfg: dict, order: tuple) -> dict:
    """Replay the reader's moves against the optimal opponent; return the history and what comes next."""
    setting, role = cfg["setting"], cfg["play_as"]
    tokens = [m.strip() for m in cfg["moves"].split(",") if m.strip()]
    V, t, history, used = game.full, 0, [], 0

    def record(x, guess, label, forced):
        nonlocal V
        history.append({"x": x, "prediction": guess, "label": label, "mistake": guess != label, "forced": forced})
        V = game.split(V, x)[label]

    while True:
        if setting == "transductive":
            # Forced labels play themselves: only instances that split V need a move.
            while t < len(order) and not all(game.split(V, order[t])):
                x = order[t]
                label = 1 if game.split(V, x)[1] else 0
                record(x, label, label, True)
                t += 1
            if t == len(order):
                break
        elif not game.splitting(V):
            break
        if used == len(tokens):
            break
        token, used = tokens[used], used + 1
        where = f": move {used} {token!r}"
        if role == "learner":
            if token not in ("0", "1"):
                raise ParamError("moves", f"{where} must be a prediction, 0 or 1")
            guess = int(token)
            x = order[t] if setting == "transductive" else game.adversary_instance(V)
            label = adversary_label(game, V, x, guess, setting, order, t)
        else:
            if setting == "transductive":
                if token not in ("0", "1"):
                    raise ParamError("moves", f"{where} must be a label, 0 or 1")
                x, label = order[t], int(token)
            else:
                match = re.fullmatch(r"(\d+):([01])", token)
                if not match or int(match.group(1)) >= game.n:
                    raise ParamError("moves", f"{where} must be instance:label, e.g. 3:1, with an instance from 0 to {game.n - 1}")
                x, label = int(match.group(1)), int(match.group(2))
            if not game.split(V, x)[label]:
                raise ParamError("moves", f"{where}: no hypothesis left labels instance {x} with {label}")
            guess = optimal_prediction(game, V, x, setting, order, t)
        record(x, guess, label, False)
        t += 1
    if used < len(tokens):
        raise ParamError("moves", f": the game ended after move {used}; {len(tokens) - used} extra move(s)")
    over = (t == len(order)) if setting == "transductive" else not game.splitting(V)
    return {"history": history, "version_space": V, "over": over, "t": t}


def next_moves(game: Game, cfg: dict, order: tuple, state: dict) -> dict:
    """What the reader can click next, and what the optimal players would do."""
    if state["over"]:
        return {"instance": None, "options": []}
    V, t, setting = state["version_space"], state["t"], cfg["setting"]
    prefix = cfg["moves"].strip().strip(",")
    join = (prefix + ",") if prefix else ""
    if cfg["play_as"] == "learner":
        x = order[t] if setting == "transductive" else game.adversary_instance(V)
        hint = optimal_prediction(game, V, x, setting, order, t)
        return {"instance": x, "hint": hint,
                "options": [{"label": f"predict {y}", "value": join + str(y)} for y in (0, 1)]}
    if setting == "transductive":
        x = order[t]
        return {"instance": x, "hint": optimal_prediction(game, V, x, setting, order, t),
                "options": [{"label": f"label {y}", "value": join + str(y)} for y in (0, 1)]}
    options = [{"label": f"x{x} → {y}", "value": f"{join}{x}:{y}", "x": x}
               for x in game.splitting(V) for y in (0, 1)]
    hints = {x: soa_prediction(game, V, x) for x in game.splitting(V)}
    return {"instance": None, "hints": hints, "options": options}


# --- the simulator contract ---------------------------------------------------------------

def run(cfg: dict, seed: int) -> dict:
    # The search is exact: the seed is accepted for the contract and changes nothing.
    H = preset_class(cfg)
    source = {"custom": "custom_class", "mistake_tree": "tree_depth", "gap_example": "preset"}.get(cfg["preset"], "n_points")
    try:
        game = Game(H)
        tr_value, order = game.transductive()
    except ValueError as error:
        raise ParamError(source, f": {error}") from None
    ldim = game.ldim(game.full)
    std = game.std(game.full)
    play_order = order if cfg["setting"] == "transductive" else ()
    state = replay(game, cfg, play_order)
    V = state["version_space"]
    mistakes = sum(r["mistake"] for r in state["history"] if not r["forced"])
    return {
        "done": True, "phase": "done", "progress": 1.0,
        "hypotheses": ["".join(map(str, h)) for h in game.H],
        "n_instances": game.n, "n_hypotheses": len(game.H),
        "littlestone_dimension": ldim, "standard_value": std, "transductive_value": tr_value,
        "adversary_sequence": list(order),
        "informative_instances": game.informative_instances(),
        "history": state["history"],
        "alive": [i for i in range(len(game.H)) if V >> i & 1],
        "game_over": state["over"],
        "mistakes": mistakes,
        "value_of_setting": std if cfg["setting"] == "standard" else tr_value,
        "next": next_moves(game, cfg, play_order, state),
    }


READOUTS = [
    Readout("littlestone_dimension", "Littlestone dimension d", ".0f"),
    Readout("standard_value", "Standard online value (= d)", ".0f"),
    Readout("transductive_value", "Transductive value", ".0f"),
    Readout("mistakes", "Mistakes in your game so far", ".0f"),
]


def table(result: dict) -> dict:
    alive = set(result["alive"])
    rows = [[i + 1, h, "yes" if i in alive else "no"] for i, h in enumerate(result["hypotheses"])]
    return {"caption": "The hypothesis class (labels of instances 0, 1, … in order) and the current version space",
            "columns": ["hypothesis", "labels", "still consistent"], "rows": rows}
