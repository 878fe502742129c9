"""Mistake-bound game for "Optimal Mistake Bounds for Transductive Online Learning"
(Chase, Hanneke, Moran & Shafer, NeurIPS 2025).

A hypothesis class H over instances 0..n-1 is a list of 0/1 label tuples. Everything here is
exact game-tree search, memoised on the version space (a bitmask over H):
  * Littlestone dimension: depth of the deepest complete mistake tree,
        Ldim(V) = max over splitting x of 1 + min(Ldim(V_x0), Ldim(V_x1));
  * standard online value (adversary picks each instance adaptively):
        V_std(V) = max_x min_yhat max_y [yhat != y] + V_std(V_xy);
  * transductive value (adversary commits to the order of instances in advance, labels
    stay adaptive): V_tr = max over orders of W(H, order), where
        W(V, x.rest) = min_yhat max_y [yhat != y] + W(V_xy, rest).
V_std equals Ldim (Littlestone 1987); the tests check it rather than assume it.
"""

from __future__ import annotations

import itertools
import math
import re
from html import escape

from . import params as P
from . import svg

NAME = "transductive"
TITLE = "The mistake-bound game: standard vs transductive online learning"

MAX_INSTANCES = 10
MAX_HYPOTHESES = 128
MAX_ORDER_INSTANCES = 7  # distinct informative instances; 7! = 5040 orders keeps the search < 1 s
PRESETS = ["thresholds", "intervals", "singletons", "unions_of_intervals", "all_labelings", "mistake_tree",
           "gap_example", "custom"]
# Found by exhaustive search over small classes: Littlestone dimension 3, transductive value 2.
GAP_EXAMPLE = ["00011", "01010", "01100", "01110", "01111", "10001", "10011", "10101"]

PARAMS = [
    {"name": "preset", "kind": "choice", "default": "gap_example", "choices": PRESETS,
     "label": "Hypothesis class", "help": "A classic class, or 'custom' to use the table below."},
    {"name": "n_points", "kind": "int", "default": 7, "min": 1, "max": MAX_INSTANCES, "step": 1,
     "label": "Instances n", "help": "Points on the line (thresholds, intervals, singletons, unions, all labelings)."},
    {"name": "k_intervals", "kind": "int", "default": 2, "min": 1, "max": 4, "step": 1,
     "label": "Intervals k", "help": "For unions of at most k intervals."},
    {"name": "tree_depth", "kind": "int", "default": 3, "min": 1, "max": 3, "step": 1,
     "label": "Mistake-tree depth", "help": "For the class read off a complete mistake tree (2^depth − 1 instances)."},
    {"name": "custom_class", "kind": "text", "default": "0011\n0101\n0110\n1001", "max_length": 2000,
     "label": "Custom class", "help": "One hypothesis per line, its labels as 0s and 1s (e.g. 0110); used when the class is 'custom'."},
    {"name": "setting", "kind": "choice", "default": "transductive", "choices": ["standard", "transductive"],
     "label": "Setting to play", "help": "Standard: the adversary picks each instance as it goes. Transductive: it commits to the order first."},
    {"name": "play_as", "kind": "choice", "default": "learner", "choices": ["learner", "adversary"],
     "label": "You play", "help": "The other side plays optimally."},
    {"name": "moves", "kind": "text", "default": "", "max_length": 400,
     "label": "Moves so far", "help": "Filled in as you click the move buttons in the figure; clear it to start over."},
]


# --- the class ----------------------------------------------------------------------------

