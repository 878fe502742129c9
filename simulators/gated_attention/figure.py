"""The gated-attention figure: per model an attention map, gate strip and statistics; below,
the training losses and the sink ratio beside the paper's."""

from __future__ import annotations

from html import escape

import numpy as np

from ..kit import svg
from .model import SPARSE_BELOW, VARIANTS

TITLE = "Gated attention: the attention sink, trained with and without a gate"
LABELS = {"none": "No gate", "elementwise": "Elementwise gate", "headwise": "Headwise gate",
          "constant": "Constant gate (ablation)"}
COLOURS = dict(zip(VARIANTS, (svg.PALETTE[1], svg.PALETTE[0], svg.PALETTE[2], svg.PALETTE[4])))
COLUMN_W, MAP_SIZE, TOP = 215, 176, 78


def render(result: dict) -> str:
    cfg = result["params"]
    head = cfg["head"] - 1
    body: list[str] = [svg.text(20, 22, f"Attention of head {head + 1} on the sequence shown (rows: queries; columns: keys)", "start", 13, svg.FG, "600")]
    for h in range(cfg["heads"]):
        body.append(svg.button(620 + h * 62, 8, 56, f"head {h + 1}", "head", str(h + 1), f"ga-head-{h + 1}", pressed=h == head))
    for c, v in enumerate(VARIANTS):
        body += _variant_column(result, c, v)
    body += _loss_panel(result) + _sink_panel(result)
    if not result["done"]:
        body.append(svg.text(880, 40, f"training… step {result['step']} of {cfg['train_steps']}", "end", 11, svg.MUTED))
    sinks = ", ".join(f"{LABELS[v].lower()} {result['variants'][v]['sink_ratio']:.1%}" for v in VARIANTS)
    desc = (f"Four copies of a one-layer attention model with {cfg['heads']} head(s) trained for {result['step']} steps "
            f"on key-value recall. Mean attention on the first token: {sinks}. Paper (15B MoE): 46.7% without a gate, "
            f"4.8% with the elementwise gate.")
    return svg.figure(900, 650, TITLE, desc, body)


def _variant_column(result: dict, c: int, v: str) -> list[str]:
    """One model: its attention map, gate strip and measured statistics."""
    head = result["params"]["head"] - 1
    tokens = result["tokens"]
    cell = MAP_SIZE / len(tokens)
    font = 9 if len(tokens) <= 16 else 7
    body: list[str] = []
    stats = result["variants"][v]
    x0 = 40 + c * COLUMN_W
    body.append(svg.text(x0, TOP - 24, LABELS[v], "start", 12, COLOURS[v], "700"))
    matrix = np.array(stats["attention"][head])
    body += svg.raster_heatmap(x0, TOP - 10, MAP_SIZE, matrix, 1.0,
                               label=f"{LABELS[v]}, head {head + 1}: attention weights (darker red = more weight)")
    for i, token in enumerate(tokens):  # key labels under each map, query labels left of the first
        body.append(svg.text(x0 + (i + 0.5) * cell, TOP - 10 + MAP_SIZE + 10, token, "end", font, svg.MUTED, rotate=-60))
        if c == 0:
            body.append(svg.text(x0 - 3, TOP - 10 + (i + 0.7) * cell, token, "end", font, svg.MUTED))
    gate_y = TOP - 10 + MAP_SIZE + 48
    if v == "none":
        body.append(svg.text(x0, gate_y + 11, "no gate: output × 1", "start", 11, svg.MUTED))
    else:
        body.append(svg.text(x0, gate_y - 3, "gate per query token", "start", 10, svg.MUTED))
        for i, g in enumerate(stats["gate"][head]):
            body.append(f'<rect x="{x0 + i * cell:.2f}" y="{gate_y}" width="{cell + 0.3:.2f}" height="14" fill="{svg.diverging(-g)}">'
                        f'<title>{escape(tokens[i])}: gate {g:.2f}</title></rect>')
        body.append(f'<rect x="{x0}" y="{gate_y}" width="{MAP_SIZE}" height="14" fill="none" stroke="{svg.GRID}"/>')
    per_head = stats["per_head"][head]
    lines = [f"sink ratio {stats['sink_ratio']:.1%} (this head here {per_head['sink_ratio']:.0%})",
             f"entropy {stats['entropy']:.2f} nats, eff. tokens {stats['effective_tokens']:.1f}",
             f"sparsity {stats['sparsity']:.0%} of weights < {SPARSE_BELOW}",
             f"asks answered {stats['ask_accuracy']:.0%}, loss {stats['final_loss']:.3f}"]
    if v != "none":
        lines.append(f"mean gate: stores {stats['gate_at_stores']:.2f}, asks {stats['gate_at_asks']:.2f}")
    for k, line in enumerate(lines):
        body.append(svg.text(x0, gate_y + 34 + 15 * k, line, "start", 11, svg.FG))
    return body


def _loss_panel(result: dict) -> list[str]:
    curves = {v: result["variants"][v]["loss_curve"] for v in VARIANTS}
    top = max(max((p[1] for p in c), default=1.0) for c in curves.values())
    panel = svg.Panel(60, 470, 360, 140, (0, max(1, result["params"]["train_steps"])), (1e-3, max(top, 2e-3)), ylog=True)
    out = panel.axes("training step", "loss (MSE)", "Training loss (same batches for all four)")
    for v, curve in curves.items():
        if curve:
            out.append(panel.polyline([p[0] for p in curve], [max(p[1], 1e-3) for p in curve], COLOURS[v], 1.6, "", LABELS[v]))
    return out


def _sink_panel(result: dict) -> list[str]:
    panel = svg.Panel(520, 470, 360, 140, (0, 4), (0, 1))
    out = panel.axes("", "first-token attention", "Sink ratio: this toy vs the paper's 15B MoE", xticks=[], yticks=[0, 0.25, 0.5, 0.75, 1])
    bar = panel.w / 4 / 3
    for c, v in enumerate(VARIANTS):
        for shift, (value, fill, who) in enumerate(((result["variants"][v]["sink_ratio"], COLOURS[v], "this toy"),
                                                     (result["paper_sink"][v], svg.MUTED, "paper"))):
            out.append(panel.bar(panel.px(c + 0.5) - bar + shift * bar, bar - 1, value, fill, f"{LABELS[v]}, {who}: {value:.1%}"))
        out.append(svg.text(panel.px(c + 0.5), panel.y + panel.h + 14, LABELS[v].split(" (")[0].replace(" gate", ""), "middle", 11, svg.FG))
    out.append(svg.text(panel.x + panel.w, panel.y - 4 + 16, "left bar: this toy · grey bar: paper, Table 4", "end", 11, svg.MUTED))
    return out
