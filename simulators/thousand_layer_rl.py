"""Goal-reaching with contrastive RL and network depth, for the 1000-Layer RL page.

Agents of a chosen depth learn a goal-conditioned critic from hindsight goals (no reward), on
random walks and then on their own trajectories, and act greedily by it (rl_training.py). The
reader sees the critic's view of the maze (how close each cell looks to the goal), the agent's
path, success by goal distance against a random walk on the same start/goal pairs, and a sweep
over depth: shipped from build time up to 64 layers (rl_sweep.py), or trained live on request.
"""

from __future__ import annotations

import numpy as np

from . import crl as C
from . import maze as M
from . import params as P
from . import rl_sweep
from . import rl_training as T
from . import svg
from .recent import Recent
from .stepping import last_frame

NAME = "thousand_layer_rl"
TITLE = "Contrastive RL: a goal-reaching agent and its network depth"
SWEEP_DEPTHS = (1, 2, 4, 8, 16)  # the live sweep; the shipped one goes to 64 layers

PARAMS = [
    {"name": "maze", "kind": "choice", "default": "u-maze", "choices": [*M.PRESETS, "random"],
     "label": "Maze", "help": "Presets from an open room to a long zigzag; 'random' carves a 9x9 maze from the maze seed."},
    {"name": "maze_seed", "kind": "int", "default": 0, "min": 0, "max": 999, "step": 1,
     "label": "Maze seed", "help": "Which random maze (used when Maze is 'random')."},
    {"name": "depth", "kind": "int", "default": 4, "min": 1, "max": 64, "step": 1,
     "label": "Depth (layers)", "help": "Dense layers inside the residual blocks (4 per block), as the paper counts them."},
    {"name": "width", "kind": "int", "default": 32, "min": 16, "max": 64, "step": 16,
     "label": "Width", "help": "Units per layer."},
    {"name": "train_steps", "kind": "int", "default": 4000, "min": 100, "max": 8000, "step": 100,
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
     "help": "Also train one agent per depth here, at your settings (minutes in a browser). The presets come with a sweep to 64 layers computed at build time."},
]

_AGENTS = Recent(6)  # training setting -> (agent, curves, evaluation): moving start/goal re-reads it
_SETTINGS = Recent(4)  # (maze rows, seed) -> rl_training.Setting


def refresh_build_data(log=print) -> None:
    """Called by the site build (sitegen.simulations): retrain the shipped sweep if its inputs changed."""
    rl_sweep.ensure(log)


def build_maze(cfg: dict) -> M.Maze:
    if cfg["maze"] == "random":
        return M.Maze(M.random_maze(cfg["maze_seed"]), f"random #{cfg['maze_seed']}")
    return M.Maze(M.PRESETS[cfg["maze"]], cfg["maze"])


def parse_cell(text: str, name: str, maze: M.Maze, fallback: int) -> int:
    if text.strip() == "auto":
        return fallback
    parts = text.split(",")
    if len(parts) != 2 or not all(p.strip().lstrip("-").isdigit() for p in parts):
        raise ValueError(f"parameter '{name}' = {text!r}: write a cell as row,col (for example 0,3) or auto")
    return maze.check_cell((int(parts[0]), int(parts[1])), f"parameter '{name}':")


def _key(cfg: dict, seed: int, depth: int) -> tuple:
    return (cfg["maze"], cfg["maze_seed"], cfg["width"], cfg["train_steps"], cfg["residual"], seed, depth)


