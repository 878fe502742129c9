"""Experiments in the prose: their grammar, the build's check of every claim, and the values it
writes into the text (sitegen/experiments/, simulators/kit/claims.py). The reader's side (Try this,
the live verdict) is in test_experiments_browser.py."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest

from simulators import REGISTRY, bridge
from simulators.kit.contract import lookup
from simulators.kit import claims as C
from simulators.kit.cache import keep_more
from sitegen import experiments as X
from sitegen.errors import BuildFailed
from sitegen.first_frames import PageSimulator
from sitegen.frame_pool import BUILD_CACHE_SCALE

from conftest import build_content
from test_bad_content import snapshot

SOURCE = "content/topics/example.md"


# --- the claim grammar ------------------------------------------------------------

@pytest.mark.parametrize("text, result, holds", [
    ("variants.none.sink_ratio > 0.5", {"variants": {"none": {"sink_ratio": 0.65}}}, True),
    ("variants.none.sink_ratio > 0.5", {"variants": {"none": {"sink_ratio": 0.31}}}, False),
    ("tau_mem_slope > tau_gen_slope + 0.5", {"tau_mem_slope": 1.2, "tau_gen_slope": 0.9}, False),
    ("tau_mem_slope > tau_gen_slope + 0.5", {"tau_mem_slope": 1.6, "tau_gen_slope": 0.9}, True),
    ("0.1 < share <= 50%", {"share": 0.5}, True),
    ("0.1 < share <= 50%", {"share": 0.51}, False),
    ("abs(a - b) < 0.05 * max(a, b)", {"a": 1.0, "b": 1.04}, True),
    ("-a / 2 >= min(b, 3)", {"a": -8, "b": 5}, True),
    ("curve.1.1 == 0.25", {"curve": [[1, 0.5], [2, 0.25]]}, True),
    ("2 * (a + b) != 6", {"a": 1, "b": 2}, False),
    ("a - b <= 0.01", {"a": 1.0, "b": 0.99}, True),  # equal within 1e-9: the float error does not decide
    ("a - b < 0.01", {"a": 1.0, "b": 0.99}, False),
    ("a == 0.3", {"a": 0.1 + 0.2}, True),
    ("max(sweep.*.seeds.*.far) < 0.5", {"sweep": [{"seeds": [{"far": 0.1}, {"far": 0.4}]}, {"seeds": [{"far": 0.2}]}]}, True),
    ("min(sweep.1.seeds.*.far, 0.1) == 0.1", {"sweep": [{"seeds": [{"far": 0.1}]}, {"seeds": [{"far": 0.2}, {"far": 0.3}]}]}, True),
    ("max(gates.*) - min(gates.*) > 0.5", {"gates": {"a": 0.1, "b": 0.7}}, True),
])
def test_claims_evaluate_as_written(text, result, holds):
    assert C.evaluate(C.parse(text).tree, result) is holds


@pytest.mark.parametrize("text, message", [
    ("a>0.5", "'>' needs a space on each side"),
    ("a = 0.5", "unknown operator '='"),
    ("a ~ 0.5", "no comparison"),
    ("a > ", "missing a value"),
    ("a > b c", "unexpected 'c'"),
    ("a > exp(b)", "unknown function 'exp'"),
    ("min(a) > 1", "min() takes 2 values or more, or a path with '*'"),
    ("curve.*.1 > 1", "stands for several numbers: use it inside min() or max()"),
    ("abs(a, b) > 1", "abs() takes 1 value"),
    ("(a + b > 1", "ends too early"),
    ("__import__('os') > 1", "unexpected"),
])
def test_claims_outside_the_grammar_are_refused(text, message):
    with pytest.raises(C.ClaimError, match=re.escape(message)):
        C.parse(text)


def test_a_path_to_something_not_a_number_is_named():
    with pytest.raises(KeyError, match="result has no 'a.c'"):
        C.evaluate(C.parse("a.c > 1").tree, {"a": {"b": 1}})
    with pytest.raises(TypeError, match="'phase' is str 'done', not a number"):
        C.evaluate(C.parse("phase > 1").tree, {"phase": "done"})


@pytest.mark.parametrize("claims, labels, result, readouts, expected", [
    (["a > 0.5"], {"a": "A"}, {"a": 0.65}, {"a": "65%"}, {"holds": True, "failing": [], "found": "A 65%"}),
    (["a > 0.5", "b > 2"], {"a": "A", "b": "B"}, {"a": 0.25, "b": 1234.0}, {}, {"holds": False, "failing": ["a > 0.5"], "found": "A 0.25; B 1.23e+03"}),
    (["flag > 0"], {"flag": "Flag"}, {"flag": True}, {}, {"error": "'flag' is bool 'True', not a number"}),
    (["a.b > 1"], {"a.b": "AB"}, {"a": {}}, {}, {"error": "result has no 'a.b' (stops at 'b'; 'a' is empty)"}),
    (["a > b / 0"], {"a": "A"}, {"a": 1, "b": 1}, {}, {"error": "division by zero"}),
])
def test_a_verdict_is_what_the_page_shows_formatted_in_python(claims, labels, result, readouts, expected):
    """The one evaluator: the build ships this for its seeds, and the worker gives it for others."""
    assert C.verdict(claims, labels, result, readouts) == expected


# --- blocks and inline values in a body --------------------------------------------

BLOCK = """Some prose.

