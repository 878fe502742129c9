"""The transductive figure: the class as a table, the known bounds against this class's exact
values, and the game, played by clicking the move buttons."""

from __future__ import annotations

import math

from ..kit import svg

TITLE = "The mistake-bound game: standard vs transductive online learning"


BOUNDS = [
    ("d (standard value)", lambda d: d, svg.PALETTE[0], ""),
    ("(2/3)d (BKM 1997 upper)", lambda d: 2 * d / 3, svg.PALETTE[4], "6 3"),
    ("√d (this paper: Θ(√d) optimal)", lambda d: math.sqrt(d), svg.PALETTE[1], ""),
    ("log₂ d (HMS 2023 lower)", lambda d: math.log2(d), svg.PALETTE[2], "4 3"),
    ("√(log₂ d) (BKM 1997 lower)", lambda d: math.sqrt(math.log2(d)) if d > 1 else 0.0, svg.PALETTE[5], "6 2 2 2"),
    ("log₂ log₂ d (BKM 1995 lower)", lambda d: math.log2(max(math.log2(d), 1e-9)) if d > 1 else 0.0, svg.PALETTE[3], "2 3"),
]


def render(result: dict) -> str:
    cfg = result["params"]
    desc = (f"Class {cfg['preset']} with {len(result['hypotheses'])} hypotheses on {result['n_instances']} instances: "
            f"Littlestone dimension {result['littlestone_dimension']}, standard online value {result['standard_value']}, "
            f"transductive value {result['transductive_value']}. Game in the {cfg['setting']} setting: "
            f"{len(result['history'])} rounds, {result['mistakes']} mistakes.")
    return svg.panels(TITLE, desc, [_game_panel(result), _class_panel(result), _bounds_panel(result)])


def _class_panel(result: dict) -> str:
    """The class as a table; rows drop out of the version space as labels arrive."""
    n, hyps, alive = result["n_instances"], result["hypotheses"], set(result["alive"])
    revealed = {r["x"]: r["label"] for r in result["history"]}
    title = f"Class: {result['params']['preset'].replace('_', ' ')}"
    body = [svg.text(20, 20, title, "start", 13, svg.FG, "600"),
            svg.text(20, 38, f"{len(hyps)} hypotheses (rows) × {n} instances (columns)", "start", 12, svg.MUTED)]
    shown = hyps[:32]
    cell = min(22.0, 270.0 / max(n, 1), 300.0 / max(len(shown), 1))
    x0, y0 = 50, 62
    every_x = max(1, math.ceil(14 / cell))  # labels at least 14 units apart
    every_row = max(1, math.ceil(13 / cell))
    for x in range(0, n, every_x):
        colour = svg.PALETTE[1] if x in revealed else svg.MUTED
        body.append(svg.text(x0 + (x + 0.5) * cell, y0 - 6, f"{x}", "middle", 11, colour, "700" if x in revealed else "normal"))
    for i, h in enumerate(shown):
        live = i in alive
        for x, v in enumerate(h):
            fill = svg.PALETTE[0] if v == "1" else svg.GRID
            body.append(svg.rect(x0 + x * cell, y0 + i * cell, cell - 1, cell - 1, fill, opacity=1 if live else 0.25))
        if i % every_row == 0:
            body.append(svg.text(x0 - 6, y0 + (i + 0.75) * cell, f"h{i + 1}", "end", 11, svg.FG if live else svg.MUTED))
    y = y0 + len(shown) * cell + 20
    if len(hyps) > len(shown):
        body.append(svg.text(20, y, f"… {len(hyps) - len(shown)} more (see the data table)", "start", 12, svg.MUTED))
        y += 18
    body.append(svg.text(20, y, "Blue: label 1. Faded rows are ruled out.", "start", 12, svg.MUTED))
    body.append(svg.text(20, y + 18, f"Version space: {len(alive)} of {len(hyps)} hypotheses left.", "start", 12, svg.FG))
    return svg.panel(y + 30, f"{title}: the hypotheses as a table", body)