def check_class(H) -> list[tuple[int, ...]]:
    """Validate a hypothesis class; raise ValueError naming the problem."""
    H = [tuple(int(v) for v in h) for h in H]
    if not H:
        raise ValueError("the hypothesis class is empty: give at least one hypothesis")
    n = len(H[0])
    for i, h in enumerate(H):
        if len(h) != n:
            raise ValueError(f"hypothesis {i + 1} labels {len(h)} instances but hypothesis 1 labels {n}: every hypothesis must label the same instances")
        if any(v not in (0, 1) for v in h):
            raise ValueError(f"hypothesis {i + 1} has a label other than 0 or 1")
    if n == 0:
        raise ValueError("the hypotheses label no instances")
    if n > MAX_INSTANCES:
        raise ValueError(f"the class has {n} instances: at most {MAX_INSTANCES} keep the exact search fast")
    if len(H) > MAX_HYPOTHESES:
        raise ValueError(f"the class has {len(H)} hypotheses: at most {MAX_HYPOTHESES} keep the exact search fast")
    first = {}
    for i, h in enumerate(H):
        if h in first:
            raise ValueError(f"hypotheses {first[h] + 1} and {i + 1} are the same labelling {''.join(map(str, h))}")
        first[h] = i
    return H


def parse_custom(text: str) -> list[tuple[int, ...]]:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        cleaned = re.sub(r"[\s,]", "", line)
        if not cleaned:
            continue
        if not re.fullmatch(r"[01]+", cleaned):
            raise ValueError(f"parameter 'custom_class' line {number}: {line.strip()[:20]!r} must contain only 0s and 1s")
        rows.append(tuple(int(c) for c in cleaned))
    try:
        return check_class(rows)
    except ValueError as error:
        raise ValueError(f"parameter 'custom_class': {error}") from None


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
            raise ValueError(f"parameter 'n_points' = {n}: all labelings of {n} points are {2**n} hypotheses, at most {MAX_HYPOTHESES} allowed (n ≤ 7)")
        return list(labelings)
    limit = 1 if name == "intervals" else k
    H = [h for h in labelings if _runs_of_ones(h) <= limit]
    if len(H) > MAX_HYPOTHESES:
        raise ValueError(f"parameter 'n_points' = {n}: unions of {limit} intervals on {n} points are {len(H)} hypotheses, "
                         f"at most {MAX_HYPOTHESES} allowed; use fewer points or intervals")
    return H


def _runs_of_ones(h) -> int:
    return sum(1 for i, v in enumerate(h) if v and (i == 0 or not h[i - 1]))


def mistake_tree_class(depth: int) -> list[tuple[int, ...]]:
    """Instances are the 2^depth − 1 nodes of a complete binary tree (heap order); each
    hypothesis follows one root-to-leaf branch, labelling a node 1 where it turns right and
    0 where it turns left, and 0 off its branch."""
    n = 2**depth - 1
    H = []
    for branch in range(2**depth):
        labels, node = [0] * n, 0
        for level in range(depth):
            bit = (branch >> (depth - 1 - level)) & 1
            labels[node] = bit
            node = 2 * node + 1 + bit
        H.append(tuple(labels))
    return H


# --- exact values -------------------------------------------------------------------------

