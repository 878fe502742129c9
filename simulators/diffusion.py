"""Diffusion in two parts, on 2-D Gaussian mixtures.

1. The process: noise a point cloud forward and denoise it back with the exact score, on a
   timeline the reader scrubs. Mixtures have noised laws and scores in closed form
   (`diffusion_process`), so this reverse process is the ideal one a perfectly trained model
   would run. It is computed once per setting and cached: moving the timeline re-reads it.
2. The generalization window: a random-features score model trained on n points for each n
   the reader lists (`diffusion_training`); tau_gen and tau_mem are read off its curves and
   plotted against n. Each n's training is cached too, so switching the n shown or the
   training time of the samples shown only re-reads it.
"""

from __future__ import annotations

import math

import numpy as np

from . import diffusion_process as D
from . import diffusion_training as W
from . import params as P
from . import svg
from .recent import Recent
from .stepping import last_frame

NAME = "diffusion"
TITLE = "Diffusion: the process, and when training starts to memorize"
KEEP_EVERY = 10  # reverse snapshots kept every 10 steps: the timeline moves in steps of 10


def _ring(k: int, radius: float) -> np.ndarray:
    angles = np.arange(k) * 2 * math.pi / k
    return radius * np.c_[np.cos(angles), np.sin(angles)]


DATASETS = {
    "ring of 8": D.GaussianMixture(_ring(8, 2.0), 0.15),
    "two blobs": D.GaussianMixture([[-1.5, 0.0], [1.5, 0.0]], 0.4),
    "grid of 9": D.GaussianMixture([[x, y] for x in (-2.0, 0.0, 2.0) for y in (-2.0, 0.0, 2.0)], 0.2),
}

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
    {"name": "features", "kind": "int", "default": 256, "min": 64, "max": 512, "step": 64,
     "label": "Random features p", "help": "Fixed random tanh features per noise level; only their output weights are trained."},
    {"name": "budget", "kind": "int", "default": 7, "min": 3, "max": 7, "step": 1,
     "label": "Training budget (10^x steps)", "help": "How long each model trains: 10^x full-batch gradient steps."},
    {"name": "shown_n", "kind": "int", "default": 8, "min": 2, "max": 128, "step": 1,
     "label": "n shown", "help": "Which training set's curves and samples to show (the nearest of the sizes)."},
    {"name": "view_time", "kind": "float", "default": 3.0, "min": 0.0, "max": 7.0, "step": 0.25,
     "label": "Samples after 10^x steps", "help": "Training time at which the model generates the samples shown."},
]
SIZE_RANGE, MAX_SIZES = (2, 128), 5

_REVERSED = Recent(4)  # setting -> reverse-process snapshots {t: points}
_TRAINED = Recent(12)  # (setting, n) -> W.train_curves result, so a re-read costs no training


def parse_sizes(text: str) -> list[int]:
    """'8, 16, 32' -> [8, 16, 32]; a named error for anything else."""
    sizes = set()
    for part in (p.strip() for p in text.split(",")):
        if not part.isdigit():
            raise ValueError(f"parameter 'sizes': {part!r} is not a whole number (write sizes like 8, 16, 32)")
        n = int(part)
        if not SIZE_RANGE[0] <= n <= SIZE_RANGE[1]:
            raise ValueError(f"parameter 'sizes': n = {n} is out of range: allowed {SIZE_RANGE[0]} to {SIZE_RANGE[1]}")
        sizes.add(n)
    if not 2 <= len(sizes) <= MAX_SIZES:
        raise ValueError(f"parameter 'sizes' lists {len(sizes)} different size(s): give 2 to {MAX_SIZES}, to fit a slope")
    return sorted(sizes)


def _trained_key(cfg: dict, seed: int, n: int) -> tuple:
    return (cfg["dataset"], cfg["schedule"], cfg["features"], cfg["budget"], seed, n)


