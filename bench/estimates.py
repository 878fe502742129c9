"""How well a run's own progress predicts its total time, in CPython: the browser asks the
reader before a long run using exactly this (time so far / progress, read after a short probe).

    python bench/estimates.py [--sim NAME] [--set control=value ...] [--probe 0.2]

Prints, per setting, the total time, the estimate made when the probe ended and their ratio
(the page promises an estimate within a factor of 2 of the time the run takes). Each setting
runs once from cold caches, as a reader's first visit to it would. The browser is about 3-4x
slower than CPython here, so the probe is scaled down by the same factor by default.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sitegen.blas import pin_threads  # noqa: E402

pin_threads()

from simulators import REGISTRY, bridge  # noqa: E402
from simulators.kit.cache import clear_all  # noqa: E402
from simulators.kit.params import ParamError  # noqa: E402

SETTINGS = {  # one-click and slider settings worth checking, beside the defaults
    "diffusion": [{}, {"dataset": "grid of 9"}, {"features": 512}, {"budget": 5}, {"sizes": "8, 64"}],
    "gated_attention": [{}, {"heads": 4}, {"train_steps": 800}, {"train_length": 24}],
    "superposition": [{}, {"scaling_sweep": False}, {"n_features": 1000}, {"m_dims": 100}, {"steps": 2400, "batch_size": 512}],
    "thousand_layer_rl": [{}, {"depth": 16}, {"width": 64}, {"train_steps": 1000}, {"sweep": True, "train_steps": 400}],
    "passk": [{}, {"samples": 1024, "n_problems": 400}, {"rl_steps": 1000, "distill_steps": 1000}],
}


def probe(name: str, params: dict, seed: int, probe_s: float) -> tuple[float, float | None]:
    """Total time of one run, and the estimate of it made as static/js/sim-worker.mjs makes it:
    once the probe is over, the rate since the first progress report (over at least half the
    probe; setup done once does not count), or time so far / progress if there is none yet."""
    clear_all()
    run = bridge.Run(name, json.dumps(params), seed)
    started = time.perf_counter()
    estimate = base = None
    while run.advance():
        elapsed = time.perf_counter() - started
        if run.done or estimate is not None or run.progress <= 0:
            continue
        base = base or (elapsed, run.progress)
        span = elapsed - base[0]
        if elapsed >= probe_s and (span >= probe_s / 2 or elapsed >= 3 * probe_s):
            rate = span / (run.progress - base[1]) if span >= probe_s / 2 and run.progress > base[1] else elapsed / run.progress
            estimate = elapsed + rate * (1 - run.progress)
    run.frame_json()
    return time.perf_counter() - started, estimate


def control_value(text: str) -> tuple[str, str]:
    """'depth=16' -> ('depth', '16'): values stay text, which the adapter coerces as it does a URL's."""
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"{text!r} is not CONTROL=VALUE, such as depth=16")
    return name.strip(), value.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sim", action="append", choices=sorted(REGISTRY))
    parser.add_argument("--set", action="append", default=[], metavar="CONTROL=VALUE", type=control_value,
                        help="run this setting (the controls given, the rest at their defaults) instead of the listed ones")
    parser.add_argument("--probe", type=float, default=0.2, help="seconds of CPython run before estimating")
    args = parser.parse_args()
    for name in args.sim or sorted(SETTINGS):
        # Any registered simulator: at the settings listed above, else its defaults; --set replaces them.
        for params in [dict(args.set)] if args.set else SETTINGS.get(name, [{}]):
            try:
                total, estimate = probe(name, params, 0, args.probe)
            except ParamError as error:
                parser.error(f"{name}: {error}")
            shown = "finished within the probe" if estimate is None else f"estimate {estimate:6.2f} s, ratio {estimate / total:4.2f}"
            print(f"{name:18s} {json.dumps(params):44s} total {total:6.2f} s | {shown}", flush=True)


if __name__ == "__main__":
    main()
