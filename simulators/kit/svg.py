"""Small SVG drawing kit shared by all simulators: figure, panels, axes, lines, points, heatmaps.

Everything returns strings. Colours come from CSS variables with fallbacks, so figures
follow the page's light or dark theme and still look right when exported on their own.
"""

from __future__ import annotations

import base64
import math
import struct
import zlib
from html import escape

import numpy as np

FG = "var(--fg, #1b1f24)"
MUTED = "var(--muted, #59636e)"
GRID = "var(--line, #d8dde3)"
PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf"]


def fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") if abs(x) < 1e5 else f"{x:.3g}"


def figure(width: int, height: int, title: str, desc: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-labelledby="sim-title sim-desc" font-family="system-ui, sans-serif" font-size="12">'
        f'<title id="sim-title">{escape(title)}</title><desc id="sim-desc">{escape(desc)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def text(x: float, y: float, content: str, anchor: str = "start", size: int = 12, fill: str = FG, weight: str = "normal", rotate: float = 0) -> str:
    transform = f' transform="rotate({rotate} {x:.1f} {y:.1f})"' if rotate else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}" '
        f'font-weight="{weight}"{transform}>{escape(content)}</text>'
    )


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
        if not log or 1e-3 < abs(v) < 1e3:
            return fmt(v)
        exponent = round(math.log10(v)) if v > 0 else 0
        if v > 0 and abs(exponent) >= 3 and math.isclose(v, 10.0**exponent):
            return "10" + str(exponent).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
        return f"{v:.2g}"

    @staticmethod
    def _ticks(lo: float, hi: float, log: bool) -> list[float]:
        if log:
            first, last = math.floor(min(lo, hi)), math.ceil(max(lo, hi))
            values = []
            for e in range(first, last + 1):
                for m in (1, 2, 5):
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
        title = f"<title>{escape(label)}</title>" if label else ""
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
        title = f"<title>{escape(label)}</title>" if label else ""
        return (f'<rect x="{left:.1f}" y="{self.y}" width="{right - left:.1f}" height="{self.h}" fill="{colour}" '
                f'fill-opacity="{opacity}">{title}</rect>')

    def bar(self, x: float, width: float, value: float, colour: str, label: str = "") -> str:
        """A bar from 0 up to `value`, its left edge at pixel x."""
        top = self.py(value)
        title = f"<title>{escape(label)}</title>" if label else ""
        return f'<rect x="{x:.1f}" y="{top:.1f}" width="{width:.1f}" height="{self.py(0) - top:.1f}" fill="{colour}">{title}</rect>'

    def points(self, xs, ys, colour: str, r: float = 3.5, labels=None) -> list[str]:
        out = []
        for i, (x, y) in enumerate(zip(xs, ys)):
            label = f"<title>{escape(labels[i])}</title>" if labels else ""
            out.append(f'<circle cx="{self.px(x):.1f}" cy="{self.py(y):.1f}" r="{r}" fill="{colour}">{label}</circle>')
        return out


def rect(x: float, y: float, w: float, h: float, fill: str, label: str = "", opacity: float | None = None) -> str:
    """A filled rectangle in pixels (maze cells, table cells), with an optional tooltip."""
    title = f"<title>{escape(label)}</title>" if label else ""
    alpha = f' fill-opacity="{opacity:.2f}"' if opacity is not None else ""
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{fill}"{alpha}>{title}</rect>'


def _line(x1: float, y1: float, x2: float, y2: float, colour: str, width: float, dash: str, label: str) -> str:
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    title = f"<title>{escape(label)}</title>" if label else ""
    return (f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" stroke-width="{width}"{dash_attr}>'
            f'{title}</line>')


def legend(x: float, y: float, entries: list[tuple[str, str, str]]) -> list[str]:
    """entries: (colour, dash, label); one row each."""
    out = []
    for i, (colour, dash, label) in enumerate(entries):
        yy = y + i * 16
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<line x1="{x}" y1="{yy - 4}" x2="{x + 18}" y2="{yy - 4}" stroke="{colour}" stroke-width="2"{dash_attr}/>')
        out.append(text(x + 24, yy, label, "start", 11, FG))
    return out


