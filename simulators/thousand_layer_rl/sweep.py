"""The depth sweep shipped with the site: agents up to 64 layers are too slow to train live in a
browser tab, so `python build.py` trains them once with the same code (training.py) and
stores the results in data/depth_sweep.json beside this file. The file records a hash of its
inputs (the training code and the settings below); the build recomputes it only when that hash
no longer matches, and the page labels these numbers as computed at build time.

Besides the summary per depth, it keeps each agent's view at the automatic start and goal
(critic values per cell, rollout, training curves) and its evaluation: what the figure draws.
So every setting of the sweep is a frame the build draws without training anything again
(`shipped_agent`), and the page answers those settings at once.

The agents one click from the page's own setting that the sweep does not train (the other
preset mazes, a random maze, residual connections off, the listed widths and step counts on
either side) are shipped the same way, in their own file (data/neighbour_agents.json, with its
own hash), so that building the page trains no agent at all.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from pathlib import Path

import numpy as np

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

NEIGHBOURS_FILE = DATA_FILE.with_name("neighbour_agents.json")
# The page's own network (the simulator's defaults) and the settings one click from it that the
# sweep does not cover (other mazes, residual off, the listed widths and step counts on either
# side); each entry changes these defaults.
NEIGHBOURS = {"network": {"maze_seed": 0, "depth": 4, "width": 32, "train_steps": 4000, "residual": True, "seed": 0},
              "agents": [{"maze": "open room"}, {"maze": "one wall"}, {"maze": "random"},
                         {"maze": "u-maze", "residual": False}, {"maze": "u-maze", "width": 16},
                         {"maze": "u-maze", "width": 48}, {"maze": "u-maze", "train_steps": 2000},
                         {"maze": "u-maze", "train_steps": 8000}]}


PAGE_AGENT_FILE = DATA_FILE.with_name("page_agent.json")
# The page's own agent (the simulator's defaults) with its trained weights as well: moving the
# start or the goal redraws its critic and rollout, which the sweep's stored view cannot do, so
# without them the page trained this agent again in the reader's tab (about 20 s) to answer.
PAGE_AGENT = {"maze": "u-maze", **NEIGHBOURS["network"]}


def inputs_hash(settings: dict | None = None) -> str:
    digest = hashlib.sha256(json.dumps({**(SETTINGS if settings is None else settings), "format": FORMAT}, sort_keys=True).encode())
    for name in TRAINING_CODE:
        digest.update((SIMULATORS / name).read_bytes())
    return digest.hexdigest()


def build_maze(name: str, maze_seed: int) -> M.Maze:
    if name == "random":
        return M.Maze(M.random_maze(maze_seed), f"random #{maze_seed}")
    return M.Maze(M.PRESETS[name], name)


def one_agent(maze_name: str, depth: int, seed: int, **network) -> dict:
    """Train one agent; `network` overrides the sweep's (width, train_steps, residual, maze_seed)."""
    net = {"width": SETTINGS["width"], "train_steps": SETTINGS["train_steps"], "residual": SETTINGS["residual"],
           "maze_seed": 0, **network}
    setting = T.Setting(build_maze(maze_name, net["maze_seed"]), seed)
    for agent, curves, metrics, _ in T.train(setting, net["width"], depth, net["train_steps"], net["residual"], seed):
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
    started = time.perf_counter()
    jobs = [(name, depth, seed, ()) for name in SETTINGS["mazes"] for depth in SETTINGS["depths"] for seed in SETTINGS["seeds"]]
    results = _train_all(jobs, workers, log)
    trained = {job[:3]: result for job, result in results.items()}
    sweeps = {name: [over_seeds(depth, [trained[(name, depth, seed)] for seed in SETTINGS["seeds"]]) for depth in SETTINGS["depths"]]
              for name in SETTINGS["mazes"]}
    agents = [{"maze": name, "depth": depth, "seed": seed, **trained[(name, depth, seed)]["agent"]} for name, depth, seed in sorted(trained)]
    return {"inputs_hash": inputs_hash(), "settings": SETTINGS, "seconds": round(time.perf_counter() - started),
            "sweeps": sweeps, "agents": agents}


def compute_neighbours(workers: int | None = None, log=print) -> dict:
    started = time.perf_counter()
    network = NEIGHBOURS["network"]
    settings = [{"maze": "u-maze", **network, **change} for change in NEIGHBOURS["agents"]]
    jobs = [(s["maze"], s["depth"], s["seed"], tuple((k, s[k]) for k in ("maze_seed", "width", "train_steps", "residual")))
            for s in settings]
    results = _train_all(jobs, workers, log)
    agents = [{**setting, **results[job]["agent"]} for setting, job in zip(settings, jobs)]
    return {"inputs_hash": inputs_hash(NEIGHBOURS), "settings": NEIGHBOURS, "seconds": round(time.perf_counter() - started),
            "agents": agents}


def _train_all(jobs: list[tuple], workers: int | None, log) -> dict:
    """job -> one_agent's result, for jobs (maze, depth, seed, network overrides as pairs), on a
    pool of processes, deepest first so that the pool finishes together."""
    from concurrent.futures import ProcessPoolExecutor, as_completed  # build time only; Pyodide has no processes

    jobs = sorted(jobs, key=lambda job: -job[1])
    started = time.perf_counter()
    results = {}
    with ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        futures = {pool.submit(one_agent, *job[:3], **dict(job[3])): job for job in jobs}
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            log(_progress(futures[future], results, jobs, time.perf_counter() - started))
    return results


