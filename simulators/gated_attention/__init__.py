"""Gated attention (Qiu et al., NeurIPS 2025): watch the attention sink form without a gate
and disappear with the paper's query-dependent gate, by training four copies of one tiny
model side by side on the same data.

The task and model are in `model`, the figure in `figure`; this module trains and measures.
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

import numpy as np

from ..kit import nn
from ..kit.cache import Recent
from ..kit.contract import Readout
from ..kit.parts import Handed, Need
from ..kit.params import ParamError
from . import model as A
from .figure import LABELS, TITLE, render  # noqa: F401  (the contract's TITLE and render)

NAME = "gated_attention"

D_HEAD, D_MODEL, BATCH, EVAL_BATCH = 8, 16, 32, 128
MAX_SHOWN_TOKENS = 24
# Table 4 of the paper (15B MoE, first-token attention averaged over layers), via papers.md §2.
PAPER_SINK = {"none": 0.467, "elementwise": 0.048, "headwise": 0.073, "constant": 0.364}

DEFAULT_SEQUENCE = "A=3 B=5 C=1 ?A D=2 E=7 ?C F=0 G=4 ?E H=6 ?B"

# Controls that re-read cached work (trained models, reverse runs): the worker warms them up.
VIEW_ONLY = ("sequence", "head")
# Each head of the page's own models ships precomputed (kit.contract GRID), at three seeds: three
# trainings at build time, and the reader's head or seed change answers at once, before the
# runtime or its warm-up (a head past the page's `heads` is refused by its bound and left out).
# Another seed is what a reader tries first to see whether the sink is luck.
GRID = {"head": [1, 2, 3, 4], "seed": [0, 1, 2]}

PARAMS = [
    {"name": "sequence", "kind": "text", "default": DEFAULT_SEQUENCE, "max_length": 200,
     "label": "Sequence shown",
     "help": "Tokens separated by spaces: K=v stores value v (0–7) under key K (A–Z); ?K asks for it. A start token is added in front."},
    {"name": "head", "kind": "int", "default": 1, "min": 1, "max": 4, "step": 1, "max_from": "heads",
     "label": "Head shown", "help": "Which attention head the heatmaps and gate strips show."},
    {"name": "heads", "kind": "int", "default": 2, "min": 1, "max": 4, "step": 1, "values": [1, 2, 3, 4],
     "label": "Heads", "help": "Attention heads in each model (8 dimensions each)."},
    {"name": "train_length", "kind": "int", "default": 16, "min": 6, "max": 24, "step": 1, "values": [6, 8, 12, 16, 20, 24],
     "label": "Training sequence length", "help": "Tokens per training sequence, start token included."},
    {"name": "ask_share", "kind": "float", "default": 0.3, "min": 0.1, "max": 0.8, "step": 0.05,
     "values": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8],
     "label": "Share of asks", "help": "Chance that a position asks about a stored key; every other position stores and needs nothing from attention."},
    {"name": "train_steps", "kind": "int", "default": 200, "min": 25, "max": 800, "step": 25, "values": [25, 50, 100, 200, 400, 800],
     "label": "Training steps", "help": "Adam steps for each of the four models (batches of 32 sequences, shared by all four); "
                                        "doubling, since a few more steps change little."},
    {"name": "learning_rate", "kind": "float", "default": 0.02, "min": 0.001, "max": 0.1, "step": 0.001,
     "values": [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1],
     "label": "Learning rate", "help": "Adam learning rate (gradients clipped to norm 1), in steps of about 2.5x: a little more or less changes nothing visible."},
]
# Small in-range settings that run in well under a second: what the contract tests use.
CHEAP_PARAMS = {"train_steps": 25, "train_length": 8}

_TRAINED = Recent(4)  # training setting -> the final models, curves and evaluation


# --- the sequence the reader edits ---------------------------------------------------------

def parse_sequence(text: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """'A=3 ?A' -> (labels with the start token, one-hot features (1, L, F), targets (L,))."""
    words = text.split()
    if not words:
        raise ParamError("sequence", "must not be empty: write tokens such as A=3 (store) or ?A (ask)")
    if len(words) > MAX_SHOWN_TOKENS:
        raise ParamError("sequence", f"must have at most {MAX_SHOWN_TOKENS} tokens, got {len(words)}")
    types, keys, values = [A.BOS], [-1], [-1]
    for n, word in enumerate(words, start=1):
        w = word.upper()
        if len(w) == 2 and w[0] == "?" and w[1] in A.KEYS:
            types.append(A.ASK), keys.append(A.KEYS.index(w[1])), values.append(-1)
        elif len(w) == 3 and w[0] in A.KEYS and w[1] == "=" and w[2].isdigit() and int(w[2]) < A.N_VALUES:
            types.append(A.STORE), keys.append(A.KEYS.index(w[0])), values.append(int(w[2]))
        else:
            raise ParamError("sequence", f": token {n} {word!r} is not K=v (key A–Z, value 0–{A.N_VALUES - 1}) or ?K")
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
            "sparsity": float((rows[visible] < A.SPARSE_BELOW).mean())}


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


# Relative cost of training each variant (its gate's layer), for sharing progress and parts out.
VARIANT_COST = {"none": 1.0, "elementwise": 1.2, "headwise": 1.05, "constant": 1.0}


def parts(cfg: dict, seed: int) -> list[dict]:
    """The four variants: each trains on the same batches from its own seeded start, so the
    browser may train some on helper workers (kit.parts). None when the models are cached."""
    if _setting(cfg, seed) in _TRAINED:
        return []
    total = sum(VARIANT_COST.values())
    return [{"key": v, "cost": VARIANT_COST[v] / total} for v in A.VARIANTS]


# A training's state at each listed number of steps, kept so that another number of steps goes
# on from the longest training at or below it: 400 steps are the 200-step training's batches and
# steps, then 200 more (constant learning rate), so they train 200, bit for bit the same.
CHECKPOINT_STEPS = next(spec["values"] for spec in PARAMS if spec["name"] == "train_steps")
_CHECKPOINTS = Recent(16)  # (setting but its steps, variant) -> {step: state}; about 0.1 MB a state


def _checkpoint_key(cfg: dict, seed: int, variant: str) -> tuple:
    return (seed, cfg["heads"], cfg["train_length"], cfg["ask_share"], cfg["learning_rate"], variant)


def _training(cfg: dict, seed: int, variants: list[str]):
    """Train `variants` in lockstep on the same batches; yield (step, models, curves) after each
    step, from the longest kept training of this setting that is not longer (once, at its end,
    when that training is the whole)."""
    models = {v: A.AttentionModel(v, cfg["heads"], D_HEAD, D_MODEL, np.random.default_rng([seed, 0])) for v in variants}
    optimisers = {v: nn.Adam(m.layers, cfg["learning_rate"], clip=1.0) for v, m in models.items()}
    data_rng = np.random.default_rng([seed, 1])
    curves: dict[str, list] = {v: [] for v in variants}
    kept = {v: _CHECKPOINTS.get(_checkpoint_key(cfg, seed, v), {}) for v in variants}
    start = max((s for s in CHECKPOINT_STEPS if s <= cfg["train_steps"] and all(s in k for k in kept.values())), default=0)
    for v in variants if start else ():
        state = kept[v][start]
        optimiser = optimisers[v]  # the models' parameters are views of its flat array
        optimiser.params[...], optimiser.m[...], optimiser.v[...], optimiser.t = state["params"], state["m"], state["v"], start
        curves[v] = list(state["curve"])
    if start:  # the batches go on where that training's stopped (the same for every variant)
        data_rng.bit_generator.state = kept[variants[0]][start]["data"]
    for t in range(start + 1, cfg["train_steps"] + 1):
        x, targets, types = A.sample_batch(data_rng, BATCH, cfg["train_length"], cfg["ask_share"])
        weights = (types != A.BOS).astype(float)
        for v, model in models.items():
            optimisers[v].zero_grad()
            loss = model.loss_and_backward(x, targets, weights)
            optimisers[v].step()
            curves[v].append([t, round(loss, 5)])
        if t in CHECKPOINT_STEPS:
            for v, optimiser in optimisers.items():
                key = _checkpoint_key(cfg, seed, v)
                if key not in _CHECKPOINTS:
                    _CHECKPOINTS.put(key, {})
                _CHECKPOINTS[key][t] = {"params": optimiser.params.copy(), "m": optimiser.m.copy(), "v": optimiser.v.copy(),
                                        "curve": list(curves[v]), "data": data_rng.bit_generator.state}
        yield t, models, curves
    if start == cfg["train_steps"]:
        yield start, models, curves


def _eval_batch(cfg: dict, seed: int):
    return A.sample_batch(np.random.default_rng([seed, 2]), EVAL_BATCH, cfg["train_length"], cfg["ask_share"])


def part(cfg: dict, seed: int, key: str):
    """Train variant `key` alone; yield progress, return its curve, evaluation and weights."""
    for t, models, curves in _training(cfg, seed, [key]):
        if t < cfg["train_steps"]:
            yield t / cfg["train_steps"]
    model = models[key]
    return {"curve": curves[key], "stats": evaluate(model, _eval_batch(cfg, seed)),
            "weights": [[value.tolist() for value in layer.params.values()] for layer in model.layers]}


def _restored(cfg: dict, variant: str, weights: list) -> A.AttentionModel:
    """A variant's trained model from the weights a part returned."""
    model = A.AttentionModel(variant, cfg["heads"], D_HEAD, D_MODEL, np.random.default_rng(0))
    for layer, values in zip(model.layers, weights):
        for array, value in zip(layer.params.values(), values):
            array[...] = value
    return model


