"""TeX math in Markdown: shielded from the Markdown parser, rendered by KaTeX at build time.

Rendering at build time means formulas show with no JavaScript, print well, and
cost the reader nothing; only KaTeX's stylesheet and fonts ship with the site.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

_NODE_SCRIPT = Path(__file__).with_name("katex_render.cjs")

# Code must be skipped: a `$` inside a code span or fence is not math.
_CODE = re.compile(r"(^```.*?^```[ \t]*$|^~~~.*?^~~~[ \t]*$|`[^`\n]+`)", re.M | re.S)
_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)
# Inline: no space just inside the dollars, and a closing `$` not followed by a digit ($5 and $6).
_INLINE = re.compile(r"(?<![\\$])\$(?=\S)([^$\n]+?)(?<=\S)\$(?![\d$])")


@dataclass
class MathSpan:
    tex: str
    display: bool
    line: int  # line in the source file
    token: str


class MathError(Exception):
    pass


def shield(body: str, first_line: int, start_index: int) -> tuple[str, list[MathSpan]]:
    """Replace math in `body` with opaque tokens; return the new text and the spans."""
    spans: list[MathSpan] = []
    pieces: list[str] = []
    position = 0
    for code in _CODE.finditer(body):
        pieces.append(_shield_prose(body, position, code.start(), first_line, start_index, spans))
        pieces.append(code.group(0))
        position = code.end()
    pieces.append(_shield_prose(body, position, len(body), first_line, start_index, spans))
    return "".join(pieces), spans


def _shield_prose(body, start, end, first_line, start_index, spans) -> str:
    text = body[start:end]

    def swap(match: re.Match, display: bool) -> str:
        line = first_line + body.count("\n", 0, start + match.start())
        token = f"KATEXMATH{start_index + len(spans)}END"
        spans.append(MathSpan(match.group(1).strip(), display, line, token))
        return token

    text = _DISPLAY.sub(lambda m: swap(m, True), text)
    text = _INLINE.sub(lambda m: swap(m, False), text)
    return text


def opaque_spans(body: str) -> list[tuple[int, int, bool]]:
    """(start, end, is_code) of every code span or fence and every formula in `body`: text that
    other markup (such as inline values, sitegen/experiments/) must treat apart from prose."""
    spans: list[tuple[int, int, bool]] = []
    position = 0
    for code in [*_CODE.finditer(body), None]:
        end = code.start() if code else len(body)
        prose = body[position:end]
        taken = [(position + m.start(), position + m.end()) for m in _DISPLAY.finditer(prose)]
        for start, stop in [(position + m.start(), position + m.end()) for m in _INLINE.finditer(_blank(prose, taken, position))]:
            taken.append((start, stop))
        spans += [(start, stop, False) for start, stop in taken]
        if code:
            spans.append((code.start(), code.end(), True))
            position = code.end()
    return sorted(spans)


def _blank(text: str, spans: list[tuple[int, int]], offset: int) -> str:
    """`text` with the given spans replaced by spaces (same length), as shield() removes display math before inline."""
    chars = list(text)
    for start, stop in spans:
        chars[start - offset:stop - offset] = " " * (stop - start)
    return "".join(chars)


def render_all(spans: list[MathSpan], katex_js: Path) -> list[str | MathError]:
    """Render every span in one Node process; a failed span yields a MathError in its slot."""
    if not spans:
        return []
    node = shutil.which("node")
    if node is None:
        raise MathError("`node` is not on the PATH; Node.js 18+ is needed to render math at build time")
    request = {"katex": str(katex_js), "items": [{"tex": s.tex, "display": s.display} for s in spans]}
    proc = subprocess.run([node, str(_NODE_SCRIPT)], input=json.dumps(request), capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise MathError(f"KaTeX renderer failed: {proc.stderr.strip()[-400:]}")
    return [MathError(r["error"]) if "error" in r else r["html"] for r in json.loads(proc.stdout)]


def unshield(html: str, spans: list[MathSpan], rendered: dict[str, str]) -> str:
    """Put rendered math back where its tokens landed in the HTML."""
    for span in spans:
        markup = rendered.get(span.token, "")
        if span.display:
            block = f'<div class="math-display">{markup}</div>'
            html = html.replace(f"<p>{span.token}</p>", block).replace(span.token, block)
        else:
            html = html.replace(span.token, markup)
    return html
