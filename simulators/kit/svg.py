"""Small SVG drawing kit shared by all simulators: figures made of panels, axes, lines, points,
heatmaps.

Everything returns strings. A figure is a row of panels, each its own <svg> PANEL_WIDTH units
wide, which the page wraps: three side by side on a desktop, one above the other on a phone,
where a panel is drawn about one CSS pixel per unit, so text of MIN_FONT units stays readable.
Colours come from CSS variables with fallbacks (the page defines both themes, see site.css),
so figures follow the light or dark theme and still look right when exported on their own.
Heat maps shade with transparency over the page background for the same reason.
"""

from __future__ import annotations

import base64
import math
import re
import struct
import textwrap
import zlib
from html import escape

import numpy as np

FG = "var(--fg, #1b1f24)"
MUTED = "var(--muted, #535b66)"
GRID = "var(--line, #d8dde3)"
BG = "var(--bg, #ffffff)"
# Blue, red, green, purple, orange, teal. The fallbacks are the light theme's, each 4.5:1 or
# more on white so that they serve as text colours too; the dark theme's are in site.css.
PALETTE = [f"var(--c{i}, {light})" for i, light in enumerate(("#1a67a3", "#c42021", "#237f23", "#7e4fb0", "#b85400", "#0f7f8c"))]
POSITIVE, NEGATIVE = (214, 39, 40), (31, 119, 180)  # heat-map hues, shaded by opacity
PANEL_WIDTH = 340  # units; a panel fits a 360 px phone at about one pixel per unit
MIN_FONT = 11  # units: the smallest text a panel may use (tests/simulators/test_contract.py)


def fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") if abs(x) < 1e5 else f"{x:.3g}"


def panel(height: float, title: str, body: list[str], *, width: float = PANEL_WIDTH, desc: str = "",
          interactive: bool = False) -> str:
    """One panel: an <svg> of its own, named by `title` for assistive technology. A panel that
    holds figure buttons is a group (a role=img may not contain controls)."""
    role = "group" if interactive else "img"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="sim-panel" viewBox="0 0 {width:g} {height:g}" '
        f'width="{width:g}" height="{height:g}" role="{role}" aria-label="{spoken(title)}" '
        f'font-family="system-ui, sans-serif" font-size="12">'
        f'<title>{spoken(title)}</title>' + (f"<desc>{spoken(desc)}</desc>" if desc else "")
        + "".join(body) + "</svg>"
    )


def panels(title: str, desc: str, parts: list[str]) -> str:
    """A figure: its panels in a group named `title`, with `desc` (what the figure shows, in
    numbers) for screen readers. The page lays the panels out; Export SVG joins them as shown."""
    return (f'<div class="sim-panels" role="group" aria-label="{spoken(title)}">'
            f'<p class="visually-hidden">{spoken(desc)}</p>' + "".join(parts) + "</div>")


def figure(width: int, height: int, title: str, desc: str, body: list[str]) -> str:
    """A figure of one panel `width` units wide (narrow ones read best on phones)."""
    return panels(title, desc, [panel(height, title, body, width=width)])


# τ_gen, f_mem: one letter (Greek or Latin, not ending a word), an underscore, then a word.
SUBSCRIPT = re.compile(r"(?<![A-Za-z])([A-Za-z\u0391-\u03a9\u03b1-\u03c9])_([a-z]+)")


def spoken(label: str) -> str:
    """Escaped text for a tooltip or an accessible name, which cannot lower a subscript: τ_gen
    becomes "τ gen" (a screen reader says "tau gen", not "tau underscore gen")."""
    return SUBSCRIPT.sub(r"\1 \2", escape(label))


def tooltip(label: str) -> str:
    """The <title> child that names a mark (its tooltip), or nothing."""
    return f"<title>{spoken(label)}</title>" if label else ""


def _subscripts(escaped: str, size: int) -> str:
    """τ_gen as τ with 'gen' lowered and smaller, as the page's maths shows it (never below MIN_FONT)."""
    small = max(MIN_FONT, round(size * 0.8))
    return SUBSCRIPT.sub(lambda m: f'{m.group(1)}<tspan baseline-shift="sub" font-size="{small}">{m.group(2)}</tspan>', escaped)


