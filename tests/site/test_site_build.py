"""The real content builds into a complete, self-contained, accurate site."""

from __future__ import annotations

from html import escape

import json
import re
import threading
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import pytest
import yaml

from sitegen import links
from sitegen.pipeline import build, default_options

from conftest import PROJECT_ROOT, build_content

SITE = yaml.safe_load((PROJECT_ROOT / "content" / "site.yaml").read_text())
SLUGS = sorted(p.stem for p in (PROJECT_ROOT / "content" / "topics").glob("*.md"))
PAPER_HOSTS = {"arxiv.org", "openreview.net", "github.com"}
# Secondary sources a page cites for numbers it could not take from the paper itself (papers.md [G7]).
CITED_SOURCES = {"texonom.com", "dobriclilujun.github.io"}


def external_hosts(page_html: str) -> set[str]:
    return {urlsplit(v).netloc for _, v in links.parse(page_html).links if urlsplit(v).scheme in ("http", "https")}


def html_pages(site: Path) -> dict[PurePosixPath, str]:
    return {PurePosixPath(p.relative_to(site).as_posix()): p.read_text() for p in site.rglob("*.html")}


def test_every_topic_and_home_and_404_exist(built_site):
    assert SLUGS
    for slug in SLUGS:
        assert (built_site / slug / "index.html").is_file(), slug
    assert (built_site / "index.html").is_file()
    assert (built_site / "404.html").is_file()


def test_every_internal_link_and_asset_resolves(built_site):
    pages = {p: h for p, h in html_pages(built_site).items() if p.name != "404.html"}
    assert links.broken_links(built_site, pages) == []
    # and the checker itself is not blind: a made-up link is caught
    pages[PurePosixPath("index.html")] += '<a href="no-such-topic/">x</a>'
    assert links.broken_links(built_site, pages) != []


def test_no_request_to_any_other_host(built_site):
    for path, html in html_pages(built_site).items():
        hosts = external_hosts(html)
        assert hosts <= PAPER_HOSTS | CITED_SOURCES, f"{path} links to {hosts - PAPER_HOSTS - CITED_SOURCES}"
        # nothing is *loaded* from elsewhere: scripts, styles, images, fonts are local
        for tag, attr in re.findall(r"<(script|link|img|iframe|source)\b[^>]*\b(?:src|href)=\"(https?:[^\"]+)\"", html):
            pytest.fail(f"{path} loads {attr} from another host")
    for css in built_site.rglob("*.css"):
        assert not re.search(r"url\(\s*['\"]?https?:", css.read_text()), css


def test_each_topic_has_required_sections_and_citation(built_site):
    for slug in SLUGS:
        html = (built_site / slug / "index.html").read_text()
        headings = [re.sub(r"<[^>]+>", "", h).strip().rstrip("#") for h in re.findall(r"<h2[^>]*>(.*?)</h2>", html, re.S)]
        for section in SITE["topic_sections"]:
            assert section in headings, f"{slug}: missing section {section!r}"
        assert "Cite the paper" in headings
        assert re.search(r"@inproceedings\{\w+,", html), slug
        assert 'data-copy-target="bibtex-' in html
        assert re.search(r'href="https://arxiv.org/abs/\d{4}\.\d{4,5}"', html)


def test_math_is_rendered_at_build_time(built_site):
    html = (built_site / "superposition-scaling" / "index.html").read_text()
    assert html.count('class="katex"') > 10
    assert "KATEXMATH" not in html and "$$" not in html
    [katex] = (built_site / "static/vendor").glob("katex-*")  # the folder names KaTeX's version
    assert (katex / "fonts/KaTeX_Main-Regular.woff2").is_file()


