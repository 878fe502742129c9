"""The author guide, `docs/authoring.md`, generated from the code that enforces what it says: the
schemas of `site.yaml`, topic front matter and experiment blocks (sitegen/schema.py), the claim
grammar (simulators/kit/claims.py), the control schema (simulators/kit/params.py) and the
simulator contract (simulators/kit/contract.py). A test fails when the file is out of date.

    python -m sitegen.authoring_guide          # rewrite docs/authoring.md
"""

from __future__ import annotations

import inspect
import json
import sys
import textwrap
from pathlib import Path

from simulators.kit import claims, contract, params

from . import experiments, pages, schema, sources
from .schema import Field

PROJECT_ROOT = Path(__file__).resolve().parent.parent
GUIDE = PROJECT_ROOT / "docs" / "authoring.md"
COMMAND = "python -m sitegen.authoring_guide"


def render() -> str:
    return "\n".join([
        "# Writing for this generator",
        "",
        f"Generated from the code by `{COMMAND}`: do not edit it by hand (a test",
        "fails when it is out of date). Start a page with `python build.py new SLUG [--simulator NAME]`,",
        "which writes every field and section below with TODOs to replace. Any mistake stops the",
        "build with `file:line`.",
        "",
        "## Topic front matter",
        "",
        "Between `---` lines at the top of `content/topics/SLUG.md`. Unknown fields are errors.",
        "",
        *_fields_table(schema.TOPIC_SCHEMA),
        "",
        "## `site.yaml`",
        "",
        *_fields_table(schema.SITE_SCHEMA),
        "",
        "## The body",
        "",
        "Markdown, with math as `$...$` or `$$...$$` (KaTeX, rendered at build time) and links to",
        "other topics as `[text](other-slug.md)`. Every page needs a `## ` section for each entry of",
        "`topic_sections` in `site.yaml`.",
        f"A topic with a `simulator` shows it where a line holds `{pages.SIMULATOR_MARKER}`.",
        "",
        "## Experiments: claims the build checks",
        "",
        "A fenced block whose info string is `experiment`, standing alone between blank lines.",
        "Its fields:",
        "",
        *_fields_table(schema.EXPERIMENT_SCHEMA),
        "",
        "`params` holds only what differs from the page's own setting. Each claim must hold at every",
        "seed, on the simulator's result, or the build stops. The grammar of a claim:",
        "",
        *_code(textwrap.dedent("\n".join(_grammar())).splitlines()),
        "",
        f"Comparators: {', '.join(f'`{c}`' for c in sorted(claims.COMPARATORS))}, with a space on each side. "
        f"Functions: {', '.join(f'`{name}`' for name in sorted(claims.FUNCTIONS))}. "
        "A number may end in `%` (`50%` is 0.5).",
        "",
        "## Inline values",
        "",
        "Anywhere in the prose, `{{ EXPERIMENT.PATH:FORMAT }}` writes a value of an experiment's",
        "result, and `{{ page.PATH:FORMAT }}` one of the page's own first frame. `FORMAT` is a Python",
        f"format spec (default `{claims.DEFAULT_FORMAT}`). Over several seeds, or a `*` path, a value that",
        f"differs shows as its range: `{_example_range()}`.",
        "Inside math (`$n = {{ page.params.samples:d }}$`) the number goes into the TeX before KaTeX",
        f"renders it: `{_example_tex()}`; a format whose text is not a number is refused with its line.",
        "",
        "## Source marks",
        "",
        *_code(_docstring_body(sources)),
        "",
        f"Places a mark may name: {', '.join(f'`{p}`' for p in sources.PLACES)}. "
        "`python -m sitegen.sources` lists the sentences still without one.",
        "",
        "## Simulator controls (`PARAMS`)",
        "",
        *_code(_docstring_body(params)),
        "",
        "## The simulator contract",
        "",
        *_code(_docstring_body(contract)),
        "",
    ])


def _fields_table(fields: dict[str, Field], prefix: str = "") -> list[str]:
    rows = ["| field | takes | required | allowed |", "|---|---|---|---|"] if not prefix else []
    for name, spec in fields.items():
        rows.append(f"| `{prefix}{name}` | {schema._kind_name(spec.kind)} | {_required(spec)} | {_allowed(spec)} |")
        if spec.fields:
            rows += _fields_table(spec.fields, f"{prefix}{name}.")
        elif spec.items is not None and spec.items.fields:
            rows += _fields_table(spec.items.fields, f"{prefix}{name}[].")
    return rows


def _required(spec: Field) -> str:
    if spec.required:
        return "yes"
    default = spec.default() if callable(spec.default) else spec.default
    return "no" if default is None else f"no (default `{json.dumps(default)}`)"


def _allowed(spec: Field) -> str:
    notes = []
    if spec.pattern is not None:
        notes.append(spec.pattern_hint or f"matches `{spec.pattern.pattern}`")
    if spec.choices:
        notes.append("one of " + ", ".join(f"`{c}`" for c in spec.choices))
    if spec.items is not None:
        notes.append(f"items: {schema._kind_name(spec.items.kind)}"
                     + (f", {spec.items.pattern_hint}" if spec.items.pattern_hint else ""))
    if spec.min_items:
        notes.append(f"at least {spec.min_items}")
    return "; ".join(notes).replace("|", "\\|")


def _docstring_body(module) -> list[str]:
    return inspect.getdoc(module).splitlines()


def _grammar() -> list[str]:
    """The grammar block of the claims module's docstring: its indented lines."""
    lines = inspect.getdoc(claims).splitlines()
    return [line for line in lines if line.startswith("    ")]


def _code(lines: list[str]) -> list[str]:
    return ["```text", *lines, "```"]


def _example_range() -> str:
    return f"{{{{ x.loss:.2f }}}} over seeds giving 0.12 and 0.31 reads {claims.shown_range([0.12, 0.31], '.2f')}"


def _example_tex() -> str:
    return f"0.5 formatted as .0% becomes {experiments.as_tex(format(0.5, '.0%'))}"


def main(argv: list[str]) -> int:
    GUIDE.parent.mkdir(exist_ok=True)
    GUIDE.write_text(render(), encoding="utf-8")
    print(f"wrote {GUIDE.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
