"""Broken content gives every error at once, each with file, line and field, and loses nothing."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from sitegen.errors import BuildFailed, ContentError

from conftest import PROJECT_ROOT, build_content

TOPIC = "content/topics/gated-attention.md"


def line_of(path: Path, text: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


def edit(path: Path, old: str, new: str) -> None:
    source = path.read_text()
    assert old in source, old
    path.write_text(source.replace(old, new, 1))


def errors_of(content: Path, tmp_path: Path) -> list[ContentError]:
    with pytest.raises(BuildFailed) as failure:
        build_content(content, tmp_path / "site")
    return failure.value.errors


def shown(content: Path, relative: str) -> str:
    # Messages show paths relative to the project when possible, else as given.
    path = content / relative
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def snapshot(out: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}


def topic(content: Path) -> Path:
    return content / "topics" / "gated-attention.md"


def test_malformed_yaml_reports_line_and_column(content_copy, tmp_path):
    line = line_of(topic(content_copy), "order: 2")
    edit(topic(content_copy), "order: 2", "order: [2")
    [error] = errors_of(content_copy, tmp_path)
    assert error.file == shown(content_copy, "topics/gated-attention.md")
    assert error.line == line + 1  # YAML notices the unclosed list on the next line
    assert "malformed YAML at line" in error.message and "column" in error.message


def test_missing_required_field(content_copy, tmp_path):
    edit(topic(content_copy), "hook: One sigmoid gate", "hooks: One sigmoid gate")
    line = line_of(topic(content_copy), "hooks:")
    errors = errors_of(content_copy, tmp_path)
    messages = {(e.field, e.line, e.message) for e in errors}
    assert ("hook", 1, "required field 'hook' is missing") in messages
    assert any(f == "hooks" and ln == line and m.startswith("unknown field 'hooks'") for f, ln, m in messages)


def test_mistyped_field(content_copy, tmp_path):
    line = line_of(topic(content_copy), "order: 2")
    edit(topic(content_copy), "order: 2", "order: second")
    [error] = errors_of(content_copy, tmp_path)
    assert (error.line, error.field) == (line, "order")
    assert error.message == "expected integer, got str 'second'"


def test_unknown_simulator(content_copy, tmp_path):
    path = topic(content_copy)
    edit(path, "name: gated_attention", "name: no_such_sim")
    line = line_of(path, "name: no_such_sim")
    [error] = errors_of(content_copy, tmp_path)
    assert (error.line, error.field) == (line, "simulator.name")
    assert error.message.startswith("unknown simulator 'no_such_sim' (known:")


def test_related_slug_that_does_not_exist(content_copy, tmp_path):
    path = topic(content_copy)
    edit(path, "related: [superposition-scaling, diffusion-memorization]", "related:\n  - superposition-scaling\n  - difusion-memorization")
    line = line_of(path, "- difusion-memorization")
    [error] = errors_of(content_copy, tmp_path)
    assert (error.line, error.field) == (line, "related.1")
    assert error.message == "related topic 'difusion-memorization' does not exist"


def test_two_pages_with_one_slug(content_copy, tmp_path):
    clone = content_copy / "topics" / "gated-attention-copy.md"
    clone.write_text(topic(content_copy).read_text().replace("order: 2", "slug: gated-attention\norder: 8"))
    errors = errors_of(content_copy, tmp_path)
    dup = {Path(e.file).name: e for e in errors if e.field == "slug"}
    assert set(dup) == {"gated-attention.md", "gated-attention-copy.md"}
    assert dup["gated-attention-copy.md"].line == line_of(clone, "slug: gated-attention")
    assert dup["gated-attention-copy.md"].message.startswith("slug 'gated-attention' is also used by ")
    assert dup["gated-attention-copy.md"].message.endswith("topics/gated-attention.md")


def test_internal_link_to_missing_page(content_copy, tmp_path):
    path = topic(content_copy)
    edit(path, "## Background\n", "## Background\n\nSee [the missing page](no-such-topic.md).\n")
    line = line_of(path, "the missing page")
    [error] = errors_of(content_copy, tmp_path)
    assert error.file == shown(content_copy, "topics/gated-attention.md")
    assert error.line == line
    assert "broken link '../no-such-topic/'" in error.message


def test_bad_math_is_reported_with_its_line(content_copy, tmp_path):
    path = topic(content_copy)
    edit(path, "## Background\n", "## Background\n\nBroken $\\frac{1}{$ math.\n")
    line = line_of(path, "Broken $")
    [error] = errors_of(content_copy, tmp_path)
    assert error.line == line and "KaTeX parse error" in error.message


def test_missing_required_section(content_copy, tmp_path):
    edit(topic(content_copy), "## Deep dive\n", "## Deeper dive\n")
    [error] = errors_of(content_copy, tmp_path)
    assert error.message == "missing required section '## Deep dive'"


def test_all_errors_are_reported_together(content_copy, tmp_path):
    edit(topic(content_copy), "order: 2", "order: second")
    other = content_copy / "topics" / "rlvr-reasoning.md"
    edit(other, "year: 2025", "year: twenty-five")
    errors = errors_of(content_copy, tmp_path)
    assert {Path(e.file).name for e in errors} == {"gated-attention.md", "rlvr-reasoning.md"}
    year = next(e for e in errors if e.field == "year")
    assert year.line == line_of(other, "year: twenty-five")
    assert "integer" in year.message


def test_failed_build_leaves_previous_site_untouched(content_copy, tmp_path):
    out = tmp_path / "site"
    build_content(content_copy, out)
    before = snapshot(out)
    edit(topic(content_copy), "order: 2", "order: [2")
    with pytest.raises(BuildFailed):
        build_content(content_copy, out)
    assert before == snapshot(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content", "site"], "no staging folder left behind"


def test_late_failure_also_leaves_previous_site_untouched(content_copy, tmp_path):
    """A broken link is found only after pages are written to staging: still nothing changes."""
    out = tmp_path / "site"
    build_content(content_copy, out)
    before = snapshot(out)
    edit(topic(content_copy), "## Background\n", "## Background\n\n[x](gone.md)\n")
    with pytest.raises(BuildFailed):
        build_content(content_copy, out)
    assert before == snapshot(out)


def test_cli_exits_nonzero_and_prints_every_error(content_copy, tmp_path):
    edit(topic(content_copy), "order: 2", "order: second")
    edit(content_copy / "site.yaml", "base_path: /", "base_path: nope")
    proc = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "build.py"), "--content", str(content_copy), "--out", str(tmp_path / "out")],
        capture_output=True, text=True,
    )
    assert proc.returncode == 1
    assert "gated-attention.md:" in proc.stderr and ": order: expected integer" in proc.stderr
    assert "site.yaml:" in proc.stderr and "base_path" in proc.stderr
    assert "build failed: 2 error(s); the previous site was left untouched" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_simulator_rejecting_its_params_at_run_time_is_a_content_error(content_copy, tmp_path):
    """A check between controls happens inside the simulator; it still reads file:line: field: message."""
    path = content_copy / "topics" / "superposition-scaling.md"
    edit(path, "  name: superposition\n", "  name: superposition\n  params: {m_dims: 50, n_features: 40}\n")
    [error] = errors_of(content_copy, tmp_path)
    assert error.file == shown(content_copy, "topics/superposition-scaling.md")
    assert error.field == "simulator.params.m_dims" and error.line == line_of(path, "params: {m_dims: 50")
    assert error.message == "Hidden dimensions m (m_dims) must be smaller than Features n (n_features) = 40, got 50"


def test_bad_simulator_param_and_seed_are_named(content_copy, tmp_path):
    path = content_copy / "topics" / "superposition-scaling.md"
    edit(path, "  seed: 0\n", "  seed: 0\n  params:\n    alpha: 9\n")
    other = content_copy / "topics" / "rlvr-reasoning.md"
    edit(other, "  seed: 0\n", "  seed: -3\n")
    errors = sorted(errors_of(content_copy, tmp_path), key=lambda e: e.field)
    assert [e.field for e in errors] == ["simulator.params.alpha", "simulator.seed"]
    assert errors[0].line == line_of(path, "alpha: 9")
    assert errors[0].message == "Frequency exponent α (alpha) must be between 0.5 and 3.0, got 9"
    assert errors[1].line == line_of(other, "seed: -3")
    assert errors[1].message.startswith("Seed (seed) must be a whole number between 0 and 4294967295, got -3")


def test_content_errors_stop_the_build_before_any_simulator_runs(content_copy, tmp_path, monkeypatch):
    from sitegen import first_frames, shipped_data

    ran = []
    monkeypatch.setattr(shipped_data, "refresh", lambda log=print: ran.append("shipped data"))
    monkeypatch.setattr(first_frames, "compute", lambda *args, **kwargs: ran.append("frames"))
    edit(topic(content_copy), "## Deep dive\n", "## Deeper dive\n")
    edit(content_copy / "topics" / "rlvr-reasoning.md", "## Background\n", "## Background\n\nBroken $\\frac{1}{$ math.\n")
    errors = errors_of(content_copy, tmp_path)
    assert {e.field for e in errors} == {"body"} and len(errors) == 2
    assert ran == []


def test_precomputed_frames_past_the_budget_fail_the_build_naming_the_page(content_copy, tmp_path):
    """The RL page ships 1.7 MB of precomputed frames (its depth grid; the other pages at most
    1.1 MB); a budget of 1.5 MB a page stops the build at that page's simulator, and the old site stays."""
    edit(content_copy / "site.yaml", "base_path: /", "base_path: /\nprecomputed_budget_mb: 1.5")
    [error] = errors_of(content_copy, tmp_path)
    rl = content_copy / "topics" / "thousand-layer-rl.md"
    assert (error.file, error.line, error.field) == (shown(content_copy, "topics/thousand-layer-rl.md"), line_of(rl, "simulator:"),
                                                     "simulator")
    assert re.search(r"\d+ precomputed frames take 1\.\d MB, over the budget of 1.5 MB a page \(precomputed_budget_mb", error.message)
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize("stage, field", [("extract_package", "runtime.katex"), ("prepare", "runtime.pyodide")])
def test_a_pinned_package_that_fails_is_an_error_on_its_pin_and_writes_nothing(content_copy, tmp_path, monkeypatch, stage, field):
    """Every download or check of a pinned package that fails (here made to fail) names its pin's
    line in site.yaml, through the one helper that turns vendor errors into content errors. The
    runtime's preparation fails twice: in its head start beside the first frames, which says
    nothing, then where the build writes the runtime, which reports it."""
    from sitegen import pyodide_runtime, vendor

    def fail(*args, **kwargs):
        raise vendor.VendorError("checksum mismatch (made to fail by the test)")

    if stage == "extract_package":
        monkeypatch.setattr(vendor, "extract_package", fail)
    else:
        monkeypatch.setattr(pyodide_runtime, "prepare", fail)
    with pytest.raises(BuildFailed) as failure:
        build_content(content_copy, tmp_path / "site")
    [error] = failure.value.errors
    line = next(i for i, text in enumerate((content_copy / "site.yaml").read_text().splitlines(), 1)
                if text.strip() == field.split(".")[1] + ":")
    assert (error.file.endswith("site.yaml"), error.line, error.field) == (True, line, field)
    assert error.message == "checksum mismatch (made to fail by the test)"
    assert not (tmp_path / "site").exists()