def _trained(cfg: dict, seed: int, n: int, abar: np.ndarray) -> dict:
    key = _trained_key(cfg, seed, n)
    if key not in _TRAINED:
        _TRAINED.put(key, W.train_curves(DATASETS[cfg["dataset"]], abar, n, cfg["features"], 10 ** cfg["budget"], seed))
    return _TRAINED[key]


def window(cfg: dict, seed: int, runs: list[dict], sizes: list[int]) -> dict:
    """The generalization-window part of a frame, from the sizes trained so far."""
    sweep = [{"n": r["n"], "tau_gen": r["tau_gen"], "tau_mem": r["tau_mem"], "chance": round(r["chance"], 4),
              "final_f_mem": r["f_mem"][-1]} for r in runs]
    out = {"sizes": sizes, "sweep": sweep,
           "tau_gen_slope": W.loglog_slope([s["n"] for s in sweep], [s["tau_gen"] for s in sweep]),
           "tau_mem_slope": W.loglog_slope([s["n"] for s in sweep], [s["tau_mem"] for s in sweep]),
           "rules": {"tau_gen": f"test loss has made {W.GEN_SHARE:.0%} of its drop",
                     "tau_mem": "f_mem halfway from chance to 1"}}
    # Editing the sizes can drop the n shown: show the nearest listed one rather than fail.
    nearest = min(sizes, key=lambda n: (abs(n - cfg["shown_n"]), n))
    shown = next((r for r in runs if r["n"] == nearest), None)
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


def steps(params: dict | None, seed: int = 0):
    cfg = P.validate(PARAMS, params)
    seed = P.validate_seed(seed)
    if cfg["t"] % KEEP_EVERY:
        raise ValueError(f"parameter 't' = {cfg['t']} must be a multiple of {KEEP_EVERY}")
    sizes = parse_sizes(cfg["sizes"])
    if cfg["view_time"] > cfg["budget"]:
        raise ValueError(f"parameter 'view_time' = {cfg['view_time']} is past the training budget (10^{cfg['budget']} steps)")
    mixture = DATASETS[cfg["dataset"]]
    abar = D.alpha_bar(cfg["schedule"])
    rng = np.random.default_rng([seed, 0])
    x0 = mixture.sample(rng, cfg["samples"])
    xt = D.forward(x0, rng.normal(size=x0.shape), abar[cfg["t"]])
    snapshots = _reverse_run(cfg, seed, abar)
    a = float(abar[cfg["t"]])
    grid = list(range(0, D.T + 1, KEEP_EVERY))
    frame = {
        "params": cfg, "seed": seed,
        "alpha_bar": a, "signal": math.sqrt(a), "noise_std": math.sqrt(1 - a),
        "snr": a / (1 - a) if a < 1 else None,
        "forward_points": np.round(xt, 4).tolist(),
        "reverse_points": np.round(snapshots[cfg["t"]], 4).tolist(),
        "curve_t": grid,
        "alpha_bar_curves": {s: [round(float(v), 6) for v in D.alpha_bar(s)[grid]] for s in D.SCHEDULES},
        "final": quality(mixture, snapshots[0], x0),
        "means": mixture.means.tolist(), "std": mixture.std,
    }
    # Part 2: a frame before each size that needs training, so the page shows the sweep
    # filling in; a setting already trained (scrubbing t, switching n) goes straight to the end.
    runs: list[dict] = []
    for i, n in enumerate(sizes):
        if _trained_key(cfg, seed, n) not in _TRAINED:
            yield {**frame, **window(cfg, seed, runs, sizes), "done": False, "progress": i / len(sizes)}
        runs.append(_trained(cfg, seed, n, abar))
    yield {**frame, **window(cfg, seed, runs, sizes), "done": True, "progress": 1.0}


def run(params: dict | None, seed: int = 0) -> dict:
    return last_frame(steps, params, seed)


READOUTS = [
    {"key": "alpha_bar", "label": "ᾱ_t (signal variance kept)", "format": ".4f"},
    {"key": "signal", "label": "√ᾱ_t (scale of the data)", "format": ".3f"},
    {"key": "noise_std", "label": "√(1−ᾱ_t) (noise std)", "format": ".3f"},
    {"key": "snr", "label": "SNR = ᾱ_t / (1−ᾱ_t)", "format": ".3g"},
]


