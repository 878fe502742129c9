"""The scaling sweep's points shipped with the site. The sweep (six widths besides the reader's
model) is six sevenths of a run's work, and it does not depend on the main model's width: so
the build trains it once, with model.py, for the settings a reader of the page reaches first,
and stores the points in data/scaling_sweep.json beside this file. A change of the weight decay,
the page's lesson, then trains the reader's model alone (about 1 s in a browser instead of 3).

Shipped, at the simulator's defaults: every weight decay the slider offers and every listed α
at seeds 0-2 (the regimes, and the exponent's dependence on α, each checked over seeds), and at
seed 0 each other listed value one click away. The file records a hash of its inputs (model.py,
the kit code it trains with, and these settings); the build retrains it only when that changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from functools import lru_cache
from pathlib import Path

from ..kit import params as P
from ..kit.parts import result_of
from . import model as M

SIMULATORS = Path(__file__).resolve().parent.parent
DATA_FILE = Path(__file__).resolve().parent / "data" / "scaling_sweep.json"
TRAINING_CODE = ("kit/nn.py", "kit/scatter.py", "superposition/model.py")
SEEDS = [0, 1, 2]
OVER_SEEDS = ("weight_decay", "alpha")
FORMAT = 1
# What a point depends on, besides its seed and width: the main model's width (m_dims) is not among them.
SETTING = ("n_features", "alpha", "weight_decay", "steps", "batch_size", "learning_rate")


def settings(schema: list[dict]) -> list[tuple[dict, int]]:
    """(setting, seed) for every sweep shipped: see the module's docstring."""
    defaults = P.defaults(schema)
    base = {name: defaults[name] for name in SETTING}
    found = [(base, seed) for seed in SEEDS]
    for spec in schema:
        name = spec["name"]
        if name not in SETTING:
            continue
        if name in OVER_SEEDS:
            found += [({**base, name: value}, seed) for value in _every_value(spec) if value != base[name] for seed in SEEDS]
        elif "values" in spec:
            at = spec["values"].index(base[name])
            found += [({**base, name: spec["values"][i]}, 0) for i in (at - 1, at + 1) if 0 <= i < len(spec["values"])]
    return found


def _every_value(spec: dict) -> list:
    """The values a control offers: its list, or each step of its slider."""
    if "values" in spec:
        return list(spec["values"])
    count = round((spec["max"] - spec["min"]) / spec["step"])
    return [round(spec["min"] + i * spec["step"], 10) for i in range(count + 1)]


def inputs_hash(schema: list[dict]) -> str:
    digest = hashlib.sha256(json.dumps({"settings": settings(schema), "format": FORMAT}, sort_keys=True).encode())
    for name in TRAINING_CODE:
        digest.update((SIMULATORS / name).read_bytes())
    return digest.hexdigest()


def key(cfg: dict, seed: int, width: int) -> tuple:
    return (seed, width, *(cfg[name] for name in SETTING))


def compute(schema: list[dict], workers: int | None = None, log=print) -> dict:
    """Train every shipped point on a pool of processes, widest first so that the pool ends together."""
    from concurrent.futures import ProcessPoolExecutor  # build time only; Pyodide has no processes

    started = time.perf_counter()
    jobs = sorted(((cfg, seed, width) for cfg, seed in settings(schema) for width in M.sweep_widths(cfg["n_features"])),
                  key=lambda job: -job[0]["steps"] * job[0]["batch_size"] * job[0]["n_features"] * (job[2] + 10))
    points = []
    with ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        for done, ((cfg, seed, width), point) in enumerate(zip(jobs, pool.map(_train, jobs, chunksize=4)), start=1):
            points.append({"seed": seed, **cfg, **point})
            if done % 100 == 0 or done == len(jobs):
                log(f"  superposition sweep: {done}/{len(jobs)} models, {time.perf_counter() - started:.0f} s so far")
    points.sort(key=lambda p: key(p, p["seed"], p["m"]))
    return {"inputs_hash": inputs_hash(schema), "seconds": round(time.perf_counter() - started), "points": points}


def _train(job: tuple) -> dict:
    return result_of(M.sweep_point(*job))


def _one_point_a_line(data: dict) -> str:
    head = json.dumps({k: v for k, v in data.items() if k != "points"})[:-1]
    return head + ', "points": [\n' + ",\n".join(json.dumps(p) for p in data["points"]) + "\n]}\n"


def table(schema: list[dict]) -> dict:
    """key(cfg, seed, width) -> the shipped point, if the file matches the current code; else {}.
    Read once, and again only when the file or the code it was trained with changes."""
    files = [SIMULATORS / name for name in TRAINING_CODE] + [DATA_FILE]
    stamp = tuple((f.stat().st_mtime_ns, f.stat().st_size) if f.exists() else None for f in files)
    return _table(json.dumps(schema, sort_keys=True), FORMAT, DATA_FILE, stamp)


@lru_cache(maxsize=2)
def _table(schema_json: str, format: int, path: Path, stamp: tuple) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    if data.get("inputs_hash") != inputs_hash(json.loads(schema_json)):
        return {}
    return {key(p, p["seed"], p["m"]): {k: p[k] for k in ("m", "loss", "fraction_represented", "weak_prediction")}
            for p in data["points"]}


def ensure(schema: list[dict], log=print) -> bool:
    """Retrain the shipped points if stale (about a minute and a half on 2 cores). True if it did."""
    if table(schema):
        return False
    log(f"{DATA_FILE.name} is missing or stale: training the superposition sweep at {len(settings(schema))} settings")
    data = compute(schema, log=log)
    DATA_FILE.parent.mkdir(exist_ok=True)
    partial = DATA_FILE.with_suffix(".tmp")
    partial.write_text(_one_point_a_line(data))
    partial.replace(DATA_FILE)  # never leave a half-written file behind
    return True
