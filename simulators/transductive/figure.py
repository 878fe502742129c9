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
    ("log₂ log₂ d (BKM 1995 lower)", lambda d: math.log2(max(math.log2(d), 1e-9)) if d > 1 else 0.0, svg.PALETTE[3], "2 3"),
]


def render(result: dict) -> str:
    cfg = result["params"]
    body = _class_panel(result) + _bounds_panel(result) + _game_panel(result)
    desc = (f"Class {cfg['preset']} with {len(result['hypotheses'])} hypotheses on {result['n_instances']} instances: "
            f"Littlestone dimension {result['littlestone_dimension']}, standard online value {result['standard_value']}, "
            f"transductive value {result['transductive_value']}. Game in the {cfg['setting']} setting: "
            f"{len(result['history'])} rounds, {result['mistakes']} mistakes.")
    return svg.figure(900, 440, TITLE, desc, body)


def _class_panel(result: dict) -> list[str]:
    """The class as a table; rows drop out of the version space as labels arrive."""
    n, hyps, alive = result["n_instances"], result["hypotheses"], set(result["alive"])
    revealed = {r["x"]: r["label"] for r in result["history"]}
    body = [svg.text(20, 22, f"Class: {result['params']['preset'].replace('_', ' ')}", "start", 13, svg.FG, "600"),
            svg.text(20, 38, f"{len(hyps)} hypotheses (rows) × {n} instances (columns)", "start", 11, svg.MUTED)]
    shown = hyps[:32]
    cell = min(22.0, 200.0 / max(n, 1), 300.0 / max(len(shown), 1))
    x0, y0 = 40, 58
    for x in range(n):
        colour = svg.PALETTE[1] if x in revealed else svg.MUTED
        body.append(svg.text(x0 + (x + 0.5) * cell, y0 - 6, f"{x}", "middle", 10, colour, "600" if x in revealed else "normal"))
    for i, h in enumerate(shown):
        live = i in alive
        for x, v in enumerate(h):
            fill = (svg.PALETTE[0] if v == "1" else "#e8edf3") if live else ("#9fb3c8" if v == "1" else "#f4f6f8")
            body.append(svg.rect(x0 + x * cell, y0 + i * cell, cell - 1, cell - 1, fill, opacity=1 if live else 0.35))
        body.append(svg.text(x0 - 6, y0 + (i + 0.75) * cell, f"h{i + 1}", "end", 9, svg.FG if live else svg.MUTED))
    if len(hyps) > len(shown):
        body.append(svg.text(x0, y0 + len(shown) * cell + 14, f"… {len(hyps) - len(shown)} more (see the data table)", "start", 11, svg.MUTED))
    body.append(svg.text(20, 405, "blue = label 1; faded rows are ruled out", "start", 11, svg.MUTED))
    body.append(svg.text(20, 421, f"version space: {len(alive)} of {len(hyps)} hypotheses left", "start", 11, svg.MUTED))
    return body


def _bounds_panel(result: dict) -> list[str]:
    """The known bounds as functions of d, and this class's exact values."""
    d = result["littlestone_dimension"]
    top = max(16, d)
    panel = svg.Panel(310, 50, 200, 230, (1, top), (0, top))
    body = panel.axes("Littlestone dimension d", "mistakes", "Known bounds vs this class")
    ds = [1 + i * (top - 1) / 60 for i in range(61)]
    for label, f, colour, dash in BOUNDS:
        body.append(panel.polyline(ds, [max(0.0, f(v)) for v in ds], colour, 1.6, dash, label))
    if d >= 1:
        body += panel.points([d], [result["standard_value"]], svg.PALETTE[0], 5, [f"this class: standard value {result['standard_value']}"])
        body += panel.points([d], [result["transductive_value"]], svg.PALETTE[1], 5, [f"this class: transductive value {result['transductive_value']}"])
    body += svg.legend(270, 335, [(c, dash, label) for label, _, c, dash in BOUNDS])
    marks_y = 335 + 16 * len(BOUNDS)
    body.append(f'<circle cx="276" cy="{marks_y - 4}" r="4" fill="{svg.PALETTE[0]}"/>')
    body.append(svg.text(285, marks_y, "this class: standard value", "start", 11, svg.FG))
    body.append(f'<circle cx="436" cy="{marks_y - 4}" r="4" fill="{svg.PALETTE[1]}"/>')
    body.append(svg.text(445, marks_y, "transductive", "start", 11, svg.FG))
    body.append(svg.text(270, 435, "Shapes only: the Ω/O bounds hide their constants.", "start", 10, svg.MUTED))
    return body


def _game_panel(result: dict) -> list[str]:
    """The game: its history so far and the buttons for the reader's next move."""
    gx = 560
    setting, role = result["params"]["setting"], result["params"]["play_as"]
    body = [svg.text(gx, 22, f"Play: {setting} setting, you are the {role}", "start", 13, svg.FG, "600")]
    lines = [f"Exact values: Ldim {result['littlestone_dimension']}, standard {result['standard_value']}, "
             f"transductive {result['transductive_value']}."]
    if setting == "transductive":
        lines.append("The adversary's committed order: " + ", ".join(f"x{x}" for x in result["adversary_sequence"]))
    else:
        lines.append("The adversary picks each next instance as it goes.")
    body += [svg.text(gx, 50 + 16 * i, line, "start", 11, svg.FG) for i, line in enumerate(lines)]
    y = 50 + 16 * len(lines) + 10
    for r in result["history"][-9:]:
        note = "forced" if r["forced"] else ("mistake" if r["mistake"] else "correct")
        body.append(svg.text(gx, y, f"x{r['x']}: predicted {r['prediction']}, label {r['label']} ({note})", "start", 11,
                             svg.PALETTE[1] if r["mistake"] else svg.FG))
        y += 15
    y += 8
    nxt = result["next"]
    if result["game_over"]:
        body.append(svg.text(gx, y, f"Game over: {result['mistakes']} mistake(s).", "start", 12, svg.FG, "600"))
        body.append(svg.text(gx, y + 16, f"With optimal play on both sides: {result['value_of_setting']}.", "start", 11, svg.FG))
        return body + [svg.button(gx, y + 26, 110, "new game", "moves", "", "move-new")]
    if nxt["instance"] is not None:
        who = "the optimal learner would predict" if role == "learner" else "the learner will predict"
        body.append(svg.text(gx, y, f"Instance x{nxt['instance']}: {who} {nxt['hint']}.", "start", 12, svg.FG))
        for j, option in enumerate(nxt["options"]):
            body.append(svg.button(gx + j * 100, y + 10, 90, option["label"], "moves", option["value"], f"move-{j}"))
    else:
        body.append(svg.text(gx, y, "Pick an instance and a label; the learner's", "start", 11, svg.FG))
        body.append(svg.text(gx, y + 14, "prediction for that instance is in brackets.", "start", 11, svg.FG))
        y += 14
        for j, option in enumerate(nxt["options"][:16]):
            row, col = divmod(j, 4)
            label = f"{option['label']} [{nxt['hints'][option['x']]}]"
            body.append(svg.button(gx + col * 82, y + 10 + row * 28, 78, label, "moves", option["value"], f"move-{j}"))
    if result["history"]:
        body.append(svg.button(gx, 410, 110, "new game", "moves", "", "move-new"))
    return body
