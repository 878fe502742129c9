"""Where the test suite's time goes: CPU-seconds per file and per test, in one run of the suite.

    python bench/suite_cpu.py [--top N] [pytest arguments, e.g. tests/site/test_answers.py]

Runs pytest as tests/run_all.sh does (one worker per core, whole files per worker), with this
module loaded into every worker as a plugin. For each test's setup, call and teardown it records
the wall time, the CPU time of the worker itself (test code, CPython simulators) and that of the
processes the worker started (Chromium with its Pyodide workers, builds and their frame
processes). At the end it prints the run's wall time and the machine's busy CPU over it, then the
files and tests that cost the most CPU. A session's shared fixtures (the built site, a worker's
browser and its returning reader's first visit) count in the setup of the first test that asks for them.
The plugin's own scans of /proc (a few ms before and after each phase) count in neither.

On this 2-core machine the suite keeps both cores busy, so its wall time is close to its CPU
time divided by the cores: what makes it shorter is less CPU, not more workers.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK")
OUT = "SUITE_CPU_DIR"  # where each worker writes its records (set by main)


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def descendants_cpu(root: int) -> float:
    """CPU-seconds of every living process under `root`, with the children they have reaped
    (Chromium's renderers are gone when a tab closes; their parent's counters keep them)."""
    children: dict[int, list[int]] = collections.defaultdict(list)
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat(int(entry))):
            children[int(fields[1])].append(int(entry))
    total, stack = 0, list(children[root])
    while stack:
        pid = stack.pop()
        if fields := _stat(pid):
            total += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
        stack += children[pid]
    return total / TICK


def busy_ticks() -> int:
    user, nice, system = (int(v) for v in Path("/proc/stat").read_text().split()[1:4])
    return user + nice + system


def _record(item, phase: str):
    # The scans of /proc (a few ms each) stay outside the times they measure.
    kids0 = descendants_cpu(os.getpid())
    own0, wall0 = time.process_time(), time.perf_counter()
    yield
    wall, own = time.perf_counter() - wall0, time.process_time() - own0
    record = {"test": item.nodeid, "phase": phase, "wall": wall, "own": own,
              "started": max(0.0, descendants_cpu(os.getpid()) - kids0)}
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with open(Path(os.environ[OUT]) / f"{worker}.jsonl", "a") as out:
        out.write(json.dumps(record) + "\n")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    yield from _record(item, "setup")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    yield from _record(item, "call")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item):
    yield from _record(item, "teardown")


def report(records: list[dict], wall: float, busy: float, top: int) -> None:
    cores = os.cpu_count() or 1
    own = sum(r["own"] for r in records)
    started = sum(r["started"] for r in records)
    print(f"wall {wall:.0f} s; machine busy {busy:.0f} CPU-s of {wall * cores:.0f} ({busy / (wall * cores):.0%} of {cores} cores)")
    print(f"in tests: {own:.0f} CPU-s in the test workers, {started:.0f} in the processes they started "
          f"(browsers, builds); the rest ({busy - own - started:.0f}) is collection, workers' start-up and other load")
    by_file: dict[str, list[float]] = collections.defaultdict(lambda: [0.0, 0.0, 0.0])
    by_test: dict[str, list[float]] = collections.defaultdict(lambda: [0.0, 0.0, 0.0])
    for r in records:
        for key, table in ((r["test"].split("::")[0], by_file), (r["test"], by_test)):
            table[key][0] += r["wall"]
            table[key][1] += r["own"]
            table[key][2] += r["started"]
    for title, table in (("files", by_file), ("tests (setup, call and teardown)", by_test)):
        print(f"\n{'wall s':>7} {'own':>6} {'started':>8}  {title}, by CPU")
        for name, (w, o, s) in sorted(table.items(), key=lambda kv: -(kv[1][1] + kv[1][2]))[:top]:
            print(f"{w:7.1f} {o:6.1f} {s:8.1f}  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--top", type=int, default=25, help="how many files and tests to list")
    known, pytest_args = parser.parse_known_args()
    env = {**os.environ, "REQUIRE_BROWSER": "1", "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    with tempfile.TemporaryDirectory() as out:
        env[OUT] = out
        command = [sys.executable, "-m", "pytest", "-n", "auto", "--dist", "loadfile", "-q", "-p", "bench.suite_cpu", *pytest_args]
        ticks0, wall0 = busy_ticks(), time.perf_counter()
        finished = subprocess.run(command, cwd=ROOT, env=env)
        wall, busy = time.perf_counter() - wall0, (busy_ticks() - ticks0) / TICK
        records = [json.loads(line) for path in Path(out).glob("*.jsonl") for line in path.read_text().splitlines()]
    print()
    report(records, wall, busy, known.top)
    if finished.returncode:
        print(f"\npytest exited with {finished.returncode}: these numbers are of a failing run")
        sys.exit(finished.returncode)


if __name__ == "__main__":
    main()