def compute_page_agent() -> dict:
    """Train the page's agent; its weights (the optimiser's flat array, float64) as base64."""
    started = time.perf_counter()
    net = PAGE_AGENT
    setting = T.Setting(build_maze(net["maze"], net["maze_seed"]), net["seed"])
    for agent, curves, metrics, _ in T.train(setting, net["width"], net["depth"], net["train_steps"], net["residual"], net["seed"]):
        pass  # the last yield is the finished agent with its evaluation
    weights = base64.b64encode(agent.optimizer.params.astype("<f8").tobytes()).decode("ascii")
    return {"inputs_hash": inputs_hash(PAGE_AGENT), "settings": PAGE_AGENT, "seconds": round(time.perf_counter() - started),
            "curves": curves, "metrics": metrics, "weights": weights}


def _progress(job, results: dict, jobs: list, elapsed: float) -> str:
    """One line per finished agent with the time left, guessed from the work done so far
    (an agent's cost grows about linearly with its depth, plus a fixed part)."""
    cost = {j: j[1] + 4 for j in jobs}
    done = sum(cost[j] for j in results)
    left = elapsed * (sum(cost.values()) - done) / done
    network = "".join(f", {name} {value}" for name, value in job[3])  # a neighbour's whole network
    return (f"  {job[0]} depth {job[1]} seed {job[2]}{network}: success {results[job]['success_rate']:.2f} "
            f"({len(results)}/{len(jobs)} agents, {elapsed:.0f} s so far, about {left:.0f} s left)")


def load() -> dict | None:
    """The shipped sweep if it matches the current code and settings, else None."""
    return _load(DATA_FILE, inputs_hash())


def load_neighbours() -> dict | None:
    """The shipped neighbour agents if they match the current code and settings, else None."""
    return _load(NEIGHBOURS_FILE, inputs_hash(NEIGHBOURS))


def load_page_agent() -> dict | None:
    """The shipped page agent if it matches the current code and settings, else None."""
    return _load(PAGE_AGENT_FILE, inputs_hash(PAGE_AGENT))


def _load(path: Path, wanted_hash: str) -> dict | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if data.get("inputs_hash") == wanted_hash else None


def ensure(log=print) -> bool:
    """Recompute the shipped sweep if stale (a few minutes). Returns True if it was recomputed."""
    if load() is not None:
        return False
    log(f"{DATA_FILE.name} is missing or stale: training the shipped depth sweep "
        f"({len(SETTINGS['mazes'])} mazes x depths {SETTINGS['depths']} x seeds {SETTINGS['seeds']}, "
        f"{SETTINGS['train_steps']} steps each{_last_time()})")
    _store(DATA_FILE, compute(log=log))
    return True


def ensure_neighbours(log=print) -> bool:
    """Recompute the shipped neighbour agents if stale (about 20 s). Returns True if it did."""
    if load_neighbours() is not None:
        return False
    log(f"{NEIGHBOURS_FILE.name} is missing or stale: training the {len(NEIGHBOURS['agents'])} agents "
        f"one click from the page's setting")
    _store(NEIGHBOURS_FILE, compute_neighbours(log=log))
    return True


def ensure_page_agent(log=print) -> bool:
    """Train the shipped page agent again if stale (a few seconds). Returns True if it did."""
    if load_page_agent() is not None:
        return False
    log(f"{PAGE_AGENT_FILE.name} is missing or stale: training the page's agent")
    _store(PAGE_AGENT_FILE, compute_page_agent())
    return True


def _store(path: Path, data: dict) -> None:
    path.parent.mkdir(exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(data, indent=1) + "\n")
    partial.replace(path)  # never leave a half-written file behind


def shipped_agent(cfg: dict, depth: int, seed: int) -> dict | None:
    """{"metrics", "view"} of a shipped agent (the sweep's, or a neighbour) trained at exactly
    this setting (validated controls `cfg`, `depth`, `seed`), or None."""
    network = (cfg["width"], cfg["train_steps"], cfg["residual"])
    data, s = load(), SETTINGS
    if data is not None and network == (s["width"], s["train_steps"], s["residual"]):
        found = next((a for a in data["agents"] if (a["maze"], a["depth"], a["seed"]) == (cfg["maze"], depth, seed)), None)
        if found is not None:
            return {"metrics": found["metrics"], "view": found["view"]}
    neighbours = load_neighbours()
    wanted = _agent_setting(cfg, depth, seed)
    found = next((a for a in (neighbours or {"agents": []})["agents"] if all(a[k] == v for k, v in wanted.items())), None)
    return found and {"metrics": found["metrics"], "view": found["view"]}


def _agent_setting(cfg: dict, depth: int, seed: int) -> dict:
    """What decides a trained agent, as a shipped agent's record names it (the maze seed counts
    only for the random maze)."""
    return {**{k: cfg[k] for k in ("maze", "width", "train_steps", "residual")}, "depth": depth, "seed": seed,
            "maze_seed": cfg["maze_seed"] if cfg["maze"] == "random" else 0}


def page_agent_weights(cfg: dict, depth: int, seed: int) -> tuple[np.ndarray, dict, dict] | None:
    """(weights, curves, metrics) of the shipped page agent if this is its setting (validated
    controls `cfg`, `depth`, `seed`; start and goal aside), else None."""
    data = load_page_agent()
    wanted = _agent_setting(cfg, depth, seed)
    if data is None or any(data["settings"][k] != v for k, v in wanted.items()):
        return None
    weights = np.frombuffer(base64.b64decode(data["weights"]), dtype="<f8").astype(float)
    return weights, data["curves"], data["metrics"]


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

