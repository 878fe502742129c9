"""Experiments, step three: what the page shows. Each block becomes the aside of
templates/partials/experiment.html; each inline value its formatted number, in prose or in TeX."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import urlencode

import jinja2
from markupsafe import Markup

from simulators.kit import claims as C
from simulators.kit.contract import Frame, lookup

from ..errors import ContentError
from ..pages import subscripts
from .parse import DEFAULT_FORMAT, PAGE, VALUE_TOKEN, Experiment, InlineValue, PageExperiments

def fill(html_text: str, page, found: PageExperiments, env: jinja2.Environment) -> str:
    """Put each experiment's box and each inline value in prose where their tokens landed; `env`
    is the site's Jinja environment (pages.environment), which holds the box's partial."""
    for e in found.experiments:
        html_text = html_text.replace(f"<p>{e.token}</p>", _box(page, e, env))
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


def _box(page, e: Experiment, env: jinja2.Environment) -> str:
    """The experiment's aside (templates/partials/experiment.html): its setting, a Try this link,
    the claims with what the build found (or that it is still checking them, in a draft), and the
    config static/js/experiments.mjs reads."""
    readouts = {r.path: r for r in page.simulator.readouts}

    def label(path: str) -> str:
        return e.labels.get(path) or (readouts[path].label if path in readouts else path)

    def shown(path: str) -> str:
        spec = readouts[path].format if path in readouts else DEFAULT_FORMAT
        return C.shown_range([n for f in e.frames for n in C.numbers_at(f.result, path)], spec)

    paths: list[str] = []  # in the order the claims first read them
    for claim, _ in e.claims:
        paths += [p for p in claim.paths if p not in paths]
    found = Markup("; ").join(Markup("{} {}").format(subscripts(label(p)), shown(p)) for p in paths) if e.frames else ""
    changes = {name: value for name, value in e.values.items() if value != page.values.get(name)}
    first_seed = e.seeds[0]
    query = {name: _query_value(value) for name, value in changes.items()}
    if first_seed != page.seed:
        query["seed"] = str(first_seed)
    texts, labels = [claim.text for claim, _ in e.claims], {p: label(p) for p in paths}
    # The build's verdict at each seed it ran; the worker judges any other seed with the same code.
    verdicts = {str(seed): C.verdict(texts, labels, f.result, f.readouts) for seed, f in zip(e.seeds, e.frames)}
    config = {"label": e.label, "params": e.values, "seed": first_seed, "seeds": e.seeds,
              "claims": texts, "labels": labels, "verdicts": verdicts}
    return env.get_template("partials/experiment.html").render(
        name=e.name, label=e.label, checked=bool(e.frames), claims=texts, found=found,
        setting=describe_setting(page.simulator.params, changes), seeds=seeds_text(e.seeds),
        href="?" + urlencode(query) + "#simulator" if query else "#simulator",
        config=Markup(_json_for_html(config))).rstrip("\n")


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