def steps(params: dict | None, seed: int = 0):
    cfg = P.validate(PARAMS, params)
    seed = P.validate_seed(seed)
    maze = build_maze(cfg)
    setting_key = (tuple(maze.rows), seed)
    if setting_key not in _SETTINGS:  # data, pairs and baseline do not change when the goal moves
        _SETTINGS.put(setting_key, T.Setting(maze, seed))
    setting = _SETTINGS[setting_key]
    # 'auto': the first pair (in cell order) half as far apart as the maze allows.
    half = np.argwhere(setting.dist == setting.dist.max() // 2)[0]
    start = parse_cell(cfg["start"], "start", maze, int(half[0]))
    goal = parse_cell(cfg["goal"], "goal", maze, int(half[1]))
    if setting.dist[start, goal] < 0:
        raise ValueError(f"parameter 'goal': {maze.free[goal]} cannot be reached from {maze.free[start]} in maze '{maze.name}'")
    base = {"params": cfg, "seed": seed, "maze_rows": maze.rows, "start": list(maze.free[start]), "goal": list(maze.free[goal]),
            "shortest": int(setting.dist[start, goal]), "horizon": setting.horizon, "pairs": len(setting.starts),
            "distance_bands": setting.band_labels(),
            "baseline_success_rate": setting.baseline["success_rate"], "baseline_time_at_goal": setting.baseline["time_at_goal"],
            "baseline_success_by_distance": setting.baseline["success_by_distance"]}
    share = 0.5 if cfg["sweep"] else 1.0  # of the progress bar taken by the chosen agent
    key = _key(cfg, seed, cfg["depth"])
    if key not in _AGENTS:
        shown = None  # the last evaluated view; heartbeats between evaluations repeat it
        for agent, curves, metrics, step in _train(setting, cfg, cfg["depth"], seed):
            if metrics is not None or shown is None:
                shown = {**base, **_view(agent, curves, setting, start, goal), **(metrics or setting.evaluate(agent))}
            if step < cfg["train_steps"]:
                yield {**shown, "done": False, "progress": share * step / cfg["train_steps"]}
        _AGENTS.put(key, (agent, curves, metrics))
    agent, curves, metrics = _AGENTS[key]
    frame = {**base, **_view(agent, curves, setting, start, goal), **metrics}
    shipped = rl_sweep.shipped(cfg["maze"], seed, cfg["width"], cfg["residual"])
    frame["depth_sweep"] = shipped and shipped["points"]
    frame["depth_sweep_source"] = shipped and {"where": "build", "train_steps": shipped["train_steps"]}
    if cfg["sweep"]:
        sweep = []
        for i, depth in enumerate(SWEEP_DEPTHS):
            k = _key(cfg, seed, depth)
            if k not in _AGENTS:
                for agent_k, curves_k, metrics_k, step in _train(setting, cfg, depth, seed):  # frames keep the page alive
                    done = (i + step / cfg["train_steps"]) / len(SWEEP_DEPTHS)
                    yield {**frame, "done": False, "progress": share + (1 - share) * done}
                _AGENTS.put(k, (agent_k, curves_k, metrics_k))
            m = _AGENTS[k][2]
            sweep.append({"depth": depth, "success_rate": m["success_rate"], "time_at_goal": m["time_at_goal"],
                          "success_by_distance": m["success_by_distance"]})
        frame["depth_sweep"] = sweep
        frame["depth_sweep_source"] = {"where": "live", "train_steps": cfg["train_steps"]}
    yield {**frame, "done": True, "progress": 1.0}


def _train(setting: T.Setting, cfg: dict, depth: int, seed: int):
    return T.train(setting, cfg["width"], depth, cfg["train_steps"], cfg["residual"], seed)


def _view(agent: C.Agent, curves: dict, setting: T.Setting, start: int, goal: int) -> dict:
    """What the figure shows of one agent: the critic's value over cells and the rollout."""
    cells = np.arange(len(setting.maze.free))
    value = agent.critic(cells, np.full(len(cells), goal)).max(axis=1)
    path = C.rollouts(setting.maze, agent.act, np.array([start]), np.array([goal]), setting.horizon)[0]
    return {"value": np.round(value, 4).tolist(), "path": [list(setting.maze.free[i]) for i in path],
            "curves": {k: list(v) for k, v in curves.items()}}


def run(params: dict | None, seed: int = 0) -> dict:
    return last_frame(steps, params, seed)


READOUTS = [
    {"key": "success_rate", "label": "Success (pairs reached)", "format": ".0%"},
    {"key": "time_at_goal", "label": "Time at goal (steps, the paper's metric)", "format": ".1f"},
    {"key": "baseline_success_rate", "label": "Random walk: success", "format": ".0%"},
    {"key": "path_ratio", "label": "Steps to goal ÷ shortest path", "format": ".2f"},
]


def table(result: dict) -> dict:
    far = result["distance_bands"][2]
    sweep, source = result.get("depth_sweep"), result.get("depth_sweep_source")
    if sweep:
        rows = [[d["depth"], f"{d['success_rate']:.0%}", f"{d['success_by_distance'][2]:.0%}", f"{d['time_at_goal']:.1f}"] for d in sweep]
        where = "computed at build time" if source["where"] == "build" else "trained live"
        caption = (f"Depth sweep on '{result['params']['maze']}', {where} ({source['train_steps']} steps, seed {result['seed']}, "
                   f"{result['pairs']} start/goal pairs)")
    else:
        rows = [[result["params"]["depth"], f"{result['success_rate']:.0%}", f"{result['success_by_distance'][2]:.0%}",
                 f"{result['time_at_goal']:.1f}"]]
        caption = f"This agent on '{result['params']['maze']}' ({result['pairs']} start/goal pairs, seed {result['seed']})"
    return {"caption": caption, "columns": ["depth (layers)", "success", f"success, goals {far}", "time at goal (steps)"], "rows": rows}


def render(result: dict) -> str:
    rows = result["maze_rows"]
    h, w = len(rows), len(rows[0])
    cell = min(300 / w, 300 / h)
    x0, y0 = 30, 40
    body = [svg.text(x0, 28, "Critic's view of the goal, and the agent's path", "start", 13, svg.FG, "600")]
    free = [(r, c) for r in range(h) for c in range(w) if rows[r][c] == "."]
    values = np.array(result["value"])
    lo, hi = float(values.min()), float(values.max())
    for (r, c), v in zip(free, values):
        shade = (v - lo) / (hi - lo) if hi > lo else 1.0
        body.append(f'<rect x="{x0 + c * cell:.1f}" y="{y0 + r * cell:.1f}" width="{cell:.1f}" height="{cell:.1f}" '
                    f'fill="{svg.PALETTE[0]}" fill-opacity="{0.08 + 0.7 * shade:.2f}"><title>({r},{c}): f = {v:.2f}</title></rect>')
    for r in range(h):
        for c in range(w):
            if rows[r][c] == "#":
                body.append(f'<rect x="{x0 + c * cell:.1f}" y="{y0 + r * cell:.1f}" width="{cell:.1f}" height="{cell:.1f}" fill="{svg.FG}"/>')
    centre = lambda rc: (x0 + (rc[1] + 0.5) * cell, y0 + (rc[0] + 0.5) * cell)  # noqa: E731
    points = " ".join(f"{centre(p)[0]:.1f},{centre(p)[1]:.1f}" for p in result["path"])
    body.append(f'<polyline points="{points}" fill="none" stroke="{svg.PALETTE[4]}" stroke-width="3" stroke-opacity="0.85"/>')
    sx, sy = centre(result["start"])
    gx, gy = centre(result["goal"])
    body.append(f'<circle cx="{sx:.1f}" cy="{sy:.1f}" r="{cell / 3:.1f}" fill="{svg.PALETTE[2]}"><title>start</title></circle>')
    body.append(f'<path d="M{gx:.1f},{gy - cell / 2.5:.1f} L{gx + cell / 2.5:.1f},{gy:.1f} L{gx:.1f},{gy + cell / 2.5:.1f} L{gx - cell / 2.5:.1f},{gy:.1f}Z" fill="{svg.PALETTE[1]}"><title>goal</title></path>')
    reached = any(p == result["goal"] for p in result["path"])
    body.append(svg.text(x0, y0 + h * cell + 18, f"Start (green) to goal (red): shortest path {result['shortest']} moves; "
                         f"{'reached' if reached else 'not reached'} in {result['horizon']} steps.", "start", 11, svg.FG))
    body.append(svg.text(x0, y0 + h * cell + 34, "Darker cells: the critic rates them closer to the goal (max over moves of f).", "start", 11, svg.MUTED))
    body += _training_panel(result) + _distance_panel(result) + _sweep_panel(result)
    success = result["success_rate"]
    lines = [
        f"Depth {result['params']['depth']}{'' if result['params']['residual'] else ', no residual connections'}: "
        f"{success:.0%} of {result['pairs']} start/goal pairs reached, vs {result['baseline_success_rate']:.0%} for a random walk.",
        "The paper (its own robot environments, 1000-step episodes): depth up to 1024 layers raised performance 2x to 50x,",
        "with jumps at task-specific critical depths (8 on Ant Big Maze, 64 on Humanoid U-Maze). Its metric is time steps at the goal.",
    ]
    top = max(y0 + h * cell + 60, 440)
    body += [svg.text(x0, top + 16 * i, line, "start", 11, svg.FG) for i, line in enumerate(lines)]
    desc = (f"Maze '{result['params']['maze']}' with start {tuple(result['start'])} and goal {tuple(result['goal'])}; "
            f"agent of depth {result['params']['depth']} reached {success:.0%} of evaluation pairs (random walk "
            f"{result['baseline_success_rate']:.0%}), {result['success_by_distance'][2]:.0%} of the farthest third.")
    return svg.figure(900, top + 16 * len(lines), TITLE, desc, body)


def _training_panel(result: dict) -> list[str]:
    curves, steps_total = result["curves"], result["params"]["train_steps"]
    panel = svg.Panel(410, 40, 200, 150, (0, steps_total), (0, 1))
    out = panel.axes("training step", "success", "Success during training", yticks=[0, 0.5, 1])
    out.append(panel.polyline(curves["step"], curves["success_rate"], svg.PALETTE[0], 2, "", "agent"))
    out += panel.points(curves["step"], curves["success_rate"], svg.PALETTE[0], 2.5,
                        [f"step {k}: {v:.0%}" for k, v in zip(curves["step"], curves["success_rate"])])
    out.append(panel.polyline([0, steps_total], [result["baseline_success_rate"]] * 2, svg.MUTED, 1.5, "4 3", "random walk"))
    out += svg.legend(panel.x + 8, panel.y + 14, [(svg.PALETTE[0], "", "agent"), (svg.MUTED, "4 3", "random walk")])
    return out


def _distance_panel(result: dict) -> list[str]:
    """Success in thirds of the evaluation pairs by shortest-path length: where depth should help is on the right."""
    panel = svg.Panel(680, 270, 200, 110, (-0.5, 2.5), (0, 1.4))  # headroom for the legend
    out = panel.axes("goal distance (thirds of the pairs)", "success", "Success by goal distance", xticks=[], yticks=[0, 0.5, 1])
    bar = panel.w / 3 * 0.32
    for band, label in enumerate(result["distance_bands"]):
        centre = panel.px(band)
        out.append(svg.text(centre, panel.y + panel.h + 14, label, "middle", 10, svg.MUTED))
        for shift, value, colour, who in ((-bar, result["success_by_distance"][band], svg.PALETTE[0], "agent"),
                                          (0, result["baseline_success_by_distance"][band], svg.MUTED, "random walk")):
            out.append(panel.bar(centre + shift, bar, value, colour, f"{who}, goals {label}: {value:.0%}"))
    out += svg.legend(panel.x + 8, panel.y + 13, [(svg.PALETTE[0], "", f"agent (depth {result['params']['depth']})"), (svg.MUTED, "", "random walk")])
    return out


def _sweep_panel(result: dict) -> list[str]:
    sweep, source = result.get("depth_sweep"), result.get("depth_sweep_source")
    panel = svg.Panel(680, 40, 200, 150, (0.8, 80), (0, 1), xlog=True)
    out = panel.axes("depth (layers)", "success", "Success against depth", xticks=[1, 2, 4, 8, 16, 32, 64], yticks=[0, 0.5, 1])
    if not sweep:
        out.append(svg.text(panel.x + 10, panel.y + 70, "No shipped sweep for this setting:", "start", 11, svg.MUTED))
        out.append(svg.text(panel.x + 10, panel.y + 86, "tick 'Live depth sweep' to train", "start", 11, svg.MUTED))
        out.append(svg.text(panel.x + 10, panel.y + 102, f"depths {', '.join(map(str, SWEEP_DEPTHS))} here.", "start", 11, svg.MUTED))
        return out
    xs = [d["depth"] for d in sweep]
    far_label = result["distance_bands"][2]
    for values, colour, dash, name in (([d["success_rate"] for d in sweep], svg.PALETTE[3], "", "all pairs"),
                                       ([d["success_by_distance"][2] for d in sweep], svg.PALETTE[1], "5 3", f"goals {far_label}")):
        out.append(panel.polyline(xs, values, colour, 2, dash, name))
        out += panel.points(xs, values, colour, 3, [f"depth {x}, {name}: {v:.0%}" for x, v in zip(xs, values)])
    out += svg.legend(panel.x + 8, panel.y + 14, [(svg.PALETTE[3], "", "all pairs"), (svg.PALETTE[1], "5 3", f"goals {far_label}")])
    where = "computed at build time" if source["where"] == "build" else "trained live"
    out.append(svg.text(panel.x - 40, panel.y + panel.h + 50, f"{where}, {source['train_steps']} steps each, seed {result['seed']}", "start", 11, svg.MUTED))
    return out
