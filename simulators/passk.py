"""Pass@k explorer for "Does RL Really Incentivize Reasoning Capacity?" (Yue et al., NeurIPS 2025).

An illustration, not the paper's method. Each problem can be attacked with S reasoning
strategies ("paths"); a strategy either solves a problem or not (a verifiable 0/1 reward).
A model is a softmax over strategies per problem, with logits
    base_logits[j] + shared[s] + per_problem[j, s]
where `shared` is one vector for all problems (like an LLM's shared weights) and
`per_problem` lets training specialise. Three models start from the same base:
  * RL: GRPO policy gradient with group-normalised advantages on sampled paths;
  * distilled: cross-entropy toward samples from a teacher that knows extra strategies;
  * base: untouched.
Pass@k then comes from n sampled completions per problem and the unbiased estimator.
No curve is drawn from a formula: the crossover appears only if training produces it.
"""

from __future__ import annotations

import numpy as np

from .kit import svg
from .kit.contract import Readout
from .kit.nn import softmax
from .kit.params import ParamError

NAME = "passk"
TITLE = "Pass@k explorer: RL sharpens, distillation expands"

BASE_STRATEGIES = 64  # strategies the base model can sample
TEACHER_ONLY = 8  # extra strategies only the teacher uses (base probability ~ e^-12)
UNSEEN_LOGIT = -12.0
POPULARITY = 1.2
BASE_INSIGHT = 1.0
SPECIFIC = 0.02  # per-problem learning relative to shared
DISTILL_RATE = 1.0
MAX_WORK = 4_000_000  # cap on problems x samples x steps so a page never stalls

PARAMS = [
    {"name": "n_problems", "kind": "int", "default": 100, "min": 1, "max": 400, "step": 1,
     "label": "Problems", "help": "How many problems are trained on and evaluated."},
    {"name": "difficulty", "kind": "float", "default": 1.6, "min": -1.0, "max": 3.0, "step": 0.1,
     "label": "Mean difficulty", "help": "Higher: fewer strategies solve a typical problem."},
    {"name": "difficulty_spread", "kind": "float", "default": 0.8, "min": 0.0, "max": 2.0, "step": 0.1,
     "label": "Difficulty spread", "help": "Standard deviation of problem difficulty across the set."},
    {"name": "samples", "kind": "int", "default": 256, "min": 2, "max": 1024, "step": 1, "scale": "log",
     "label": "Samples per problem n", "help": "Completions drawn per problem; pass@k is computed for k = 1 … n."},
    {"name": "rl_steps", "kind": "int", "default": 150, "min": 0, "max": 1000, "step": 10,
     "label": "RL steps", "help": "GRPO updates on all problems (0: the RL model equals the base model)."},
    {"name": "rl_learning_rate", "kind": "float", "default": 1.0, "min": 0.01, "max": 3.0, "step": 0.01,
     "label": "RL learning rate", "help": "Step size of the policy-gradient update on the logits."},
    {"name": "group_size", "kind": "int", "default": 8, "min": 2, "max": 64, "step": 1,
     "label": "Group size G", "help": "Samples per problem in each GRPO step (the paper's runs used 8)."},
    {"name": "distill_steps", "kind": "int", "default": 150, "min": 0, "max": 1000, "step": 10,
     "label": "Distillation steps", "help": "Gradient steps pulling the base model toward the teacher's distribution."},
]
# Small in-range settings that run in well under a second: what the contract tests use.
CHEAP_PARAMS = {"n_problems": 20, "samples": 32, "rl_steps": 20, "distill_steps": 20}


# --- the unbiased estimator -------------------------------------------------------------

