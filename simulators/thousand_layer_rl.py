"""Goal-reaching with contrastive RL and network depth, for the 1000-Layer RL page.

Agents of a chosen depth learn a goal-conditioned critic from random-walk data with hindsight
goals (no reward), then act greedily by it. The reader sees the critic's view of the maze
(how close each cell looks to the goal), the agent's path, success against a random-walk
baseline on the same start/goal pairs, and optionally a sweep over depth.
"""

from __future__ import annotations

import numpy as np

from . import crl as C
from . import maze as M
from . import params as P
from . import svg
from .recent import Recent
from .stepping import last_frame

NAME = "thousand_layer_rl"
TITLE = "Contrastive RL: a goal-reaching agent and its network depth"
SWEEP_DEPTHS = (1, 2, 4, 8, 16)
EVAL_PAIRS = 48
BATCH = 128
FRAMES = 6  # progress frames during training

PARAMS = [
    {"name": "maze", "kind": "choice", "default": "u-maze", "choices": [*M.PRESETS, "random"],
     "label": "Maze", "help": "Presets from an open room to a long zigzag; 'random' carves a 9x9 maze from the maze seed."},
    {"name": "maze_seed", "kind": "int", "default": 0, "min": 0, "max": 999, "step": 1,
     "label": "Maze seed", "help": "Which random maze (used when Maze is 'random')."},
    {"name": "depth", "kind": "int", "default": 4, "min": 1, "max": 64, "step": 1,
     "label": "Depth (layers)", "help": "Dense layers inside the residual blocks (4 per block), as the paper counts them."},
    {"name": "width", "kind": "int", "default": 32, "min": 16, "max": 64, "step": 16,
     "label": "Width", "help": "Units per layer."},
    {"name": "train_steps", "kind": "int", "default": 800, "min": 100, "max": 3000, "step": 100,
     "label": "Training steps", "help": f"Adam steps on batches of {BATCH} hindsight pairs."},
    {"name": "residual", "kind": "bool", "default": True,
     "label": "Residual connections", "help": "Turn off to see a deep plain stack (Dense, LayerNorm, Swish only) train worse."},
    {"name": "start", "kind": "text", "default": "auto", "max_length": 7,
     "label": "Start cell (row,col)", "help": "'auto' picks a pair half as far apart as the maze allows; rows and columns count from 0."},
    {"name": "goal", "kind": "text", "default": "auto", "max_length": 7,
     "label": "Goal cell (row,col)", "help": "The goal shown in the critic's view and the rollout."},
    {"name": "sweep", "kind": "bool", "default": False,
     "label": f"Depth sweep ({', '.join(map(str, SWEEP_DEPTHS))})", "help": "Also train one agent per depth on this maze and seed (slow in the browser)."},
]

_AGENTS = Recent(6)  # training setting -> (agent, curves, evaluation): moving start/goal re-reads it
_SETTINGS = Recent(4)  # (maze rows, seed) -> Setting


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


class Setting:
    """Everything fixed by the maze and seed: data, evaluation pairs, horizon, baseline."""

    def __init__(self, maze: M.Maze, seed: int):
        self.maze = maze
        self.dist = maze.all_distances()
        rng = np.random.default_rng([seed, 21])
        self.states, self.actions = M.random_walks(maze, rng, 200, 60)
        pairs = np.argwhere(self.dist > 0)
        chosen = pairs[rng.choice(len(pairs), size=min(EVAL_PAIRS, len(pairs)), replace=False)]
        self.starts, self.goals = chosen[:, 0], chosen[:, 1]
        self.horizon = int(2 * self.dist.max() + 10)
        walker = np.random.default_rng([seed, 22])
        path = C.rollouts(maze, lambda s, g: walker.integers(len(M.ACTIONS), size=len(s)), self.starts, self.goals, self.horizon)
        self.baseline = C.evaluate(path, self.goals, self.dist[self.starts, self.goals])

    def evaluate(self, agent: C.Agent) -> dict:
        path = C.rollouts(self.maze, agent.act, self.starts, self.goals, self.horizon)
        return C.evaluate(path, self.goals, self.dist[self.starts, self.goals])