def test_home_page_has_cards_awards_and_quick_start(built_site):
    html = (built_site / "index.html").read_text()
    assert html.count('class="card"') == len(SLUGS)
    awards = [re.search(r"^award: (.*)$", (PROJECT_ROOT / "content" / "topics" / f"{slug}.md").read_text(), re.M) for slug in SLUGS]
    for award in {a.group(1) for a in awards if a}:  # each card names its paper's award, as the front matter writes it
        assert len(re.findall(rf'">{re.escape(escape(award))}</p>', html)) == sum(1 for a in awards if a and a.group(1) == award)
    assert '<h2 id="papers">The seven award papers</h2>' in html  # site.yaml's topics_heading
    quick = html[html.index('id="quick-start"'):html.index('id="papers"')]
    order = re.findall(r'<li><a href="([a-z-]+)/">', quick)
    assert order == ["diffusion-memorization", "gated-attention", "superposition-scaling", "rlvr-reasoning"]


def test_previous_next_navigation_chains_all_topics(built_site):
    seen, page = [], (built_site / "index.html").read_text()
    first = re.search(r'<li class="card">.*?<a href="([a-z-]+)/">', page, re.S).group(1)
    slug = first
    while slug:
        seen.append(slug)
        html = (built_site / slug / "index.html").read_text()
        nxt = re.search(r'rel="next" href="\.\./([a-z-]+)/"', html)
        slug = nxt.group(1) if nxt else None
    assert sorted(seen) == SLUGS


