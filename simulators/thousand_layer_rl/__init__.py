"""Goal-reaching with contrastive RL and network depth, for the 1000-Layer RL page.

Agents of a chosen depth learn a goal-conditioned critic from hindsight goals (no reward), on
random walks and then on their own trajectories, and act greedily by it (training.py). The
reader sees the critic's view of the maze (how close each cell looks to the goal), the agent's
path, success by goal distance against a random walk on the same start/goal pairs, and a sweep
over depth: shipped from build time up to 64 layers (sweep.py), or trained live on request.
"""

from __future__ import annotations

import numpy as np

from ..kit.cache import Recent
from ..kit.contract import Readout
from ..kit.params import ParamError
from . import crl as C
from . import maze as M
from . import sweep as shipped_sweep
from . import training as T
from .figure import TITLE, render  # noqa: F401  (the contract's TITLE and render)
from .training import SWEEP_DEPTHS

NAME = "thousand_layer_rl"

# Controls that re-read cached work (trained models, reverse runs): the worker warms them up.
VIEW_ONLY = ("start", "goal")

PARAMS = [
    {"name": "maze", "kind": "choice", "default": "u-maze", "choices": [*M.PRESETS, "random"],
     "label": "Maze", "help": "Presets from an open room to a long zigzag; 'random' carves a 9x9 maze from the maze seed."},
    {"name": "maze_seed", "kind": "int", "default": 0, "min": 0, "max": 999, "step": 1, "used_when": {"maze": ["random"]},
     "label": "Maze seed", "help": "Which random maze."},
    {"name": "depth", "kind": "int", "default": 4, "min": 1, "max": 64, "step": 1, "values": [1, 2, 4, 8, 16, 32, 64],
     "label": "Depth (layers)", "help": "Dense layers inside the residual blocks (4 per block), as the paper counts them; "
                                         "in powers of two, as the paper sweeps depth."},
    {"name": "width", "kind": "int", "default": 32, "min": 16, "max": 64, "step": 16, "values": [16, 32, 48, 64],
     "label": "Width", "help": "Units per layer."},
    {"name": "train_steps", "kind": "int", "default": 4000, "min": 100, "max": 8000, "step": 100,
     "values": [100, 200, 400, 1000, 2000, 4000, 8000],
     "label": "Training steps", "help": f"Adam steps on batches of {T.BATCH} hindsight pairs; the agent collects "
                                        f"{T.COLLECTED} trajectories of its own {T.ROUNDS} times along the way."},
    {"name": "residual", "kind": "bool", "default": True,
     "label": "Residual connections", "help": "Turn off to see a deep plain stack (Dense, LayerNorm, Swish only) train worse."},
    {"name": "start", "kind": "text", "default": "auto", "max_length": 7,
     "label": "Start cell (row,col)", "help": "'auto' picks a pair half as far apart as the maze allows; rows and columns count from 0."},
    {"name": "goal", "kind": "text", "default": "auto", "max_length": 7,
     "label": "Goal cell (row,col)", "help": "The goal shown in the critic's view and the rollout."},
    {"name": "sweep", "kind": "bool", "default": False,
     "label": f"Live depth sweep ({', '.join(map(str, SWEEP_DEPTHS))})",
     "help": "Also train one agent per depth here, at your settings (at settings other than the page's own, the page first says how long that will take and waits for Run). The presets come with a sweep to 64 layers computed at build time."},
]
# Small in-range settings that run in about 2 s in CPython: what the contract tests use. The sweep
# stays off: drawn on by the contract's property test, it trained seven agents (26-47 s in CPython).
CHEAP_PARAMS = {"maze": "open room", "train_steps": 100, "depth": 2, "sweep": False}

_AGENTS = Recent(6)  # training setting -> (agent, curves, evaluation): moving start/goal re-reads it
_SETTINGS = Recent(4)  # (maze rows, seed) -> training.Setting


def refresh_build_data(log=print) -> None:
    """Called by the site build before first frames: retrain the shipped sweep if its inputs changed."""
    shipped_sweep.ensure(log)
    shipped_sweep.ensure_neighbours(log)
    shipped_sweep.ensure_page_agent(log)


def WARM_UP(cfg: dict, seed: int) -> bool:  # noqa: N802 (the contract's name)
    """The page warms its agent's caches for start and goal changes only where the agent's
    weights are not shipped (shipped_sweep.PAGE_AGENT): there a change restores them instead."""
    return shipped_sweep.page_agent_weights(cfg, cfg["depth"], seed) is None


# The settings the page teaches, shipped as frames: every depth of the shipped sweep at each of its
# seeds on both of its mazes. Their agents are the sweep's own (shipped_result), so the build
# trains none of them again.
GRID = {"maze": shipped_sweep.SETTINGS["mazes"], "depth": shipped_sweep.SETTINGS["depths"], "seed": shipped_sweep.SETTINGS["seeds"]}


