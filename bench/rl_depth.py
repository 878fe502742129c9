"""1000-Layer RL: training time and success per depth, in CPython, for the agent the page trains.

    python bench/rl_depth.py [--maze u-maze] [--depths 1,4,16] [--steps 4000] [--seeds 0] [--offline]

Each line trains one agent with `training.train` (random walks, then ROUNDS rounds of the
agent's own trajectories) and prints its wall time, success on all evaluation pairs and per third
by goal distance. `--offline` sets ROUNDS to 0: the same number of steps on the random walks
only, the control for "does the data the agent collects matter". For the browser,
`python bench/recompute.py --sim thousand_layer_rl --set depth=N` times a live run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sitegen.blas import pin_threads  # noqa: E402

pin_threads()  # before NumPy, so timings are not BLAS threads fighting over 2 cores

from simulators.thousand_layer_rl import maze as M  # noqa: E402
from simulators.thousand_layer_rl import training as T  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--maze", default="u-maze", choices=list(M.PRESETS))
    parser.add_argument("--depths", default="1,4,16")
    parser.add_argument("--steps", type=int, default=4000)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--offline", action="store_true", help="no collection rounds: random-walk data only")
    args = parser.parse_args()
    if args.offline:
        T.ROUNDS = 0
    maze = M.Maze(M.PRESETS[args.maze], args.maze)
    for seed in map(int, args.seeds.split(",")):
        setting = T.Setting(maze, seed)
        bands = " / ".join(setting.band_labels())
        base = setting.baseline
        print(f"{args.maze}, seed {seed}, {'offline' if args.offline else f'{T.ROUNDS} collection rounds'}, "
              f"{args.steps} steps; success by goal distance ({bands})")
        print(f"  random walk         success {base['success_rate']:.2f}  by distance "
              + " ".join(f"{v:.2f}" for v in base["success_by_distance"]))
        for depth in map(int, args.depths.split(",")):
            start = time.perf_counter()
            for _, _, metrics, _ in T.train(setting, args.width, depth, args.steps, True, seed):
                pass
            took = time.perf_counter() - start
            print(f"  depth {depth:3d}  {took:6.1f} s  success {metrics['success_rate']:.2f}  by distance "
                  + " ".join(f"{v:.2f}" for v in metrics["success_by_distance"])
                  + f"  time at goal {metrics['time_at_goal']:.1f}", flush=True)


if __name__ == "__main__":
    main()