def text_of(built_site: Path, slug: str, without_simulator: bool = False) -> str:
    html = (built_site / slug / "index.html").read_text()
    if without_simulator:
        html = re.sub(r'<section class="simulator".*?</section>', "", html, flags=re.S)
    html = re.sub(r'<span class="katex-html".*?</span></span></span>', "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


class TestAccuracyAgainstFactSheet:
    """Claims an older draft got wrong must be stated correctly (shared/papers.md)."""

    def test_gate_is_input_dependent_not_a_scalar_per_head(self, built_site):
        text = text_of(built_site, "gated-attention")
        assert "query-dependent" in text and "elementwise" in text and "headwise" in text
        assert "not a learned constant per head" in text
        assert "46.7%" in text and "4.8%" in text

    def test_transcribed_tables_link_their_sources(self, built_site):
        # The footer promises each page links its sources: the gated-attention tables come from
        # write-ups of the paper's tables, and the sentence before the table links each of them
        # and, through its source marks, the paper's PDF.
        html = (built_site / "gated-attention" / "index.html").read_text()
        intro = html[html.index("15B MoE models trained on 400B tokens"):html.index("<table")]
        links = re.findall(r'href="(https://[^"]+)"', intro)
        assert "https://arxiv.org/pdf/2505.06708" in links and len([l for l in links if "arxiv.org" not in l]) >= 3

    def test_hivemind_similarity_is_by_meaning_with_a_named_model(self, built_site):
        text = text_of(built_site, "artificial-hivemind")
        assert "Universal Sentence Encoder" in text and "scores paraphrases above 0.5" in text
        assert "Similarity is lexical" not in text

    def test_transductive_bound_is_in_littlestone_dimension_and_quadratic(self, built_site):
        text = text_of(built_site, "transductive-online-learning")
        assert "Littlestone dimension" in text and "quadratic" in text
        assert not re.search(r"d\s*=\s*VC", text)

    def test_tau_gen_constant_tau_mem_linear(self, built_site):
        text = text_of(built_site, "diffusion-memorization")
        assert "does not depend on the training-set size" in text
        assert "grows linearly" in text

    def test_rlvr_model_sizes(self, built_site):
        text = text_of(built_site, "rlvr-reasoning")
        assert "7B to 32B" in text and "70B" not in text

    def test_no_invented_success_percentages_for_1000_layers(self, built_site):
        text = text_of(built_site, "thousand-layer-rl")
        # The simulator's own figure and table report what its agents measured; the draft's
        # invented numbers must not appear anywhere else as claims.
        prose = text_of(built_site, "thousand-layer-rl", without_simulator=True)
        assert len(prose) < len(text) and "Success against depth" not in prose
        for invented in ("94%", "71%", "87%", "62%"):
            assert invented not in prose
        assert "2× to 50×" in text and "time steps an agent spends at the goal" in text

    def test_gate_input_is_after_the_pre_attention_norm(self, built_site):
        text = text_of(built_site, "gated-attention")
        assert "pre-norm" not in text and "after the pre-attention norm" in text
        # "a few million parameters" is the headwise gate's cost only
        assert "about 201M" in text and "nearly free change (a few million" not in text

    def test_rlvr_pass_at_1_steps_and_sample_counts(self, built_site):
        text = text_of(built_site, "rlvr-reasoning")
        assert "9.9" in text and "26.1 after 150 steps" in text and "42.5 after 450" in text
        assert "from 26.1 to 42.5" not in text
        assert re.search(r"128.{0,40}256.{0,40} or .{0,40}1024 .{0,5}samples per problem", text)

    def test_hivemind_metaphor_example_and_histogram(self, built_site):
        text = text_of(built_site, "artificial-hivemind")
        assert "seventy" not in text.lower() and "dominated by two clusters" in text and "almost all of the" not in text
        assert "counts queries" in text

    def test_superposition_width_law_is_not_universal(self, built_site):
        home = re.sub(r"<[^>]+>", " ", (built_site / "index.html").read_text())
        for text in (home, text_of(built_site, "superposition-scaling"), text_of(built_site, "diffusion-memorization")):
            assert "whatever the data" not in text
        html = (built_site / "superposition-scaling" / "index.html").read_text()
        assert "2(\\alpha - 1)" in html  # the skewed-data exponent, in the page's TeX
        prose = text_of(built_site, "superposition-scaling", without_simulator=True)
        assert "0.88" not in prose and "2.52" not in prose  # the Chinchilla-derived figure had no traceable source

    def test_rl_depth_64_humanoid_still_struggles(self, built_site):
        text = text_of(built_site, "thousand-layer-rl")
        assert "navigates simple mazes" not in text and "still struggles to reach the goal and falls" in text
        assert "reached pairs only" in text

    def test_citations_are_well_formed(self, built_site):
        rlvr = (built_site / "rlvr-reasoning" / "index.html").read_text()
        assert "?." not in re.sub(r"<[^>]+>", "", rlvr)
        hivemind = (built_site / "artificial-hivemind" / "index.html").read_text()
        booktitle = re.search(r"booktitle = \{(.*?)\},", hivemind).group(1)
        assert "((" not in booktitle and booktitle.count("(") == booktitle.count(")") == 1

    def test_footer_claims_only_what_pages_do(self, built_site):
        text = text_of(built_site, "gated-attention")
        assert "every figure quoted links to its source" not in text


def test_build_is_repeatable(tmp_path):
    out = tmp_path / "site"
    build(default_options(PROJECT_ROOT, out))
    first = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    build(default_options(PROJECT_ROOT, out))
    second = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert first == second
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site-")], "staging folders left behind"


def test_slow_simulators_ship_their_one_click_settings_and_quick_ones_do_not(built_site):
    def config(slug):
        html = (built_site / slug / "index.html").read_text()
        return json.loads(re.search(r'<script type="application/json" data-sim-config>(.*?)</script>', html, re.S).group(1))

    rl = config("thousand-layer-rl")
    offered = {(entry["params"]["maze"], entry["params"]["residual"], entry["params"]["sweep"]) for entry in rl["precomputed"]}
    assert offered == {("u-maze", True, False), ("open room", True, False), ("one wall", True, False), ("zigzag", True, False),
                       ("random", True, False), ("u-maze", False, False), ("u-maze", True, True)}
    assert rl["precomputed"][0] == {"params": rl["defaults"], "seed": rl["seed"], "file": rl["firstFrame"]}
    assert re.fullmatch(r"first-frame\.json\?v=[0-9a-f]{10}", rl["firstFrame"])  # named by its content for caches
    for entry in rl["precomputed"]:  # each file is the full frame of exactly its settings
        frame = json.loads((built_site / "thousand-layer-rl" / entry["file"].split("?")[0]).read_text())
        assert frame["result"]["params"] == entry["params"] and frame["done"] and frame["svg"].startswith("<div")
    # A fast simulator answers live: it ships its own frame (for Reset and exports) and what its
    # experiments' "Try this" shows (frames the build computed anyway), and no one-click settings.
    passk = config("rlvr-reasoning")
    html = (built_site / "rlvr-reasoning" / "index.html").read_text()
    tried = [json.loads(text) for text in re.findall(r"data-experiment-config>(.*?)</script>", html, re.S)]
    assert passk["precomputed"][0]["file"].startswith("first-frame.json?")
    shipped = [(entry["params"], entry["seed"]) for entry in passk["precomputed"][1:]]
    assert shipped and all(setting in [(e["params"], e["seed"]) for e in tried] for setting in shipped)


def test_a_grid_ships_every_combination_at_the_pages_other_settings(built_site):
    """Superposition's GRID: both regimes (weight decay -1 and 0.5) at seeds 0-2, each a frame of
    exactly its setting, the page's other controls at its own values."""
    html = (built_site / "superposition-scaling" / "index.html").read_text()
    config = json.loads(re.search(r'<script type="application/json" data-sim-config>(.*?)</script>', html, re.S).group(1))
    others = {name: value for name, value in config["defaults"].items() if name != "weight_decay"}
    shipped = {(entry["params"]["weight_decay"], entry["seed"]) for entry in config["precomputed"]
               if {name: entry["params"][name] for name in others} == others}
    assert {(decay, seed) for decay in (-1.0, 0.5) for seed in (0, 1, 2)} <= shipped
    for entry in config["precomputed"]:
        frame = json.loads((built_site / "superposition-scaling" / entry["file"].split("?")[0]).read_text())
        assert frame["result"]["params"] == entry["params"] and frame["result"]["seed"] == entry["seed"]


def test_one_click_settings_include_the_neighbours_in_a_list_of_values():
    from sitegen.first_frames import one_click_settings

    schema = [{"name": "steps", "kind": "int", "default": 200, "min": 25, "max": 800, "step": 25, "values": [25, 100, 200, 800]},
              {"name": "rate", "kind": "float", "default": 0.5, "min": 0.0, "max": 1.0, "step": 0.1},
              {"name": "on", "kind": "bool", "default": True}]
    around = one_click_settings(schema, {"steps": 200, "rate": 0.5, "on": True})
    assert around == [{"steps": 100, "rate": 0.5, "on": True}, {"steps": 800, "rate": 0.5, "on": True},
                      {"steps": 200, "rate": 0.5, "on": False}]  # a plain slider has no short list: not offered
    assert [v["steps"] for v in one_click_settings(schema[:1], {"steps": 800})] == [200]  # the end of the list


def test_subscripts_are_lowered_in_headers_and_said_in_tooltips(built_site):
    html = (built_site / "diffusion-memorization" / "index.html").read_text()
    assert '<th scope="col">τ<sub>gen</sub> (steps)</th>' in html
    for attribute in re.findall(r'<title>(.*?)</title>|aria-label="([^"]*)"', html):
        assert "τ_" not in "".join(attribute)
    assert "τ gen(n = " in html  # the marks' tooltips name the time


def test_the_runtime_is_prepared_beside_the_math_and_first_frames(content_copy, tmp_path, monkeypatch):
    """From a fresh clone, preparing the vendored Pyodide runtime (npm and unpacking, about 6 s)
    was the slowest step before `--serve` had a page. It now begins once the content is read, in
    a thread of its own, so the first frames need not wait for it (nor it for them)."""
    from sitegen import first_frames, pyodide_runtime

    began, callers = threading.Event(), []
    prepare, compute = pyodide_runtime.prepare, first_frames.compute

    def recorded_prepare(pins):
        callers.append(threading.current_thread().name)
        began.set()
        return prepare(pins)

    def first_frames_once_prepare_began(*args, **kwargs):
        callers.append(f"first frames, after the runtime began: {began.wait(10)}")
        return compute(*args, **kwargs)

    monkeypatch.setattr(pyodide_runtime, "prepare", recorded_prepare)
    monkeypatch.setattr(first_frames, "compute", first_frames_once_prepare_began)
    build_content(content_copy, tmp_path / "site")
    # Then the build writes the runtime, from the cache the head start filled (or waiting for it).
    assert callers == ["pyodide runtime", "first frames, after the runtime began: True", "MainThread"]
    assert (tmp_path / "site" / f"static/pyodide-{SITE['runtime']['pyodide']['core']['version']}/pyodide.asm.wasm").is_file()