def _bounds_panel(result: dict) -> str:
    """The known bounds as functions of d, and this class's exact values."""
    d = result["littlestone_dimension"]
    top = max(16, d)
    panel = svg.Panel(56, 34, 264, 220, (1, top), (0, top))
    body = panel.axes("Littlestone dimension d", "mistakes", "Known bounds vs this class")
    ds = [1 + i * (top - 1) / 60 for i in range(61)]
    for label, f, colour, dash in BOUNDS:
        body.append(panel.polyline(ds, [max(0.0, f(v)) for v in ds], colour, 1.8, dash, label))
    if d >= 1:
        body += panel.points([d], [result["standard_value"]], svg.PALETTE[0], 5, [f"this class: standard value {result['standard_value']}"])
        body += panel.points([d], [result["transductive_value"]], svg.PALETTE[1], 5, [f"this class: transductive value {result['transductive_value']}"])
    entries = [(c, dash, label) for label, _, c, dash in BOUNDS]
    entries += [(svg.PALETTE[0], "dot", "this class: standard value"), (svg.PALETTE[1], "dot", "this class: transductive value")]
    body += svg.legend(20, 312, entries)
    bottom = 312 + 17 * len(entries) + 4
    body.append(svg.text(20, bottom, "Shapes only: the Ω/O bounds hide their constants.", "start", 12, svg.MUTED))
    return svg.panel(bottom + 12, "Known mistake bounds against the Littlestone dimension, and this class's exact values", body)


def _game_panel(result: dict) -> str:
    """The game: its history so far and the buttons for the reader's next move."""
    setting, role = result["params"]["setting"], result["params"]["play_as"]
    title = f"Play: {setting} setting"
    body = [svg.text(12, 20, title, "start", 14, svg.FG, "700"),
            svg.text(12, 38, f"You are the {role}.", "start", 12, svg.FG)]
    lines = [f"Exact values: Littlestone dimension {result['littlestone_dimension']}, standard {result['standard_value']}, "
             f"transductive {result['transductive_value']}."]
    if setting == "transductive":
        lines.append("The adversary's committed order: " + ", ".join(f"x{x}" for x in result["adversary_sequence"]) + ".")
    else:
        lines.append("The adversary picks each next instance as it goes.")
    y = 60
    for line in lines:
        wrapped, y = svg.paragraph(12, y, line, 316)
        body += wrapped
    y += 8
    for r in result["history"][-9:]:
        note = "forced" if r["forced"] else ("mistake" if r["mistake"] else "correct")
        body.append(svg.text(12, y, f"x{r['x']}: predicted {r['prediction']}, label {r['label']} ({note})", "start", 12,
                             svg.PALETTE[1] if r["mistake"] else svg.FG))
        y += 17
    y += 10
    nxt = result["next"]
    if result["game_over"]:
        body.append(svg.text(12, y, f"Game over: {result['mistakes']} mistake(s).", "start", 13, svg.FG, "600"))
        body.append(svg.text(12, y + 18, f"With optimal play on both sides: {result['value_of_setting']}.", "start", 12, svg.FG))
        body.append(svg.button(12, y + 30, 110, "new game", "moves", "", "move-new"))
        return svg.panel(y + 30 + svg.BUTTON_HEIGHT + 12, title, body, interactive=True)
    if nxt["instance"] is not None:
        who = "the optimal learner would predict" if role == "learner" else "the learner will predict"
        wrapped, y = svg.paragraph(12, y, f"Instance x{nxt['instance']}: {who} {nxt['hint']}.", 316, 13)
        body += wrapped
        for j, option in enumerate(nxt["options"]):
            body.append(svg.button(12 + j * 104, y, 96, option["label"], "moves", option["value"], f"move-{j}"))
        y += svg.BUTTON_HEIGHT + 12
    else:
        wrapped, y = svg.paragraph(12, y, "Pick an instance and a label; the learner's prediction for that instance is in brackets.", 316)
        body += wrapped
        options = nxt["options"][:16]
        for j, option in enumerate(options):
            row, col = divmod(j, 4)
            label = f"{option['label']} [{nxt['hints'][option['x']]}]"
            body.append(svg.button(12 + col * 79, y + row * 34, 74, label, "moves", option["value"], f"move-{j}"))
        y += 34 * ((len(options) - 1) // 4 + 1) + 6
    if result["history"]:
        body.append(svg.button(12, y, 110, "new game", "moves", "", "move-new"))
        y += svg.BUTTON_HEIGHT + 12
    return svg.panel(y, title, body, interactive=True)
