"""Time simulators inside the vendored Pyodide (node), beside CPython, in one run.

    python bench/pyodide_time.py [--sim gated_attention,diffusion] [--set diffusion:budget=4] [--repeats 3] [--profile]

The browser's NumPy has no BLAS, so where time goes there differs from CPython; this is the
place to measure a speed-up before the page. Each simulator runs `bridge.frame` at its
defaults, which are its page's (plus any --set) with seed 0: the whole run, figure included. --profile prints the
top functions by own time (cProfile) inside Pyodide.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sitegen.blas import pin_threads  # noqa: E402

pin_threads()

from simulators import bridge  # noqa: E402
from simulators.kit import cache  # noqa: E402

RUNNER = r"""
import { loadPyodide } from "RUNTIME/pyodide.mjs";
import { readFileSync } from "node:fs";
const job = JSON.parse(readFileSync(process.argv[2], "utf8"));
const py = await loadPyodide({ indexURL: "RUNTIME/" });
await py.loadPackage("numpy", { messageCallback: () => {} });
for (const [path, text] of Object.entries(job.files)) {
  const parts = path.split("/");
  for (let i = 1; i < parts.length; i++) py.FS.mkdirTree("/bench/" + parts.slice(0, i).join("/"));
  py.FS.writeFile("/bench/" + path, text);
}
py.globals.set("job_json", JSON.stringify(job.runs));
py.runPython(job.code);
"""

TIMING = r"""
import sys, json, time, cProfile, pstats, io
sys.path.insert(0, "/bench")
from simulators import bridge
from simulators.kit import cache
out = []
for run in json.loads(job_json):
    times = []
    for _ in range(run["repeats"]):
        cache.clear_all()
        t0 = time.perf_counter()
        bridge.frame(run["sim"], run["params"], 0)
        times.append(time.perf_counter() - t0)
    top = ""
    if run["profile"]:
        cache.clear_all()
        profile = cProfile.Profile()
        profile.enable()
        bridge.frame(run["sim"], run["params"], 0)
        profile.disable()
        stream = io.StringIO()
        pstats.Stats(profile, stream=stream).sort_stats("tottime").print_stats(14)
        top = stream.getvalue()
    out.append({"sim": run["sim"], "times": times, "profile": top})
print("RESULT" + json.dumps(out))
"""


def runtime_dir() -> Path:
    found = sorted((ROOT / "site" / "static").glob("pyodide-*")) or sorted((ROOT / ".cache" / "pyodide").glob("*"))
    if not found:
        sys.exit("no Pyodide runtime: run `python build.py` first")
    return found[-1]


def source_files() -> dict[str, str]:
    return {p.relative_to(ROOT).as_posix(): p.read_text() for p in (ROOT / "simulators").rglob("*")
            if p.suffix in (".py", ".json") and "__pycache__" not in p.parts}


def in_pyodide(runs: list[dict], code: str = TIMING) -> list[dict]:
    """Run `code` in Pyodide with the simulators package and `runs` (as `job_json`); it prints
    its answer as RESULT<json>."""
    with tempfile.TemporaryDirectory() as tmp:
        runner = Path(tmp) / "run.mjs"
        runner.write_text(RUNNER.replace("RUNTIME", runtime_dir().as_posix()))
        job = Path(tmp) / "job.json"
        job.write_text(json.dumps({"files": source_files(), "runs": runs, "code": code}))
        done = subprocess.run(["node", str(runner), str(job)], capture_output=True, text=True, check=True)
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT"))
    return json.loads(line[len("RESULT"):])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sim", default="gated_attention,diffusion,superposition,thousand_layer_rl")
    parser.add_argument("--set", action="append", default=[], help="SIM:NAME=VALUE")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    runs = []
    for name in args.sim.split(","):
        params = {}
        for item in args.set:
            sim, _, pair = item.partition(":")
            if sim == name:
                key, _, value = pair.partition("=")
                params[key] = json.loads(value) if value[:1] in "0123456789-[{tf" else value
        runs.append({"sim": name, "params": params, "repeats": args.repeats, "profile": args.profile})
    browser = {r["sim"]: r for r in in_pyodide(runs)}
    print(f"{'simulator':20} {'Pyodide p50':>12} {'CPython p50':>12} {'ratio':>6}")
    for run in runs:
        local = []
        for _ in range(run["repeats"]):
            cache.clear_all()  # as inside Pyodide: time the work, not a cached answer
            t0 = time.perf_counter()
            bridge.frame(run["sim"], run["params"], 0)
            local.append(time.perf_counter() - t0)
        there = statistics.median(browser[run["sim"]]["times"])
        here = statistics.median(local)
        print(f"{run['sim']:20} {there:11.2f}s {here:11.2f}s {there / here:6.1f}", flush=True)
        if args.profile:
            print(browser[run["sim"]]["profile"])


if __name__ == "__main__":
    main()
