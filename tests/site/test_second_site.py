"""The generator is not this one site: a second site, with its own site.yaml and one paper from
another venue with no award, builds with no edit to code or templates, and everything
site-specific on its pages comes from its content."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conftest import PROJECT_ROOT, build_content
from sitegen.citation import bibtex, distinction

PAPER = """---
title: A Paper Elsewhere
short_title: Elsewhere
order: 1
hook: One sentence on why it matters.
authors: [Ada Lovelace, Charles Babbage]
venue: ICLR 2026
year: 2026
arxiv: "2601.01234"
bibtex_key: lovelace2026elsewhere
---

## The problem

A problem, stated once.

## The key idea

An idea, with a formula: $a^2 + b^2 = c^2$.
"""


@pytest.fixture(scope="module")
def second_site(tmp_path_factory) -> Path:
    content = tmp_path_factory.mktemp("second") / "content"
    (content / "topics").mkdir(parents=True)
    site = yaml.safe_load((PROJECT_ROOT / "content" / "site.yaml").read_text())
    site.update(title="Reading Group Notes", short_title="Notes", tagline="Papers we read.",
                description="Notes on papers.", topics_heading="Papers this term",
                topic_sections=["The problem", "The key idea"])
    del site["quick_start"]
    (content / "site.yaml").write_text(yaml.safe_dump(site, sort_keys=False, allow_unicode=True))
    (content / "topics" / "elsewhere.md").write_text(PAPER)
    out = content.parent / "site"
    build_content(content, out)
    return out


def test_a_site_of_one_paper_from_another_venue_builds_from_its_content_alone(second_site):
    home = (second_site / "index.html").read_text()
    assert home.count('class="card"') == 1 and '<h2 id="papers">Papers this term</h2>' in home
    assert "Quick start" not in home  # no reading paths given, none shown
    page = (second_site / "elsewhere" / "index.html").read_text()
    assert '<p class="award venue-only">ICLR 2026</p>' in page
    assert "NeurIPS" not in home + page and "award paper" not in (home + page).lower()
    assert "International Conference on Learning Representations (ICLR 2026)" in page
    assert re.search(r"@inproceedings\{lovelace2026elsewhere,", page)


@pytest.mark.parametrize("venue, award, shown, book", [
    ("NeurIPS 2025", "Best Paper", "NeurIPS 2025 · Best Paper", "Advances in Neural Information Processing Systems (NeurIPS 2025)"),
    ("NeurIPS 2025 (Datasets & Benchmarks track)", "Best Paper, Datasets & Benchmarks", "NeurIPS 2025 · Best Paper, Datasets & Benchmarks",
     r"Advances in Neural Information Processing Systems (NeurIPS 2025), Datasets \& Benchmarks track"),
    ("ICLR 2026", None, "ICLR 2026", "International Conference on Learning Representations (ICLR 2026)"),
    ("ICML 2025", "Outstanding Paper", "ICML 2025 · Outstanding Paper", "Proceedings of Machine Learning Research (ICML 2025)"),
    ("COLT 2024", None, "COLT 2024", "COLT 2024"),
])
def test_the_header_and_the_booktitle_follow_the_venue(venue, award, shown, book):
    meta = {"title": "T", "authors": ["A B"], "venue": venue, "year": 2025, "arxiv": "2501.00001", "bibtex_key": "k",
            **({"award": award} if award else {})}
    assert distinction(meta) == shown
    assert f"  booktitle = {{{book}}}," in bibtex(meta)


def test_a_preprint_is_cited_as_misc_without_proceedings():
    entry = bibtex({"title": "T", "authors": ["A B"], "venue": "arXiv", "year": 2025, "arxiv": "2501.00001", "bibtex_key": "k"})
    assert entry.startswith("@misc{k,") and "booktitle" not in entry and "eprint = {2501.00001}" in entry