def train(setting: Setting, cfg: dict, depth: int, seed: int):
    """Yield (agent, curves, evaluation) every 1/FRAMES of training, the last when done."""
    rng = np.random.default_rng([seed, 23, depth])
    agent = C.Agent(setting.maze, cfg["width"], depth, rng, cfg["residual"])
    curves = {"step": [], "loss": [], "success_rate": []}
    losses = []
    marks = {round(cfg["train_steps"] * (i + 1) / FRAMES) for i in range(FRAMES)}
    for k in range(1, cfg["train_steps"] + 1):
        losses.append(agent.train_step(*M.hindsight_batch(setting.states, setting.actions, rng, BATCH, C.GAMMA)))
        if k in marks:
            curves["step"].append(k)
            curves["loss"].append(float(np.mean(losses[-50:])))
            metrics = setting.evaluate(agent)
            curves["success_rate"].append(metrics["success_rate"])
            yield agent, curves, metrics


def _key(cfg: dict, seed: int, depth: int) -> tuple:
    return (cfg["maze"], cfg["maze_seed"], cfg["width"], cfg["train_steps"], cfg["residual"], seed, depth)


def steps(params: dict | None, seed: int = 0):
    cfg = P.validate(PARAMS, params)
    seed = P.validate_seed(seed)
    maze = build_maze(cfg)
    setting_key = (tuple(maze.rows), seed)
    if setting_key not in _SETTINGS:  # data, pairs and baseline do not change when the goal moves
        _SETTINGS.put(setting_key, Setting(maze, seed))
    setting = _SETTINGS[setting_key]
    # 'auto': the first pair (in cell order) half as far apart as the maze allows.
    half = np.argwhere(setting.dist == setting.dist.max() // 2)[0]
    start = parse_cell(cfg["start"], "start", maze, int(half[0]))
    goal = parse_cell(cfg["goal"], "goal", maze, int(half[1]))
    if setting.dist[start, goal] < 0:
        raise ValueError(f"parameter 'goal': {maze.free[goal]} cannot be reached from {maze.free[start]} in maze '{maze.name}'")
    base = {"params": cfg, "seed": seed, "maze_rows": maze.rows, "start": list(maze.free[start]), "goal": list(maze.free[goal]),
            "shortest": int(setting.dist[start, goal]), "horizon": setting.horizon,
            "baseline_success_rate": setting.baseline["success_rate"], "baseline_time_at_goal": setting.baseline["time_at_goal"],
            "pairs": len(setting.starts)}
    key = _key(cfg, seed, cfg["depth"])
    if key not in _AGENTS:
        for agent, curves, metrics in train(setting, cfg, cfg["depth"], seed):
            if curves["step"][-1] < cfg["train_steps"]:
                yield {**base, **_view(agent, curves, setting, start, goal), "done": False,
                       "progress": 0.9 * curves["step"][-1] / cfg["train_steps"] / (2 if cfg["sweep"] else 1)}
        _AGENTS.put(key, (agent, curves, metrics))
    agent, curves, metrics = _AGENTS[key]
    frame = {**base, **_view(agent, curves, setting, start, goal), **metrics, "depth_sweep": None}
    if cfg["sweep"]:
        sweep = []
        for i, depth in enumerate(SWEEP_DEPTHS):
            k = _key(cfg, seed, depth)
            if k not in _AGENTS:
                yield {**frame, "depth_sweep": sweep, "done": False, "progress": 0.5 + 0.5 * i / len(SWEEP_DEPTHS)}
                for trained in train(setting, cfg, depth, seed):
                    pass
                _AGENTS.put(k, trained)
            m = _AGENTS[k][2]
            sweep.append({"depth": depth, "success_rate": m["success_rate"], "time_at_goal": m["time_at_goal"]})
        frame["depth_sweep"] = sweep
    yield {**frame, "done": True, "progress": 1.0}


def _view(agent: C.Agent, curves: dict, setting: Setting, start: int, goal: int) -> dict:
    """What the figure shows of one agent: the critic's value over cells and the rollout."""
    cells = np.arange(len(setting.maze.free))
    value = agent.critic(cells, np.full(len(cells), goal)).max(axis=1)
    path = C.rollouts(setting.maze, agent.act, np.array([start]), np.array([goal]), setting.horizon)[0]
    return {"value": np.round(value, 4).tolist(), "path": [list(setting.maze.free[i]) for i in path],
            "curves": {k: list(v) for k, v in curves.items()}, "success_rate_now": curves["success_rate"][-1]}


def run(params: dict | None, seed: int = 0) -> dict:
    return last_frame(steps, params, seed)


READOUTS = [
    {"key": "success_rate", "label": "Success (pairs reached)", "format": ".0%"},
    {"key": "time_at_goal", "label": "Time at goal (steps, the paper's metric)", "format": ".1f"},
    {"key": "baseline_success_rate", "label": "Random walk: success", "format": ".0%"},
    {"key": "path_ratio", "label": "Steps to goal ÷ shortest path", "format": ".2f"},
]


def table(result: dict) -> dict:
    rows = [[d["depth"], f"{d['success_rate']:.0%}", f"{d['time_at_goal']:.1f}"] for d in result.get("depth_sweep") or []]
    if not rows:
        rows = [[result["params"]["depth"], f"{result.get('success_rate', result['success_rate_now']):.0%}",
                 f"{result.get('time_at_goal', 0):.1f}"]]
    return {"caption": f"Depth against success on '{result['params']['maze']}' ({result['pairs']} start/goal pairs, seed {result['seed']})",
            "columns": ["depth (layers)", "success", "time at goal (steps)"], "rows": rows}


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
    curves = result["curves"]
    train = svg.Panel(410, 40, 200, 150, (0, result["params"]["train_steps"]), (0, 1))
    body += train.axes("training step", "success", "Success during training")
    body.append(train.polyline(curves["step"], curves["success_rate"], svg.PALETTE[0], 2, "", "success"))
    body.append(train.polyline([0, result["params"]["train_steps"]], [result["baseline_success_rate"]] * 2, svg.MUTED, 1.5, "4 3", "random walk"))
    body += svg.legend(train.x + 8, train.y + 14, [(svg.PALETTE[0], "", "agent"), (svg.MUTED, "4 3", "random walk")])
    sweep = result.get("depth_sweep")
    depths = svg.Panel(680, 40, 200, 150, (0.8, 20), (0, 1), xlog=True)
    body += depths.axes("depth (layers)", "success", "Depth sweep (this maze, seed)", xticks=list(SWEEP_DEPTHS), yticks=[0, 0.5, 1])
    if sweep:
        xs = [d["depth"] for d in sweep]
        body.append(depths.polyline(xs, [d["success_rate"] for d in sweep], svg.PALETTE[3], 2, "", "success"))
        body += depths.points(xs, [d["success_rate"] for d in sweep], svg.PALETTE[3], 3.5,
                              [f"depth {d['depth']}: success {d['success_rate']:.0%}, time at goal {d['time_at_goal']:.1f}" for d in sweep])
    else:
        body.append(svg.text(depths.x + 10, depths.y + 80, "Tick 'Depth sweep' to train one agent", "start", 11, svg.MUTED))
        body.append(svg.text(depths.x + 10, depths.y + 96, f"per depth ({', '.join(map(str, SWEEP_DEPTHS))}).", "start", 11, svg.MUTED))
    success = result.get("success_rate", result["success_rate_now"])
    lines = [
        f"Depth {result['params']['depth']}{'' if result['params']['residual'] else ', no residual connections'}: "
        f"{success:.0%} of {result['pairs']} start/goal pairs reached, vs {result['baseline_success_rate']:.0%} for a random walk.",
        "The paper (its own robot environments, 1000-step episodes): depth up to 1024 layers raised performance 2x to 50x,",
        "with jumps at task-specific critical depths (8 on Ant Big Maze, 64 on Humanoid U-Maze). Its metric is time steps at the goal.",
    ]
    top = y0 + h * cell + 60
    body += [svg.text(x0, top + 16 * i, line, "start", 11, svg.FG) for i, line in enumerate(lines)]
    desc = (f"Maze '{result['params']['maze']}' with start {tuple(result['start'])} and goal {tuple(result['goal'])}; "
            f"agent of depth {result['params']['depth']} reached {success:.0%} of evaluation pairs (random walk "
            f"{result['baseline_success_rate']:.0%}).")
    return svg.figure(900, max(top + 16 * len(lines), 260), TITLE, desc, body)