def text(x: float, y: float, content: str, anchor: str = "start", size: int = 12, fill: str = FG, weight: str = "normal", rotate: float = 0) -> str:
    transform = f' transform="rotate({rotate} {x:.1f} {y:.1f})"' if rotate else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}" '
        f'font-weight="{weight}"{transform}>{_subscripts(escape(content), size)}</text>'
    )


def paragraph(x: float, y: float, content: str, width: float, size: int = 12, fill: str = FG,
              weight: str = "normal") -> tuple[list[str], float]:
    """`content` wrapped to lines that fit `width` units (an average glyph is about 0.56 of the
    font size wide); returns the lines and the baseline after the last one."""
    chars = max(8, int(width / (0.56 * size)))
    lines = textwrap.wrap(content, chars) or [""]
    step = round(size * 1.35)
    return [text(x, y + i * step, line, "start", size, fill, weight) for i, line in enumerate(lines)], y + len(lines) * step


class Panel:
    """A plotting area with data->pixel transforms (linear or log10 on each axis)."""

    def __init__(self, x: float, y: float, w: float, h: float, xlim, ylim, xlog=False, ylog=False):
        self.x, self.y, self.w, self.h = x, y, w, h
        self.xlog, self.ylog = xlog, ylog
        self.x0, self.x1 = self._t(xlim[0], xlog), self._t(xlim[1], xlog)
        self.y0, self.y1 = self._t(ylim[0], ylog), self._t(ylim[1], ylog)
        if self.x1 == self.x0:
            self.x1 = self.x0 + 1
        if self.y1 == self.y0:
            self.y1 = self.y0 + 1

    @staticmethod
    def _t(v: float, log: bool) -> float:
        return math.log10(max(v, 1e-300)) if log else v

    def px(self, v: float) -> float:
        return self.x + (self._t(v, self.xlog) - self.x0) / (self.x1 - self.x0) * self.w

    def py(self, v: float) -> float:
        return self.y + self.h - (self._t(v, self.ylog) - self.y0) / (self.y1 - self.y0) * self.h

    def axes(self, xlabel: str, ylabel: str, title: str = "", xticks=None, yticks=None) -> list[str]:
        out = [f'<rect x="{self.x}" y="{self.y}" width="{self.w}" height="{self.h}" fill="none" stroke="{GRID}"/>']
        for v in xticks if xticks is not None else self._ticks(self.x0, self.x1, self.xlog):
            px = self.px(v)
            out.append(f'<line x1="{px:.1f}" y1="{self.y}" x2="{px:.1f}" y2="{self.y + self.h}" stroke="{GRID}" stroke-width="0.6"/>')
            out.append(text(px, self.y + self.h + 14, self._label(v, self.xlog), "middle", 11, MUTED))
        for v in yticks if yticks is not None else self._ticks(self.y0, self.y1, self.ylog):
            py = self.py(v)
            out.append(f'<line x1="{self.x}" y1="{py:.1f}" x2="{self.x + self.w}" y2="{py:.1f}" stroke="{GRID}" stroke-width="0.6"/>')
            out.append(text(self.x - 5, py + 4, self._label(v, self.ylog), "end", 11, MUTED))
        out.append(text(self.x + self.w / 2, self.y + self.h + 32, xlabel, "middle", 12, FG))
        out.append(text(self.x - 42, self.y + self.h / 2, ylabel, "middle", 12, FG, rotate=-90))
        if title:
            out.append(text(self.x, self.y - 8, title, "start", 13, FG, "600"))
        return out

    @staticmethod
    def _label(v: float, log: bool) -> str:
        """Tick text: powers of ten from 10^3 up (or 10^-3 down) on log axes as 10³, else short numbers."""
        if not log:
            return fmt(v)
        if 1e-3 < abs(v) < 1e3:
            return f"{v:g}"  # 0.005 stays 0.005 on a log axis
        exponent = round(math.log10(v)) if v > 0 else 0
        if v > 0 and abs(exponent) >= 3 and math.isclose(v, 10.0**exponent):
            return "10" + str(exponent).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
        return f"{v:.2g}"

    @staticmethod
    def _ticks(lo: float, hi: float, log: bool) -> list[float]:
        if log:
            first, last = math.floor(min(lo, hi)), math.ceil(max(lo, hi))
            values = []
            steps = (1, 2, 5) if abs(hi - lo) <= 2 else (1,)  # past two decades, powers of ten only
            for e in range(first, last + 1):
                for m in steps:
                    v = m * 10**e
                    if min(lo, hi) - 1e-9 <= math.log10(v) <= max(lo, hi) + 1e-9:
                        values.append(v)
            return values
        span = hi - lo
        step = 10 ** math.floor(math.log10(span / 4)) if span > 0 else 1
        for mult in (1, 2, 5, 10):
            if span / (step * mult) <= 5:
                step *= mult
                break
        start = math.ceil(lo / step) * step
        return [start + i * step for i in range(int((hi - start) / step + 1e-9) + 1)]

    def polyline(self, xs, ys, colour: str, width: float = 2, dash: str = "", label: str = "") -> str:
        points = " ".join(f"{self.px(x):.1f},{self.py(y):.1f}" for x, y in zip(xs, ys) if y > 0 or not self.ylog)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        title = tooltip(label)
        return f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="{width}"{dash_attr}>{title}</polyline>'

    def outline(self) -> str:
        """The panel's frame alone (axes() draws it too)."""
        return f'<rect x="{self.x}" y="{self.y}" width="{self.w}" height="{self.h}" fill="none" stroke="{GRID}"/>'

    def vline(self, value: float, colour: str = GRID, width: float = 1, dash: str = "", label: str = "") -> str:
        """A vertical rule across the panel at data x = value."""
        x = self.px(value)
        return _line(x, self.y, x, self.y + self.h, colour, width, dash, label)

    def hline(self, value: float, colour: str = GRID, width: float = 1, dash: str = "", label: str = "") -> str:
        """A horizontal rule across the panel at data y = value."""
        y = self.py(value)
        return _line(self.x, y, self.x + self.w, y, colour, width, dash, label)

    def band(self, x0: float, x1: float, colour: str, opacity: float = 0.15, label: str = "") -> str:
        """A full-height shaded span between data x0 and x1."""
        left, right = sorted((self.px(x0), self.px(x1)))
        title = tooltip(label)
        return (f'<rect x="{left:.1f}" y="{self.y}" width="{right - left:.1f}" height="{self.h}" fill="{colour}" '
                f'fill-opacity="{opacity}">{title}</rect>')

    def bar(self, x: float, width: float, value: float, colour: str, label: str = "") -> str:
        """A bar from 0 up to `value`, its left edge at pixel x."""
        top = self.py(value)
        title = tooltip(label)
        return f'<rect x="{x:.1f}" y="{top:.1f}" width="{width:.1f}" height="{self.py(0) - top:.1f}" fill="{colour}">{title}</rect>'

    def dots(self, xs, ys, colour: str, r: float = 2, opacity: float = 0.6) -> str:
        """Many unlabelled points as one path of zero-length strokes with round caps (a dot
        each, in about fifteen bytes where a <circle> takes ninety): for clouds of samples."""
        d = "".join(f"M{self.px(x):.1f} {self.py(y):.1f}h0" for x, y in zip(xs, ys))
        return (f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="{2 * r}" stroke-linecap="round" '
                f'stroke-opacity="{opacity}"/>')

    def points(self, xs, ys, colour: str, r: float = 3.5, labels=None) -> list[str]:
        out = []
        for i, (x, y) in enumerate(zip(xs, ys)):
            label = tooltip(labels[i]) if labels else ""
            out.append(f'<circle cx="{self.px(x):.1f}" cy="{self.py(y):.1f}" r="{r}" fill="{colour}">{label}</circle>')
        return out


