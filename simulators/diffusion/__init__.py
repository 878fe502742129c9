"""Diffusion in three parts: two on 2-D Gaussian mixtures, one in high dimension.

1. The process: noise a point cloud forward and denoise it back with the exact score, on a
   timeline the reader scrubs. Mixtures have noised laws and scores in closed form
   (`process`), so this reverse process is the ideal one a perfectly trained model
   would run. It is computed once per setting and cached: moving the timeline re-reads it.
2. The generalization window: a random-features score model trained on n points for each n
   the reader lists (`training`); tau_gen and tau_mem are read off its curves and
   plotted against n. Each n's training is cached too, so switching the n shown or the
   training time of the samples shown only re-reads it.
3. The paper's theory experiment (`theory`): the same kind of model on Gaussian data in d
   dimensions at one diffusion time, where the paper's two laws are meant to hold; its own
   tau_gen and tau_mem are read off its train, test and score-error curves.
"""

from __future__ import annotations

import math

import numpy as np

from ..kit.cache import Recent
from ..kit.contract import Readout
from ..kit.parts import Handed, Need, reported, result_of
from ..kit.params import ParamError
from . import process as D
from . import theory as H
from . import training as W
from .figure import TITLE, render  # noqa: F401  (the contract's TITLE and render)

NAME = "diffusion"
KEEP_EVERY = 10  # reverse snapshots kept every 10 steps: the timeline moves in steps of 10


def _ring(k: int, radius: float) -> np.ndarray:
    angles = np.arange(k) * 2 * math.pi / k
    return radius * np.c_[np.cos(angles), np.sin(angles)]


DATASETS = {
    "ring of 8": D.GaussianMixture(_ring(8, 2.0), 0.15),
    "two blobs": D.GaussianMixture([[-1.5, 0.0], [1.5, 0.0]], 0.4),
    "grid of 9": D.GaussianMixture([[x, y] for x in (-2.0, 0.0, 2.0) for y in (-2.0, 0.0, 2.0)], 0.2),
}

# Controls that re-read cached work (trained models, reverse runs): the worker warms them up.
VIEW_ONLY = ("t", "samples", "shown_n", "view_time")
# Three seeds of the page's setting ship precomputed (kit.contract GRID): whether the window's
# times hold from one draw of the training sets to the next is the first thing to check.
GRID = {"seed": [0, 1, 2]}

PARAMS = [
    {"name": "dataset", "kind": "choice", "default": "two blobs", "choices": list(DATASETS),
     "label": "Data", "help": "A Gaussian mixture in the plane: its score is known exactly at every noise level."},
    {"name": "schedule", "kind": "choice", "default": "linear", "choices": list(D.SCHEDULES),
     "label": "Noise schedule", "help": "Linear β from 10⁻⁴ to 0.02 (the paper's code, Ho et al.) or cosine (Nichol & Dhariwal)."},
    {"name": "t", "kind": "int", "default": 300, "min": 0, "max": D.T, "step": KEEP_EVERY,
     "label": "Time step t", "help": "0 is clean data, 1000 is (almost) pure noise. Both panels show time t."},
    {"name": "samples", "kind": "int", "default": 400, "min": 50, "max": 1000, "step": 50,
     "label": "Points", "help": "Points noised forward, and points denoised by the reverse process."},
    {"name": "sizes", "kind": "text", "default": "8, 16, 24, 32", "max_length": 40,
     "label": "Training-set sizes n", "help": "2 to 5 sizes from 2 to 128, separated by commas. A model is trained on each."},
    {"name": "features", "kind": "int", "default": 256, "min": 64, "max": 512, "step": 64, "values": [64, 128, 256, 512],
     "label": "Random features p", "help": "Fixed random tanh features per noise level; only their output weights are trained. Doubling, as the model's capacity grows with p."},
    {"name": "budget", "kind": "int", "default": 7, "min": 3, "max": 7, "step": 1,
     "label": "Training budget (10ˣ steps)", "help": "How long each model trains: 10ˣ full-batch gradient steps."},
    {"name": "shown_n", "kind": "int", "default": 8, "min": 2, "max": 128, "step": 1,
     "label": "n shown", "help": "Which training set's curves and samples to show (the nearest of the sizes)."},
    {"name": "view_time", "kind": "float", "default": 3.0, "min": 0.0, "max": 7.0, "step": 0.25,
     "label": "Samples after 10ˣ steps", "help": "Training time at which the model generates the samples shown."},
    {"name": "theory_sizes", "kind": "text", "default": "32, 64, 128", "max_length": 40,
     "label": "High-dimensional sizes n", "help": "The paper's experiment: 2 to 5 training-set sizes from 8 to 512, separated by commas."},
    {"name": "theory_dim", "kind": "int", "default": 64, "min": 8, "max": 128, "step": 8,
     "label": "Dimension d", "help": "Dimension of the Gaussian data in the paper's experiment. Its laws are high-dimensional: try 8."},
    {"name": "theory_features", "kind": "int", "default": 256, "min": 64, "max": 512, "step": 64, "values": [64, 128, 256, 512],
     "label": "Features p (high-dimensional)", "help": "Random tanh features of the high-dimensional model; memorization needs n below about p."},
]
# Small in-range settings that run in well under a second: what the contract tests use.
CHEAP_PARAMS = {"samples": 50, "sizes": "8, 16", "budget": 4, "view_time": 2}
SIZE_RANGE, MAX_SIZES = (2, 128), 5
THEORY_SIZE_RANGE = (8, 512)

