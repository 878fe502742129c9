"""The diffusion simulator's figure: the process (forward and exact reverse at time t, the
schedules) above the generalization window (curves, losses, τ against n, samples)."""

from __future__ import annotations

import math

import numpy as np

from ..kit import svg
from .process import SCHEDULES, T
from .training import GEN_SHARE

TITLE = "Diffusion: the process, and when training starts to memorize"


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
    curves = svg.Panel(640, 40, 240, 230, (0, T), (0, 1))
    body += curves.axes("time step t", "ᾱ_t", "Signal kept, ᾱ_t")
    for s, dash in zip(SCHEDULES, ("", "6 3")):
        body.append(curves.polyline(result["curve_t"], result["alpha_bar_curves"][s], svg.FG if s == cfg["schedule"] else svg.MUTED, 2, dash, s))
    body += svg.legend(curves.x + curves.w - 80, curves.y + 16, [(svg.FG if s == cfg["schedule"] else svg.MUTED, d, s) for s, d in zip(SCHEDULES, ("", "6 3"))])
    body.append(curves.vline(t, svg.PALETTE[1], 1.5))
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
    body = [svg.text(20, 372, "The generalization window: score models trained on n points", "start", 14, svg.FG, "600")]
    x = 900 - 20 - 66 * len(result["sizes"])
    for i, n in enumerate(result["sizes"]):
        body.append(svg.button(x + 66 * i, 356, 60, f"n = {n}", "shown_n", str(n), f"diffusion-n-{n}",
                               n == result.get("shown", {}).get("n")))
    shown = result.get("shown")
    if shown is None:
        trained = len(result["sweep"])
        return body + [svg.text(20, 420, f"Training: {trained} of {len(result['sizes'])} sizes done…", "start", 13, svg.MUTED)]
    budget = 10 ** result["params"]["budget"]
    decades = [10**e for e in range(0, result["params"]["budget"] + 1)]
    curves = svg.Panel(60, 420, 240, 180, (1, budget), (0, 1), xlog=True)
    losses = shown["train_loss"] + shown["test_loss"]
    loss = svg.Panel(360, 420, 220, 180, (1, budget), (max(min(losses) * 0.9, 1e-3), max(losses) * 1.1), xlog=True, ylog=True)
    body += _sample_curves(curves, shown, budget, decades) + _loss_curves(loss, shown, decades)
    for tau, colour in ((shown["tau_gen"], svg.PALETTE[2]), (shown["tau_mem"], svg.PALETTE[1])):
        if tau is not None:
            body += [curves.vline(tau, colour, 1.5), loss.vline(tau, colour, 1.5)]
    return body + _tau_panel(result, budget, decades) + _samples_panel(result, shown)


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
    return body + svg.legend(panel.x + 140, panel.y + 110, [(svg.PALETTE[0], "", "on the data"), (svg.PALETTE[1], "", "memorized"),
                                                           (svg.MUTED, "4 3", "chance")])


def _loss_curves(panel: svg.Panel, shown: dict, decades: list[int]) -> list[str]:
    """The losses, read for τ_gen."""
    body = panel.axes("gradient steps", "denoising loss", "Train and test loss", xticks=decades)
    body.append(panel.polyline(shown["steps"], shown["train_loss"], svg.PALETTE[3], 2, "", "train loss"))
    body.append(panel.polyline(shown["steps"], shown["test_loss"], svg.PALETTE[4], 2, "", "test loss"))
    return body + svg.legend(panel.x + 8, panel.y + 14, [(svg.PALETTE[3], "", "train"), (svg.PALETTE[4], "", "test")])


def _tau_panel(result: dict, budget: int, decades: list[int]) -> list[str]:
    """τ against n, log-log, with fitted slopes; sizes that never memorized sit on the top edge."""
    sizes = result["sizes"]
    taus = svg.Panel(650, 420, 230, 180, (min(sizes) / 1.25, max(sizes) * 1.25), (1, budget * 3), xlog=True, ylog=True)
    body = taus.axes("training-set size n", "steps", "τ against n", xticks=sizes, yticks=decades)
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
    return body + svg.legend(taus.x + 8, taus.y + 14, [(svg.PALETTE[2], "", f"τ_gen, slope {_slope(result['tau_gen_slope'])}"),
                                                       (svg.PALETTE[1], "", f"τ_mem, slope {_slope(result['tau_mem_slope'])}")])


def _samples_panel(result: dict, shown: dict) -> list[str]:
    """Samples at the chosen training time, over the training points, and what was read off."""
    cloud = svg.Panel(60, 660, 200, 200, (-4.0, 4.0), (-4.0, 4.0))
    body = cloud.axes("x₁", "x₂", f"After {shown['view_steps']:,.0f} steps")
    body += _cloud(cloud, shown["samples"], svg.PALETTE[0])
    body += [f'<circle cx="{cloud.px(px):.1f}" cy="{cloud.py(py):.1f}" r="5" fill="none" stroke="{svg.PALETTE[1]}" stroke-width="1.5"/>'
             for px, py in shown["points"]]
    lines = [
        f"n = {shown['n']}, after {shown['view_steps']:,.0f} steps: {shown['view_f_mem']:.0%} of samples memorized "
        f"(fresh data: {shown['chance']:.0%} by chance), {shown['view_quality']:.0%} on the data.",
        "Red rings: the training points. Blue: samples generated with the model at that time.",
        f"Read off the curves: τ_gen = {_steps(shown['tau_gen'])} (the test loss has made {GEN_SHARE:.0%} of its drop);",
        f"τ_mem = {_steps(shown['tau_mem'])} (memorized share halfway from chance to 100%). Shaded: the window between.",
        f"This run: τ_gen against n has log-log slope {_slope(result['tau_gen_slope'])}; τ_mem has slope {_slope(result['tau_mem_slope'])}.",
        "The paper: τ_gen does not depend on n; τ_mem grows linearly with n (slope 1), in the high-",
        "dimensional random-features theory and in U-Nets on CelebA. This is a 2-D toy: its own numbers.",
    ]
    return body + [svg.text(300, 690 + 20 * i, line, "start", 11, svg.FG) for i, line in enumerate(lines)]
