"""The depth sweep shipped with the site: agents up to 64 layers are too slow to train live in a
browser tab, so `python build.py` trains them once with the same code (training.py) and
stores the results in data/depth_sweep.json beside this file. The file records a hash of its
inputs (the training code and the settings below); the build recomputes it only when that hash
no longer matches, and the page labels these numbers as computed at build time.

Besides the summary per depth, it keeps each agent's view at the automatic start and goal
(critic values per cell, rollout, training curves) and its evaluation: what the figure draws.
So every setting of the sweep is a frame the build draws without training anything again
(`shipped_agent`), and the page answers those settings at once.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from . import maze as M
from . import training as T

SIMULATORS = Path(__file__).resolve().parent.parent
DATA_FILE = SIMULATORS / "thousand_layer_rl" / "data" / "depth_sweep.json"
# What the numbers depend on, by path under simulators/ (the hash covers these files' bytes).
TRAINING_CODE = ("kit/nn.py", "thousand_layer_rl/maze.py", "thousand_layer_rl/crl.py", "thousand_layer_rl/training.py")
# Several seeds, because one agent per depth is noisy enough to make depth look non-monotone.
SETTINGS = {"mazes": ["u-maze", "zigzag"], "seeds": [0, 1, 2], "width": 32, "train_steps": 4000, "residual": True,
            "depths": [1, 2, 4, 8, 16, 32, 64]}
FORMAT = 2  # what the file keeps: 2 adds each agent's view; a new format retrains like new code


def inputs_hash() -> str:
    digest = hashlib.sha256(json.dumps({**SETTINGS, "format": FORMAT}, sort_keys=True).encode())
    for name in TRAINING_CODE:
        digest.update((SIMULATORS / name).read_bytes())
    return digest.hexdigest()


def one_agent(maze_name: str, depth: int, seed: int) -> dict:
    setting = T.Setting(M.Maze(M.PRESETS[maze_name], maze_name), seed)
    for agent, curves, metrics, _ in T.train(setting, SETTINGS["width"], depth, SETTINGS["train_steps"], SETTINGS["residual"], seed):
        pass  # the last yield is the finished agent with its evaluation
    return {"seed": seed, "success_rate": metrics["success_rate"], "time_at_goal": round(metrics["time_at_goal"], 3),
            "success_by_distance": metrics["success_by_distance"], "distance_bands": setting.band_labels(),
            "agent": {"metrics": metrics, "view": T.view(agent, curves, setting, *setting.auto_pair())}}


def over_seeds(depth: int, agents: list[dict]) -> dict:
    """One depth's entry: the mean over seeds (what the figure plots) and every seed's numbers
    (the range it draws, and what holds for each seed rather than on average)."""
    bands = len(agents[0]["success_by_distance"])
    return {"depth": depth, "seeds": [a["seed"] for a in agents],
            "success_rate": round(float(sum(a["success_rate"] for a in agents) / len(agents)), 4),
            "time_at_goal": round(float(sum(a["time_at_goal"] for a in agents) / len(agents)), 3),
            "success_by_distance": [round(float(sum(a["success_by_distance"][b] for a in agents) / len(agents)), 4)
                                    for b in range(bands)],
            "distance_bands": agents[0]["distance_bands"],
            "per_seed": [{k: a[k] for k in ("seed", "success_rate", "time_at_goal", "success_by_distance")} for a in agents]}


def compute(workers: int | None = None, log=print) -> dict:
    from concurrent.futures import ProcessPoolExecutor, as_completed  # build time only; Pyodide has no processes

    jobs = [(name, depth, seed) for name in SETTINGS["mazes"] for depth in SETTINGS["depths"] for seed in SETTINGS["seeds"]]
    jobs.sort(key=lambda job: -job[1])  # deepest first, so the pool finishes together
    started = time.perf_counter()
    results = {}
    with ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        futures = {pool.submit(one_agent, *job): job for job in jobs}
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            log(_progress(futures[future], results, jobs, time.perf_counter() - started))
    sweeps = {name: [over_seeds(depth, [results[(name, depth, seed)] for seed in SETTINGS["seeds"]]) for depth in SETTINGS["depths"]]
              for name in SETTINGS["mazes"]}
    agents = [{"maze": name, "depth": depth, "seed": seed, **results[(name, depth, seed)]["agent"]} for name, depth, seed in sorted(jobs)]
    return {"inputs_hash": inputs_hash(), "settings": SETTINGS, "seconds": round(time.perf_counter() - started),
            "sweeps": sweeps, "agents": agents}


def _progress(job, results: dict, jobs: list, elapsed: float) -> str:
    """One line per finished agent with the time left, guessed from the work done so far
    (an agent's cost grows about linearly with its depth, plus a fixed part)."""
    cost = {j: j[1] + 4 for j in jobs}
    done = sum(cost[j] for j in results)
    left = elapsed * (sum(cost.values()) - done) / done
    return (f"  {job[0]} depth {job[1]} seed {job[2]}: success {results[job]['success_rate']:.2f} "
            f"({len(results)}/{len(jobs)} agents, {elapsed:.0f} s so far, about {left:.0f} s left)")


def load() -> dict | None:
    """The shipped sweep if it matches the current code and settings, else None."""
    try:
        data = json.loads(DATA_FILE.read_text())
    except (OSError, ValueError):
        return None
    return data if data.get("inputs_hash") == inputs_hash() else None


def ensure(log=print) -> bool:
    """Recompute the shipped sweep if stale (a few minutes). Returns True if it was recomputed."""
    if load() is not None:
        return False
    log(f"{DATA_FILE.name} is missing or stale: training the shipped depth sweep "
        f"({len(SETTINGS['mazes'])} mazes x depths {SETTINGS['depths']} x seeds {SETTINGS['seeds']}, "
        f"{SETTINGS['train_steps']} steps each{_last_time()})")
    data = compute(log=log)
    DATA_FILE.parent.mkdir(exist_ok=True)
    partial = DATA_FILE.with_suffix(".tmp")
    partial.write_text(json.dumps(data, indent=1) + "\n")
    partial.replace(DATA_FILE)  # never leave a half-written file behind
    return True


def shipped_agent(maze_name: str, depth: int, seed: int, width: int, train_steps: int, residual: bool) -> dict | None:
    """{"metrics", "view"} of the sweep's agent trained at exactly this setting, or None."""
    data = load()
    s = SETTINGS
    if data is None or (width, train_steps, residual) != (s["width"], s["train_steps"], s["residual"]):
        return None
    return next(({"metrics": a["metrics"], "view": a["view"]} for a in data["agents"]
                 if (a["maze"], a["depth"], a["seed"]) == (maze_name, depth, seed)), None)


def _last_time() -> str:
    try:
        return f"; the last sweep took {json.loads(DATA_FILE.read_text())['seconds']} s"
    except (OSError, ValueError, KeyError):
        return ""


def shipped(maze_name: str, width: int, residual: bool) -> dict | None:
    """The shipped sweep for this maze if the reader's network matches the one it was trained
    with. It is a statement over its own seeds, so the reader's seed does not select it."""
    data = load()
    if data is None or maze_name not in data["sweeps"]:
        return None
    s = data["settings"]
    if (width, residual) != (s["width"], s["residual"]):
        return None
    return {"train_steps": s["train_steps"], "seeds": s["seeds"], "points": data["sweeps"][maze_name]}