```experiment
name: more-steps
label: Longer training
params: {train_steps: 400}
seeds: [0, 1]
claims:
  - variants.none.sink_ratio > 0.5
  - variants.headwise.sink_ratio < variants.none.sink_ratio
```

The sink holds {{ more-steps.variants.none.sink_ratio:.1% }} here and {{ page.variants.none.sink_ratio:.0% }} by default.
Code keeps its braces: `{{ not.a.value }}`, and so does math: $\\frac{{a}}{b}$.
"""


def gated_page(params: dict | None = None, seed: int = 0) -> PageSimulator:
    sim = REGISTRY["gated_attention"]
    from simulators.kit import params as P
    return PageSimulator(sim, P.validate(sim.params, params or {}), seed, sim.title, "")


class FakeTopic:
    rel_source = SOURCE
    meta = {"simulator": {"name": "gated_attention"}}


def test_blocks_and_values_are_taken_out_leaving_the_lines_in_place():
    text, found, errors = X.extract(BLOCK, 10, SOURCE)
    assert errors == []
    [e] = found.experiments
    assert (e.name, e.label, e.params, e.seeds, e.line) == ("more-steps", "Longer training", {"train_steps": 400}, [0, 1], 13)
    assert [(claim.text, line) for claim, line in e.claims] == [
        ("variants.none.sink_ratio > 0.5", 18), ("variants.headwise.sink_ratio < variants.none.sink_ratio", 19)]
    assert [(v.experiment, v.path, v.format, v.line) for v in found.values] == [
        ("more-steps", "variants.none.sink_ratio", ".1%", 22), ("page", "variants.none.sink_ratio", ".0%", 22)]
    assert text.count("\n") == BLOCK.count("\n")  # the lines after a block keep their numbers
    assert "`{{ not.a.value }}`" in text and "{{a}}" in text
    assert X.check_settings(FakeTopic, gated_page(), found) == []
    assert e.values["train_steps"] == 400 and e.values["heads"] == 2  # the rest as on the page


def test_claims_as_a_block_of_lines_are_one_claim_per_line():
    body = "```experiment\nname: x\nlabel: X\nclaims: |\n  a > 1\n  b < 2\n```\n"
    _, found, errors = X.extract(body, 1, SOURCE)
    assert errors == []
    assert [(c.text, line) for c, line in found.experiments[0].claims] == [("a > 1", 5), ("b < 2", 6)]


@pytest.mark.parametrize("block, line, field, message", [
    ("name: x\nlabel: X\nclaims: [a >> 1]", 6, "experiment x", "claim 'a >> 1'"),
    ("name: x\nlabel: X\nclaims:\n  - a > 1\n  - a => 1", 8, "experiment x", "claim 'a => 1': '>' needs a space"),
    ("name: x\nlabel: X\nsteps: 3\nclaims: [a > 1]", 6, "experiment x: steps", "unknown field 'steps'"),
    ("name: Bad Name\nlabel: X\nclaims: [a > 1]", 4, "experiment Bad Name: name", "is not a slug"),
    ("name: x\nclaims: [a > 1]", 4, "experiment x: label", "required field 'label' is missing"),
    ("name: x\nlabel: X\nseed: 1\nseeds: [1, 2]\nclaims: [a > 1]", 7, "experiment x: seeds", "not both"),
    ("name: x\nlabel: [X\nclaims: [a > 1]", 6, "experiment", "malformed YAML"),
    ("name: page\nlabel: X\nclaims: [a > 1]", 4, "experiment page", "choose another name"),
])
def test_bad_blocks_name_file_line_and_problem(block, line, field, message):
    body = f"Prose.\n\n```experiment\n{block}\n```\n"
    _, _, errors = X.extract(body, 1, SOURCE)
    assert any(e.file == SOURCE and e.line == line and e.field == field and message in e.message for e in errors), errors


def test_a_broken_block_is_one_error_not_one_more_per_value_reading_it():
    body = ("```experiment\nname: broken\nlabel: X\nclaims: [a >> 1]\n```\n\nIt reads {{ broken.a:.2f }}.\n\n"
            "```experiment\nname: fine\nlabel: Y\nclaims: [a > 1]\n```\n\nAnd {{ fine.a:.2f }}, {{ missing.a:.2f }}.\n")
    _, found, errors = X.extract(body, 1, SOURCE)
    assert [(e.line, e.field) for e in errors] == [(4, "experiment broken"), (15, "body")]
    assert "no experiment 'missing' on this page (known: fine, page)" in errors[1].message
    assert [e.name for e in found.experiments] == ["fine"]


@pytest.mark.parametrize("value, message", [
    ("{{ missing.loss:.2f }}", "no experiment 'missing' on this page (known: page)"),
    ("{{ page.loss:.2q }}", "bad format '.2q'"),
    ("{{ loss }}", "should read {{ EXPERIMENT.PATH:FORMAT }}"),
])
def test_bad_inline_values_name_their_line(value, message):
    _, _, errors = X.extract(f"One.\n\nTwo {value}.\n", 20, SOURCE)
    [error] = errors
    assert (error.file, error.line) == (SOURCE, 22) and message in error.message


def test_values_inside_math_are_taken_out_of_the_formula_for_its_tex():
    body = "At $n = {{ page.params.samples:d }}$ and $\\frac{{a}}{b}$, prose {{ page.loss:.2f }}.\n"
    text, found, errors = X.extract(body, 5, SOURCE)
    assert errors == []
    assert [(v.path, v.in_math) for v in found.values] == [("params.samples", True), ("loss", False)]
    assert text.startswith("At $n = EXPERIMENTVALUE0END$") and "$\\frac{{a}}{b}$" in text


def test_a_value_inside_math_needs_a_format_tex_can_show():
    _, _, errors = X.extract("One.\n\nTwo $k = {{ page.count:x }}$.\n", 20, SOURCE)
    [error] = errors
    assert (error.file, error.line) == (SOURCE, 22) and "inside math a value needs a number format" in error.message


@pytest.mark.parametrize("shown, tex", [
    ("256", "256"), ("-3", "-3"), ("43%", "43\\%"), ("1,234", "1{,}234"), ("1.23e+03", "1.23\\times 10^{3}"),
    ("0.1–0.3", "0.1\\text{–}0.3"), ("5%–9%", "5\\%\\text{–}9\\%"),
])
def test_a_formatted_value_becomes_tex(shown, tex):
    assert X.as_tex(shown) == tex


@pytest.mark.parametrize("shown", ["nan", "inf", "12 ab", "a, b", "3}"])
def test_text_that_is_not_a_number_cannot_go_into_math(shown):
    with pytest.raises(ValueError, match="cannot be written inside math"):
        X.as_tex(shown)


def test_settings_the_simulator_refuses_are_named_before_anything_runs():
    body = ("```experiment\nname: x\nlabel: X\nparams:\n  heads: 9\nclaims: [a > 1]\n```\n\n"
            "```experiment\nname: y\nlabel: Y\nparams: {colour: red}\nclaims: [a > 1]\n```\n")
    _, found, errors = X.extract(body, 1, SOURCE)
    assert errors == []
    errors = X.check_settings(FakeTopic, gated_page(), found)
    assert [(e.line, e.field) for e in errors] == [(5, "experiment x"), (12, "experiment y")]
    assert "heads" in errors[0].message and "4" in errors[0].message
    assert "'colour' is not a setting of this simulator" in errors[1].message


def test_a_block_inside_a_paragraph_is_an_error():
    body = "A paragraph\n```experiment\nname: x\nlabel: X\nclaims: [a > 1]\n```\ngoes on.\n"
    text, found, _ = X.extract(body, 1, SOURCE)
    from sitegen.markdown_render import render
    errors = X.stray_blocks(render(text, 1).html, SOURCE, found)
    assert [(e.line, e.field) for e in errors] == [(3, "experiment x")]


# --- the build -------------------------------------------------------------------

TOPIC = "topics/gated-attention.md"


def add_to_page(content: Path, block: str) -> int:
    """Insert `block` before the page's 'Deep dive'; return the line of its first line."""
    path = content / TOPIC
    text = path.read_text()
    at = text.index("## Deep dive")
    path.write_text(text[:at] + block + "\n" + text[at:])
    return text[:at].count("\n") + 1


