"""The superposition toy's figure: the learned directions, their overlaps, and loss against
width with the paper's reference lines (labelled as such: the numbers come from training)."""

from __future__ import annotations

import numpy as np

from ..kit import svg

TITLE = "Superposition and scaling: a toy model trained in your browser"


def render(result: dict) -> str:
    cfg = result["params"]
    desc = (f"Toy model with n = {cfg['n_features']} features in m = {cfg['m_dims']} dimensions, alpha = {cfg['alpha']}, "
            f"weight decay {cfg['weight_decay']}. Loss {result['loss']:.4f}; {result['fraction_represented']:.0%} of features "
            f"represented; mean squared overlap {result['mean_interference']:.4f}"
            + (f"; fitted scaling exponent {result['scaling_exponent']:.2f}, against {result['weak_exponent']:.2f} for the "
               "weak-regime formula at the same widths." if result["scaling_exponent"] is not None else "."))
    return svg.panels(TITLE, desc, [_directions_panel(result), _overlap_panel(result), _scaling_panel(result)])


def _directions_panel(result: dict) -> str:
    """Rows of W in the plane of its two main directions; colour = frequency rank."""
    n = result["params"]["n_features"]
    proj = np.array(result["projection"]) if result["projection"] else np.zeros((1, 2))
    lim = float(max(np.abs(proj).max(), 1e-3)) * 1.1
    panel = svg.Panel(50, 34, 270, 270, (-lim, lim), (-lim, lim))
    body = panel.axes("direction 1", "direction 2", "Feature directions (rows of W)", xticks=[], yticks=[])
    cx, cy = panel.px(0), panel.py(0)
    for rank in range(len(proj) - 1, -1, -1):
        x, y = panel.px(proj[rank][0]), panel.py(proj[rank][1])
        colour = svg.ramp(rank / max(1, n - 1))
        body.append(f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" stroke="{colour}" stroke-width="1" opacity="0.6"/>')
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.6" fill="{colour}"><title>feature {rank + 1}: ‖W‖ = {result["norms"][rank]:.2f}</title></circle>')
    body.append(svg.text(20, 362, "Colour: frequent features orange, rare blue.", "start", 12, svg.MUTED))
    return svg.panel(376, "Feature directions: the rows of W in their two main directions", body)


def _overlap_panel(result: dict) -> str:
    top = len(result["overlap_top"])
    body = svg.raster_heatmap(50, 34, 270, result["overlap_top"], 1.0, f"Overlaps W Wᵀ, top {top} features",
                              f"overlaps of the {top} most frequent features (red positive, blue negative)")
    body.append(svg.text(20, 330, "Diagonal: ‖Wᵢ‖², a feature's own length.", "start", 12, svg.MUTED))
    body.append(svg.text(20, 347, "Off the diagonal: interference.", "start", 12, svg.MUTED))
    body.append(svg.text(20, 364, "Red positive, blue negative.", "start", 12, svg.MUTED))
    return svg.panel(376, f"Overlaps W Wᵀ of the {top} most frequent features", body)


def _scaling_panel(result: dict) -> str:
    """Loss against width, log-log, with the paper's reference predictions."""
    sweep = result["scaling"]
    x, y, w, h = 64, 34, 256, 240
    title = "Loss against width m, log-log"
    if not sweep:
        panel = svg.Panel(x, y, w, h, (0, 1), (0, 1))
        message = "scaling sweep running…" if result["params"]["scaling_sweep"] and not result["done"] else "scaling sweep off"
        return svg.panel(376, title, [panel.outline(), svg.text(x + w / 2, y + h / 2, message, "middle", 12, svg.MUTED),
                                      svg.text(x, y - 8, "Loss vs width (log-log)", "start", 13, svg.FG, "600")])
    ms = [s["m"] for s in sweep]
    losses = [s["loss"] for s in sweep]
    weak = [s["weak_prediction"] for s in sweep]
    positive = [v for v in losses + weak if v > 0] or [1e-3, 1]
    panel = svg.Panel(x, y, w, h, (min(ms) / 1.2, max(ms) * 1.2), (min(positive) / 1.5, max(positive) * 1.5), xlog=True, ylog=True)
    body = panel.axes("width m", "loss", "Loss vs width (log-log)")
    body.append(panel.polyline(ms, weak, svg.PALETTE[2], 1.8, "5 4", "weak-regime formula"))
    anchor = losses[0] * ms[0]
    body.append(panel.polyline(ms, [anchor / m for m in ms], svg.PALETTE[3], 1.8, "2 3", "slope −1 guide (L ∝ 1/m)"))
    body.append(panel.polyline(ms, losses, svg.PALETTE[1], 2.2, "", "trained models"))
    body += panel.points(ms, losses, svg.PALETTE[1], 3.5, [f"m = {a}: loss {b:.4f}" for a, b in zip(ms, losses)])
    exponent, weak_exponent = result["scaling_exponent"], result["weak_exponent"]
    return svg.panel(376, title, body + svg.legend(20, 336, [
        (svg.PALETTE[1], "", f"trained models: slope −{exponent:.2f} (αₘ)" if exponent is not None else "trained models"),
        (svg.PALETTE[2], "5 4", "weak formula (4/3)·Σ pᵢ, i > m"
         + (f": slope −{weak_exponent:.2f}" if weak_exponent is not None else "")),
        (svg.PALETTE[3], "2 3", "strong superposition: ∝ 1/m")]))
