"""The gated-attention figure: per model an attention map, gate strip and statistics; below,
the training losses and the sink ratio beside the paper's."""

from __future__ import annotations

import math
from html import escape

import numpy as np

from ..kit import svg
from .model import SPARSE_BELOW, VARIANTS

TITLE = "Gated attention: the attention sink, trained with and without a gate"
LABELS = {"none": "No gate", "elementwise": "Elementwise gate", "headwise": "Headwise gate",
          "constant": "Constant gate (ablation)"}
SHORT = {"none": "none", "elementwise": "element", "headwise": "head", "constant": "constant"}
COLOURS = dict(zip(VARIANTS, (svg.PALETTE[1], svg.PALETTE[0], svg.PALETTE[2], svg.PALETTE[4])))
MAP_X, MAP_SIZE = 52, 240  # the attention map inside each model's panel
LABEL_SPACE = 13  # units between two token labels at the smallest font


def render(result: dict) -> str:
    cfg = result["params"]
    parts = [_variant_panel(result, v, first=c == 0) for c, v in enumerate(VARIANTS)]
    parts += [_loss_panel(result), _sink_panel(result)]
    sinks = ", ".join(f"{LABELS[v].lower()} {result['variants'][v]['sink_ratio']:.1%}" if result["variants"][v] else
                      f"{LABELS[v].lower()} still training" for v in VARIANTS)
    desc = (f"Four copies of a one-layer attention model with {cfg['heads']} head(s) trained for {result['step']} steps "
            f"on key-value recall. Mean attention on the first token: {sinks}. Paper (15B MoE): 46.7% without a gate, "
            f"4.8% with the elementwise gate.")
    return svg.panels(TITLE, desc, parts)


def _token_labels(tokens: list[str], cell: float) -> list[tuple[int, str]]:
    """Every k-th token, so that labels never overlap however long the sequence."""
    every = max(1, math.ceil(LABEL_SPACE / cell))
    return [(i, t) for i, t in enumerate(tokens) if i % every == 0]


def _variant_panel(result: dict, v: str, first: bool) -> str:
    """One model: its attention map for the head shown, the gate per query, its statistics.
    The first panel carries the buttons that choose the head."""
    cfg = result["params"]
    head = cfg["head"] - 1
    tokens = result["tokens"]
    stats = result["variants"][v]
    cell = MAP_SIZE / len(tokens)
    body = [svg.text(12, 20, LABELS[v], "start", 14, COLOURS[v], "700"),
            svg.text(328, 20, f"head {head + 1}", "end", 12, svg.MUTED)]
    top = 34
    if first:
        body.append(svg.text(12, 48, "Head shown:", "start", 12, svg.FG))
        for h in range(cfg["heads"]):
            body.append(svg.button(96 + h * 60, 31, 54, f"head {h + 1}", "head", str(h + 1), f"ga-head-{h + 1}", pressed=h == head))
        top = 70
    height = top + MAP_SIZE + 44 + 36 + 16 * 5
    if stats is None:  # trained on another worker, not here yet: the panel keeps its place
        body.append(svg.text(MAP_X + MAP_SIZE / 2, top + MAP_SIZE / 2, "training on another worker…", "middle", 12, svg.MUTED))
        return svg.panel(height, f"{LABELS[v]}: still training", body, interactive=first)
    if not result["done"]:
        body.append(svg.text(328, 36 if not first else 66, f"training… step {result['step']}", "end", 11, svg.MUTED))
    body += svg.raster_heatmap(MAP_X, top, MAP_SIZE, np.array(stats["attention"][head]), 1.0,
                               label=f"{LABELS[v]}, head {head + 1}: attention weights (darker red = more weight)")
    for i, token in _token_labels(tokens, cell):  # keys under the map, queries to its left
        body.append(svg.text(MAP_X + (i + 0.5) * cell + 4, top + MAP_SIZE + 8, token, "end", 11, svg.MUTED, rotate=-60))
        body.append(svg.text(MAP_X - 4, top + (i + 0.5) * cell + 4, token, "end", 11, svg.MUTED))
    gate_y = top + MAP_SIZE + 44
    if v == "none":
        body.append(svg.text(MAP_X, gate_y + 11, "no gate: output × 1", "start", 11, svg.MUTED))
    else:
        body.append(svg.text(MAP_X - 4, gate_y + 11, "gate", "end", 11, svg.MUTED))
        for i, g in enumerate(stats["gate"][head]):
            body.append(f'<rect x="{MAP_X + i * cell:.2f}" y="{gate_y}" width="{cell + 0.3:.2f}" height="14" fill="{svg.diverging(-g)}">'
                        f'<title>{escape(tokens[i])}: gate {g:.2f}</title></rect>')
        body.append(f'<rect x="{MAP_X}" y="{gate_y}" width="{MAP_SIZE}" height="14" fill="none" stroke="{svg.GRID}"/>')
    per_head = stats["per_head"][head]
    lines = [f"sink ratio {stats['sink_ratio']:.1%} (head {head + 1}: {per_head['sink_ratio']:.0%})",
             f"entropy {stats['entropy']:.2f} nats, {stats['effective_tokens']:.1f} eff. tokens",
             f"sparsity {stats['sparsity']:.0%} of weights < {SPARSE_BELOW}",
             f"asks answered {stats['ask_accuracy']:.0%}, loss {stats['final_loss']:.3f}"]
    if v != "none":
        lines.append(f"mean gate: stores {stats['gate_at_stores']:.2f}, asks {stats['gate_at_asks']:.2f}")
    for k, line in enumerate(lines):
        body.append(svg.text(12, gate_y + 36 + 16 * k, line, "start", 12, svg.FG))
    return svg.panel(height, f"{LABELS[v]}: attention of head {head + 1} on the sequence shown (rows: queries; columns: keys)",
                     body, interactive=first)