def rect(x: float, y: float, w: float, h: float, fill: str, label: str = "", opacity: float | None = None) -> str:
    """A filled rectangle in pixels (maze cells, table cells), with an optional tooltip."""
    title = tooltip(label)
    alpha = f' fill-opacity="{opacity:.2f}"' if opacity is not None else ""
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{fill}"{alpha}>{title}</rect>'


def _line(x1: float, y1: float, x2: float, y2: float, colour: str, width: float, dash: str, label: str) -> str:
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    title = tooltip(label)
    return (f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" stroke-width="{width}"{dash_attr}>'
            f'{title}</line>')


def legend(x: float, y: float, entries: list[tuple[str, str, str]], columns: int = 1, width: float = PANEL_WIDTH) -> list[str]:
    """entries: (colour, dash, label), dash "dot" or "square" for a point marker; in `columns` columns
    sharing the panel's width from x, rows 17 units apart."""
    out = []
    column_w = (width - 2 * x) / columns
    for i, (colour, dash, label) in enumerate(entries):
        row, col = divmod(i, columns)
        xx, yy = x + col * column_w, y + row * 17
        if dash == "dot":
            out.append(f'<circle cx="{xx + 9}" cy="{yy - 4}" r="4.5" fill="{colour}"/>')
        elif dash == "square":
            out.append(f'<rect x="{xx + 5}" y="{yy - 8}" width="8" height="8" fill="none" stroke="{colour}" stroke-width="1.8"/>')
        else:
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(f'<line x1="{xx}" y1="{yy - 4}" x2="{xx + 18}" y2="{yy - 4}" stroke="{colour}" stroke-width="2.5"{dash_attr}/>')
        out.append(text(xx + 24, yy, label, "start", 12, FG))
    return out