def button(x: float, y: float, w: float, label: str, param: str, value: str, ident: str, pressed: bool = False) -> str:
    """A figure button: the page runtime sets control `param` to `value` and re-runs when it
    is clicked or activated with Enter/Space (see static/js/sim-page.mjs)."""
    fill = PALETTE[0] if pressed else "var(--bg, #fff)"
    ink = "#fff" if pressed else PALETTE[0]
    return (f'<g role="button" tabindex="0" id="{escape(ident)}" data-param="{escape(param)}" data-value="{escape(value)}" '
            f'aria-label="{escape(label)}" aria-pressed="{str(pressed).lower()}" style="cursor:pointer">'
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="22" rx="5" fill="{fill}" stroke="{PALETTE[0]}" stroke-width="1.5"/>'
            + text(x + w / 2, y + 15, label, "middle", 12, ink, "600") + "</g>")


def heatmap(x: float, y: float, size: float, matrix, vmax: float, title: str = "") -> list[str]:
    """Square heatmap of a 2-D list with values in [-vmax, vmax], blue negative, red positive."""
    rows = len(matrix)
    cell = size / max(rows, 1)
    out = [text(x, y - 8, title, "start", 13, FG, "600")] if title else []
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            out.append(
                f'<rect x="{x + j * cell:.2f}" y="{y + i * cell:.2f}" width="{cell + 0.3:.2f}" height="{cell + 0.3:.2f}" '
                f'fill="{diverging(value / vmax if vmax else 0)}"/>'
            )
    out.append(f'<rect x="{x}" y="{y}" width="{size}" height="{size}" fill="none" stroke="{GRID}"/>')
    return out


def diverging(t: float) -> str:
    """t in [-1, 1] -> white-centred blue/red colour, readable in both themes."""
    t = max(-1.0, min(1.0, t))
    if t >= 0:
        r, g, b = 255, int(255 - 200 * t), int(255 - 210 * t)
    else:
        r, g, b = int(255 + 210 * t), int(255 + 150 * t), 255
    return f"rgb({r},{g},{b})"


def diverging_rgb(values, vmax: float):
    """Vectorised `diverging`: an (..., 3) uint8 array for values scaled by vmax."""
    t = np.clip(np.asarray(values, dtype=float) / (vmax or 1.0), -1.0, 1.0)
    pos, neg = np.clip(t, 0, None), np.clip(t, None, 0)
    r = np.where(t >= 0, 255, (255 + 210 * neg).astype(int))
    g = np.where(t >= 0, (255 - 200 * pos).astype(int), (255 + 150 * neg).astype(int))
    b = np.where(t >= 0, (255 - 210 * pos).astype(int), 255)
    return np.stack([r, g, b], axis=-1).astype(np.uint8)


def png(rgb) -> bytes:
    """Encode an (h, w, 3) uint8 array as a PNG (stdlib zlib only, so it runs under Pyodide)."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w, _ = rgb.shape
    raw = np.concatenate([np.zeros((h, 1), dtype=np.uint8), rgb.reshape(h, w * 3)], axis=1).tobytes()  # filter 0 per row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def raster_heatmap(x: float, y: float, size: float, matrix, vmax: float, title: str = "", label: str = "") -> list[str]:
    """Like `heatmap`, drawn as one embedded PNG: light for large matrices (a 200 x 200
    matrix would otherwise be 40,000 rectangles)."""
    data = base64.b64encode(png(diverging_rgb(matrix, vmax))).decode("ascii")
    out = [text(x, y - 8, title, "start", 13, FG, "600")] if title else []
    out.append(f'<image x="{x}" y="{y}" width="{size}" height="{size}" preserveAspectRatio="none" '
               f'style="image-rendering: pixelated" href="data:image/png;base64,{data}">'
               + (f"<title>{escape(label)}</title>" if label else "") + "</image>")
    out.append(f'<rect x="{x}" y="{y}" width="{size}" height="{size}" fill="none" stroke="{GRID}"/>')
    return out
