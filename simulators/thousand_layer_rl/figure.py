"""The 1000-layer RL figure: the critic's view of the maze with the agent's path, success
during training, success against depth, and success by goal distance."""

from __future__ import annotations

import numpy as np

from ..kit import svg
from .training import SWEEP_DEPTHS

WALL = "var(--wall, #4a525d)"  # grey in both themes (static/css/site.css)
TITLE = "Contrastive RL: a goal-reaching agent and its network depth"
MAZE_X, MAZE_Y, MAZE_SIZE = 20, 34, 300


def render(result: dict) -> str:
    success = result["success_rate"]
    desc = (f"Maze '{result['params']['maze']}' with start {tuple(result['start'])} and goal {tuple(result['goal'])}; "
            f"agent of depth {result['params']['depth']} reached {success:.0%} of evaluation pairs (random walk "
            f"{result['baseline_success_rate']:.0%}), {result['success_by_distance'][2]:.0%} of the farthest third.")
    return svg.panels(TITLE, desc, [_maze_panel(result), _training_panel(result), _sweep_panel(result), _distance_panel(result)])


def _maze_panel(result: dict) -> str:
    """The critic's value of each cell for the goal (stronger blue: closer), walls, and the agent's path."""
    rows = result["maze_rows"]
    h, w = len(rows), len(rows[0])
    cell = min(MAZE_SIZE / w, MAZE_SIZE / h)
    x0, y0 = MAZE_X, MAZE_Y
    body = [svg.text(x0, 20, "Critic's view of the goal, and the path", "start", 13, svg.FG, "600")]
    free = [(r, c) for r in range(h) for c in range(w) if rows[r][c] == "."]
    values = np.array(result["value"])
    lo, hi = float(values.min()), float(values.max())
    for (r, c), v in zip(free, values):
        shade = (v - lo) / (hi - lo) if hi > lo else 1.0
        body.append(svg.rect(x0 + c * cell, y0 + r * cell, cell, cell, svg.PALETTE[0], f"({r},{c}): f = {v:.2f}", 0.08 + 0.7 * shade))
    body += [svg.rect(x0 + c * cell, y0 + r * cell, cell, cell, WALL) for r in range(h) for c in range(w) if rows[r][c] == "#"]
    centre = lambda rc: (x0 + (rc[1] + 0.5) * cell, y0 + (rc[0] + 0.5) * cell)  # noqa: E731
    points = " ".join(f"{centre(p)[0]:.1f},{centre(p)[1]:.1f}" for p in result["path"])
    body.append(f'<polyline points="{points}" fill="none" stroke="{svg.PALETTE[4]}" stroke-width="3" stroke-opacity="0.85"/>')
    sx, sy = centre(result["start"])
    gx, gy = centre(result["goal"])
    body.append(f'<circle cx="{sx:.1f}" cy="{sy:.1f}" r="{cell / 3:.1f}" fill="{svg.PALETTE[2]}"><title>start</title></circle>')
    body.append(f'<path d="M{gx:.1f},{gy - cell / 2.5:.1f} L{gx + cell / 2.5:.1f},{gy:.1f} L{gx:.1f},{gy + cell / 2.5:.1f} L{gx - cell / 2.5:.1f},{gy:.1f}Z" fill="{svg.PALETTE[1]}"><title>goal</title></path>')
    reached = any(p == result["goal"] for p in result["path"])
    caption = (f"Start (green) to goal (red): shortest path {result['shortest']} moves; the path (orange) "
               f"{'reaches it' if reached else 'does not reach it'} in {result['horizon']} steps. The stronger a cell's "
               f"blue, the closer the critic rates it to the goal (max over moves of f); walls are grey.")
    lines, bottom = svg.paragraph(x0, y0 + h * cell + 22, caption, 300)
    return svg.panel(bottom, "The maze: the critic's value of each cell for the goal, and the agent's path", body + lines)


def _training_panel(result: dict) -> str:
    curves, steps_total = result["curves"], result["params"]["train_steps"]
    panel = svg.Panel(56, 34, 264, 200, (0, steps_total), (0, 1))
    out = panel.axes("training step", "success", "Success during training", yticks=[0, 0.5, 1])
    out.append(panel.polyline(curves["step"], curves["success_rate"], svg.PALETTE[0], 2, "", "agent"))
    out += panel.points(curves["step"], curves["success_rate"], svg.PALETTE[0], 2.5,
                        [f"step {k}: {v:.0%}" for k, v in zip(curves["step"], curves["success_rate"])])
    out.append(panel.polyline([0, steps_total], [result["baseline_success_rate"]] * 2, svg.MUTED, 1.5, "4 3", "random walk"))
    out += svg.legend(20, 292, [(svg.PALETTE[0], "", f"agent (depth {result['params']['depth']})"), (svg.MUTED, "4 3", "random walk")], columns=2)
    success = result["success_rate"]
    summary = (f"Depth {result['params']['depth']}{'' if result['params']['residual'] else ', no residual connections'}: "
               f"{success:.0%} of {result['pairs']} start/goal pairs reached, against {result['baseline_success_rate']:.0%} "
               f"for a random walk.")
    lines, bottom = svg.paragraph(20, 320, summary, 300)
    return svg.panel(bottom, "Success rate during training, against a random walk", out + lines)