class Game:
    """Version spaces are bitmasks over the hypotheses; every value is memoised on them."""

    def __init__(self, H):
        self.H = check_class(H)
        self.n = len(self.H[0])
        self.full = (1 << len(self.H)) - 1
        self.ones = [sum(1 << i for i, h in enumerate(self.H) if h[x]) for x in range(self.n)]
        self._ldim: dict[int, int] = {}
        self._std: dict[int, int] = {}
        self._w: dict[tuple, int] = {}

    def split(self, V: int, x: int) -> tuple[int, int]:
        """(hypotheses in V labelling x with 0, ... with 1)."""
        return V & ~self.ones[x], V & self.ones[x]

    def splitting(self, V: int) -> list[int]:
        return [x for x in range(self.n) if all(self.split(V, x))]

    def ldim(self, V: int) -> int:
        if V not in self._ldim:
            best, ceiling = 0, int(math.log2(bin(V).count("1")))  # a mistake tree of depth d needs 2^d hypotheses
            for x in self.splitting(V):
                v0, v1 = self.split(V, x)
                best = max(best, 1 + min(self.ldim(v0), self.ldim(v1)))
                if best == ceiling:
                    break
            self._ldim[V] = best
        return self._ldim[V]

    def std(self, V: int) -> int:
        if V not in self._std:
            self._std[V] = max((self.std_after(V, x) for x in self.splitting(V)), default=0)
        return self._std[V]

    def std_after(self, V: int, x: int) -> int:
        """Value once the adversary has shown x: the learner's best prediction against the worse label."""
        v0, v1 = self.split(V, x)
        return min(max(self.std(v0), 1 + self.std(v1)), max(1 + self.std(v0), self.std(v1)))

    def w(self, V: int, order: tuple, t: int = 0) -> int:
        """Transductive value of V with instances order[t:] still to come, labels adaptive."""
        if t == len(order):
            return 0
        key = (V, order[t:])
        if key not in self._w:
            v0, v1 = self.split(V, order[t])
            if not v0 or not v1:  # the label is forced: no mistake is possible here
                value = self.w(V, order, t + 1)
            else:
                a, b = self.w(v0, order, t + 1), self.w(v1, order, t + 1)
                value = min(max(a, 1 + b), max(1 + a, b))
            self._w[key] = value
        return self._w[key]

    def adversary_instance(self, V: int) -> int:
        """The optimal standard adversary's next instance: the split worth most (ties: lowest x)."""
        return max(self.splitting(V), key=lambda z: (self.std_after(V, z), -z))

    def informative_instances(self) -> list[int]:
        """One instance per column up to complement, without constant columns: repeats and
        complements are always forced once their twin is labelled, so they never matter."""
        seen, keep = set(), []
        for x in range(self.n):
            column = self.ones[x]
            if column in (0, self.full) or column in seen:
                continue
            seen.update({column, self.full & ~column})
            keep.append(x)
        return keep

    def transductive(self) -> tuple[int, tuple]:
        """(value, an optimal order of all instances). Exhaustive over orders of the informative
        instances; stops early at Ldim, which no order can beat."""
        informative = self.informative_instances()
        ceiling = self.ldim(self.full)
        # First try the standard adversary's instances level by level: when that order already
        # forces Ldim mistakes (thresholds, trees, all labelings) nothing else needs checking.
        candidate = self.level_order(informative)
        if self.w(self.full, candidate) == ceiling:
            return ceiling, candidate + tuple(x for x in range(self.n) if x not in candidate)
        if len(informative) > MAX_ORDER_INSTANCES:
            raise ValueError(f"the class has {len(informative)} distinct informative instances: the exact search over their "
                             f"orders allows at most {MAX_ORDER_INSTANCES} ({math.factorial(MAX_ORDER_INSTANCES):,} orders)")
        best, best_order = -1, tuple(informative)
        for order in itertools.permutations(informative):
            value = self.w(self.full, order)
            if value > best:
                best, best_order = value, order
                if best == ceiling:
                    break
        rest = tuple(x for x in range(self.n) if x not in best_order)
        return max(best, 0), best_order + rest


    def level_order(self, informative: list[int]) -> tuple:
        """Instances the optimal standard adversary would show, breadth-first over its game tree."""
        order, frontier = [], [self.full]
        while frontier:
            following = []
            for V in frontier:
                if not self.splitting(V):
                    continue
                x = self.adversary_instance(V)
                if x not in order:
                    order.append(x)
                following.extend(part for part in self.split(V, x) if part)
            frontier = following
        column = {self.ones[x]: x for x in informative}
        canonical = [column.get(self.ones[x], column.get(self.full & ~self.ones[x])) for x in order]
        ordered = list(dict.fromkeys(x for x in canonical if x is not None))
        return tuple(ordered + [x for x in informative if x not in ordered])


def littlestone_dimension(H) -> int:
    game = Game(H)
    return game.ldim(game.full)


def standard_value(H) -> int:
    game = Game(H)
    return game.std(game.full)


def transductive_value(H) -> int:
    return Game(H).transductive()[0]


# --- play -----------------------------------------------------------------------------------

