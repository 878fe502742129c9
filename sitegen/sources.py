"""Source marks: where in the paper a number the prose quotes comes from.

    With no gate, 46.7% of the attention lands on the first token [[Table 4, p. 8]].

A mark names a place in the paper (Table 4, Fig. 10, §4.2, Eq. 3, Appendix B, Abstract, ...)
and, after a comma, its page in the PDF. The page shows it as a small link to the paper's PDF
at that page (https://arxiv.org/pdf/ID#page=N, from the topic's arXiv id). A number that comes
from the authors' code rather than the paper names the file, and optionally the line:

    Widths are 256 by default [[code: train.py:69]].

which links to that line in the repository the topic's `code` field names. `unmarked` lists the
sentences of the sections `site.yaml` names in `source_sections` that quote a number with
neither a mark nor an inline value (a number the simulator computes), so the list can be kept
at zero."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from . import mathtex
from .errors import ContentError

MARK = re.compile(r"\[\[([^\[\]\n]*)\]\]")
TOKEN = "SOURCEMARK{}END"
PLACES = ("Tables", "Table", "Figs.", "Fig.", "Figures", "Figure", "§", "Sections", "Section", "Eqs.", "Eq.",
          "Appendix", "App.", "Abstract", "Theorem", "Lemma", "Corollary", "Proposition", "Algorithm", "Definition")
WHOLE_PLACES = ("Abstract",)  # a place that needs no number after it
_PAGE = re.compile(r",\s*p\.\s*(\d+)\s*$")
_CODE = re.compile(r"code:\s*([\w./-]+?)(?::(\d+))?$")  # code: PATH or code: PATH:LINE
# A number as prose quotes it: 0.467, 46.7%, 3.5T, 1,024; not a year (2025), which cites, not quotes.
_NUMBER = re.compile(r"(?<![\w.])(?!(?:19|20)\d\d\b)\d[\d,]*(?:\.\d+)?")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"“])")
_VALUE_OR_MARK = re.compile(r"(?:EXPERIMENTVALUE|SOURCEMARK)\d+END")


@dataclass(frozen=True)
class Mark:
    place: str  # "Table 4", "§4.2"; for the authors' code, the file's path
    page: int | None  # the PDF's page
    line: int  # where the mark is in the Markdown file
    token: str
    in_code: bool = False  # a place in the authors' repository, not in the paper
    code_line: int | None = None  # the line in the authors' file


def extract(text: str, first_line: int, source: str, code_url: str | None = None) -> tuple[str, list[Mark], list[ContentError]]:
    """Take the marks out of a Markdown body (prose only: code and math keep their brackets);
    return the text with tokens, the marks, and a ContentError for each mark that names no place
    (or names the authors' code on a topic with no `code` repository, `code_url`)."""
    marks: list[Mark] = []
    errors: list[ContentError] = []

    def take(match: re.Match, offset: int) -> str:
        line = first_line + text.count("\n", 0, offset + match.start())
        label = match.group(1).strip()
        if label.startswith("code:"):
            return take_code(match, label, line)
        page_match = _PAGE.search(label)
        place = label[:page_match.start()].strip() if page_match else label
        if not place.startswith(PLACES) or (place in PLACES and place not in WHOLE_PLACES):
            errors.append(ContentError(source, line, "body", f"source mark '{match.group(0)}' should name a place in the paper, "
                                       f"such as [[Table 2, p. 7]] or [[Fig. 10]] (one of: {', '.join(PLACES)})"))
            return match.group(0)
        token = TOKEN.format(len(marks))
        marks.append(Mark(place, int(page_match.group(1)) if page_match else None, line, token))
        return token

    def take_code(match: re.Match, label: str, line: int) -> str:
        code = _CODE.fullmatch(label)
        if code is None or code_url is None:
            problem = ("names the authors' code, but the topic has no `code` repository" if code
                       else "should name a file of the authors' code, such as [[code: train.py]] or [[code: train.py:69]]")
            errors.append(ContentError(source, line, "body", f"source mark '{match.group(0)}' {problem}"))
            return match.group(0)
        token = TOKEN.format(len(marks))
        marks.append(Mark(code.group(1), None, line, token, in_code=True, code_line=int(code.group(2)) if code.group(2) else None))
        return token

    pieces, position = [], 0
    for start, end, _ in [*mathtex.opaque_spans(text), (len(text), len(text), True)]:
        pieces.append(MARK.sub(lambda m, at=position: take(m, at), text[position:start]))
        pieces.append(text[start:end])
        position = end
    return "".join(pieces), marks, errors


@dataclass
class Prose:
    """A topic's body with its experiment blocks, inline values and source marks taken out as
    tokens: the text to render and to check for unmarked numbers, and what was taken out."""

    text: str
    experiments: object  # experiments.PageExperiments
    marks: list[Mark]
    errors: list[ContentError]
    unmarked: list[tuple[int, str]]


def prose(topic, sections: list[str]) -> Prose:
    """Take a topic's experiments (experiments.extract), then its source marks, out of its body;
    list the sentences of `sections` that quote a number with neither (the build and
    `python -m sitegen.sources` both read a topic through here)."""
    from . import experiments  # which imports the simulators: only when a topic is read

    first_line, source = topic.doc.body_start_line, topic.rel_source
    text, found, problems = experiments.extract(topic.doc.body, first_line, source)
    text, marks, more = extract(text, first_line, source, topic.meta.get("code"))
    return Prose(text, found, marks, problems + more, unmarked(text, first_line, sections))


def fill(html_text: str, marks: list[Mark], arxiv: str, code_url: str | None = None) -> str:
    """Put each mark where its token landed: a link to the paper's PDF at its page, or to the
    file (and line) in the authors' repository."""
    for mark in marks:
        if mark.in_code:
            href = code_file_url(code_url, mark.place, mark.code_line)
            title = "Where this is in the authors' code: " + mark.place + (f", line {mark.code_line}" if mark.code_line else "")
            shown = "code"
        else:
            href = f"https://arxiv.org/pdf/{arxiv}" + (f"#page={mark.page}" if mark.page else "")
            title = "Where this is in the paper: " + mark.place + (f", page {mark.page}" if mark.page else "")
            shown = mark.place
        html_text = html_text.replace(mark.token, f'<a class="source-mark" href="{html.escape(href)}" '
                                      f'title="{html.escape(title)}">{html.escape(shown)}</a>')
    return html_text


def code_file_url(repository: str, path: str, line: int | None) -> str:
    """A file (and line) in a repository on GitHub or GitLab, at its default branch; for another
    host, the repository itself (the mark's title still names the file)."""
    repository = repository.rstrip("/")
    blob = {"github.com": "/blob/HEAD/", "gitlab.com": "/-/blob/HEAD/"}.get(repository.split("/")[2].lower())
    if blob is None:
        return repository
    return f"{repository}{blob}{path}" + (f"#L{line}" if line else "")


def unmarked(text: str, first_line: int, sections: list[str]) -> list[tuple[int, str]]:
    """(line, sentence) for every sentence of the named `## ` sections that quotes a number with
    neither a source mark nor an inline value. `text` is the body with both taken out as tokens.
    Code and math are not prose: a formula's numbers are notation ($2^{-n}$), so a number quoted
    from the paper is written in words and digits outside it."""
    wanted = {s.strip().lower() for s in sections}
    chars = list(text)
    for start, end, _ in mathtex.opaque_spans(text):
        chars[start:end] = [c if c == "\n" else " " for c in text[start:end]]
    lines = "".join(chars).split("\n")
    found: list[tuple[int, str]] = []
    inside, unit, unit_line = False, [], 0
    table: list[tuple[int, str]] = []  # a table's rows: a mark in them or in the text just before covers them all
    before_table = ""  # the last unit closed in this section: a table's caption

    def close() -> None:
        nonlocal before_table
        joined = " ".join(unit)
        if unit and unit[0].startswith("|"):
            table.append((unit_line, joined))
        else:
            close_table()
            before_table = joined
            for sentence in _SENTENCE_END.split(joined):
                if not _VALUE_OR_MARK.search(sentence) and _NUMBER.search(sentence):
                    found.append((first_line + unit_line + _line_of(unit, joined, sentence), " ".join(sentence.split())))
        unit.clear()

    def close_table() -> None:
        if table and not _VALUE_OR_MARK.search(before_table + " ".join(row for _, row in table)):
            found.extend((first_line + line, " ".join(row.split())) for line, row in table if _NUMBER.search(row))
        table.clear()

    for number, line in enumerate(lines):
        starts_item = re.match(r"\s*(?:[-*+]\s|\d+\.\s|\|)", line)
        if line.startswith("## ") or not line.strip() or starts_item:
            if unit:
                close()
            if line.startswith("## ") or (not line.strip() and table and not lines[min(number + 1, len(lines) - 1)].startswith("|")):
                close_table()
            if line.startswith("## "):
                inside, before_table = line[3:].strip().lower() in wanted, ""
                continue
        if inside and line.strip():
            if not unit:
                unit_line = number
            unit.append(line.strip())
    if unit:
        close()
    close_table()
    return sorted(found)


def _line_of(unit: list[str], joined: str, sentence: str) -> int:
    """Which of the unit's lines a sentence starts on (0-based)."""
    at = joined.find(sentence)
    total = 0
    for i, line in enumerate(unit):
        total += len(line) + 1
        if at < total:
            return i
    return len(unit) - 1


def main(argv: list[str]) -> int:
    """`python -m sitegen.sources [CONTENT_DIR]`: every sentence that quotes a number with no source."""
    from pathlib import Path

    from simulators import REGISTRY

    from . import content as content_mod

    root = Path(__file__).resolve().parent.parent
    loaded, errors = content_mod.load(Path(argv[0]) if argv else root / "content", root, set(REGISTRY))
    if errors:
        print("\n".join(map(str, errors)))
        return 1
    count = 0
    for topic in loaded.topics:
        for line, sentence in prose(topic, loaded.site["source_sections"]).unmarked:
            print(f"{topic.rel_source}:{line}: {sentence[:160]}")
            count += 1
    print(f"{count} sentences quote a number with no source mark or inline value")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