def test_a_false_claim_stops_the_build_with_file_line_and_values(content_copy, tmp_path):
    out = tmp_path / "site"
    build_content(content_copy, out)
    before = snapshot(out)
    first = add_to_page(content_copy, "```experiment\nname: too-strong\nlabel: X\nseeds: [0, 1]\nclaims:\n"
                                      "  - variants.none.sink_ratio > 0.1\n  - variants.none.sink_ratio > 0.7\n```\n")
    with pytest.raises(BuildFailed) as failure:
        build_content(content_copy, out)
    [error] = failure.value.errors
    at_seed_0 = bridge.result("gated_attention", {}, 0)["variants"]["none"]["sink_ratio"]
    assert at_seed_0 < 0.7  # the claim is false at the first seed, so that is the one reported
    assert str(error) == (f"{error.file}:{first + 6}: experiment too-strong: claim 'variants.none.sink_ratio > 0.7' "
                          f"is false ({at_seed_0:.4g} at seed 0)")
    assert error.file.endswith("gated-attention.md")
    assert before == snapshot(out)


def test_a_draft_has_pages_and_first_frames_with_its_experiments_pending(content_copy, tmp_path, monkeypatch):
    """What `build.py --serve` serves first: no experiment has run, so a false claim does not stop
    a draft, and nothing on its pages says it was checked; the whole build still stops on it."""
    from conftest import PROJECT_ROOT
    from sitegen import shipped_data
    from sitegen.pipeline import build, default_options

    add_to_page(content_copy, "```experiment\nname: too-strong\nlabel: X\nclaims:\n  - variants.none.sink_ratio > 0.7\n```\n\n"
                              "Sink {{ too-strong.variants.none.sink_ratio:.2f }}, loss $L = {{ too-strong.variants.none.final_loss:.2f }}$.\n")
    options = default_options(PROJECT_ROOT, tmp_path / "site")
    options.content_dir, options.draft = content_copy, True
    with monkeypatch.context() as quick:  # shipped data as committed, no large file prepared
        quick.setattr(shipped_data, "prepare_assets", lambda: pytest.fail("a draft prepared simulators' assets"))
        quick.setattr(shipped_data, "refresh", lambda log: pytest.fail("a draft refreshed shipped data"))
        build(options)
    html = (tmp_path / "site" / "gated-attention" / "index.html").read_text()
    boxes = re.findall(r'<aside class="experiment".*?</aside>', html, re.S)
    assert len(boxes) >= 4 and all('data-claim-status="pending"' in box and "Being checked by the build" in box for box in boxes)
    assert 'data-claim-status="checked"' not in html and "Checked when this page was built" not in html
    assert all(json.loads(re.search(r"data-experiment-config>(.*?)</script>", box).group(1))["verdicts"] == {} for box in boxes)
    assert re.search(r'data-value="too-strong\.variants\.none\.sink_ratio"[^>]*data-claim-status="pending"[^>]*>…<', html)
    assert r"L = \text{…}" in html  # the formula's value, pending too
    default = bridge.result("gated_attention", {}, 0)  # the page's own values are the first frame's: known
    page_values = re.findall(r'data-value="page\.([\w.]+)" data-format="([^"]+)">([^<]+)<', html)
    assert page_values and all(unescape(shown) == format(lookup(default, path), unescape(spec)) for path, spec, shown in page_values)
    assert 'data-sim-status="prerendered"' in html and 'class="sim-panel"' in html  # the first frame, drawn
    assert not (tmp_path / "site" / "gated-attention" / "frames").exists()  # no grid, one-click or tried frames yet
    options.draft = False
    with pytest.raises(BuildFailed) as failure:
        build(options)
    [error] = failure.value.errors
    assert "experiment too-strong: claim 'variants.none.sink_ratio > 0.7' is false" in str(error)