def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k for one problem with c correct out of n samples (Chen et al. 2021):
    1 - C(n-c, k) / C(n, k), in the stable product form 1 - prod_{i=n-c+1}^{n} (1 - k/i)."""
    for name, value in (("n", n), ("c", c), ("k", k)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"pass_at_k: {name} = {value!r} must be a whole number")
    if n < 1:
        raise ValueError(f"pass_at_k: n = {n} must be at least 1")
    if not 0 <= c <= n:
        raise ValueError(f"pass_at_k: c = {c} must be between 0 and n = {n}")
    if not 1 <= k <= n:
        raise ValueError(f"pass_at_k: k = {k} must be between 1 and n = {n}")
    if n - c < k:
        return 1.0
    return float(1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))


def pass_at_all_k(n: int, correct: np.ndarray) -> np.ndarray:
    """pass@k for every k = 1..n and every problem at once, shape (problems, n).

    C(n-c, k)/C(n, k) = prod_{i<k} (n-c-i)/(n-i): a running product of factors in [0, 1],
    so it neither overflows nor loses precision for n up to 1024 and beyond."""
    correct = np.asarray(correct)[:, None]
    i = np.arange(n)[None, :]
    factors = np.clip((n - correct - i) / (n - i), 0.0, 1.0)
    return 1.0 - np.cumprod(factors, axis=1)


# --- the world: problems, strategies, models ---------------------------------------------

def make_world(cfg: dict, rng: np.random.Generator) -> dict:
    """Problems, which strategies solve them, and the base model's preferences."""
    p, s_all = cfg["n_problems"], BASE_STRATEGIES + TEACHER_ONLY
    difficulty = rng.normal(cfg["difficulty"], cfg["difficulty_spread"], size=p)
    skill = rng.normal(0.0, 0.5, size=s_all)
    skill[BASE_STRATEGIES:] += 1.0  # the teacher's extra strategies are stronger ones
    solves = skill[None, :] + rng.normal(0.0, 1.0, size=(p, s_all)) > difficulty[:, None]
    # Base preferences: a few habitual strategies dominate (Zipf-like over a random order),
    # with problem-specific variation; the teacher-only strategies are essentially never used.
    rank = rng.permutation(BASE_STRATEGIES) + 1
    base_logits = np.zeros((p, s_all))
    base_logits[:, :BASE_STRATEGIES] = (-POPULARITY * np.log(rank)[None, :] + BASE_INSIGHT * solves[:, :BASE_STRATEGIES]
                                        + rng.normal(0.0, 1.0, size=(p, BASE_STRATEGIES)))
    teacher_logits = 2.0 * skill[None, :] + 3.0 * solves + rng.normal(0.0, 0.5, size=(p, s_all))
    return {"difficulty": difficulty, "solves": solves, "base_logits": base_logits,
            "teacher_logits": teacher_logits}


