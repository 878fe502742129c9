"""Experiments: prose that cannot drift from the simulators.

An author writes, in a topic's Markdown, a fenced block

    ```experiment
    name: no-gate
    label: With no gate, the sink forms
    params: {train_steps: 400}      # what differs from the page's own setting
    seeds: [0, 1, 2]                # or `seed: 3`; default: the page's seed
    claims:
      - variants.none.sink_ratio > 0.5
      - variants.elementwise.sink_ratio < variants.none.sink_ratio / 2
    ```

(`labels:` may name a result path for the reader where no readout names it), and, anywhere in
the prose, inline values such as `{{ no-gate.variants.none.sink_ratio:.1% }}` (`page.` reads
the page's own first frame). The build runs every experiment's setting through
the simulator (cached by the same key as first frames), checks each claim at every seed
(simulators/kit/claims.py), and writes the values found; a false claim, a path the result lacks or a
setting the simulator refuses is a content error with its file and line. The page gets a
"Try this" link per experiment (static/js/experiments.mjs) that sets the simulator to it, runs
it, and shows the claims' verdict on the reader's own result: the build's at the seeds it ran,
the worker's (the same Python, simulators.kit.claims.verdict) at any other.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from simulators.kit import claims as C
from simulators.kit import params as P
from simulators.kit.contract import Frame, lookup

from . import frontmatter, mathtex, schema
from .errors import ContentError
from .first_frames import Setting
from .pages import subscripts

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


def check_settings(topic, page_simulator, found: PageExperiments) -> list[ContentError]:
    """Validate each experiment's params and seeds against the page's simulator (nothing runs)."""
    errors: list[ContentError] = []
    source = topic.rel_source
    if page_simulator is None:
        if topic.meta.get("simulator"):
            return []  # its settings failed their own check, reported already
        return [ContentError(source, (found.experiments[0].line if found.experiments else found.values[0].line), "body",
                             "experiments and inline values need the page's simulator (front matter `simulator:`)")]
    for e in found.experiments:
        e.seeds = e.seeds or [page_simulator.seed]
        try:
            e.values = P.validate(page_simulator.simulator.params, {**page_simulator.values, **e.params})
            for seed in e.seeds:
                P.validate_seed(seed)
        except P.ParamError as error:
            errors.append(_param_error(source, e, error))
    return errors


def settings(pages: list[tuple]) -> list[Setting]:
    """Every experiment at each of its seeds, in page order; `pages` holds (topic, PageSimulator,
    PageExperiments). The build computes them (first_frames.precompute), then `check` judges."""
    return [Setting(page.simulator, e.values, seed) for _, page, found in pages for e in found.experiments for seed in e.seeds]


def check(pages: list[tuple], outcomes: list) -> list[ContentError]:
    """Give each experiment its frames (`outcomes`, one per `settings(pages)`) and check its
    claims and the page's inline values."""
    owners = [(topic, e) for topic, _, found in pages for e in found.experiments for _ in e.seeds]
    errors: list[ContentError] = []
    for (topic, e), outcome in zip(owners, outcomes):
        if isinstance(outcome, P.ParamError):
            if not any(err.field == f"experiment {e.name}" and err.file == topic.rel_source for err in errors):
                errors.append(_param_error(topic.rel_source, e, outcome))
            continue
        e.frames.append(outcome)
    for topic, page, found in pages:
        for e in found.experiments:
            if len(e.frames) == len(e.seeds):
                errors += _check_claims(topic.rel_source, e)
        errors += _check_values(topic.rel_source, page, found)
    return errors


def tried_frames(page, found: PageExperiments) -> list[tuple[dict, int, Frame]]:
    """(values, seed, frame) of the setting each experiment's "Try this" runs (its first seed):
    the build computed them to check the claims, so the page ships them and a reader's try is
    shown at once, with or without the runtime. (PageSimulator.add_precomputed skips settings
    the page ships already, its own among them.)"""
    return [(e.values, e.seeds[0], e.frames[0]) for e in found.experiments if e.frames]


def _check_claims(source: str, e: Experiment) -> list[ContentError]:
    errors = []
    for claim, line in e.claims:
        for seed, frame in zip(e.seeds, e.frames):
            try:
                holds = C.evaluate(claim.tree, frame.result)
            except (KeyError, TypeError, ZeroDivisionError) as exc:
                errors.append(ContentError(source, line, f"experiment {e.name}", f"claim '{claim.text}': {C.reason(exc)} (seed {seed})"))
                break
            if not holds:
                found = _values_text(claim, frame.result)
                errors.append(ContentError(source, line, f"experiment {e.name}", f"claim '{claim.text}' is false ({found} at seed {seed})"))
                break
    return errors