def soa_prediction(game: Game, V: int, x: int) -> int:
    """Standard Optimal Algorithm: predict the label whose version space has larger Ldim (ties: 1)."""
    v0, v1 = game.split(V, x)
    return 0 if v0 and (not v1 or game.ldim(v0) > game.ldim(v1)) else 1


def optimal_prediction(game: Game, V: int, x: int, setting: str, order: tuple, t: int) -> int:
    """The minimax learner's prediction (transductive) or SOA's (standard)."""
    if setting == "standard":
        return soa_prediction(game, V, x)
    v0, v1 = game.split(V, x)
    if not v0 or not v1:
        return 1 if v1 else 0
    a, b = game.w(v0, order, t + 1), game.w(v1, order, t + 1)
    cost0, cost1 = max(a, 1 + b), max(1 + a, b)  # worst case if predicting 0, if predicting 1
    return 0 if cost0 < cost1 or (cost0 == cost1 and a > b) else 1


def adversary_label(game: Game, V: int, x: int, guess: int, setting: str, order: tuple, t: int) -> int:
    """The label that maximises mistakes now plus the value of what is left."""
    best, choice = -1, None
    for y, part in enumerate(game.split(V, x)):
        if not part:
            continue
        rest = game.std(part) if setting == "standard" else game.w(part, order, t + 1)
        value = (guess != y) + rest
        if value > best:
            best, choice = value, y
    return choice


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
        where = f"parameter 'moves': move {used} {token!r}"
        if role == "learner":
            if token not in ("0", "1"):
                raise ValueError(f"{where} must be a prediction, 0 or 1")
            guess = int(token)
            x = order[t] if setting == "transductive" else game.adversary_instance(V)
            label = adversary_label(game, V, x, guess, setting, order, t)
        else:
            if setting == "transductive":
                if token not in ("0", "1"):
                    raise ValueError(f"{where} must be a label, 0 or 1")
                x, label = order[t], int(token)
            else:
                match = re.fullmatch(r"(\d+):([01])", token)
                if not match or int(match.group(1)) >= game.n:
                    raise ValueError(f"{where} must be instance:label, e.g. 3:1, with an instance from 0 to {game.n - 1}")
                x, label = int(match.group(1)), int(match.group(2))
            if not game.split(V, x)[label]:
                raise ValueError(f"{where}: no hypothesis left labels instance {x} with {label}")
            guess = optimal_prediction(game, V, x, setting, order, t)
        record(x, guess, label, False)
        t += 1
    if used < len(tokens):
        raise ValueError(f"parameter 'moves': the game ended after move {used}; {len(tokens) - used} extra move(s)")
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

def run(params: dict | None, seed: int = 0) -> dict:
    cfg = P.validate(PARAMS, params)
    seed = P.validate_seed(seed)  # the search is exact; the seed is accepted for the contract
    H = preset_class(cfg)
    source = {"custom": "custom_class", "mistake_tree": "tree_depth", "gap_example": "preset"}.get(cfg["preset"], "n_points")
    try:
        game = Game(H)
        tr_value, order = game.transductive()
    except ValueError as error:
        raise ValueError(f"parameter '{source}' = {cfg[source]!r}: {error}") from None
    ldim = game.ldim(game.full)
    std = game.std(game.full)
    play_order = order if cfg["setting"] == "transductive" else ()
    state = replay(game, cfg, play_order)
    V = state["version_space"]
    mistakes = sum(r["mistake"] for r in state["history"] if not r["forced"])
    return {
        "params": cfg, "seed": seed, "done": True, "phase": "done", "progress": 1.0,
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
    {"key": "littlestone_dimension", "label": "Littlestone dimension d", "format": ".0f"},
    {"key": "standard_value", "label": "Standard online value (= d)", "format": ".0f"},
    {"key": "transductive_value", "label": "Transductive value", "format": ".0f"},
    {"key": "mistakes", "label": "Mistakes in your game so far", "format": ".0f"},
]


