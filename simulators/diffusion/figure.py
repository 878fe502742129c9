"""The diffusion simulator's figure: the process (forward and exact reverse at time t, the
schedules) above the generalization window (curves, losses, τ against n, samples), then the
paper's high-dimensional experiment (score error and losses over training, τ against n)."""

from __future__ import annotations

import math

import numpy as np

from ..kit import svg
from .process import SCHEDULES, T
from .training import GEN_SHARE

TITLE = "Diffusion: the process, and when training starts to memorize"


def _cloud(panel: svg.Panel, points, colour: str) -> list[str]:
    inside = [(x, y) for x, y in points if panel.x0 <= x <= panel.x1 and panel.y0 <= y <= panel.y1]
    return [panel.dots([x for x, _ in inside], [y for _, y in inside], colour)] if inside else []


def render(result: dict) -> str:
    cfg = result["params"]
    t = cfg["t"]
    desc = (f"{cfg['samples']} points of the '{cfg['dataset']}' mixture noised to t = {t} with the {cfg['schedule']} schedule "
            f"(ᾱ = {result['alpha_bar']:.4f}), beside points denoised from pure noise by the exact-score reverse process. "
            f"Below, random-features score models trained on {', '.join(map(str, result['sizes']))} points: "
            + "; ".join(f"n = {s['n']}: τ_gen {_steps(s['tau_gen'])}, τ_mem {_steps(s['tau_mem'])}" for s in result["sweep"]) + ".")
    theory = result.get("theory")
    if theory:
        desc += (f" In d = {theory['d']} with p = {theory['p']} features: "
                 + "; ".join(f"n = {s['n']}: τ_gen {_time(s['tau_gen'])}, τ_mem {_time(s['tau_mem'])}" for s in theory["sweep"])
                 + f"; fitted slopes {_slope(theory['tau_gen_slope'])} and {_slope(theory['tau_mem_slope'])}.")
    return svg.panels(TITLE, desc, _process_panels(result) + _window_panels(result) + _theory_panels(result))


def _process_panels(result: dict) -> list[str]:
    """The noised data and the exact reverse process at time t, and the schedules."""
    cfg = result["params"]
    t = cfg["t"]
    parts = []
    for title, key, colour in ((f"Forward (noised data) at t = {t}", "forward_points", svg.PALETTE[0]),
                               (f"Reverse (exact score) at t = {t}", "reverse_points", svg.PALETTE[1])):
        panel = svg.Panel(56, 34, 264, 264, (-4.0, 4.0), (-4.0, 4.0))
        body = panel.axes("x₁", "x₂", title)
        scale = result["signal"]  # where the noised mixture's means sit at time t
        body += [f'<circle cx="{panel.px(scale * mx):.1f}" cy="{panel.py(scale * my):.1f}" r="3.5" fill="none" stroke="{svg.MUTED}"/>'
                 for mx, my in result["means"]]
        body += _cloud(panel, result[key], colour)
        body.append(svg.text(20, 362, "Grey rings: the component means, scaled by √ᾱₜ.", "start", 12, svg.MUTED))
        parts.append(svg.panel(376, title, body))
    curves = svg.Panel(56, 34, 264, 200, (0, T), (0, 1))
    body = curves.axes("time step t", "ᾱₜ", "Signal kept, ᾱₜ")
    for s, dash in zip(SCHEDULES, ("", "6 3")):
        body.append(curves.polyline(result["curve_t"], result["alpha_bar_curves"][s], svg.FG if s == cfg["schedule"] else svg.MUTED, 2, dash, s))
    body.append(curves.vline(t, svg.PALETTE[1], 1.5))
    body += svg.legend(20, 290, [(svg.FG if s == cfg["schedule"] else svg.MUTED, d, f"{s} schedule") for s, d in zip(SCHEDULES, ("", "6 3"))]
                       + [(svg.PALETTE[1], "", f"t = {t}")], columns=2)
    snr = "∞" if result["snr"] is None else f"{result['snr']:.3g}"
    final = result["final"]
    lines, y = svg.paragraph(20, 336, f"At t = {t}: ᾱ = {result['alpha_bar']:.4f}, data scaled by {result['signal']:.3f}, "
                             f"noise std {result['noise_std']:.3f}, SNR {snr}.", 300)
    more, y = svg.paragraph(20, y + 4, f"Reverse samples at t = 0: mean log-density {final['log_density']:.2f} under the true "
                            f"mixture (fresh data: {final['data_log_density']:.2f}); {final['on_data']:.0%} lie within 3σ of a component.", 300)
    parts.append(svg.panel(max(376, y), "The noise schedules: signal kept against time step", body + lines + more))
    return parts