_REVERSED = Recent(4)  # setting -> reverse-process snapshots {t: points}
# (setting but the budget, n) -> W.train_curves result at the longest budget trained so far: a
# re-read costs no training, and a shorter budget reads that run's first checkpoints (W.within).
# One setting's sizes: a model keeps 13 p x p bases (7 MB at p = 256), and the browser's heap
# never shrinks; the page itself keeps every frame it has shown.
_TRAINED = Recent(MAX_SIZES)
_EXPERIMENTS = Recent(2)  # (d, p, seed) -> H.Experiment: features and test moments shared by every n
_THEORY_RUNS = Recent(12)  # (d, p, seed, n) -> H.Experiment.train result


def parse_sizes(text: str, name: str = "sizes", bounds: tuple[int, int] = SIZE_RANGE) -> list[int]:
    """'8, 16, 32' -> [8, 16, 32]; a named error for anything else."""
    sizes = set()
    for part in (p.strip() for p in text.split(",")):
        if not part.isdigit():
            raise ParamError(name, f"must list whole numbers like 8, 16, 32, got {part!r}")
        n = int(part)
        if not bounds[0] <= n <= bounds[1]:
            raise ParamError(name, f"must list sizes between {bounds[0]} and {bounds[1]}, got {n}")
        sizes.add(n)
    if not 2 <= len(sizes) <= MAX_SIZES:
        raise ParamError(name, f"must list 2 to {MAX_SIZES} different sizes, to fit a slope; got {len(sizes)}")
    return sorted(sizes)


def _trained_key(cfg: dict, seed: int, n: int) -> tuple:
    return (cfg["dataset"], cfg["schedule"], cfg["features"], seed, n)


def _has_trained(cfg: dict, seed: int, n: int) -> bool:
    """Whether a run that covers this budget is cached."""
    key = _trained_key(cfg, seed, n)
    return key in _TRAINED and _TRAINED[key]["steps"][-1] >= 10 ** cfg["budget"]


def _keep(cfg: dict, seed: int, n: int, run: dict) -> None:
    if not _has_trained(cfg, seed, n):
        run.setdefault("views", {})  # samples drawn for the view, shared by every budget's reading of the run
        _TRAINED.put(_trained_key(cfg, seed, n), run)


def _trained(cfg: dict, seed: int, n: int) -> dict:
    if not _has_trained(cfg, seed, n):
        _keep(cfg, seed, n, result_of(_training(cfg, seed, n)))
    return W.within(_TRAINED[_trained_key(cfg, seed, n)], 10 ** cfg["budget"])


def window(cfg: dict, seed: int, runs: list[dict], sizes: list[int]) -> dict:
    """The generalization-window part of a frame, from the sizes trained so far."""
    sweep = [{"n": r["n"], "tau_gen": r["tau_gen"], "tau_mem": r["tau_mem"], "chance": round(r["chance"], 4),
              "final_f_mem": r["f_mem"][-1]} for r in runs]
    out = {"sizes": sizes, "sweep": sweep,
           "tau_gen_slope": W.loglog_slope([s["n"] for s in sweep], [s["tau_gen"] for s in sweep]),
           "tau_mem_slope": W.loglog_slope([s["n"] for s in sweep], [s["tau_mem"] for s in sweep]),
           "rules": {"tau_gen": f"test loss has made {W.GEN_SHARE:.0%} of its drop",
                     "tau_mem": "f_mem halfway from chance to 1"}}
    nearest = _nearest(cfg, sizes)
    shown = next((r for r in runs if r["n"] == nearest), None)
    if shown is not None and "model" not in shown:  # trained on a helper worker: train it here to draw from it
        _TRAINED.pop(_trained_key(cfg, seed, nearest))
        shown = _trained(cfg, seed, nearest)
    if shown is not None:
        steps = 10 ** cfg["view_time"]
        views = shown.setdefault("views", {})  # kept with the model: scrubbing t must not resample
        if steps not in views:
            views[steps] = shown["model"].sample(steps, shown["start"], np.random.default_rng([seed, 3]))
        samples = views[steps]
        out["shown"] = {k: shown[k] for k in ("n", "steps", "train_loss", "test_loss", "quality", "f_mem", "chance", "tau_gen", "tau_mem")}
        out["shown"].update(points=np.round(shown["points"], 4).tolist(), samples=np.round(samples, 4).tolist(),
                            view_steps=steps, view_f_mem=float(W.memorized(samples, shown["points"]).mean()),
                            view_quality=W.on_data(DATASETS[cfg["dataset"]], samples))
    return out