def table(result: dict) -> dict:
    """The sweep: one row per training-set size (the points are in the JSON/CSV export)."""
    def rounded(v):
        return "beyond budget" if v is None else round(v)
    rows = [[s["n"], rounded(s["tau_gen"]), rounded(s["tau_mem"]), f"{s['chance']:.0%}", f"{s['final_f_mem']:.0%}"] for s in result["sweep"]]
    return {"caption": f"Generalization window per training-set size (budget 10^{result['params']['budget']} steps)",
            "columns": ["n", "τ_gen (steps)", "τ_mem (steps)", "f_mem of fresh data (chance)", "f_mem at the budget"], "rows": rows}


def _cloud(panel: svg.Panel, points, colour: str) -> list[str]:
    return [f'<circle cx="{panel.px(x):.1f}" cy="{panel.py(y):.1f}" r="2" fill="{colour}" fill-opacity="0.6"/>'
            for x, y in points if panel.x0 <= x <= panel.x1 and panel.y0 <= y <= panel.y1]


def render(result: dict) -> str:
    cfg = result["params"]
    t = cfg["t"]
    body: list[str] = []
    lim = (-4.0, 4.0)
    for x, title, key, colour in ((60, f"Forward (noised data) at t = {t}", "forward_points", svg.PALETTE[0]),
                                  (330, f"Reverse (exact score) at t = {t}", "reverse_points", svg.PALETTE[1])):
        panel = svg.Panel(x, 40, 230, 230, lim, lim)
        body += panel.axes("x₁", "x₂", title)
        scale = result["signal"]  # where the noised mixture's means sit at time t
        body += [f'<circle cx="{panel.px(scale * mx):.1f}" cy="{panel.py(scale * my):.1f}" r="3.5" fill="none" stroke="{svg.MUTED}"/>'
                 for mx, my in result["means"]]
        body += _cloud(panel, result[key], colour)
    curves = svg.Panel(640, 40, 240, 230, (0, D.T), (0, 1))
    body += curves.axes("time step t", "ᾱ_t", "Signal kept, ᾱ_t")
    for s, dash in zip(D.SCHEDULES, ("", "6 3")):
        body.append(curves.polyline(result["curve_t"], result["alpha_bar_curves"][s], svg.FG if s == cfg["schedule"] else svg.MUTED, 2, dash, s))
    body += svg.legend(curves.x + curves.w - 80, curves.y + 16, [(svg.FG if s == cfg["schedule"] else svg.MUTED, d, s) for s, d in zip(D.SCHEDULES, ("", "6 3"))])
    x = curves.px(t)
    body.append(f'<line x1="{x:.1f}" y1="{curves.y}" x2="{x:.1f}" y2="{curves.y + curves.h}" stroke="{svg.PALETTE[1]}" stroke-width="1.5"/>')
    snr = "∞" if result["snr"] is None else f"{result['snr']:.3g}"
    final = result["final"]
    body.append(svg.text(20, 312, f"At t = {t}: ᾱ = {result['alpha_bar']:.4f}, data scaled by {result['signal']:.3f}, noise std {result['noise_std']:.3f}, SNR {snr}. "
                         "Grey rings: the component means, scaled by √ᾱ_t.", "start", 11, svg.FG))
    body.append(svg.text(20, 330, f"Reverse samples at t = 0: mean log-density {final['log_density']:.2f} under the true mixture "
                         f"(fresh data: {final['data_log_density']:.2f}); {final['on_data']:.0%} lie within 3σ of a component.", "start", 11, svg.FG))
    body += _render_window(result)
    desc = (f"{cfg['samples']} points of the '{cfg['dataset']}' mixture noised to t = {t} with the {cfg['schedule']} schedule "
            f"(ᾱ = {result['alpha_bar']:.4f}), beside points denoised from pure noise by the exact-score reverse process. "
            f"Below, random-features score models trained on {', '.join(map(str, result['sizes']))} points: "
            + "; ".join(f"n = {s['n']}: τ_gen {_steps(s['tau_gen'])}, τ_mem {_steps(s['tau_mem'])}" for s in result["sweep"]) + ".")
    return svg.figure(900, 890, TITLE, desc, body)