def _steps(v) -> str:
    return "beyond the budget" if v is None else f"{v:,.0f} steps"


def _slope(v) -> str:
    return "–" if v is None else f"{v:.2f}"


def _window_panels(result: dict) -> list[str]:
    """The generalization window of the models trained on the chosen n, the τs against n, and
    the samples at the chosen training time."""
    shown = result.get("shown")
    budget = 10 ** result["params"]["budget"]
    decades = [10**e for e in range(0, result["params"]["budget"] + 1)]
    head = [svg.text(12, 20, "Score models trained on n points", "start", 14, svg.FG, "600"),
            svg.text(12, 44, "Show n =", "start", 12, svg.FG)]
    per_row = 4
    for i, n in enumerate(result["sizes"]):
        row, col = divmod(i, per_row)
        head.append(svg.button(70 + 64 * col, 28 + 34 * row, 58, f"{n}", "shown_n", str(n), f"diffusion-n-{n}",
                               n == (shown or {}).get("n")))
    top = 28 + 34 * ((len(result["sizes"]) - 1) // per_row + 1) + 30
    if shown is None:
        trained = len(result["sweep"])
        return [svg.panel(top + 40, "Score models trained on n points", head + [
            svg.text(12, top + 10, f"Training: {trained} of {len(result['sizes'])} sizes done…", "start", 13, svg.MUTED)], interactive=True)]
    curves = svg.Panel(56, top, 264, 190, (1, budget), (0, 1), xlog=True)
    body = head + _sample_curves(curves, shown, budget, decades)
    loss = svg.Panel(64, 34, 256, 200, (1, budget), (max(min(shown["train_loss"] + shown["test_loss"]) * 0.9, 1e-3),
                                                     max(shown["train_loss"] + shown["test_loss"]) * 1.1), xlog=True, ylog=True)
    loss_body = _loss_curves(loss, shown, decades)
    for tau, colour in ((shown["tau_gen"], svg.PALETTE[2]), (shown["tau_mem"], svg.PALETTE[1])):
        if tau is not None:
            body.append(curves.vline(tau, colour, 1.5))
            loss_body.append(loss.vline(tau, colour, 1.5))
    window = svg.panel(top + 190 + 100, f"n = {shown['n']}: generated samples over training, the window shaded", body, interactive=True)
    return [window, svg.panel(310, f"n = {shown['n']}: train and test loss over training", loss_body),
            _tau_panel(result, budget, decades), _samples_panel(result, shown)]


def _sample_curves(panel: svg.Panel, shown: dict, budget: int, decades: list[int]) -> list[str]:
    """What the samples look like over training, with the window [τ_gen, τ_mem] shaded."""
    steps = shown["steps"]
    body = panel.axes("gradient steps", "share of samples", f"n = {shown['n']}: generated samples", xticks=decades)
    gen, mem = shown["tau_gen"], shown["tau_mem"]
    if gen is not None:
        body.append(panel.band(gen, mem if mem is not None else budget, svg.PALETTE[2], 0.15, "window [τ_gen, τ_mem]"))
    body.append(panel.polyline(steps, shown["quality"], svg.PALETTE[0], 2, "", "on the data (within 3σ of a component)"))
    body.append(panel.polyline(steps, shown["f_mem"], svg.PALETTE[1], 2, "", "memorized (f_mem)"))
    body.append(panel.polyline([1, budget], [shown["chance"]] * 2, svg.MUTED, 1.5, "4 3", "f_mem of fresh data (chance)"))
    body.append(panel.vline(shown["view_steps"], svg.FG, 1, "2 2"))
    return body + svg.legend(20, panel.y + panel.h + 58, [(svg.PALETTE[0], "", "on the data"), (svg.PALETTE[1], "", "memorized"),
                                                          (svg.MUTED, "4 3", "chance"), (svg.PALETTE[2], "", "τ_gen, window shaded")], columns=2)


def _loss_curves(panel: svg.Panel, shown: dict, decades: list[int]) -> list[str]:
    """The losses, read for τ_gen."""
    body = panel.axes("gradient steps", "denoising loss", "Train and test loss", xticks=decades)
    body.append(panel.polyline(shown["steps"], shown["train_loss"], svg.PALETTE[3], 2, "", "train loss"))
    body.append(panel.polyline(shown["steps"], shown["test_loss"], svg.PALETTE[4], 2, "", "test loss"))
    return body + svg.legend(20, 292, [(svg.PALETTE[3], "", "train"), (svg.PALETTE[4], "", "test"),
                                       (svg.PALETTE[2], "", "τ_gen"), (svg.PALETTE[1], "", "τ_mem")], columns=4)


def _tau_panel(result: dict, budget: int, decades: list[int], unit: str = "steps", bottom: float = 1,
               title: str = "The two times against the training-set size n, log-log",
               never: str = "A chevron on top: not reached within the budget.") -> str:
    """τ against n, log-log, with fitted slopes; sizes that never memorized sit on the top edge."""
    sizes = [s["n"] for s in result["sweep"]]
    taus = svg.Panel(64, 34, 256, 200, (min(sizes) / 1.25, max(sizes) * 1.25), (bottom, budget * 3), xlog=True, ylog=True)
    body = taus.axes("training-set size n", unit, "τ against n (log-log)", xticks=sizes, yticks=decades)
    for key, colour, name in (("tau_gen", svg.PALETTE[2], "τ_gen"), ("tau_mem", svg.PALETTE[1], "τ_mem")):
        measured = [(s["n"], s[key]) for s in result["sweep"] if s[key] is not None]
        body += taus.points([n for n, _ in measured], [v for _, v in measured], colour, 4,
                            [f"{name}(n = {n}) = {v:,.3g} {unit}" for n, v in measured])
        for s in result["sweep"]:
            if s[key] is None:
                px, py = taus.px(s["n"]), taus.py(budget * 2)
                body.append(f'<path d="M{px - 5:.1f},{py + 4:.1f} L{px:.1f},{py - 5:.1f} L{px + 5:.1f},{py + 4:.1f}" fill="none" stroke="{colour}" stroke-width="2">'
                            + svg.tooltip(f"{name}(n = {s['n']}) beyond the budget") + "</path>")
        if len(measured) >= 2:
            ln, lv = np.log10(np.array(measured, dtype=float)).T
            slope, icpt = np.polyfit(ln, lv, 1)
            ends = [min(sizes), max(sizes)]
            body.append(taus.polyline(ends, [10 ** (icpt + slope * math.log10(n)) for n in ends], colour, 1.5, "5 3", f"{name} fit"))
    body += svg.legend(20, 292, [(svg.PALETTE[2], "dot", f"τ_gen, fitted slope {_slope(result['tau_gen_slope'])}"),
                                 (svg.PALETTE[1], "dot", f"τ_mem, fitted slope {_slope(result['tau_mem_slope'])}")])
    body.append(svg.text(20, 330, never, "start", 12, svg.MUTED))
    return svg.panel(344, title, body)


def _samples_panel(result: dict, shown: dict) -> str:
    """Samples at the chosen training time, over the training points, and what was read off."""
    cloud = svg.Panel(56, 34, 264, 264, (-4.0, 4.0), (-4.0, 4.0))
    body = cloud.axes("x₁", "x₂", f"After {shown['view_steps']:,.0f} steps")
    body += _cloud(cloud, shown["samples"], svg.PALETTE[0])
    body += [f'<circle cx="{cloud.px(px):.1f}" cy="{cloud.py(py):.1f}" r="5" fill="none" stroke="{svg.PALETTE[1]}" stroke-width="1.5"/>'
             for px, py in shown["points"]]
    text = (f"Red rings: the {shown['n']} training points; blue: samples from the model after {shown['view_steps']:,.0f} steps. "
            f"{shown['view_f_mem']:.0%} of them memorized (fresh data: {shown['chance']:.0%} by chance), "
            f"{shown['view_quality']:.0%} on the data. τ_gen = {_steps(shown['tau_gen'])}: the test loss has made "
            f"{GEN_SHARE:.0%} of its drop. τ_mem = {_steps(shown['tau_mem'])}: the memorized share is halfway from chance to 100%.")
    lines, y = svg.paragraph(20, 362, text, 300)
    return svg.panel(y, f"Samples after {shown['view_steps']:,.0f} steps over the training points", body + lines)


def _time(v) -> str:
    return "never" if v is None else f"{v:.3g}"


def _theory_panels(result: dict) -> list[str]:
    """The paper's experiment in d dimensions: score error and losses against training time
    for each n, and the two times read off them against n."""
    theory = result.get("theory")
    if not theory:
        return [svg.panel(80, "The paper's experiment in high dimension", [
            svg.text(12, 20, "The paper's experiment in high dimension", "start", 14, svg.FG, "600"),
            svg.text(12, 50, "Training: waiting for the two-dimensional part…", "start", 13, svg.MUTED)])]
    times, curves = theory["times"], theory["curves"]
    colours = {c["n"]: svg.PALETTE[i % len(svg.PALETTE)] for i, c in enumerate(curves)}
    decades = [10.0**e for e in range(-3, 6, 2)]
    highest = min(max(max(c["score"]) for c in curves), 1e4)
    score = svg.Panel(64, 76, 256, 200, (times[0], times[-1]), (min(min(c["score"]) for c in curves) * 0.7, highest * 1.5),
                      xlog=True, ylog=True)
    body = score.axes("training time τ", "score error", "Distance to the true score", xticks=decades)
    body += [svg.text(12, 20, "The paper's own experiment", "start", 14, svg.FG, "600"),
             svg.text(12, 40, f"Gaussian data in d = {theory['d']}, p = {theory['p']} features, t = {theory['t']}", "start", 12, svg.MUTED)]
    loss = svg.Panel(64, 76, 256, 200, (times[0], times[-1]), (0, 1.2), xlog=True)
    loss_body = loss.axes("training time τ", "loss (per dimension)", "Train (solid) and test (dashed) loss", xticks=decades)
    for c in curves:
        colour, run = colours[c["n"]], next(s for s in theory["sweep"] if s["n"] == c["n"])
        body.append(score.polyline(times, c["score"], colour, 2, "", f"n = {c['n']}"))
        loss_body.append(loss.polyline(times, c["train"], colour, 2, "", f"n = {c['n']}: train loss"))
        loss_body.append(loss.polyline(times, [min(v, 1.2) for v in c["test"]], colour, 1.5, "5 3", f"n = {c['n']}: test loss"))
        if run["tau_gen"] is not None:
            body += score.points([run["tau_gen"]], [_at(times, c["score"], run["tau_gen"])], colour, 4,
                                 [f"τ_gen(n = {c['n']}) = {run['tau_gen']:.3g}"])
        if run["tau_mem"] is not None:
            loss_body += loss.points([run["tau_mem"]], [_at(times, c["train"], run["tau_mem"])], colour, 4,
                                     [f"τ_mem(n = {c['n']}) = {run['tau_mem']:.3g}"])
    entries = [(colours[c["n"]], "", f"n = {c['n']}") for c in curves]
    body += svg.legend(20, 334, entries, columns=3)
    rules = theory["rules"]
    lines, y = svg.paragraph(20, 334 + 17 * ((len(entries) + 2) // 3) + 4, f"Dots: τ_gen, the {rules['tau_gen']}.", 300, 12, svg.MUTED)
    loss_body += svg.legend(20, 334, entries, columns=3)
    more, y2 = svg.paragraph(20, 334 + 17 * ((len(entries) + 2) // 3) + 4,
                             f"Dots: τ_mem, the {rules['tau_mem']}. Test losses above 1.2 are drawn at the top.", 300, 12, svg.MUTED)
    head = (f"The paper's experiment: Gaussian data in d = {theory['d']}, p = {theory['p']} random features, "
            f"diffusion time t = {theory['t']}")
    return [svg.panel(y, head, body + lines), svg.panel(y2, "Memorization shows in the train loss", loss_body + more),
            _tau_panel(theory, times[-1], decades, "training time τ", times[0],
                       f"In d = {theory['d']}: the two times against n, log-log",
                       "A chevron on top: never memorizes, however long.")]


def _at(xs: list[float], ys: list[float], x: float) -> float:
    """A curve's value at x, interpolated in log x (where the dot marking a time sits)."""
    return float(np.interp(math.log10(x), np.log10(xs), ys))
