"""Build times an author feels, beside `mkdocs build` on the same Markdown, in one run.

    python bench/build_time.py [--rounds N] [--cold-runs N]

Every figure is a whole command, timed from start to exit, as an author types it:
- cold: `python build.py` with an empty build cache (first frames, KaTeX output, templates, the
  simulators' assets prepared from their downloads), the npm and PyPI downloads and the prepared
  runtime already present;
- warm: `python build.py` again, nothing changed;
- warm, forced: `python build.py --force`: every page rendered again, frames and formulas from the cache;
- one edit: a sentence appended to one topic, then `python build.py`;
- one edit while serving: the same edit under `python build.py --serve`, from the file write
  to the builder's "built" line (the builder process keeps its imports warm);
- mkdocs: `mkdocs build` (MkDocs from the bench extra) on a copy of the seven topic files;
- cold serve: `python build.py --serve` with the cold cache above, from start to the home page and
  to every topic page served with its first frame, and to the whole build (one-click frames,
  grid and experiments, built after the pages are served);
- fresh clone, serve: the same from a `git clone` of this repository, whose build cache starts
  empty (downloads come from npm's and pip's own caches, as on an author's machine).
The warm, edit and MkDocs commands alternate round by round, so machine noise hits them alike.
Python writes bytecode caches here as on an author's machine (PYTHONDONTWRITEBYTECODE is unset).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sitegen.vendor import cache_dir  # noqa: E402

TOPIC = "gated-attention.md"


def timed(command: list[str], env: dict, cwd: Path = ROOT) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - started


def build_command(work: Path, *extra: str) -> list[str]:
    return [sys.executable, str(ROOT / "build.py"), "--quiet", "--out", str(work / "site"), "--content", str(work / "content"), *extra]


def fresh_cache(work: Path) -> Path:
    """A build cache with nothing computed, sharing the real downloads (read only)."""
    cache = work / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir()
    for downloads in ("npm", "pyodide", "unpacked", "pypi"):  # pypi: wheels a simulator's assets are made from
        if (cache_dir() / downloads).exists():
            (cache / downloads).symlink_to(cache_dir() / downloads)
    return cache


def serve_edit_times(work: Path, env: dict, edits: int) -> list[float]:
    server = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "--serve", "--port", "0",
                              "--out", str(work / "site"), "--content", str(work / "content")],
                             env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             start_new_session=True)
    built = threading.Event()
    ready = threading.Event()

    def read():
        for line in server.stdout:
            if line.startswith("serving "):
                ready.set()
            elif (line.startswith("built ") and "first frames" not in line) or "is up to date" in line:
                built.set()

    threading.Thread(target=read, daemon=True).start()
    times = []
    try:
        if not ready.wait(300):
            raise RuntimeError("build.py --serve did not start")
        if not built.wait(600):  # the whole build, which follows the draft served first
            raise RuntimeError("build.py --serve did not finish its first build")
        topic = work / "content" / "topics" / TOPIC
        for i in range(edits):
            time.sleep(0.5)
            built.clear()
            started = time.perf_counter()
            topic.write_text(topic.read_text() + f"\nAn edit made while serving, number {i}.\n")
            if not built.wait(30):
                raise RuntimeError("no rebuild after an edit")
            times.append(time.perf_counter() - started)
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
    return times


def cold_serve_times(project: Path, env: dict, extra: list[str]) -> dict[str, float]:
    """Seconds from starting `build.py --serve` to: the home page, every topic page with its
    first frame, and the line of the whole build."""
    import urllib.request

    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, str(project / "build.py"), "--serve", "--port", "0", *extra],
                              env=env, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              start_new_session=True)
    url, whole = [], threading.Event()

    def read():
        for line in server.stdout:
            if line.startswith("serving ") and not url:
                url.append(line.split(" at ", 1)[1].split(" ", 1)[0])
            elif line.startswith("built ") and "first frames" not in line:
                whole.set()

    def answers(address: str, needs: str) -> bool:
        try:
            with urllib.request.urlopen(address, timeout=5) as response:
                return needs in response.read().decode()
        except OSError:
            return False

    threading.Thread(target=read, daemon=True).start()
    times = {}
    try:
        topics = sorted(p.stem for p in (project / "content" / "topics").glob("*.md"))
        deadline = started + 600
        while not url and time.perf_counter() < deadline and server.poll() is None:
            time.sleep(0.1)
        if not url:
            raise RuntimeError("build.py --serve did not start")
        for name, address, needs in [("home page", url[0], "<h1"), *((t, f"{url[0]}{t}/", 'data-sim-status="prerendered"') for t in topics)]:
            while not answers(address, needs):
                if time.perf_counter() > deadline:
                    raise RuntimeError(f"{address} never answered")
                time.sleep(0.1)
            times[name] = time.perf_counter() - started
        if not whole.wait(max(1.0, deadline - time.perf_counter())):
            raise RuntimeError("the whole build never finished")
        times["whole build"] = time.perf_counter() - started
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
    return times


def print_serve_times(label: str, times: dict[str, float]) -> None:
    pages = [t for name, t in times.items() if name not in ("home page", "whole build")]
    print(f"{label:<26} home page {times['home page']:.1f} s, every topic page with its first frame {max(pages):.1f} s, "
          f"whole build {times['whole build']:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--cold-runs", type=int, default=2)
    args = parser.parse_args()
    mkdocs = shutil.which("mkdocs")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copytree(ROOT / "content", work / "content")
        docs = work / "mkdocs" / "docs"
        docs.mkdir(parents=True)
        for topic in (ROOT / "content" / "topics").glob("*.md"):
            shutil.copy(topic, docs / topic.name)
        (work / "mkdocs" / "mkdocs.yml").write_text("site_name: NeurIPS 2025 award papers\n")
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["COMPANION_CACHE"] = str(work / "cache")

        cold = []
        for _ in range(args.cold_runs):
            fresh_cache(work)
            shutil.rmtree(work / "site", ignore_errors=True)
            cold.append(timed(build_command(work), env))
        times: dict[str, list[float]] = {"warm": [], "forced": [], "edit": [], "mkdocs": []}
        topic = work / "content" / "topics" / TOPIC
        for i in range(args.rounds):
            times["warm"].append(timed(build_command(work), env))
            times["forced"].append(timed(build_command(work, "--force"), env))
            topic.write_text(topic.read_text() + f"\nAn edit, number {i}.\n")
            times["edit"].append(timed(build_command(work), env))
            if mkdocs:
                times["mkdocs"].append(timed([mkdocs, "build", "-q"], env, cwd=work / "mkdocs"))
        serving = serve_edit_times(work, env, args.rounds)
        fresh_cache(work)
        shutil.rmtree(work / "site", ignore_errors=True)
        cold_serve = cold_serve_times(ROOT, env, ["--out", str(work / "site"), "--content", str(work / "content")])
        subprocess.run(["git", "clone", "-q", str(ROOT), str(work / "clone")], check=True)
        fresh_env = {k: v for k, v in env.items() if k != "COMPANION_CACHE"}
        fresh_clone = cold_serve_times(work / "clone", fresh_env, [])

    median = {name: statistics.median(values) for name, values in times.items() if values}
    print(f"cold build (empty build cache), {len(cold)} runs: {', '.join(f'{t:.2f} s' for t in cold)}")
    rows = [("warm, nothing changed", "warm"), ("warm, forced re-render", "forced"), ("one topic edited", "edit"),
            ("mkdocs build", "mkdocs")]
    for label, name in rows:
        if name in median:
            ratio = f"   {median[name] / median['mkdocs']:.2f} x mkdocs" if "mkdocs" in median else ""
            print(f"{label:<26} median {median[name]:.3f} s  (min {min(times[name]):.3f}){ratio}")
    print(f"{'one edit while serving':<26} median {statistics.median(serving):.3f} s  (max {max(serving):.3f}), "
          "file write to rebuilt site")
    print_serve_times("cold serve", cold_serve)
    print_serve_times("fresh clone, serve", fresh_clone)
    if not mkdocs:
        print("mkdocs is not installed: python -m pip install -e '.[bench]' to compare")


if __name__ == "__main__":
    main()