def steps(cfg: dict, seed: int):
    """Train the four variants in lockstep on the same batches; yield frames while training.
    Variants that helper workers train (kit.parts) join when they arrive."""
    labels, *shown = parse_sequence(cfg["sequence"])
    key = _setting(cfg, seed)
    if key in _TRAINED:
        yield _frame(cfg, seed, labels, shown, **_TRAINED[key])
        return
    handed = yield Handed()
    own = [v for v in A.VARIANTS if v not in handed]
    own_share = sum(VARIANT_COST[v] for v in own) / sum(VARIANT_COST.values())
    eval_batch = _eval_batch(cfg, seed)
    total = cfg["train_steps"]
    report = max(10, total // 8)
    models, curves, stats = {}, {}, {}
    for t, models, curves in _training(cfg, seed, own):
        if t < total and (t % report == 0 or t == 10):
            # The evaluation is kept with the models, so a cached re-read only redraws the view.
            stats = {v: evaluate(m, eval_batch) for v, m in models.items()}
            yield _frame(cfg, seed, labels, shown, models, curves, stats, t, progress=own_share * t / total)
    stats = {v: evaluate(m, eval_batch) for v, m in models.items()}
    if handed:
        yield _frame(cfg, seed, labels, shown, models, curves, stats, total, progress=own_share)
    for v in A.VARIANTS:
        if v in handed:
            got = yield Need(v, "training")
            models[v], curves[v], stats[v] = _restored(cfg, v, got["weights"]), got["curve"], got["stats"]
    in_order = lambda found: {v: found[v] for v in A.VARIANTS}  # noqa: E731
    state = {"models": in_order(models), "curves": in_order(curves), "step": total, "stats": in_order(stats)}
    _TRAINED.put(key, state)
    yield _frame(cfg, seed, labels, shown, **state)


def _frame(cfg, seed, labels, shown, models, curves, stats, step, progress=None) -> dict:
    """A frame of the models trained so far; a variant still training elsewhere shows as None."""
    done = step == cfg["train_steps"] and len(models) == len(A.VARIANTS)
    variants = {v: {**stats[v], **view(models[v], shown), "loss_curve": _thin(curves[v], 120)} if v in models else None
                for v in A.VARIANTS}
    return {"done": done, "step": step,
            "progress": round(step / cfg["train_steps"] if progress is None else progress, 4),
            "phase": "done" if done else "training",
            "tokens": labels, "targets": shown[1].tolist(), "variants": variants,
            "paper_sink": PAPER_SINK}


def _thin(curve: list, most: int) -> list:
    """At most `most` points of a curve, always keeping the last (the figure needs no more)."""
    if len(curve) <= most:
        return list(curve)
    stride = math.ceil(len(curve) / most)
    return curve[::stride] + ([curve[-1]] if (len(curve) - 1) % stride else [])


READOUTS = [Readout(f"variants.{v}.sink_ratio", f"Sink ratio, {LABELS[v].split(' (')[0].lower()}", ".1%") for v in A.VARIANTS] + [
    Readout(f"variants.{v}.ask_accuracy", f"Asks answered, {LABELS[v].lower()}", ".1%") for v in ("none", "elementwise")]


def _answer(cls: int) -> str:
    return "none" if cls == 0 else str(cls - 1)


def table(result: dict) -> dict:
    head = result["params"]["head"] - 1
    vs = result["variants"]
    rows = []
    pending = "…"  # a variant still training on another worker
    for i, token in enumerate(result["tokens"]):
        row = [i, token, _answer(result["targets"][i])]
        row += [_answer(vs[v]["predictions"][i]) if vs[v] else pending for v in A.VARIANTS]
        row += [round(vs[v]["attention"][head][i][0], 3) if vs[v] else pending for v in A.VARIANTS]
        row += [round(vs[v]["gate"][head][i], 3) if vs[v] else pending for v in A.VARIANTS if v != "none"]
        rows.append(row)
    return {"caption": f"The sequence shown: answers, attention on the start token (head {head + 1}) and gate values per model",
            "columns": ["position", "token", "correct answer"]
                       + [f"answer ({LABELS[v]})" for v in A.VARIANTS]
                       + [f"weight on start token ({LABELS[v]})" for v in A.VARIANTS]
                       + [f"gate ({LABELS[v]})" for v in A.VARIANTS if v != "none"],
            "rows": rows}