def _steps(v) -> str:
    return "beyond the budget" if v is None else f"{v:,.0f} steps"


def _slope(v) -> str:
    return "–" if v is None else f"{v:.2f}"


def _render_window(result: dict) -> list[str]:
    cfg = result["params"]
    budget = 10 ** cfg["budget"]
    body = [svg.text(20, 372, "The generalization window: score models trained on n points", "start", 14, svg.FG, "600")]
    decades = [10**e for e in range(0, cfg["budget"] + 1)]
    x = 900 - 20 - 66 * len(result["sizes"])
    for n in result["sizes"]:
        label = f"n = {n}"
        body.append(svg.button(x, 356, 60, label, "shown_n", str(n), f"diffusion-n-{n}", n == result.get("shown", {}).get("n")))
        x += 66
    shown = result.get("shown")
    if shown is None:
        trained = len(result["sweep"])
        body.append(svg.text(20, 420, f"Training: {trained} of {len(result['sizes'])} sizes done…", "start", 13, svg.MUTED))
        return body
    steps = shown["steps"]
    # A: what the samples look like over training, with the window shaded.
    curves = svg.Panel(60, 420, 240, 180, (1, budget), (0, 1), xlog=True)
    body += curves.axes("gradient steps", "share of samples", f"n = {shown['n']}: generated samples", xticks=decades)
    gen, mem = shown["tau_gen"], shown["tau_mem"]
    if gen is not None:
        right = curves.px(mem if mem is not None else budget)
        body.append(f'<rect x="{curves.px(gen):.1f}" y="{curves.y}" width="{max(right - curves.px(gen), 0):.1f}" height="{curves.h}" '
                    f'fill="{svg.PALETTE[2]}" fill-opacity="0.15"><title>window [τ_gen, τ_mem]</title></rect>')
    body.append(curves.polyline(steps, shown["quality"], svg.PALETTE[0], 2, "", "on the data (within 3σ of a component)"))
    body.append(curves.polyline(steps, shown["f_mem"], svg.PALETTE[1], 2, "", "memorized (f_mem)"))
    body.append(curves.polyline([1, budget], [shown["chance"]] * 2, svg.MUTED, 1.5, "4 3", "f_mem of fresh data (chance)"))
    view = curves.px(shown["view_steps"])
    body.append(f'<line x1="{view:.1f}" y1="{curves.y}" x2="{view:.1f}" y2="{curves.y + curves.h}" stroke="{svg.FG}" stroke-dasharray="2 2"/>')
    body += svg.legend(curves.x + 140, curves.y + 110, [(svg.PALETTE[0], "", "on the data"), (svg.PALETTE[1], "", "memorized"),
                                                     (svg.MUTED, "4 3", "chance")])
    # B: the losses, read for tau_gen.
    losses = shown["train_loss"] + shown["test_loss"]
    loss = svg.Panel(360, 420, 220, 180, (1, budget), (max(min(losses) * 0.9, 1e-3), max(losses) * 1.1), xlog=True, ylog=True)
    body += loss.axes("gradient steps", "denoising loss", "Train and test loss", xticks=decades)
    body.append(loss.polyline(steps, shown["train_loss"], svg.PALETTE[3], 2, "", "train loss"))
    body.append(loss.polyline(steps, shown["test_loss"], svg.PALETTE[4], 2, "", "test loss"))
    body += svg.legend(loss.x + 8, loss.y + 14, [(svg.PALETTE[3], "", "train"), (svg.PALETTE[4], "", "test")])
    for tau, colour in ((gen, svg.PALETTE[2]), (mem, svg.PALETTE[1])):
        if tau is not None:
            for panel in (curves, loss):
                px = panel.px(tau)
                body.append(f'<line x1="{px:.1f}" y1="{panel.y}" x2="{px:.1f}" y2="{panel.y + panel.h}" stroke="{colour}" stroke-width="1.5"/>')
    # C: tau against n, log-log, with fitted slopes; sizes that never memorized sit on the top edge.
    sizes = result["sizes"]
    taus = svg.Panel(650, 420, 230, 180, (min(sizes) / 1.25, max(sizes) * 1.25), (1, budget * 3), xlog=True, ylog=True)
    body += taus.axes("training-set size n", "steps", "τ against n", xticks=sizes, yticks=decades)
    for key, colour, name in (("tau_gen", svg.PALETTE[2], "τ_gen"), ("tau_mem", svg.PALETTE[1], "τ_mem")):
        measured = [(s["n"], s[key]) for s in result["sweep"] if s[key] is not None]
        body += taus.points([n for n, _ in measured], [v for _, v in measured], colour, 4,
                            [f"{name}(n = {n}) = {v:,.0f} steps" for n, v in measured])
        for s in result["sweep"]:
            if s[key] is None:
                px, py = taus.px(s["n"]), taus.py(budget * 2)
                body.append(f'<path d="M{px - 5:.1f},{py + 4:.1f} L{px:.1f},{py - 5:.1f} L{px + 5:.1f},{py + 4:.1f}" fill="none" stroke="{colour}" stroke-width="2">'
                            f"<title>{name}(n = {s['n']}) beyond the budget</title></path>")
        if len(measured) >= 2:
            ln, lv = np.log10(np.array(measured, dtype=float)).T
            slope, icpt = np.polyfit(ln, lv, 1)
            ends = [min(sizes), max(sizes)]
            body.append(taus.polyline(ends, [10 ** (icpt + slope * math.log10(n)) for n in ends], colour, 1.5, "5 3", f"{name} fit"))
    body += svg.legend(taus.x + 8, taus.y + 14, [(svg.PALETTE[2], "", f"τ_gen, slope {_slope(result['tau_gen_slope'])}"),
                                                 (svg.PALETTE[1], "", f"τ_mem, slope {_slope(result['tau_mem_slope'])}")])
    # D: samples at the chosen training time, over the training points.
    cloud = svg.Panel(60, 660, 200, 200, (-4.0, 4.0), (-4.0, 4.0))
    body += cloud.axes("x₁", "x₂", f"After {shown['view_steps']:,.0f} steps")
    body += _cloud(cloud, shown["samples"], svg.PALETTE[0])
    body += [f'<circle cx="{cloud.px(px):.1f}" cy="{cloud.py(py):.1f}" r="5" fill="none" stroke="{svg.PALETTE[1]}" stroke-width="1.5"/>'
             for px, py in shown["points"]]
    lines = [
        f"n = {shown['n']}, after {shown['view_steps']:,.0f} steps: {shown['view_f_mem']:.0%} of samples memorized "
        f"(fresh data: {shown['chance']:.0%} by chance), {shown['view_quality']:.0%} on the data.",
        "Red rings: the training points. Blue: samples generated with the model at that time.",
        f"Read off the curves: τ_gen = {_steps(gen)} (the test loss has made {W.GEN_SHARE:.0%} of its drop);",
        f"τ_mem = {_steps(mem)} (memorized share halfway from chance to 100%). Shaded: the window between.",
        f"This run: τ_gen against n has log-log slope {_slope(result['tau_gen_slope'])}; τ_mem has slope {_slope(result['tau_mem_slope'])}.",
        "The paper: τ_gen does not depend on n; τ_mem grows linearly with n (slope 1), in the high-",
        "dimensional random-features theory and in U-Nets on CelebA. This is a 2-D toy: its own numbers.",
    ]
    body += [svg.text(300, 690 + 20 * i, line, "start", 11, svg.FG) for i, line in enumerate(lines)]
    return body