def sample_paths(probs: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` strategy indices per problem, by inverse CDF; shape (problems, count).

    Row j's CDF is shifted by j so all rows form one increasing array and a single
    searchsorted serves every problem."""
    rows, width = probs.shape
    cdf = np.cumsum(probs, axis=1)
    cdf /= cdf[:, -1:]
    offset = np.arange(rows)[:, None]
    u = rng.random((rows, count)) + offset
    flat = np.searchsorted((cdf + offset).ravel(), u.ravel(), side="right").reshape(rows, count)
    return np.minimum(flat - offset * width, width - 1)


class Policy:
    """Logits = frozen base + shared (one vector) + per-problem; both trainable parts start at 0."""

    def __init__(self, base_logits: np.ndarray):
        self.base = base_logits
        self.sharpness = 1.0
        # The base model has never used the teacher's strategies: a fixed, very low logit.
        self.unseen = np.where(np.arange(base_logits.shape[1]) < BASE_STRATEGIES, 0.0, UNSEEN_LOGIT)
        self.shared = np.zeros(base_logits.shape[1])
        self.per_problem = np.zeros_like(base_logits)

    def probs(self) -> np.ndarray:
        return softmax(self.sharpness * self.base + self.unseen + self.shared[None, :] + self.per_problem)

    def ascend(self, grad: np.ndarray, lr: float) -> None:
        """One gradient step on d(objective)/d(logits), shape (problems, strategies)."""
        self.per_problem += lr * SPECIFIC * grad
        self.shared += lr * grad.mean(axis=0)
        self.sharpness += lr * float((grad * self.base).sum(axis=1).mean())


def score_function_grad(paths: np.ndarray, weights: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Mean over samples of weight_i * d log pi(path_i)/d logits = weight_i (onehot_i - pi)."""
    p, s = probs.shape
    g = paths.shape[1]
    rows = np.repeat(np.arange(p), g)
    onehot_sum = np.bincount(rows * s + paths.ravel(), weights=weights.ravel(), minlength=p * s).reshape(p, s)
    return (onehot_sum - weights.sum(axis=1, keepdims=True) * probs) / g


def grpo_step(policy: Policy, solves: np.ndarray, group: int, lr: float, rng: np.random.Generator) -> float:
    """One GRPO update: A_i = (r_i - mean r) / std r within each problem's group; returns mean reward."""
    probs = policy.probs()
    paths = sample_paths(probs, group, rng)
    rewards = np.take_along_axis(solves, paths, axis=1).astype(float)
    mean = rewards.mean(axis=1, keepdims=True)
    std = np.sqrt(mean * (1.0 - mean))  # the standard deviation of 0/1 rewards
    # An all-correct or all-wrong group carries no signal: its advantages are 0.
    advantages = (rewards - mean) / np.where(std > 0, std, np.inf)
    policy.ascend(score_function_grad(paths, advantages, probs), lr)
    return float(mean.mean())


def distill_step(policy: Policy, teacher: np.ndarray, lr: float) -> None:
    """One step of gradient descent on KL(teacher || student), with its exact gradient
    (teacher - student) over the teacher's whole distribution, as in logit distillation."""
    policy.ascend(teacher - policy.probs(), lr)


def correct_probability(policy: Policy, solves: np.ndarray) -> np.ndarray:
    return (policy.probs() * solves).sum(axis=1)


# --- evaluation ---------------------------------------------------------------------------

HIST_EDGES = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
HIST_LABELS = ["0"] + [f"{a:.1f}–{b:.1f}" for a, b in zip(HIST_EDGES[:-1], HIST_EDGES[1:])]


def accuracy_histogram(correct: np.ndarray, n: int) -> list[int]:
    """Problems per accuracy bin: exactly 0, then (0, 0.1], (0.1, 0.2], ... (0.9, 1.0]."""
    acc = correct / n
    zero = int((correct == 0).sum())
    bins = np.clip(np.ceil(acc * 10 - 1e-9).astype(int), 1, 10)
    counts = np.bincount(bins[correct > 0], minlength=11)[1:]
    return [zero] + [int(c) for c in counts]


def evaluate(probability: np.ndarray, n: int, rng: np.random.Generator) -> dict:
    """Draw n completions per problem and score them. Each completion is correct with the
    model's probability of picking a solving strategy, so the correct count is Binomial(n, p):
    the same distribution as drawing the n paths one by one, without the cost."""
    correct = rng.binomial(n, np.clip(probability, 0.0, 1.0))
    curve = pass_at_all_k(n, correct).mean(axis=0)
    return {"correct": correct, "curve": curve}


def crossover(base: np.ndarray, rl: np.ndarray) -> int | None:
    """Smallest k from which the base model's pass@k stays at or above RL's, if RL led at k = 1."""
    if rl[0] <= base[0]:
        return None
    behind = base >= rl - 1e-12
    if not behind[-1]:
        return None
    last_ahead = np.flatnonzero(~behind)
    return int(last_ahead[-1] + 2) if last_ahead.size else 1


def steps(cfg: dict, seed: int):
    """Yield partial results during RL and distillation, then the final result."""
    p, n, group = cfg["n_problems"], cfg["samples"], cfg["group_size"]
    work = p * group * cfg["rl_steps"] + p * cfg["distill_steps"] + 3 * p * n
    if work > MAX_WORK:
        raise ParamError("n_problems", f"= {p} with these steps and group size would take {work:,} samples "
                                       f"(at most {MAX_WORK:,}); use fewer problems, steps or a smaller group")
    world = make_world(cfg, np.random.default_rng([seed, 0]))
    solves = world["solves"]
    base, rl, distilled = (Policy(world["base_logits"]) for _ in range(3))
    teacher = softmax(world["teacher_logits"])
    train_rng = np.random.default_rng([seed, 1])
    reward_curve: list[list[float]] = []
    total = max(1, cfg["rl_steps"] + cfg["distill_steps"])
    report = max(1, cfg["rl_steps"] // 3)
    for t in range(1, cfg["rl_steps"] + 1):
        reward = grpo_step(rl, solves, group, cfg["rl_learning_rate"], train_rng)
        reward_curve.append([t, round(reward, 4)])
        if t % report == 0 and t < cfg["rl_steps"]:
            yield _result(cfg, seed, world, base, rl, None, reward_curve, t / total, "RL training")
    for t in range(1, cfg["distill_steps"] + 1):
        distill_step(distilled, teacher, DISTILL_RATE)
    yield _result(cfg, seed, world, base, rl, distilled, reward_curve, 1.0, "done")


def _result(cfg, seed, world, base, rl, distilled, reward_curve, progress, phase) -> dict:
    n, solves = cfg["samples"], world["solves"]
    models = {"base": base, "rl": rl, "distilled": distilled}
    # Every model is scored with the same random stream (common random numbers), so a gap
    # between curves comes from the models, not from sampling luck; with 0 RL steps the RL
    # curve is the base curve exactly.
    scored = {name: evaluate(correct_probability(m, solves), n, np.random.default_rng([seed, 2]))
              for name, m in models.items() if m is not None}
    ks = list(range(1, n + 1))
    curves = {name: [round(float(v), 5) for v in s["curve"]] for name, s in scored.items()}
    base_curve, rl_curve = scored["base"]["curve"], scored["rl"]["curve"]
    k256 = min(256, n)
    per_problem = [[j + 1, round(float(world["difficulty"][j]), 2), int(solves[j, :BASE_STRATEGIES].sum()),
                    int(solves[j, BASE_STRATEGIES:].sum())] + [int(scored[m]["correct"][j]) for m in scored]
                   for j in range(cfg["n_problems"])]
    # pass@n is exactly coverage (1 when any of the n samples is correct), so it is kept once.
    # A model not trained yet (distillation, while RL runs) has coverage None: every frame has the same keys.
    coverage = {m: round(float((scored[m]["correct"] > 0).mean()), 5) if m in scored else None for m in models}
    done = phase == "done"
    return {
        "done": done, "phase": phase, "progress": round(progress, 4),
        "ks": ks,
        "pass_at_k": curves,
        "pass_at_1": {m: c[0] for m, c in curves.items()},
        "coverage": coverage,
        "histogram": {m: accuracy_histogram(s["correct"], n) for m, s in scored.items() if m in ("base", "rl")},
        "histogram_labels": HIST_LABELS,
        "crossover_k": crossover(base_curve, rl_curve),
        "sampling_gap": round(float(base_curve[k256 - 1] - rl_curve[0]), 5),
        "sampling_gap_k": k256,
        "reward_curve": reward_curve,
        "per_problem": per_problem,
        "models": list(scored),
        "strategies": {"base": BASE_STRATEGIES, "teacher_only": TEACHER_ONLY},  # the toy's constants, for the prose
    }


READOUTS = [
    Readout("pass_at_1.base", "Base pass@1", ".1%"),
    Readout("pass_at_1.rl", "RL pass@1", ".1%"),
    Readout("coverage.base", "Base coverage (solved at k = n)", ".1%"),
    Readout("coverage.rl", "RL coverage (solved at k = n)", ".1%"),
    Readout("coverage.distilled", "Distilled coverage (solved at k = n)", ".1%"),
    Readout("crossover_k", "Base overtakes RL from k =", ".0f"),
    Readout("sampling_gap", "ΔSE: base pass@256 − RL pass@1", ".1%"),
]

MODEL_STYLE = {"base": (svg.PALETTE[0], "", "base"), "rl": (svg.PALETTE[1], "", "RL (GRPO)"),
               "distilled": (svg.PALETTE[2], "6 3", "distilled")}


def table(result: dict) -> dict:
    models = result["models"]
    return {"caption": f"Per problem: correct completions out of n = {result['params']['samples']}",
            "columns": ["problem", "difficulty", "base strategies that solve it", "teacher-only strategies that solve it"]
                       + [f"correct ({MODEL_STYLE[m][2]})" for m in models],
            "rows": result["per_problem"]}


def render(result: dict) -> str:
    cfg, n = result["params"], result["params"]["samples"]
    base1, rl1 = result["pass_at_1"]["base"], result["pass_at_1"]["rl"]
    cross = result["crossover_k"]
    desc = (f"Pass@k for {cfg['n_problems']} problems with n = {n} samples each. "
            f"Base pass@1 {base1:.1%}, RL pass@1 {rl1:.1%}; base coverage {result['coverage']['base']:.1%}, "
            f"RL coverage {result['coverage']['rl']:.1%}"
            + (f"; the base model overtakes RL from k = {cross}." if cross else "; no crossover in this run."))
    return svg.panels(TITLE, desc, [_pass_at_k_panel(result), _histogram_panel(result), _reward_panel(result)])


def _pass_at_k_panel(result: dict) -> str:
    """pass@k against k (log axis) for each model, the crossover marked."""
    ks = result["ks"]
    panel = svg.Panel(56, 34, 264, 230, (1, max(2, result["params"]["samples"])), (0, 1), xlog=True)
    body = panel.axes("k (samples allowed)", "pass@k", "pass@k: mean over problems")
    for model in result["models"]:
        colour, dash, label = MODEL_STYLE[model]
        body.append(panel.polyline(ks, result["pass_at_k"][model], colour, 2.2, dash, label))
    cross = result["crossover_k"]
    if cross is not None:
        body.append(panel.vline(cross, svg.FG, 1, "3 3"))
        anchor = "end" if panel.px(cross) > panel.x + panel.w / 2 else "start"
        shift = -4 if anchor == "end" else 4
        body.append(svg.text(panel.px(cross) + shift, panel.y + panel.h - 8, f"base ≥ RL from k = {cross}", anchor, 12, svg.FG))
    if not result["done"]:
        body.append(svg.text(320, 16, f"{result['phase']}…", "end", 11, svg.MUTED))
    body += svg.legend(20, 318, [MODEL_STYLE[m] for m in result["models"]], columns=3)
    return svg.panel(330, "pass@k against k for each model", body)


def _histogram_panel(result: dict) -> str:
    """Per-problem accuracy histogram, base against RL (the paper's Fig. 5 shape)."""
    hist = result["histogram"]
    panel = svg.Panel(56, 34, 264, 230, (0, 11), (0, max(1, max(max(h) for h in hist.values())) * 1.1))
    body = panel.axes("accuracy c/n per problem", "problems", "Accuracy histogram", xticks=[], yticks=None)
    bar = panel.w / 11 / 2.4
    for b, label in enumerate(result["histogram_labels"]):
        for shift, model in enumerate(("base", "rl")):
            count = hist[model][b]
            body.append(panel.bar(panel.px(b + 0.5) - bar + shift * bar, bar, count, MODEL_STYLE[model][0],
                                  f"{MODEL_STYLE[model][2]}, accuracy {label}: {count} problems"))
        if b in (0, 5, 10):
            body.append(svg.text(panel.px(b + 0.5), panel.y + panel.h + 14, "0" if b == 0 else f"{b / 10:.1f}", "middle", 11, svg.MUTED))
    body += svg.legend(20, 318, [(MODEL_STYLE[m][0], "", MODEL_STYLE[m][2]) for m in ("base", "rl")], columns=3)
    return svg.panel(330, "Histogram of per-problem accuracy, base and RL", body)


def _reward_panel(result: dict) -> str:
    """Mean reward of the RL model's training samples, and this toy's numbers beside the paper's."""
    curve = result["reward_curve"]
    n = result["params"]["samples"]
    panel = svg.Panel(56, 34, 264, 150, (0, max(1, result["params"]["rl_steps"])), (0, 1))
    body = panel.axes("RL step", "mean reward", "RL training reward")
    if curve:
        body.append(panel.polyline([c[0] for c in curve], [c[1] for c in curve], svg.PALETTE[1], 1.8, "", "mean reward per step"))
    base1, rl1 = result["pass_at_1"]["base"], result["pass_at_1"]["rl"]
    toy = (f"This toy (seed {result['seed']}): pass@1 {base1:.1%} → {rl1:.1%} after RL; coverage at k = {n} "
           f"{result['coverage']['base']:.1%} → {result['coverage']['rl']:.1%}; "
           f"ΔSE {result['sampling_gap']:.1%} (k = {result['sampling_gap_k']}).")
    paper = "Paper (7B–32B LLMs, Omni-MATH train, Qwen2.5-7B + GRPO): pass@1 26.1 → 42.5 while pass@256 falls; ΔSE > 40 points for all six RL algorithms."
    lines, y = svg.paragraph(20, 242, toy, 300, 12, svg.FG)
    more, y = svg.paragraph(20, y + 6, paper, 300, 12, svg.MUTED)
    return svg.panel(max(330, y), "RL training reward, and this toy's numbers beside the paper's", body + lines + more)
