"""Gated attention (Qiu et al., NeurIPS 2025): watch the attention sink form without a gate
and disappear with the paper's query-dependent gate, by training four copies of one tiny
model side by side on the same data.

The task and model are in `attention_model`; this module trains, measures and draws.
Measured on a fixed evaluation batch (query positions 1.. only, since position 0 can only
attend to itself):
    sink ratio        mean attention weight on the first token (the paper's metric)
    entropy           mean over query rows of -sum_j a_ij ln a_ij (nats)
    effective tokens  mean over rows of exp(entropy of the row)
    sparsity          share of visible attention weights below 0.05
Trained models are cached per training setting, so switching heads or editing the shown
sequence re-reads them instead of retraining.
"""

from __future__ import annotations

import math
from html import escape

import numpy as np

from . import attention_model as A
from . import nn
from . import params as P
from . import svg
from .recent import Recent
from .stepping import last_frame

NAME = "gated_attention"
TITLE = "Gated attention: the attention sink, trained with and without a gate"

D_HEAD, D_MODEL, BATCH, EVAL_BATCH = 8, 16, 32, 128
MAX_SHOWN_TOKENS = 24
SPARSE_BELOW = 0.05
LABELS = {"none": "No gate", "elementwise": "Elementwise gate", "headwise": "Headwise gate",
          "constant": "Constant gate (ablation)"}
COLOURS = dict(zip(A.VARIANTS, (svg.PALETTE[1], svg.PALETTE[0], svg.PALETTE[2], svg.PALETTE[4])))
# Table 4 of the paper (15B MoE, first-token attention averaged over layers), via papers.md §2.
PAPER_SINK = {"none": 0.467, "elementwise": 0.048, "headwise": 0.073, "constant": 0.364}

DEFAULT_SEQUENCE = "A=3 B=5 C=1 ?A D=2 E=7 ?C F=0 G=4 ?E H=6 ?B"

PARAMS = [
    {"name": "sequence", "kind": "text", "default": DEFAULT_SEQUENCE, "max_length": 200,
     "label": "Sequence shown",
     "help": "Tokens separated by spaces: K=v stores value v (0–7) under key K (A–Z); ?K asks for it. A start token is added in front."},
    {"name": "head", "kind": "int", "default": 1, "min": 1, "max": 4, "step": 1,
     "label": "Head shown", "help": "Which attention head the heatmaps and gate strips show."},
    {"name": "heads", "kind": "int", "default": 2, "min": 1, "max": 4, "step": 1,
     "label": "Heads", "help": "Attention heads in each model (8 dimensions each)."},
    {"name": "train_length", "kind": "int", "default": 16, "min": 6, "max": 24, "step": 1,
     "label": "Training sequence length", "help": "Tokens per training sequence, start token included."},
    {"name": "ask_share", "kind": "float", "default": 0.3, "min": 0.1, "max": 0.8, "step": 0.05,
     "label": "Share of asks", "help": "Chance that a position asks about a stored key; every other position stores and needs nothing from attention."},
    {"name": "train_steps", "kind": "int", "default": 200, "min": 20, "max": 1000, "step": 10,
     "label": "Training steps", "help": "Adam steps for each of the four models (batches of 32 sequences, shared by all four)."},
    {"name": "learning_rate", "kind": "float", "default": 0.02, "min": 0.001, "max": 0.1, "step": 0.001,
     "label": "Learning rate", "help": "Adam learning rate (gradients clipped to norm 1)."},
]

_TRAINED = Recent(4)  # training setting -> the final models, curves and evaluation


# --- the sequence the reader edits ---------------------------------------------------------

