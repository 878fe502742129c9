"""The GitHub Pages workflow builds with the README's own steps and publishes what the build
writes; the command line refuses a base path a host could not serve."""

from __future__ import annotations

import re
import subprocess
import sys

import yaml

from conftest import PROJECT_ROOT

WORKFLOW = PROJECT_ROOT / ".github" / "workflows" / "pages.yml"


def readme_build_steps() -> list[str]:
    """The README's first command (install, then build and serve), split into its steps."""
    readme = (PROJECT_ROOT / "README.md").read_text()
    command = re.search(r"```sh\n(.+?)\n```", readme).group(1)
    return [step.strip() for step in command.split("&&")]


def test_the_pages_workflow_installs_and_builds_as_the_readme_says():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    steps = workflow["jobs"]["build"]["steps"]
    runs = [step["run"] for step in steps if "run" in step]
    install, build = readme_build_steps()
    assert runs[0] == install
    # The same build, for the host instead of the local server: the repository's path as base path.
    assert build.replace(" --serve", "") == runs[1].split(" --base-path")[0]
    assert '--base-path "${{ steps.pages.outputs.base_path }}/"' in runs[1]
    position = {step.get("uses", step.get("run", "")).split("@")[0]: i for i, step in enumerate(steps)}
    assert position["actions/configure-pages"] < position[runs[1]]  # the path is known before the build
    [upload] = [step for step in steps if step.get("uses", "").startswith("actions/upload-pages-artifact")]
    assert upload["with"]["path"] == "site"
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build" and deploy["steps"][0]["uses"].startswith("actions/deploy-pages")
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}


def test_a_base_path_must_start_and_end_with_a_slash():
    result = subprocess.run([sys.executable, str(PROJECT_ROOT / "build.py"), "--base-path", "companion",
                             "--out", "/nonexistent/never-written"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "'companion' must start and end with '/', such as /companion/" in result.stderr