def _values_text(claim: C.Claim, result: dict) -> str:
    def value(path: str) -> str:
        numbers = C.numbers_at(result, path)
        return f"{numbers[0]:.4g}" if len(numbers) == 1 else f"{min(numbers):.4g} to {max(numbers):.4g}"

    paths = claim.paths
    if len(paths) == 1:
        return value(paths[0])
    return ", ".join(f"{path} = {value(path)}" for path in paths)


def _check_values(source: str, page, found: PageExperiments) -> list[ContentError]:
    errors = []
    by_name = {e.name: e for e in found.experiments}
    for value in found.values:
        if value.experiment != PAGE and len(by_name[value.experiment].frames) < len(by_name[value.experiment].seeds):
            continue  # the experiment itself failed to run: already reported
        try:
            for frame in _frames_of(value, page, found):
                format(lookup(frame.result, value.path), value.format)
            if value.in_math:
                as_tex(_shown(value, page, found))
        except (KeyError, TypeError, ValueError) as exc:
            errors.append(ContentError(source, value.line, "body",
                                       f"inline value '{value.experiment}.{value.path}': {C.reason(exc)}"))
    return errors


def _param_error(source: str, e: Experiment, error: P.ParamError) -> ContentError:
    field = "seeds" if error.name == "seed" else f"params.{error.name}"
    return ContentError(source, frontmatter.line_of(e.key_lines, field, e.line), f"experiment {e.name}", str(error))



# --- what the page shows -----------------------------------------------------------

def fill(html_text: str, page, found: PageExperiments) -> str:
    """Put each experiment's box and each inline value in prose where their tokens landed."""
    for e in found.experiments:
        html_text = html_text.replace(f"<p>{e.token}</p>", _box(page, e))
    for value in found.values:
        if not value.in_math:
            shown = _shown(value, page, found)
            attributes = f'class="sim-value" data-value="{value.experiment}.{value.path}" data-format="{html.escape(value.format)}"'
            if shown is None:
                attributes += f' data-claim-status="pending" title="{PENDING_TITLE}"'
            html_text = html_text.replace(value.token, f'<span {attributes}>{html.escape(shown or PENDING)}</span>')
    return html_text


def fill_tex(tex: str, page, found: PageExperiments) -> str:
    """A formula's TeX with the inline values written in it filled, ready for KaTeX."""
    for value in found.values:
        if value.in_math:
            shown = _shown(value, page, found)
            tex = tex.replace(value.token, as_tex(shown) if shown is not None else rf"\text{{{PENDING}}}")
    return tex


def has_values(tex: str) -> bool:
    return bool(_VALUE_TOKEN_SEEN.search(tex))


def with_placeholders(tex: str) -> str:
    """A formula's TeX with a stand-in number for each inline value: its TeX can be checked
    before anything is computed."""
    return _VALUE_TOKEN_SEEN.sub("0", tex)


_VALUE_TOKEN_SEEN = re.compile(VALUE_TOKEN.format(r"\d+"))
_TEX_NUMBER = re.compile(r"^(?P<sign>[-+]?)(?P<digits>\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE](?P<exponent>[-+]?\d+))?(?P<percent>%?)$")


def as_tex(text: str) -> str:
    """TeX for a formatted value: a number or a range of numbers ('0.1–0.3'); ValueError for any
    other text, which a formula cannot show as written."""
    pieces = []
    for part in text.split("–"):
        number = _TEX_NUMBER.match(part.strip())
        if number is None:
            raise ValueError(f"'{text}' is not a number, so it cannot be written inside math")
        tex = number["sign"] + number["digits"].replace(",", "{,}")
        if number["exponent"]:
            tex += rf"\times 10^{{{int(number['exponent'])}}}"
        pieces.append(tex + (r"\%" if number["percent"] else ""))
    return r"\text{–}".join(pieces)


def _shown(value: InlineValue, page, found: PageExperiments) -> str | None:
    """The value as the prose shows it; None while its experiment has not run (a draft build)."""
    frames = _frames_of(value, page, found)
    return C.shown_range([lookup(f.result, value.path) for f in frames], value.format) if frames else None


def _frames_of(value: InlineValue, page, found: PageExperiments) -> list[Frame]:
    if value.experiment == PAGE:
        return [page.frame]
    return next(e.frames for e in found.experiments if e.name == value.experiment)


def stray_blocks(html_text: str, source: str, found: PageExperiments) -> list[ContentError]:
    """A block that landed inside a paragraph or a list: its box cannot go there."""
    return [ContentError(source, e.line, f"experiment {e.name}", "an experiment block stands alone: put a blank line before and after it, outside lists and quotes")
            for e in found.experiments if f"<p>{e.token}</p>" not in html_text]


