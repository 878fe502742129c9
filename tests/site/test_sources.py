"""Source marks: every number the prose quotes from a paper says where in the paper it is, as a
link to the PDF at that page; the build lists the sentences that quote one without a mark."""

from __future__ import annotations

import re

from sitegen import sources
from sitegen.experiments import extract as take_values

SOURCE = "content/topics/x.md"


def test_marks_become_links_to_the_pdf_at_their_page():
    text, marks, errors = sources.extract("At 46.7% [[Table 4, p. 8]], see [[§4.2]].\n", 3, SOURCE)
    assert errors == [] and [(m.place, m.page, m.line) for m in marks] == [("Table 4", 8, 3), ("§4.2", None, 3)]
    html = sources.fill(f"<p>{text.strip()}</p>", marks, "2505.06708")
    assert html == ('<p>At 46.7% <a class="source-mark" href="https://arxiv.org/pdf/2505.06708#page=8" '
                    'title="Where this is in the paper: Table 4, page 8">Table 4</a>, see <a class="source-mark" '
                    'href="https://arxiv.org/pdf/2505.06708" title="Where this is in the paper: §4.2">§4.2</a>.</p>')


def test_a_number_from_the_authors_code_links_to_the_file_and_line_in_their_repository():
    repo = "https://github.com/owner/project"
    text, marks, errors = sources.extract("Width 256 [[code: train.py:69]]; see [[code: assets/fig.png]].\n", 5, SOURCE, repo)
    assert errors == [] and [(m.place, m.code_line, m.in_code) for m in marks] == [("train.py", 69, True), ("assets/fig.png", None, True)]
    html = sources.fill(f"<p>{text.strip()}</p>", marks, "2503.14858", repo)
    assert html == ('<p>Width 256 <a class="source-mark" href="https://github.com/owner/project/blob/HEAD/train.py#L69" '
                    'title="Where this is in the authors&#x27; code: train.py, line 69">code</a>; see <a class="source-mark" '
                    'href="https://github.com/owner/project/blob/HEAD/assets/fig.png" '
                    'title="Where this is in the authors&#x27; code: assets/fig.png">code</a>.</p>')
    assert sources.code_file_url("https://gitlab.com/a/b/", "x.py", 3) == "https://gitlab.com/a/b/-/blob/HEAD/x.py#L3"
    assert sources.code_file_url("https://example.org/a/b", "x.py", 3) == "https://example.org/a/b"  # an unknown host: the repository
    _, marks, errors = sources.extract("One.\n\nWidth 256 [[code: train.py]].\n", 5, SOURCE, None)
    [error] = errors
    assert marks == [] and error.line == 7 and "the topic has no `code` repository" in error.message
    _, _, [error] = sources.extract("Width [[code: two words]].\n", 1, SOURCE, repo)
    assert "should name a file of the authors' code" in error.message


def test_a_mark_that_names_no_place_is_an_error_with_its_line_and_code_keeps_its_brackets():
    body = "One.\n\nTwo [[see above]] and `[[Table 1]]` and $a[[1]]$.\n"
    text, marks, errors = sources.extract(body, 10, SOURCE)
    [error] = errors
    assert (error.file, error.line) == (SOURCE, 12) and "should name a place in the paper" in error.message
    assert marks == [] and "`[[Table 1]]`" in text and "$a[[1]]$" in text


def test_a_sentence_with_a_number_needs_a_mark_or_a_value():
    body = ("## Background\n\nOld work had 3 layers.\n\n## Key findings\n\nThe gate cuts the sink from 46.7%\n"
            "to 4.8% of the attention [[Table 4, p. 8]]. It trained in 2025 on $10^{12}$ tokens. Then 512 runs\n"
            "followed. The toy shows {{ page.loss:.2f }} here.\n\n- A list item with 7 points.\n- One [[Fig. 2]] with 8.\n")
    text, _, _ = take_values(body, 1, SOURCE)
    text, _, _ = sources.extract(text, 1, SOURCE)
    found = sources.unmarked(text, 1, ["Key findings"])
    # Old work (another section), the marked sentence across two lines, the year, the formula and the
    # inline value pass; the sentence without a mark and the unmarked list item do not.
    assert found == [(8, "Then 512 runs followed."), (11, "- A list item with 7 points.")]


def test_the_rlvr_page_marks_every_number_it_quotes(built_site):
    from sitegen import content
    from conftest import PROJECT_ROOT
    from simulators import REGISTRY

    loaded, _ = content.load(PROJECT_ROOT / "content", PROJECT_ROOT, set(REGISTRY))
    topic = next(t for t in loaded.topics if t.slug == "rlvr-reasoning")
    prose = sources.prose(topic, loaded.site["source_sections"])
    marks = prose.marks
    assert prose.errors == [] and prose.unmarked == []
    html = (built_site / "rlvr-reasoning" / "index.html").read_text()
    links = re.findall(r'<a class="source-mark" href="https://arxiv\.org/pdf/2504\.13837#page=(\d+)"[^>]*>([^<]+)</a>', html)
    assert ("22", "Table 3") in links and ("23", "Table 4") in links and len(links) == len(marks) >= 15
    assert "[[" not in re.sub(r"<code.*?</code>", "", html, flags=re.S)


def test_every_page_marks_every_number_it_quotes_from_its_paper_or_the_authors_code():
    from sitegen import content
    from conftest import PROJECT_ROOT
    from simulators import REGISTRY

    loaded, _ = content.load(PROJECT_ROOT / "content", PROJECT_ROOT, set(REGISTRY))
    for topic in loaded.topics:
        prose = sources.prose(topic, loaded.site["source_sections"])
        assert prose.errors == [] and prose.unmarked == [], topic.slug
    rl = next(t for t in loaded.topics if t.slug == "thousand-layer-rl")
    code = [m.place for m in sources.prose(rl, loaded.site["source_sections"]).marks if m.in_code]
    assert "train.py" in code and "assets/humanoid_depth.png" in code


def test_a_table_is_covered_by_a_mark_in_it_or_in_the_text_just_before_it():
    body = ("## Key findings\n\nScores after extension [[Table 5]]:\n\n| Context | Score |\n|---|---|\n| 32k | 37.94 |\n\n"
            "Another table:\n\n| Context | Score |\n|---|---|\n| 64k | 37.51 |\n")
    text, _, _ = sources.extract(body, 1, SOURCE)
    assert sources.unmarked(text, 1, ["Key findings"]) == [(13, "| 64k | 37.51 |")]