def _theory_key(cfg: dict, seed: int, n: int) -> tuple:
    return (cfg["theory_dim"], cfg["theory_features"], seed, n)


def _theory_run(cfg: dict, seed: int, n: int) -> dict:
    key = _theory_key(cfg, seed, n)
    if key not in _THEORY_RUNS:
        shared = (cfg["theory_dim"], cfg["theory_features"], seed)
        if shared not in _EXPERIMENTS:
            _EXPERIMENTS.put(shared, H.Experiment(*shared))
        _THEORY_RUNS.put(key, _EXPERIMENTS[shared].train(n))
    return _THEORY_RUNS[key]


def _theory(cfg: dict, seed: int, runs: list[dict]) -> dict:
    return H.summary(cfg["theory_dim"], cfg["theory_features"], runs) if runs else None


def _reverse_run(cfg: dict, seed: int, abar: np.ndarray) -> dict:
    key = (cfg["dataset"], cfg["schedule"], cfg["samples"], seed)
    if key not in _REVERSED:
        rng = np.random.default_rng([seed, 1])
        _REVERSED.put(key, D.reverse(D.exact_score(DATASETS[cfg["dataset"]], abar), abar, rng.normal(size=(cfg["samples"], 2)), rng,
                                       keep_every=KEEP_EVERY))
    return _REVERSED[key]


def quality(mixture: D.GaussianMixture, points: np.ndarray, reference: np.ndarray) -> dict:
    """How close `points` are to the data law: mean log-density under the true mixture (next
    to the same for fresh data) and the share of points within 3 std of a component mean."""
    return {"log_density": float(mixture.log_density(points).mean()),
            "data_log_density": float(mixture.log_density(reference).mean()),
            "on_data": W.on_data(mixture, points)}


def _todo(cfg: dict, seed: int) -> dict:
    """The trainings a run of these settings still has to do (the caches hold the rest): part
    key -> cost, in the order the run does them. Progress and parts are shared out by cost."""
    todo = {f"2d:{n}": W.cost(cfg["features"], n) for n in parse_sizes(cfg["sizes"])
            if not _has_trained(cfg, seed, n)}
    todo.update({f"theory:{n}": H.cost(cfg["theory_dim"], cfg["theory_features"], n)
                 for n in parse_sizes(cfg["theory_sizes"], "theory_sizes", THEORY_SIZE_RANGE)
                 if _theory_key(cfg, seed, n) not in _THEORY_RUNS})
    return todo


def _nearest(cfg: dict, sizes: list[int]) -> int:
    """The listed size shown: editing the sizes can drop the n shown, so the nearest one."""
    return min(sizes, key=lambda n: (abs(n - cfg["shown_n"]), n))


def parts(cfg: dict, seed: int) -> list[dict]:
    """Each training-set size's training, 2-D and high-dimensional, is independent of the others,
    so the browser may train some on helper workers (kit.parts). The size shown stays here: its
    model draws the samples, and a model does not travel (a helper's result keeps the curves)."""
    todo = _todo(cfg, seed)
    total = sum(todo.values()) or 1.0
    shown = f"2d:{_nearest(cfg, parse_sizes(cfg['sizes']))}"
    return [{"key": key, "cost": cost / total} for key, cost in todo.items() if key != shown]


def _training(cfg: dict, seed: int, n: int):
    """W.training of the 2-D model on n points at these settings."""
    return W.training(DATASETS[cfg["dataset"]], D.alpha_bar(cfg["schedule"]), n, cfg["features"], 10 ** cfg["budget"], seed)


def part(cfg: dict, seed: int, key: str):
    """One size's training: the 2-D curves and times without the model, or a theory run."""
    kind, n = key.split(":")
    if kind == "theory":
        yield from ()  # a theory run is short: no progress within it
        return _theory_run(cfg, seed, int(n))
    run = yield from _training(cfg, seed, int(n))
    return {k: v for k, v in run.items() if k not in MODEL_ONLY}


MODEL_ONLY = ("model", "start", "points")  # what only the size shown needs, and a part does not return