def test_a_path_the_result_lacks_stops_the_build(content_copy, tmp_path):
    first = add_to_page(content_copy, "```experiment\nname: typo\nlabel: X\nclaims:\n  - variants.none.sink > 0.1\n```\n\n"
                                      "Loss {{ page.variants.none.los:.2f }}.\n")
    with pytest.raises(BuildFailed) as failure:
        build_content(content_copy, tmp_path / "site")
    messages = {(e.line, e.message) for e in failure.value.errors}
    # Each names where the path stops, the likely key and what is there.
    [claim] = [m for line, m in messages if line == first + 4]
    assert claim.startswith("claim 'variants.none.sink > 0.1': result has no 'variants.none.sink' (stops at 'sink'; "
                            "did you mean 'sink_ratio'? 'variants.none' has ask_accuracy, attention,") and claim.endswith(") (seed 0)")
    [value] = [m for line, m in messages if line == first + 7]
    assert value.startswith("inline value 'page.variants.none.los': result has no 'variants.none.los' (stops at 'los'; "
                            "did you mean 'loss_curve'? 'variants.none' has ")


def test_the_built_page_shows_values_the_simulator_computes(built_site, request):
    # The experiments train five seeds of four variants, more than a tab keeps: keep them all, as
    # a build process does (simulators/kit/cache.py), so that the boxes at one setting share its
    # trainings (a kept training's result is bit for bit a fresh one's: test_gated_attention.py).
    keep_more(BUILD_CACHE_SCALE)
    request.addfinalizer(lambda: keep_more(1))
    default = bridge.result("gated_attention", {}, 0)  # first: seed 0's longer trainings go on from it
    html = (built_site / "gated-attention" / "index.html").read_text()
    boxes = re.findall(r'<aside class="experiment".*?</aside>', html, re.S)
    assert len(boxes) >= 3
    for box in boxes:
        name = re.search(r'data-experiment="([^"]+)"', box).group(1)
        config = json.loads(re.search(r"data-experiment-config>(.*?)</script>", box).group(1))
        frames = {seed: bridge.frame("gated_attention", config["params"], seed) for seed in config["seeds"]}  # run once each
        results = [frame.result for frame in frames.values()]
        for claim in config["claims"]:  # what the build says it checked does hold, at every seed
            assert all(C.evaluate(C.parse(claim).tree, r) for r in results), (name, claim)
        # and the verdict it ships for each of those seeds is the one the worker would give
        assert sorted(map(int, config["verdicts"])) == sorted(frames)
        for seed, verdict in config["verdicts"].items():
            shown = frames[int(seed)]
            assert verdict == json.loads(bridge.judge(json.dumps(config["claims"]), json.dumps(config["labels"]), shown.to_json()))
            assert verdict["holds"] is True and verdict["failing"] == []
        assert 'data-action="try"' in box and 'data-claim-status="checked"' in box
        for path, spec, shown in re.findall(rf'data-value="{name}\.([\w.]+)" data-format="([^"]+)">([^<]+)<', html):
            assert unescape(shown) == C.shown_range([lookup(r, path) for r in results], unescape(spec)), (name, path)
    page_values = re.findall(r'data-value="page\.([\w.]+)" data-format="([^"]+)">([^<]+)<', html)
    for path, spec, shown in page_values:
        assert unescape(shown) == format(lookup(default, path), unescape(spec))


def test_values_inside_math_show_the_numbers_the_simulator_computes(built_site):
    """The RLVR page writes its sample count and crossover inside formulas: KaTeX gets the numbers."""
    html = (built_site / "rlvr-reasoning" / "index.html").read_text()
    formulas = re.findall(r'<annotation encoding="application/x-tex">([^<]*)</annotation>', html)
    shown = bridge.result("passk", {}, 0)
    assert f"n = {shown['params']['samples']:d}" in formulas and f"k = {shown['crossover_k']:d}" in formulas
    for page in built_site.glob("*/index.html"):  # nowhere does a value's source or token reach the reader
        text = page.read_text()
        assert "EXPERIMENTVALUE" not in text and "KATEXMATH" not in text, page
        assert not re.search(r"\{\{\s*[\w-]+\.[\w.*]+", text), page  # no inline value left as written ({{Title}} is BibTeX's)