# A draft build (`build.py --serve` serves one first) has not run the experiments yet.
PENDING = "…"
PENDING_TITLE = "being computed by the build: the page reloads when it is done"


def _box(page, e: Experiment) -> str:
    readouts = {r.path: r for r in page.simulator.readouts}

    def label(path: str) -> str:
        return e.labels.get(path) or (readouts[path].label if path in readouts else path)

    def shown(path: str) -> str:
        spec = readouts[path].format if path in readouts else DEFAULT_FORMAT
        return C.shown_range([n for f in e.frames for n in C.numbers_at(f.result, path)], spec)

    paths: list[str] = []  # in the order the claims first read them
    for claim, _ in e.claims:
        paths += [p for p in claim.paths if p not in paths]
    found = "; ".join(f"{subscripts(label(p))} {html.escape(shown(p))}" for p in paths) if e.frames else ""
    claims = "".join(f"<li><code>{html.escape(claim.text)}</code></li>" for claim, _ in e.claims)
    changes = {name: value for name, value in e.values.items() if value != page.values.get(name)}
    setting = describe_setting(page.simulator.params, changes)
    first_seed = e.seeds[0]
    query = {name: _query_value(value) for name, value in changes.items()}
    if first_seed != page.seed:
        query["seed"] = str(first_seed)
    href = "?" + urlencode(query) + "#simulator" if query else "#simulator"
    texts, labels = [claim.text for claim, _ in e.claims], {p: label(p) for p in paths}
    # The build's verdict at each seed it ran; the worker judges any other seed with the same code.
    verdicts = {str(seed): C.verdict(texts, labels, f.result, f.readouts) for seed, f in zip(e.seeds, e.frames)}
    data = {"label": e.label, "params": e.values, "seed": first_seed, "seeds": e.seeds,
            "claims": texts, "labels": labels, "verdicts": verdicts}
    if e.frames:
        claims_part = (f'<details class="experiment-claims" data-claim-status="checked"><summary>Checked when this page was built, '
                       f'{html.escape(seeds_text(e.seeds))}: {found}</summary>\n'
                       f'<p>The build ran this setting and stopped if any of these did not hold:</p>\n<ul>{claims}</ul></details>\n')
    else:
        claims_part = (f'<details class="experiment-claims" data-claim-status="pending"><summary>Being checked by the build, '
                       f'{html.escape(seeds_text(e.seeds))}: this page reloads when it is done</summary>\n'
                       f'<p>The build is running this setting; it stops if any of these does not hold:</p>\n<ul>{claims}</ul></details>\n')
    return (
        f'<aside class="experiment" id="experiment-{e.name}" data-experiment="{e.name}" '
        f'data-claim-status="{"checked" if e.frames else "pending"}" '
        f'aria-labelledby="experiment-{e.name}-label">\n'
        f'<p class="experiment-head"><span class="experiment-kind">Experiment</span> '
        f'<strong id="experiment-{e.name}-label">{subscripts(e.label)}</strong></p>\n'
        f'<p class="experiment-setting">{html.escape(setting)}</p>\n'
        f'<p class="experiment-try"><a class="button" data-action="try" href="{html.escape(href)}">Try this</a> '
        f'<span class="experiment-live" data-experiment-live aria-live="polite"></span></p>\n'
        f'{claims_part}'
        f'<script type="application/json" data-experiment-config>{_json_for_html(data)}</script>\n'
        f'</aside>'
    )


def describe_setting(schema_list: list[dict], changes: dict) -> str:
    if not changes:
        return "The page's own setting."
    specs = {spec["name"]: spec for spec in schema_list}
    parts = []
    for name, value in changes.items():
        spec = specs[name]
        if spec["kind"] == "bool":
            shown = "on" if value else "off"
        elif spec["kind"] == "choice":
            shown = spec.get("choice_labels", {}).get(value, value)
        elif spec["kind"] == "text":
            shown = "edited text"
        else:
            shown = f"{value:g}{' ' + spec['unit'] if spec.get('unit') else ''}"
        parts.append(f"{spec['label']}: {shown}")
    return "Setting: " + "; ".join(parts) + " (the rest as on this page)."


def seeds_text(seeds: list[int]) -> str:
    if len(seeds) == 1:
        return f"seed {seeds[0]}"
    if seeds == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"seeds {seeds[0]}–{seeds[-1]}"
    return "seeds " + ", ".join(map(str, seeds))


def _query_value(value) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _json_for_html(data) -> str:
    """JSON inside <script>: '<' escaped so no text can close the element."""
    return json.dumps(data, separators=(",", ":")).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