def _processes(cfg: dict, seed: int) -> dict:
    """Part 1: the forward and reverse processes at the time t shown. The reverse process uses the
    exact score, so it needs no training: a change of t or of the samples redraws only this."""
    if cfg["t"] % KEEP_EVERY:
        raise ParamError("t", f"must be a multiple of {KEEP_EVERY}, got {cfg['t']}")
    mixture = DATASETS[cfg["dataset"]]
    abar = D.alpha_bar(cfg["schedule"])
    rng = np.random.default_rng([seed, 0])
    x0 = mixture.sample(rng, cfg["samples"])
    xt = D.forward(x0, rng.normal(size=x0.shape), abar[cfg["t"]])
    snapshots = _reverse_run(cfg, seed, abar)
    a = float(abar[cfg["t"]])
    grid = list(range(0, D.T + 1, KEEP_EVERY))
    return {
        "alpha_bar": a, "signal": math.sqrt(a), "noise_std": math.sqrt(1 - a),
        "snr": a / (1 - a) if a < 1 else None,
        "forward_points": np.round(xt, 4).tolist(),
        "reverse_points": np.round(snapshots[cfg["t"]], 4).tolist(),
        "curve_t": grid,
        "alpha_bar_curves": {s: [round(float(v), 6) for v in D.alpha_bar(s)[grid]] for s in D.SCHEDULES},
        "final": quality(mixture, snapshots[0], x0),
        "means": mixture.means.tolist(), "std": mixture.std,
    }


def reframe(cfg: dict, seed: int, shown: dict) -> dict | None:
    """A change of t or of the samples keeps `shown`'s trained sweeps and redraws part 1 (about
    0.1 s, where the trainings take seconds). The n shown and its training time need the models."""
    if any(cfg[name] != shown["params"][name] for name in ("shown_n", "view_time")):
        return None
    return {**shown, **_processes(cfg, seed)}


def steps(cfg: dict, seed: int):
    frame = _processes(cfg, seed)
    sizes = parse_sizes(cfg["sizes"])
    theory_sizes = parse_sizes(cfg["theory_sizes"], "theory_sizes", THEORY_SIZE_RANGE)
    if cfg["view_time"] > cfg["budget"]:
        raise ParamError("view_time", f"must be within the training budget (10^{cfg['budget']} steps), got 10^{cfg['view_time']}")
    # Parts 2 and 3: a frame before each training, so the page shows the sweeps filling in;
    # a setting already trained (scrubbing t, switching n) goes straight to the end. Progress
    # is shared out by each training's cost. Sizes that helper workers train join when they arrive.
    costs = _todo(cfg, seed)
    handed = yield Handed()
    total, done = sum(costs.values()) or 1.0, 0.0
    runs: list[dict] = []
    theory_runs: list[dict] = []
    for n in sizes:
        if f"2d:{n}" in costs:
            partial = {**frame, **window(cfg, seed, runs, sizes), "theory": None, "done": False, "progress": done / total}
            yield partial
            done += costs[f"2d:{n}"]
            if f"2d:{n}" in handed:
                _keep(cfg, seed, n, (yield Need(f"2d:{n}", "training")))
            else:  # trained here a piece at a time, so that the worker can answer the reader between pieces
                _keep(cfg, seed, n, (yield from reported(_training(cfg, seed, n), partial, costs[f"2d:{n}"] / total, "training")))
        runs.append(_trained(cfg, seed, n))
    frame.update(window(cfg, seed, runs, sizes))
    for n in theory_sizes:
        if f"theory:{n}" in costs:
            yield {**frame, "theory": _theory(cfg, seed, theory_runs), "done": False, "progress": done / total}
            done += costs[f"theory:{n}"]
        if f"theory:{n}" in handed:
            _THEORY_RUNS.put(_theory_key(cfg, seed, n), (yield Need(f"theory:{n}", "training")))
        theory_runs.append(_theory_run(cfg, seed, n))
    yield {**frame, "theory": _theory(cfg, seed, theory_runs), "done": True, "progress": 1.0}


READOUTS = [
    Readout("alpha_bar", "ᾱₜ (signal variance kept)", ".4f"),
    Readout("signal", "√ᾱₜ (scale of the data)", ".3f"),
    Readout("noise_std", "√(1−ᾱₜ) (noise std)", ".3f"),
    Readout("snr", "SNR = ᾱₜ / (1−ᾱₜ)", ".3g"),
]


def table(result: dict) -> dict:
    """The sweep: one row per training-set size (the points are in the JSON/CSV export)."""
    def rounded(v):
        return "beyond budget" if v is None else round(v)
    rows = [[s["n"], rounded(s["tau_gen"]), rounded(s["tau_mem"]), f"{s['chance']:.0%}", f"{s['final_f_mem']:.0%}"] for s in result["sweep"]]
    return {"caption": f"Generalization window per training-set size (budget 10^{result['params']['budget']} steps)",
            "columns": ["n", "τ_gen (steps)", "τ_mem (steps)", "f_mem of fresh data (chance)", "f_mem at the budget"], "rows": rows}
