"""`python build.py new SLUG [--simulator NAME]`, as a new author uses it: in a copy of the project,
the page and simulator it writes build as written, and the simulator passes the contract tests."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT
from sitegen.scaffold import ScaffoldError, new_topic


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "COMPANION_CACHE": str(PROJECT_ROOT / ".cache")}  # the downloads; frames are keyed by content
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True)


def test_a_new_page_with_its_simulator_builds_and_keeps_the_contract(tmp_path):
    for folder in ("simulators", "sitegen", "templates", "static", "content", "tests"):
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PROJECT_ROOT / "build.py", tmp_path)

    made = run(["build.py", "new", "my-paper", "--simulator", "my_sim"], tmp_path)
    assert made.returncode == 0, made.stderr
    assert made.stdout.splitlines()[:2] == ["wrote content/topics/my-paper.md", "wrote simulators/my_sim.py"]
    topic = (tmp_path / "content" / "topics" / "my-paper.md").read_text()
    orders = [int(m) for p in (PROJECT_ROOT / "content" / "topics").glob("*.md") for m in re.findall(r"^order: (\d+)", p.read_text(), re.M)]
    assert f"order: {max(orders) + 1}" in topic and "<!-- simulator -->" in topic and "name: my_sim" in topic
    for section in ("The problem", "Background", "The key idea", "Key findings", "Deep dive", "Implications and limits"):
        assert f"\n## {section}\n" in topic  # every section site.yaml requires

    again = run(["build.py", "new", "my-paper"], tmp_path)  # nothing is overwritten
    assert again.returncode == 1 and "my-paper.md exists already" in again.stderr
    assert (tmp_path / "content" / "topics" / "my-paper.md").read_text() == topic

    built = run(["build.py", "--quiet", "--out", str(tmp_path / "site")], tmp_path)
    assert built.returncode == 0, built.stderr
    page = (tmp_path / "site" / "my-paper" / "index.html").read_text()
    assert 'data-sim="my_sim"' in page and 'data-sim-status="prerendered"' in page
    value = re.search(r'data-value="page\.final_mean" data-format="\.3f">(-?\d\.\d{3})<', page)
    assert value, "the inline value is filled from the simulator's first frame"
    assert "@misc{my_paper," in page  # venue arXiv: a preprint's BibTeX entry

    contract = run(["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/simulators/test_contract.py", "-k", "my_sim"], tmp_path)
    assert contract.returncode == 0, contract.stdout[-2000:]
    assert re.search(r"\b8 passed\b", contract.stdout)


@pytest.mark.parametrize("slug,simulator,message", [
    ("My_Paper", None, "'My_Paper' is not a slug"),
    ("my-paper", "My-Sim", "'My-Sim' is not a simulator name"),
    ("my-paper", "taken", "taken.py exists already"),
])
def test_a_bad_or_taken_name_is_refused_before_anything_is_written(tmp_path, slug, simulator, message):
    (tmp_path / "content" / "topics").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "content" / "site.yaml", tmp_path / "content")
    (tmp_path / "simulators").mkdir()
    (tmp_path / "simulators" / "taken.py").write_text("")
    with pytest.raises(ScaffoldError, match=re.escape(message)):
        new_topic(tmp_path / "content", slug, simulator, simulators_dir=tmp_path / "simulators")
    assert list((tmp_path / "content" / "topics").iterdir()) == []