def shipped_result(cfg: dict, seed: int) -> dict | None:
    """The final result of a setting whose agents the shipped sweep all trained (the chosen one
    and, with `sweep`, each live sweep depth), at the automatic start and goal: drawn from their
    stored views and evaluations, no training. None for any other setting (the build computes it)."""
    depths = dict.fromkeys([cfg["depth"], *(SWEEP_DEPTHS if cfg["sweep"] else ())])
    agents = {d: _shipped_agent(cfg, seed, d) for d in depths}
    if (cfg["start"], cfg["goal"]) != ("auto", "auto") or None in agents.values():
        return None
    _, _, _, base = _setting(cfg, seed)
    chosen = agents[cfg["depth"]]
    frame = _with_shipped_sweep({**base, **chosen["view"], **chosen["metrics"]}, cfg)
    if cfg["sweep"]:
        frame = _with_live_sweep(frame, cfg, {d: a["metrics"] for d, a in agents.items()})
    return {**frame, "done": True, "progress": 1.0}


def build_maze(cfg: dict) -> M.Maze:
    return shipped_sweep.build_maze(cfg["maze"], cfg["maze_seed"])


def parse_cell(text: str, name: str, maze: M.Maze, fallback: int) -> int:
    if text.strip() == "auto":
        return fallback
    parts = text.split(",")
    if len(parts) != 2 or not all(p.strip().lstrip("-").isdigit() for p in parts):
        raise ParamError(name, f"must be a cell as row,col (for example 0,3) or auto, got {text!r}")
    try:
        return maze.check_cell((int(parts[0]), int(parts[1])), "cell")
    except ValueError as error:
        raise ParamError(name, f"must be a floor cell of the maze: {error}") from None


def _key(cfg: dict, seed: int, depth: int) -> tuple:
    return (cfg["maze"], cfg["maze_seed"], cfg["width"], cfg["train_steps"], cfg["residual"], seed, depth)


def _setting(cfg: dict, seed: int) -> tuple[T.Setting, int, int, dict]:
    """The maze's data, pairs and baseline (kept: they do not change when the goal moves), the
    start and goal cells, and the part of a result that does not depend on the agent."""
    maze = build_maze(cfg)
    setting_key = (tuple(maze.rows), seed)
    if setting_key not in _SETTINGS:
        _SETTINGS.put(setting_key, T.Setting(maze, seed))
    setting = _SETTINGS[setting_key]
    auto_start, auto_goal = setting.auto_pair()
    start = parse_cell(cfg["start"], "start", maze, auto_start)
    goal = parse_cell(cfg["goal"], "goal", maze, auto_goal)
    if setting.dist[start, goal] < 0:
        raise ParamError("goal", f"must be reachable from the start {maze.free[start]} in maze '{maze.name}', got {maze.free[goal]}")
    base = {"maze_rows": maze.rows, "start": list(maze.free[start]), "goal": list(maze.free[goal]),
            "shortest": int(setting.dist[start, goal]), "horizon": setting.horizon, "pairs": len(setting.starts),
            "distance_bands": setting.band_labels(),
            "baseline_success_rate": setting.baseline["success_rate"], "baseline_time_at_goal": setting.baseline["time_at_goal"],
            "baseline_success_by_distance": setting.baseline["success_by_distance"]}
    return setting, start, goal, base


def _with_shipped_sweep(frame: dict, cfg: dict) -> dict:
    shipped = shipped_sweep.shipped(cfg["maze"], cfg["width"], cfg["residual"])
    return {**frame, "depth_sweep": shipped and shipped["points"],
            "depth_sweep_source": shipped and {"where": "build", "train_steps": shipped["train_steps"], "seeds": shipped["seeds"]}}


def _shipped_agent(cfg: dict, seed: int, depth: int) -> dict | None:
    """{"metrics", "view"} of the shipped agent (the sweep's or a neighbour) for this setting at `depth`, or None."""
    return shipped_sweep.shipped_agent(cfg, depth, seed)


def _with_live_sweep(frame: dict, cfg: dict, metrics: dict) -> dict:
    """The frame with the live sweep: `metrics` holds each of SWEEP_DEPTHS' evaluation."""
    sweep = [{"depth": d, **{k: metrics[d][k] for k in ("success_rate", "time_at_goal", "success_by_distance")}}
             for d in SWEEP_DEPTHS]
    return {**frame, "depth_sweep": sweep, "depth_sweep_source": {"where": "live", "train_steps": cfg["train_steps"]}}