def table(result: dict) -> dict:
    alive = set(result["alive"])
    rows = [[i + 1, h, "yes" if i in alive else "no"] for i, h in enumerate(result["hypotheses"])]
    return {"caption": "The hypothesis class (labels of instances 0, 1, … in order) and the current version space",
            "columns": ["hypothesis", "labels", "still consistent"], "rows": rows}


BOUNDS = [
    ("d (standard value)", lambda d: d, svg.PALETTE[0], ""),
    ("(2/3)d (BKM 1997 upper)", lambda d: 2 * d / 3, svg.PALETTE[4], "6 3"),
    ("√d (this paper: Θ(√d) optimal)", lambda d: math.sqrt(d), svg.PALETTE[1], ""),
    ("log₂ d (HMS 2023 lower)", lambda d: math.log2(d), svg.PALETTE[2], "4 3"),
    ("log₂ log₂ d (BKM 1995 lower)", lambda d: math.log2(max(math.log2(d), 1e-9)) if d > 1 else 0.0, svg.PALETTE[3], "2 3"),
]


def render(result: dict) -> str:
    cfg = result["params"]
    body: list[str] = []
    n, hyps, alive = result["n_instances"], result["hypotheses"], set(result["alive"])
    revealed = {r["x"]: r["label"] for r in result["history"]}

    # Panel 1: the class as a table; rows drop out of the version space as labels arrive.
    body.append(svg.text(20, 22, f"Class: {cfg['preset'].replace('_', ' ')}", "start", 13, svg.FG, "600"))
    body.append(svg.text(20, 38, f"{len(hyps)} hypotheses (rows) × {n} instances (columns)", "start", 11, svg.MUTED))
    shown = hyps[:32]
    cell = min(22.0, 200.0 / max(n, 1), 300.0 / max(len(shown), 1))
    x0, y0 = 40, 58
    for x in range(n):
        colour = svg.PALETTE[1] if x in revealed else svg.MUTED
        body.append(svg.text(x0 + (x + 0.5) * cell, y0 - 6, f"{x}", "middle", 10, colour, "600" if x in revealed else "normal"))
    for i, h in enumerate(shown):
        live = i in alive
        for x, v in enumerate(h):
            fill = (svg.PALETTE[0] if v == "1" else "#e8edf3") if live else ("#9fb3c8" if v == "1" else "#f4f6f8")
            body.append(f'<rect x="{x0 + x * cell:.1f}" y="{y0 + i * cell:.1f}" width="{cell - 1:.1f}" height="{cell - 1:.1f}" fill="{fill}" opacity="{1 if live else 0.35}"/>')
        body.append(svg.text(x0 - 6, y0 + (i + 0.75) * cell, f"h{i + 1}", "end", 9, svg.FG if live else svg.MUTED))
    if len(hyps) > len(shown):
        body.append(svg.text(x0, y0 + len(shown) * cell + 14, f"… {len(hyps) - len(shown)} more (see the data table)", "start", 11, svg.MUTED))
    body.append(svg.text(20, 405, "blue = label 1; faded rows are ruled out", "start", 11, svg.MUTED))
    body.append(svg.text(20, 421, f"version space: {len(alive)} of {len(hyps)} hypotheses left", "start", 11, svg.MUTED))

    # Panel 2: the known bounds as functions of d, and this class's exact values.
    d = result["littlestone_dimension"]
    top = max(16, d)
    p2 = svg.Panel(310, 50, 200, 230, (1, top), (0, top))
    body += p2.axes("Littlestone dimension d", "mistakes", "Known bounds vs this class")
    ds = [1 + i * (top - 1) / 60 for i in range(61)]
    for label, f, colour, dash in BOUNDS:
        body.append(p2.polyline(ds, [max(0.0, f(v)) for v in ds], colour, 1.6, dash, label))
    if d >= 1:
        body += p2.points([d], [result["standard_value"]], svg.PALETTE[0], 5, [f"this class: standard value {result['standard_value']}"])
        body += p2.points([d], [result["transductive_value"]], svg.PALETTE[1], 5, [f"this class: transductive value {result['transductive_value']}"])
    body += svg.legend(270, 335, [(c, dash, label) for label, _, c, dash in BOUNDS])
    body.append(f'<circle cx="276" cy="{331 + 16 * len(BOUNDS)}" r="4" fill="{svg.PALETTE[0]}"/>')
    body.append(svg.text(285, 335 + 16 * len(BOUNDS), "this class: standard value", "start", 11, svg.FG))
    body.append(f'<circle cx="436" cy="{331 + 16 * len(BOUNDS)}" r="4" fill="{svg.PALETTE[1]}"/>')
    body.append(svg.text(445, 335 + 16 * len(BOUNDS), "transductive", "start", 11, svg.FG))
    body.append(svg.text(270, 435, "Shapes only: the Ω/O bounds hide their constants.", "start", 10, svg.MUTED))

    # Panel 3: the game.
    gx = 560
    setting, role = cfg["setting"], cfg["play_as"]
    body.append(svg.text(gx, 22, f"Play: {setting} setting, you are the {role}", "start", 13, svg.FG, "600"))
    lines = [f"Exact values: Ldim {d}, standard {result['standard_value']}, transductive {result['transductive_value']}."]
    if setting == "transductive":
        lines.append("The adversary's committed order: " + ", ".join(f"x{x}" for x in result["adversary_sequence"]))
    else:
        lines.append("The adversary picks each next instance as it goes.")
    for i, line in enumerate(lines):
        body.append(svg.text(gx, 50 + 16 * i, line, "start", 11, svg.FG))
    y = 50 + 16 * len(lines) + 10
    for r in result["history"][-9:]:
        note = "forced" if r["forced"] else ("mistake" if r["mistake"] else "correct")
        body.append(svg.text(gx, y, f"x{r['x']}: predicted {r['prediction']}, label {r['label']} ({note})", "start", 11,
                             svg.PALETTE[1] if r["mistake"] else svg.FG))
        y += 15
    y += 8
    nxt = result["next"]
    if result["game_over"]:
        body.append(svg.text(gx, y, f"Game over: {result['mistakes']} mistake(s).", "start", 12, svg.FG, "600"))
        body.append(svg.text(gx, y + 16, f"With optimal play on both sides: {result['value_of_setting']}.", "start", 11, svg.FG))
        body.append(svg.button(gx, y + 26, 110, "new game", "moves", "", "move-new"))
    else:
        if nxt["instance"] is not None:
            who = "the optimal learner would predict" if role == "learner" else "the learner will predict"
            body.append(svg.text(gx, y, f"Instance x{nxt['instance']}: {who} {nxt['hint']}.", "start", 12, svg.FG))
            for j, option in enumerate(nxt["options"]):
                body.append(svg.button(gx + j * 100, y + 10, 90, option["label"], "moves", option["value"], f"move-{j}"))
        else:
            body.append(svg.text(gx, y, "Pick an instance and a label; the learner's", "start", 11, svg.FG))
            body.append(svg.text(gx, y + 14, "prediction for that instance is in brackets.", "start", 11, svg.FG))
            y += 14
            for j, option in enumerate(nxt["options"][:16]):
                row, col = divmod(j, 4)
                label = f"{option['label']} [{nxt['hints'][option['x']]}]"
                body.append(svg.button(gx + col * 82, y + 10 + row * 28, 78, label, "moves", option["value"], f"move-{j}"))
        if result["history"]:
            body.append(svg.button(gx, 410, 110, "new game", "moves", "", "move-new"))

    desc = (f"Class {cfg['preset']} with {len(hyps)} hypotheses on {n} instances: Littlestone dimension {d}, "
            f"standard online value {result['standard_value']}, transductive value {result['transductive_value']}. "
            f"Game in the {setting} setting: {len(result['history'])} rounds, {result['mistakes']} mistakes.")
    return svg.figure(900, 440, TITLE, desc, body)