def _loss_panel(result: dict) -> str:
    curves = {v: result["variants"][v]["loss_curve"] for v in VARIANTS if result["variants"][v]}
    top = max(max((p[1] for p in c), default=1.0) for c in curves.values())
    panel = svg.Panel(58, 34, 266, 200, (0, max(1, result["params"]["train_steps"])), (1e-3, max(top, 2e-3)), ylog=True)
    body = panel.axes("training step", "loss (MSE)", "Training loss, same batches for all")
    for v, curve in curves.items():
        if curve:
            body.append(panel.polyline([p[0] for p in curve], [max(p[1], 1e-3) for p in curve], COLOURS[v], 1.8, "", LABELS[v]))
    body += svg.legend(20, 296, [(COLOURS[v], "", LABELS[v]) for v in VARIANTS], columns=2)
    return svg.panel(330, "Training loss of the four models against training step", body)


def _sink_panel(result: dict) -> str:
    panel = svg.Panel(58, 34, 266, 200, (0, 4), (0, 1))
    body = panel.axes("gate", "attention on the first token", "Sink ratio: this toy vs the paper", xticks=[], yticks=[0, 0.25, 0.5, 0.75, 1])
    bar = panel.w / 4 / 3
    for c, v in enumerate(VARIANTS):
        toy = result["variants"][v]
        for shift, (value, fill, who) in enumerate(((toy and toy["sink_ratio"], COLOURS[v], "this toy"),
                                                     (result["paper_sink"][v], svg.MUTED, "paper"))):
            if value is None:
                continue  # still training on another worker
            body.append(panel.bar(panel.px(c + 0.5) - bar + shift * bar, bar - 1, value, fill, f"{LABELS[v]}, {who}: {value:.1%}"))
        body.append(svg.text(panel.px(c + 0.5), panel.y + panel.h + 15, SHORT[v], "middle", 11, svg.FG))
    body.append(svg.text(20, 296, "Coloured bar: this toy, on its task.", "start", 12, svg.FG))
    body.append(svg.text(20, 314, "Grey bar: the paper's 15B MoE (Table 4).", "start", 12, svg.FG))
    return svg.panel(330, "Sink ratio per model: this toy beside the paper's Table 4", body)