def steps(cfg: dict, seed: int):
    setting, start, goal, base = _setting(cfg, seed)
    # The live sweep reads each depth the shipped sweep trained (its evaluation is all it needs).
    # The chosen agent is trained, even where the sweep ships its view: moving the start or goal
    # redraws its critic and rollout, which need the agent itself (the build draws shipped views:
    # shipped_result). The page's own agent ships its weights too, and is restored from them.
    key = _key(cfg, seed, cfg["depth"])
    if key not in _AGENTS and (shipped_weights := shipped_sweep.page_agent_weights(cfg, cfg["depth"], seed)) is not None:
        weights, curves, metrics = shipped_weights
        agent = C.Agent(setting.maze, cfg["width"], cfg["depth"], np.random.default_rng(0), cfg["residual"])
        agent.optimizer.params[...] = weights  # the encoders' parameters are views of this flat array
        _AGENTS.put(key, (agent, curves, metrics))
    shipped = {d: a["metrics"] for d in (SWEEP_DEPTHS if cfg["sweep"] else ()) if (a := _shipped_agent(cfg, seed, d)) is not None}
    # Progress is shared out by each agent's training cost, about (depth + 3) layers per step,
    # so that the page's estimate (time so far / progress) holds for a sweep too.
    per_phase, work = _phase_cost(setting, cfg["train_steps"])
    wanted = [cfg["depth"], *(d for d in (SWEEP_DEPTHS if cfg["sweep"] else ()) if d not in shipped)]
    untrained = list(dict.fromkeys(d for d in wanted if _key(cfg, seed, d) not in _AGENTS))
    total = sum(d + 3 for d in untrained) or 1
    share = (cfg["depth"] + 3) / total if cfg["depth"] in untrained else 0.0  # of the progress bar taken by the chosen agent
    if key not in _AGENTS:
        shown = None  # the last evaluated view; heartbeats between evaluations repeat it
        for agent, curves, metrics, step in _train(setting, cfg, cfg["depth"], seed):
            if metrics is not None or shown is None:
                shown = {**base, **T.view(agent, curves, setting, start, goal), **(metrics or setting.evaluate(agent))}
            if step < cfg["train_steps"]:
                yield {**shown, "done": False, "progress": share * (step + per_phase * len(curves["step"])) / work}
        _AGENTS.put(key, (agent, curves, metrics))
    agent, curves, metrics = _AGENTS[key]
    frame = _with_shipped_sweep({**base, **T.view(agent, curves, setting, start, goal), **metrics}, cfg)
    if cfg["sweep"]:
        finished = share * total  # the chosen agent's part, done above
        for depth in SWEEP_DEPTHS:
            k = _key(cfg, seed, depth)
            if depth not in shipped and k not in _AGENTS:
                for agent_k, curves_k, metrics_k, step in _train(setting, cfg, depth, seed):  # frames keep the page alive
                    done_k = step + per_phase * len(curves_k["step"])
                    yield {**frame, "done": False, "progress": (finished + (depth + 3) * done_k / work) / total}
                _AGENTS.put(k, (agent_k, curves_k, metrics_k))
                finished += depth + 3
        swept = {d: shipped[d] if d in shipped else _AGENTS[_key(cfg, seed, d)][2] for d in SWEEP_DEPTHS}
        frame = _with_live_sweep(frame, cfg, {**swept, cfg["depth"]: metrics})  # the chosen depth's entry is the agent shown
    yield {**frame, "done": True, "progress": 1.0}


def _phase_cost(setting: T.Setting, train_steps: int) -> tuple[float, float]:
    """An agent's training work in training steps: each of its ROUNDS + 1 phases ends with an
    evaluation (rollouts of `horizon` moves) and a collection round (WALK_LENGTH moves), forward
    passes worth about 0.7 of a step per move (Pyodide, per phase: u-maze depth 4, 70 steps;
    depth 16, 108; width 64, 97; zigzag, 102). Without them the estimate, measured in the first
    phase, came out 1.2-1.3x short. Returns (work per phase, the whole agent's work)."""
    per_phase = 0.7 * (T.WALK_LENGTH + setting.horizon)
    return per_phase, train_steps + (T.ROUNDS + 1) * per_phase


def _train(setting: T.Setting, cfg: dict, depth: int, seed: int):
    return T.train(setting, cfg["width"], depth, cfg["train_steps"], cfg["residual"], seed)


READOUTS = [
    Readout("success_rate", "Success (pairs reached)", ".0%"),
    Readout("time_at_goal", "Time at goal (steps, the paper's metric)", ".1f"),
    Readout("baseline_success_rate", "Random walk: success", ".0%"),
    Readout("path_ratio", "Steps to goal ÷ shortest path (reached pairs only)", ".2f"),
]


def table(result: dict) -> dict:
    far = result["distance_bands"][2]
    sweep, source = result.get("depth_sweep"), result.get("depth_sweep_source")
    if sweep:
        rows = [[d["depth"], f"{d['success_rate']:.0%}", f"{d['success_by_distance'][2]:.0%}", f"{d['time_at_goal']:.1f}"] for d in sweep]
        if source["where"] == "build":
            where = f"computed at build time, mean over seeds {', '.join(map(str, source['seeds']))}"
        else:
            where = f"trained live, seed {result['seed']}"
        caption = f"Depth sweep on '{result['params']['maze']}', {where} ({source['train_steps']} steps, {result['pairs']} start/goal pairs)"
    else:
        rows = [[result["params"]["depth"], f"{result['success_rate']:.0%}", f"{result['success_by_distance'][2]:.0%}",
                 f"{result['time_at_goal']:.1f}"]]
        caption = f"This agent on '{result['params']['maze']}' ({result['pairs']} start/goal pairs, seed {result['seed']})"
    return {"caption": caption, "columns": ["depth (layers)", "success", f"success, goals {far}", "time at goal (steps)"], "rows": rows}
