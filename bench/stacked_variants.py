"""Would one stacked model of gated attention's four variants beat training them on a pool of
workers? A proxy, in the vendored Pyodide (node): the layers the four share cost, stacked, about
what one model costs on four times the batch (the same multiply-adds in a quarter of the NumPy
calls). So this times one training step (forward and backward) of four models at the page's
batch against one model at four times that batch.

    python bench/stacked_variants.py [--steps 60]

A ratio near 1 means NumPy's per-call cost is small beside the work at these sizes: stacking
would save little on one worker, where the pool splits the work over two (bench/pool.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pyodide_time import in_pyodide  # noqa: E402

CODE = r"""
import sys, json, time
sys.path.insert(0, "/bench")
import numpy as np
from simulators.gated_attention import model as A, D_HEAD, D_MODEL, BATCH, PARAMS

def step_time(batch, variants, steps):
    defaults = {p["name"]: p["default"] for p in PARAMS}
    models = [A.AttentionModel(v, defaults["heads"], D_HEAD, D_MODEL, np.random.default_rng(0)) for v in variants]
    x, targets, _ = A.sample_batch(np.random.default_rng(1), batch, defaults["train_length"], defaults["ask_share"])
    weights = np.ones(targets.shape)
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        for _ in range(steps):
            for model in models:
                model.loss_and_backward(x, targets, weights)
        best = min(best, (time.perf_counter() - began) / steps)
    return best

steps = json.loads(job_json)[0]["steps"]
print("RESULT" + json.dumps({"batch": BATCH, "four": step_time(BATCH, A.VARIANTS, steps),
                             "one_at_4b": step_time(4 * BATCH, ("elementwise",), steps),
                             "one": step_time(BATCH, ("elementwise",), steps)}))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=60)
    args = parser.parse_args()
    found = in_pyodide([{"steps": args.steps}], CODE)
    b = found["batch"]
    print(f"Pyodide, one training step: four variants at batch {b}: {found['four'] * 1e3:.2f} ms; "
          f"one model at {4 * b}: {found['one_at_4b'] * 1e3:.2f} ms; one model at {b}: {found['one'] * 1e3:.2f} ms")
    print(f"four separate / one at four times the batch (the stacked model's best case): {found['four'] / found['one_at_4b']:.2f}")


if __name__ == "__main__":
    main()