def _distance_panel(result: dict) -> str:
    """Success in thirds of the evaluation pairs by shortest-path length: where depth should help is on the right."""
    panel = svg.Panel(56, 34, 264, 200, (-0.5, 2.5), (0, 1))
    out = panel.axes("goal distance (thirds of the pairs)", "success", "Success by goal distance", xticks=[], yticks=[0, 0.5, 1])
    bar = panel.w / 3 * 0.32
    for band, label in enumerate(result["distance_bands"]):
        centre = panel.px(band)
        out.append(svg.text(centre, panel.y + panel.h + 15, label, "middle", 11, svg.MUTED))
        for shift, value, colour, who in ((-bar, result["success_by_distance"][band], svg.PALETTE[0], "agent"),
                                          (0, result["baseline_success_by_distance"][band], svg.MUTED, "random walk")):
            out.append(panel.bar(centre + shift, bar, value, colour, f"{who}, goals {label}: {value:.0%}"))
    out += svg.legend(20, 292, [(svg.PALETTE[0], "", f"agent (depth {result['params']['depth']})"), (svg.MUTED, "", "random walk")], columns=2)
    return svg.panel(306, "Success by goal distance, agent against a random walk", out)


def _sweep_panel(result: dict) -> str:
    sweep, source = result.get("depth_sweep"), result.get("depth_sweep_source")
    panel = svg.Panel(56, 34, 264, 200, (0.8, 80), (0, 1), xlog=True)
    out = panel.axes("depth (layers)", "success", "Success against depth", xticks=[1, 2, 4, 8, 16, 32, 64], yticks=[0, 0.5, 1])
    title = "Success against network depth"
    paper = ("The paper (its own robot environments, 1000-step episodes): depth up to 1024 layers raised performance 2× to 50×, "
             "with jumps at task-specific critical depths (8 on Ant Big Maze, 64 on Humanoid U-Maze). Its metric is time "
             "steps at the goal.")
    if not sweep:
        note, y = svg.paragraph(panel.x + 10, panel.y + 70, "No shipped sweep for this setting: tick 'Live depth sweep' to "
                                f"train depths {', '.join(map(str, SWEEP_DEPTHS))} here.", 240, 12, svg.MUTED)
        lines, bottom = svg.paragraph(20, 300, paper, 300, 12, svg.MUTED)
        return svg.panel(bottom, title, out + note + lines)
    xs = [d["depth"] for d in sweep]
    far_label = result["distance_bands"][2]
    series = ((lambda d: d["success_rate"], svg.PALETTE[3], "", "all pairs"),
              (lambda d: d["success_by_distance"][2], svg.PALETTE[1], "5 3", f"goals {far_label}"))
    for value_of, colour, dash, name in series:
        values = [value_of(d) for d in sweep]
        for d in sweep:  # the range over seeds, behind the mean
            seeds = [value_of(s) for s in d.get("per_seed", ())]
            if len(seeds) > 1:
                px = panel.px(d["depth"]) + (2.5 if dash else -2.5)
                out.append(f'<line x1="{px:.1f}" y1="{panel.py(min(seeds)):.1f}" x2="{px:.1f}" y2="{panel.py(max(seeds)):.1f}" '
                           f'stroke="{colour}" stroke-width="2" stroke-opacity="0.45"><title>depth {d["depth"]}, {name}: '
                           f'{min(seeds):.0%} to {max(seeds):.0%} over seeds {", ".join(map(str, d["seeds"]))}</title></line>')
        out.append(panel.polyline(xs, values, colour, 2, dash, name))
        out += panel.points(xs, values, colour, 3, [f"depth {x}, {name}: {v:.0%}" for x, v in zip(xs, values)])
    out += svg.legend(20, 292, [(svg.PALETTE[3], "", "all pairs"), (svg.PALETTE[1], "5 3", f"goals {far_label}")], columns=2)
    if source["where"] == "build":
        seeds = source["seeds"]
        text = (f"Computed at build time: {source['train_steps']} steps per depth, the mean over seeds "
                f"{', '.join(map(str, seeds))} with each depth's range over them.")
    else:
        text = f"Trained live: {source['train_steps']} steps per depth, seed {result['seed']}."
    lines, y = svg.paragraph(20, 318, text, 300)
    more, bottom = svg.paragraph(20, y + 6, paper, 300, 12, svg.MUTED)
    return svg.panel(bottom, title, out + lines + more)