def parse_sequence(text: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """'A=3 ?A' -> (labels with the start token, one-hot features (1, L, F), targets (L,))."""
    words = text.split()
    if not words:
        raise ValueError("parameter 'sequence' is empty: write tokens such as A=3 (store) or ?A (ask)")
    if len(words) > MAX_SHOWN_TOKENS:
        raise ValueError(f"parameter 'sequence' has {len(words)} tokens: at most {MAX_SHOWN_TOKENS} are shown")
    types, keys, values = [A.BOS], [-1], [-1]
    for n, word in enumerate(words, start=1):
        w = word.upper()
        if len(w) == 2 and w[0] == "?" and w[1] in A.KEYS:
            types.append(A.ASK), keys.append(A.KEYS.index(w[1])), values.append(-1)
        elif len(w) == 3 and w[0] in A.KEYS and w[1] == "=" and w[2].isdigit() and int(w[2]) < A.N_VALUES:
            types.append(A.STORE), keys.append(A.KEYS.index(w[0])), values.append(int(w[2]))
        else:
            raise ValueError(f"parameter 'sequence': token {n} {word!r} is not K=v (key A–Z, value 0–{A.N_VALUES - 1}) or ?K")
    t, k, v = (np.array([a]) for a in (types, keys, values))
    return ["⟨s⟩"] + [w.upper() for w in words], A.encode(t, k, v), A.targets_of(t, k, v)[0]


# --- measurement ----------------------------------------------------------------------------

def attention_stats(attn: np.ndarray) -> dict:
    """Statistics of attention weights (..., L, L) over query rows 1.. (row 0 sees only itself)."""
    rows = attn[..., 1:, :]
    L = attn.shape[-1]
    visible = np.broadcast_to(np.tril(np.ones((L, L), dtype=bool))[1:], rows.shape)
    row_entropy = -(rows * np.log(np.where(rows > 0, rows, 1.0))).sum(axis=-1)
    return {"sink_ratio": float(rows[..., 0].mean()),
            "entropy": float(row_entropy.mean()),
            "effective_tokens": float(np.exp(row_entropy).mean()),
            "sparsity": float((rows[visible] < SPARSE_BELOW).mean())}


def evaluate(model: A.AttentionModel, batch) -> dict:
    x, targets, types = batch
    logits = model.forward(x)
    loss, _ = nn.mean_squared_error(logits, np.eye(A.N_CLASSES)[targets], (types != A.BOS).astype(float))
    correct = logits.argmax(axis=-1) == targets
    gate = model.g.mean(axis=(1, 3))  # (B, L): mean over heads and channels
    stats = attention_stats(model.attn)
    stats.update(final_loss=loss,
                 ask_accuracy=float(correct[types == A.ASK].mean()),
                 store_accuracy=float(correct[types == A.STORE].mean()),
                 gate_at_stores=float(gate[types == A.STORE].mean()),
                 gate_at_asks=float(gate[types == A.ASK].mean()))
    return {k: round(v, 5) for k, v in stats.items()}


def view(model: A.AttentionModel, shown) -> dict:
    """What the figure needs for the reader's sequence: attention and gate per head, predictions."""
    x, targets = shown
    logits = model.forward(x)
    attn = model.attn[0]  # (h, L, L)
    return {"attention": np.round(attn, 4).tolist(),
            "gate": np.round(model.g[0].mean(axis=-1), 4).tolist(),  # (h, L)
            "per_head": [attention_stats(a) for a in attn],
            "predictions": logits[0].argmax(axis=-1).tolist()}


# --- training -------------------------------------------------------------------------------

def _setting(cfg: dict, seed: int) -> tuple:
    return (seed, cfg["heads"], cfg["train_length"], cfg["ask_share"], cfg["train_steps"], cfg["learning_rate"])


def steps(params: dict | None, seed: int = 0):
    """Train the four variants in lockstep on the same batches; yield frames while training."""
    cfg = P.validate(PARAMS, params)
    seed = P.validate_seed(seed)
    if cfg["head"] > cfg["heads"]:
        raise ValueError(f"parameter 'head' = {cfg['head']} is out of range: the models have {cfg['heads']} head(s)")
    labels, *shown = parse_sequence(cfg["sequence"])
    key = _setting(cfg, seed)
    if key in _TRAINED:
        yield _frame(cfg, seed, labels, shown, **_TRAINED[key])
        return
    models = {v: A.AttentionModel(v, cfg["heads"], D_HEAD, D_MODEL, np.random.default_rng([seed, 0])) for v in A.VARIANTS}
    optimisers = {v: nn.Adam(m.layers, cfg["learning_rate"], clip=1.0) for v, m in models.items()}
    data_rng = np.random.default_rng([seed, 1])
    eval_batch = A.sample_batch(np.random.default_rng([seed, 2]), EVAL_BATCH, cfg["train_length"], cfg["ask_share"])
    curves: dict[str, list] = {v: [] for v in A.VARIANTS}
    total = cfg["train_steps"]
    report = max(10, total // 8)
    for t in range(1, total + 1):
        x, targets, types = A.sample_batch(data_rng, BATCH, cfg["train_length"], cfg["ask_share"])
        weights = (types != A.BOS).astype(float)
        for v, model in models.items():
            optimisers[v].zero_grad()
            loss = model.loss_and_backward(x, targets, weights)
            optimisers[v].step()
            curves[v].append([t, round(loss, 5)])
        if t == total or t % report == 0 or t == 10:
            # The evaluation is kept with the models, so a cached re-read only redraws the view.
            state = {"models": models, "curves": curves, "step": t,
                     "stats": {v: evaluate(m, eval_batch) for v, m in models.items()}}
            if t == total:
                _TRAINED.put(key, state)
            yield _frame(cfg, seed, labels, shown, **state)


def _frame(cfg, seed, labels, shown, models, curves, stats, step) -> dict:
    done = step == cfg["train_steps"]
    variants = {v: {**stats[v], **view(model, shown), "loss_curve": _thin(curves[v], 120)} for v, model in models.items()}
    flat = {f"sink_{v}": variants[v]["sink_ratio"] for v in A.VARIANTS}
    flat.update({f"ask_accuracy_{v}": variants[v]["ask_accuracy"] for v in A.VARIANTS})
    return {"params": cfg, "seed": seed, "done": done, "step": step,
            "progress": round(step / cfg["train_steps"], 4), "phase": "done" if done else "training",
            "tokens": labels, "targets": shown[1].tolist(), "variants": variants,
            "paper_sink": PAPER_SINK, **flat}


def _thin(curve: list, most: int) -> list:
    """At most `most` points of a curve, always keeping the last (the figure needs no more)."""
    if len(curve) <= most:
        return list(curve)
    stride = math.ceil(len(curve) / most)
    return curve[::stride] + ([curve[-1]] if (len(curve) - 1) % stride else [])


def run(params: dict | None, seed: int = 0) -> dict:
    return last_frame(steps, params, seed)


READOUTS = [
    {"key": "sink_none", "label": "Sink ratio, no gate", "format": ".1%"},
    {"key": "sink_elementwise", "label": "Sink ratio, elementwise gate", "format": ".1%"},
    {"key": "sink_headwise", "label": "Sink ratio, headwise gate", "format": ".1%"},
    {"key": "sink_constant", "label": "Sink ratio, constant gate", "format": ".1%"},
    {"key": "ask_accuracy_none", "label": "Asks answered, no gate", "format": ".1%"},
    {"key": "ask_accuracy_elementwise", "label": "Asks answered, elementwise gate", "format": ".1%"},
]


def _answer(cls: int) -> str:
    return "none" if cls == 0 else str(cls - 1)


def table(result: dict) -> dict:
    head = result["params"]["head"] - 1
    vs = result["variants"]
    rows = []
    for i, token in enumerate(result["tokens"]):
        row = [i, token, _answer(result["targets"][i])]
        row += [_answer(vs[v]["predictions"][i]) for v in A.VARIANTS]
        row += [round(vs[v]["attention"][head][i][0], 3) for v in A.VARIANTS]
        row += [round(vs[v]["gate"][head][i], 3) for v in A.VARIANTS if v != "none"]
        rows.append(row)
    return {"caption": f"The sequence shown: answers, attention on the start token (head {head + 1}) and gate values per model",
            "columns": ["position", "token", "correct answer"]
                       + [f"answer ({LABELS[v]})" for v in A.VARIANTS]
                       + [f"weight on start token ({LABELS[v]})" for v in A.VARIANTS]
                       + [f"gate ({LABELS[v]})" for v in A.VARIANTS if v != "none"],
            "rows": rows}


# --- drawing --------------------------------------------------------------------------------

COLUMN_W, MAP_SIZE, TOP = 215, 176, 78


def render(result: dict) -> str:
    cfg = result["params"]
    head = cfg["head"] - 1
    tokens = result["tokens"]
    n = len(tokens)
    cell = MAP_SIZE / n
    font = 9 if n <= 16 else 7
    body: list[str] = [svg.text(20, 22, f"Attention of head {head + 1} on the sequence shown (rows: queries; columns: keys)", "start", 13, svg.FG, "600")]
    for h in range(cfg["heads"]):
        body.append(svg.button(620 + h * 62, 8, 56, f"head {h + 1}", "head", str(h + 1), f"ga-head-{h + 1}", pressed=h == head))

    for c, v in enumerate(A.VARIANTS):
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

    body += _loss_panel(result) + _sink_panel(result)
    if not result["done"]:
        body.append(svg.text(880, 40, f"training… step {result['step']} of {cfg['train_steps']}", "end", 11, svg.MUTED))
    sinks = ", ".join(f"{LABELS[v].lower()} {result['variants'][v]['sink_ratio']:.1%}" for v in A.VARIANTS)
    desc = (f"Four copies of a one-layer attention model with {cfg['heads']} head(s) trained for {result['step']} steps "
            f"on key-value recall. Mean attention on the first token: {sinks}. Paper (15B MoE): 46.7% without a gate, "
            f"4.8% with the elementwise gate.")
    return svg.figure(900, 650, TITLE, desc, body)


def _loss_panel(result: dict) -> list[str]:
    curves = {v: result["variants"][v]["loss_curve"] for v in A.VARIANTS}
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
    for c, v in enumerate(A.VARIANTS):
        for shift, (value, fill, who) in enumerate(((result["variants"][v]["sink_ratio"], COLOURS[v], "this toy"),
                                                     (PAPER_SINK[v], svg.MUTED, "paper"))):
            out.append(panel.bar(panel.px(c + 0.5) - bar + shift * bar, bar - 1, value, fill, f"{LABELS[v]}, {who}: {value:.1%}"))
        out.append(svg.text(panel.px(c + 0.5), panel.y + panel.h + 14, LABELS[v].split(" (")[0].replace(" gate", ""), "middle", 11, svg.FG))
    out.append(svg.text(panel.x + panel.w, panel.y - 4 + 16, "left bar: this toy · grey bar: paper, Table 4", "end", 11, svg.MUTED))
    return out
