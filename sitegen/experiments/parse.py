"""Experiments, step one: take the experiment blocks and inline values out of a topic's Markdown
(see the package's docstring), leaving tokens on the same lines."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from simulators.kit import claims as C
from simulators.kit.contract import Frame

from .. import frontmatter, mathtex, schema
from ..errors import ContentError

PAGE = "page"  # inline values read the page's own setting under this name
_FENCE = re.compile(r"^(?P<fence>```|~~~)[ \t]*experiment[ \t]*\n(?P<text>.*?)^(?P=fence)[ \t]*$", re.M | re.S)
_VALUE = re.compile(r"\{\{(.*?)\}\}")
_VALUE_PARTS = re.compile(r"^\s*(?P<name>[a-z0-9]+(?:-[a-z0-9]+)*)\.(?P<path>\w+(?:\.\w+)*)\s*(?::(?P<format>[^{}]*?))?\s*$")
BLOCK_TOKEN = "EXPERIMENTBLOCK{}END"
VALUE_TOKEN = "EXPERIMENTVALUE{}END"
DEFAULT_FORMAT = C.DEFAULT_FORMAT


@dataclass
class Experiment:
    name: str
    label: str
    line: int  # of the block's `name:`
    params: dict  # as written (differences from the page's setting)
    seeds: list[int]
    claims: list[tuple[C.Claim, int]]  # (claim, line)
    labels: dict[str, str]  # result path -> its name for the reader
    token: str
    key_lines: dict[str, int]
    values: dict = field(default_factory=dict)  # every control, validated against the page's simulator
    frames: list[Frame] = field(default_factory=list)  # one per seed


@dataclass
class InlineValue:
    experiment: str
    path: str
    format: str
    line: int
    token: str
    in_math: bool = False  # written inside a formula: its text goes into the TeX before KaTeX renders it


@dataclass
class PageExperiments:
    experiments: list[Experiment]
    values: list[InlineValue]

    def __bool__(self) -> bool:
        return bool(self.experiments or self.values)


def extract(body: str, first_line: int, source: str) -> tuple[str, PageExperiments, list[ContentError]]:
    """Take the experiment blocks and inline values out of a Markdown body, leaving tokens (on the
    same lines, so later line numbers still hold); return the text, what was found, and errors."""
    errors: list[ContentError] = []
    experiments: list[Experiment] = []
    broken: set[str] = set()  # names of blocks with errors: values reading them add no error of their own

    def line_at(offset: int) -> int:
        return first_line + body.count("\n", 0, offset)

    def take_block(match: re.Match) -> str:
        token = BLOCK_TOKEN.format(len(experiments))
        found = _parse_block(match.group("text"), line_at(match.start()) + 1, source, token, errors)
        if found is not None:
            experiments.append(found)
        else:
            broken.update(re.findall(r"^name:\s*['\"]?([\w-]+)", match.group("text"), re.M))
        return token + "\n" * match.group(0).count("\n")

    text = _FENCE.sub(take_block, body)
    names = [e.name for e in experiments]
    for e in experiments:
        if e.name == PAGE or names.count(e.name) > 1:
            why = f"'{PAGE}' names the page's own setting" if e.name == PAGE else "another experiment on this page has it"
            errors.append(ContentError(source, e.line, f"experiment {e.name}", f"choose another name: {why}"))
    values: list[InlineValue] = []

    def take_value(match: re.Match, offset: int, in_math: bool) -> str:
        line = first_line + text.count("\n", 0, offset + match.start())
        parts = _VALUE_PARTS.match(match.group(1))
        if in_math and (parts is None or "\n" in match.group(0)):
            return match.group(0)  # TeX's own braces, such as \frac{{a}}{b}
        if parts is None or "\n" in match.group(0):
            errors.append(ContentError(source, line, "body", f"inline value '{match.group(0)[:60]}' should read "
                                       "{{ EXPERIMENT.PATH:FORMAT }}, such as {{ page.loss:.3f }}"))
            return match.group(0)
        spec = (parts.group("format") or DEFAULT_FORMAT).strip()
        problem = _format_problem(spec) or (in_math and _tex_format_problem(spec))
        if problem:
            errors.append(ContentError(source, line, "body", f"inline value '{match.group(0)}': bad format '{spec}' ({problem})"))
            return match.group(0)
        token = VALUE_TOKEN.format(len(values))
        values.append(InlineValue(parts.group("name"), parts.group("path"), spec, line, token, in_math))
        return token

    pieces, position = [], 0
    for start, end, is_code in [*mathtex.opaque_spans(text), (len(text), len(text), True)]:
        pieces.append(_VALUE.sub(lambda m, at=position: take_value(m, at, in_math=False), text[position:start]))
        opaque = text[start:end]  # code stays as written; a formula's values are filled into its TeX
        pieces.append(opaque if is_code else _VALUE.sub(lambda m, at=start: take_value(m, at, in_math=True), opaque))
        position = end
    known = set(names) | {PAGE}
    for value in values:
        if value.experiment not in known | broken:
            errors.append(ContentError(source, value.line, "body", f"inline value '{value.experiment}.{value.path}': no experiment "
                                       f"'{value.experiment}' on this page (known: {', '.join(sorted(known))})"))
    return "".join(pieces), PageExperiments(experiments, values), errors


def _format_problem(spec: str) -> str | None:
    """Why `spec` formats neither a whole number nor a fraction, or None (the values themselves
    are checked against it once computed)."""
    problems = []
    for sample in (1, 0.5):
        try:
            format(sample, spec)
            return None
        except ValueError as exc:
            problems.append(str(exc))
    return problems[-1]


def _tex_format_problem(spec: str) -> str | None:
    """Why a value formatted by `spec` could not be written inside a formula, or None."""
    kind = spec[-1:]
    if kind in ("s", "x", "X", "o", "b", "c"):
        return f"inside math a value needs a number format such as d, .2f, .0% or .3g, not '{kind}'"
    return None


def _parse_block(text: str, first_line: int, source: str, token: str, errors: list[ContentError]) -> Experiment | None:
    try:
        data, key_lines = frontmatter.parse_yaml(text, line_offset=first_line - 1)
    except frontmatter.FrontMatterError as exc:
        errors.append(ContentError(source, exc.line, "experiment", str(exc)))
        return None
    if not isinstance(data, dict):
        errors.append(ContentError(source, first_line, "experiment", "an experiment block is a mapping: name, label, params, seeds, claims"))
        return None
    name = data.get("name") if isinstance(data.get("name"), str) else "(unnamed)"
    where = f"experiment {name}"
    problems = schema.validate(data, schema.EXPERIMENT_SCHEMA)
    if "seed" in data and "seeds" in data:
        problems.append(("seeds", "give `seed` or `seeds`, not both"))
    for path, message in problems:
        errors.append(ContentError(source, frontmatter.line_of(key_lines, path, first_line), f"{where}: {path}", message))
    if problems:
        return None
    claims_text = data["claims"]
    if isinstance(claims_text, str):  # a block of text: one claim per line
        base = key_lines["claims"] + 1
        written = [(line.strip(), base + i) for i, line in enumerate(claims_text.splitlines()) if line.strip()]
    else:
        written = [(claim, key_lines.get(f"claims.{i}", key_lines["claims"])) for i, claim in enumerate(claims_text)]
    parsed = []
    for claim, line in written:
        try:
            parsed.append((C.parse(claim), line))
        except C.ClaimError as exc:
            errors.append(ContentError(source, line, where, f"claim '{claim}': {exc}"))
    if len(parsed) < len(written):
        return None
    if not parsed:
        errors.append(ContentError(source, key_lines["claims"], where, "needs at least one claim"))
        return None
    used = {path for claim, _ in parsed for path in claim.paths}
    for path, text in data["labels"].items():
        if path not in used or not isinstance(text, str) or not text.strip():
            why = "give it a text" if path in used else "no claim reads this path"
            errors.append(ContentError(source, frontmatter.line_of(key_lines, f"labels.{path}", first_line), f"{where}: labels", f"'{path}': {why}"))
            return None
    seeds = data.get("seeds") or ([data["seed"]] if "seed" in data else [])
    return Experiment(name, data["label"], key_lines.get("name", first_line), data["params"], seeds, parsed,
                      data["labels"], token, key_lines)