BUTTON_HEIGHT = 28  # units: 24 CSS px or more wherever a panel is drawn


def button(x: float, y: float, w: float, label: str, param: str, value: str, ident: str, pressed: bool = False) -> str:
    """A figure button: the page runtime sets control `param` to `value` and re-runs when it
    is clicked or activated with Enter/Space (see static/js/simulator/controls.mjs)."""
    fill = PALETTE[0] if pressed else BG
    ink = BG if pressed else PALETTE[0]
    return (f'<g role="button" tabindex="0" id="{escape(ident)}" data-param="{escape(param)}" data-value="{escape(value)}" '
            f'aria-label="{spoken(label)}" aria-pressed="{str(pressed).lower()}" style="cursor:pointer">'
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{BUTTON_HEIGHT}" rx="5" fill="{fill}" stroke="{PALETTE[0]}" stroke-width="1.5"/>'
            + text(x + w / 2, y + BUTTON_HEIGHT / 2 + 4.5, label, "middle", 13, ink, "600") + "</g>")



def ramp(t: float) -> str:
    """t in [0, 1] -> from the palette's orange (0) to its blue (1), mixed by the browser in the
    page's theme: both ends, and so every mix between, stand out from either background."""
    t = max(0.0, min(1.0, t))
    return f"color-mix(in oklab, {PALETTE[0]} {100 * t:.0f}%, {PALETTE[4]})"


def diverging(t: float) -> str:
    """t in [-1, 1] -> red (positive) or blue (negative) at opacity |t|: zero is the page's own
    background, so the scale reads the same in the light and the dark theme."""
    t = max(-1.0, min(1.0, t))
    r, g, b = POSITIVE if t >= 0 else NEGATIVE
    return f"rgba({r},{g},{b},{round(abs(t) * 255) / 255:.3f})"


def diverging_rgba(values, vmax: float):
    """Vectorised `diverging`: an (..., 4) uint8 array for values scaled by vmax."""
    t = np.clip(np.asarray(values, dtype=float) / (vmax or 1.0), -1.0, 1.0)
    hue = np.where((t >= 0)[..., None], np.array(POSITIVE), np.array(NEGATIVE))
    alpha = np.rint(np.abs(t) * 255)[..., None]
    return np.concatenate([hue, alpha], axis=-1).astype(np.uint8)


def png(rgba) -> bytes:
    """Encode an (h, w, 4) uint8 array as a PNG (stdlib zlib only, so it runs under Pyodide)."""
    rgba = np.ascontiguousarray(rgba, dtype=np.uint8)
    h, w, _ = rgba.shape
    raw = np.concatenate([np.zeros((h, 1), dtype=np.uint8), rgba.reshape(h, w * 4)], axis=1).tobytes()  # filter 0 per row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def raster_heatmap(x: float, y: float, size: float, matrix, vmax: float, title: str = "", label: str = "") -> list[str]:
    """A square heat map of `matrix` (values in [-vmax, vmax], red positive, blue negative) drawn
    as one embedded PNG: light even for large matrices (200 x 200 would be 40,000 rectangles)."""
    data = base64.b64encode(png(diverging_rgba(matrix, vmax))).decode("ascii")
    out = [text(x, y - 8, title, "start", 13, FG, "600")] if title else []
    out.append(f'<image x="{x}" y="{y}" width="{size}" height="{size}" preserveAspectRatio="none" '
               f'style="image-rendering: pixelated" href="data:image/png;base64,{data}">'
               + tooltip(label) + "</image>")
    out.append(f'<rect x="{x}" y="{y}" width="{size}" height="{size}" fill="none" stroke="{GRID}"/>')
    return out
