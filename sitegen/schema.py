"""Declarative schemas for `site.yaml` and topic front matter, and one validator for both.

A schema is a dict of field name -> Field. The validator walks data and schema
together and returns every problem as (field path, message), so the caller can
attach file and line. Unknown fields are errors: a typo must never be ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ARXIV_ID = re.compile(r"^\d{4}\.\d{4,5}$")
HTTPS_URL = re.compile(r"^https://[^\s]+$")
SRI = re.compile(r"^sha(256|384|512)-[A-Za-z0-9+/]+=*$")
BASE_PATH = re.compile(r"^/(.*/)?$")  # where a host serves the site: site.yaml, --base-path, --serve


@dataclass(frozen=True)
class Field:
    kind: type | tuple[type, ...]
    required: bool = True
    pattern: re.Pattern | None = None
    pattern_hint: str = ""
    choices: tuple = ()
    items: "Field | None" = None  # for lists
    fields: dict[str, "Field"] | None = None  # for nested mappings with a fixed shape
    min_items: int = 0
    default: Any = None


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "text", int: "integer", float: "number", bool: "true/false", list: "list", dict: "mapping"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _is_kind(value: Any, kind: type | tuple[type, ...]) -> bool:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        return False  # YAML `yes` is not a number
    if isinstance(value, int) and float in kinds:
        return True
    return isinstance(value, kinds)


def validate(data: Any, schema: dict[str, Field], path: str = "") -> list[tuple[str, str]]:
    """Return (field path, message) for every problem in `data`; fill defaults in place."""
    problems: list[tuple[str, str]] = []
    if not isinstance(data, dict):
        return [(path or "(root)", f"expected a mapping, got {type(data).__name__}")]
    for name in data:
        if name not in schema:
            known = ", ".join(sorted(schema))
            problems.append((_join(path, name), f"unknown field '{name}' (allowed: {known})"))
    for name, spec in schema.items():
        where = _join(path, name)
        if name not in data or data[name] is None:
            if spec.required:
                problems.append((where, f"required field '{name}' is missing"))
            elif spec.default is not None:
                data[name] = spec.default() if callable(spec.default) else spec.default
            continue
        problems.extend(_check_value(data[name], spec, where))
    return problems


def _check_value(value: Any, spec: Field, where: str) -> list[tuple[str, str]]:
    if not _is_kind(value, spec.kind):
        return [(where, f"expected {_kind_name(spec.kind)}, got {type(value).__name__} {value!r:.60}")]
    problems: list[tuple[str, str]] = []
    if isinstance(value, str):
        if not value.strip():
            problems.append((where, "must not be empty"))
        elif spec.pattern and not spec.pattern.match(value):
            problems.append((where, f"{value!r} is not {spec.pattern_hint or spec.pattern.pattern}"))
    if spec.choices and value not in spec.choices:
        problems.append((where, f"{value!r} is not one of: {', '.join(map(str, spec.choices))}"))
    if isinstance(value, list):
        if len(value) < spec.min_items:
            problems.append((where, f"needs at least {spec.min_items} item(s)"))
        if spec.items:
            for i, item in enumerate(value):
                problems.extend(_check_value(item, spec.items, f"{where}.{i}"))
    if isinstance(value, dict) and spec.fields is not None:
        problems.extend(validate(value, spec.fields, where))
    return problems


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _text(**kw) -> Field:
    return Field(str, **kw)


NPM_PIN = {
    "name": _text(),
    "version": _text(),
    "integrity": _text(pattern=SRI, pattern_hint="an npm integrity string such as 'sha512-…'"),
}

PYODIDE = {
    "core": Field(dict, fields=NPM_PIN),
    "carrier": Field(dict, fields=NPM_PIN),
    "carrier_file": _text(),
    "url": _text(required=False, pattern=re.compile(r"^https://\S+/$"), pattern_hint="an https:// URL ending in '/'"),
}

RUNTIME = {
    "katex": Field(dict, fields=NPM_PIN),
    "pyodide": Field(dict, fields=PYODIDE),
}

QUICK_START_PATH = {
    "title": _text(),
    "audience": _text(),
    "description": _text(),
    "topics": Field(list, items=_text(pattern=SLUG, pattern_hint="a topic slug"), min_items=1),
}

SITE_SCHEMA: dict[str, Field] = {
    "title": _text(),
    "short_title": _text(required=False),  # the header's name on a phone, where the title would wrap
    "tagline": _text(),
    "description": _text(),
    "language": _text(required=False, default="en"),
    "base_path": _text(required=False, default="/", pattern=BASE_PATH, pattern_hint="a path that starts and ends with '/'"),
    "repository": _text(required=False, pattern=HTTPS_URL, pattern_hint="an https:// URL"),
    "license": _text(),
    "topic_sections": Field(list, items=_text(), min_items=1),
    "quick_start": Field(list, required=False, default=list, items=Field(dict, fields=QUICK_START_PATH)),  # reading paths on the home page
    "runtime": Field(dict, fields=RUNTIME),
    # A service worker keeps the pages and (once a simulator has run) the runtime for offline reading.
    "offline": Field(bool, required=False, default=True),
    # The home page's heading over the topic cards.
    "topics_heading": _text(required=False, default="Topics"),
    # Sections whose sentences must give a source mark (or an inline value) for every number they
    # quote (sitegen/sources.py); the build lists those that do not.
    "source_sections": Field(list, required=False, default=list, items=_text()),
    # Megabytes of precomputed frames (one click away, a simulator's grid) one page may ship; more fails the build.
    "precomputed_budget_mb": Field((int, float), required=False, default=8),
}

SIMULATOR = {
    "name": _text(pattern=re.compile(r"^[a-z_][a-z0-9_]*$"), pattern_hint="a simulator module name"),
    "params": Field(dict, required=False, default=dict),
    "seed": Field(int, required=False, default=0),
    "title": _text(required=False),
    "caption": _text(required=False),
}

TOPIC_SCHEMA: dict[str, Field] = {
    "title": _text(),
    "short_title": _text(),
    "slug": _text(required=False, pattern=SLUG, pattern_hint="a slug (lowercase letters, digits, single hyphens)"),
    "order": Field(int),
    "hook": _text(),
    "award": _text(required=False),  # as the venue names it; without one, a topic shows its venue alone
    "authors": Field(list, items=_text(), min_items=1),
    "affiliations": _text(required=False),
    "venue": _text(),
    "year": Field(int),
    "arxiv": _text(pattern=ARXIV_ID, pattern_hint="an arXiv id such as 2505.06708"),
    "openreview": _text(required=False),
    "code": _text(required=False, pattern=HTTPS_URL, pattern_hint="an https:// URL"),
    "bibtex_key": _text(pattern=re.compile(r"^[A-Za-z0-9_:-]+$"), pattern_hint="a BibTeX key"),
    "related": Field(list, required=False, default=list, items=_text(pattern=SLUG, pattern_hint="a topic slug")),
    "simulator": Field(dict, required=False, fields=SIMULATOR),
}

# An experiment block in a topic's body (sitegen/experiments/): a setting of the page's
# simulator and the claims its result must keep, checked at every build.
EXPERIMENT_SCHEMA: dict[str, Field] = {
    "name": _text(pattern=SLUG, pattern_hint="a slug (lowercase letters, digits, single hyphens)"),
    "label": _text(),
    "params": Field(dict, required=False, default=dict),
    "seed": Field(int, required=False),  # one seed, or
    "seeds": Field(list, required=False, items=Field(int), min_items=1),  # several: each claim must hold at every one
    "claims": Field((list, str), items=_text()),
    "labels": Field(dict, required=False, default=dict),  # result path -> how the reader sees it, where no readout names it
}
