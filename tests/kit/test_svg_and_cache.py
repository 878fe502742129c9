"""The drawing kit's colour scales and PNG encoder, and the bounded cache."""

from __future__ import annotations

import struct
import zlib

import numpy as np

from simulators.kit import svg
from simulators.kit.cache import Recent, clear_all


def test_raster_heatmap_matches_the_vector_colours_and_decodes():
    values = np.linspace(-1, 1, 21)
    for v, (r, g, b, a) in zip(values, svg.diverging_rgba(values, 1.0)):
        assert svg.diverging(v) == f"rgba({r},{g},{b},{a / 255:.3f})"  # one colour scale, two encodings
    zero = svg.diverging_rgba([0.0], 1.0)[0]
    assert zero[3] == 0  # zero shows the page background, whichever the theme
    pixels = svg.diverging_rgba(values[:12].reshape(3, 4), 1.0)
    data = svg.png(pixels)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length = struct.unpack(">I", data[33:37])[0]
    raw = np.frombuffer(zlib.decompress(data[41:41 + length]), dtype=np.uint8).reshape(3, 17)
    assert np.array_equal(raw[:, 1:].reshape(3, 4, 4), pixels)


def test_recent_cache_drops_the_oldest_entry():
    cache = Recent(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("a", 10)  # an update does not evict
    assert dict(cache) == {"a": 10, "b": 2}
    cache.put("c", 3)
    assert dict(cache) == {"b": 2, "c": 3}


def test_clear_all_empties_every_cache():
    a, b = Recent(3), Recent(3)
    a.put("x", 1)
    b.put("y", 2)
    clear_all()
    assert len(a) == len(b) == 0


def test_greek_subscripts_are_drawn_lowered_not_as_underscores():
    drawn = svg.text(0, 0, "τ_gen < τ_mem, x_1 stays", size=12)
    assert "τ_gen" not in drawn and "τ_mem" not in drawn
    assert drawn.count('<tspan baseline-shift="sub" font-size="11">') == 2  # never below MIN_FONT
    assert "x_1 stays" in drawn and "&lt;" in drawn  # only Greek letters take subscripts; text still escaped


def test_tooltips_and_names_say_subscripts_instead_of_showing_underscores():
    mark = svg.tooltip("τ_gen(n = 8) < f_mem, max_len and x_1 stay")
    assert mark == "<title>τ gen(n = 8) &lt; f mem, max_len and x_1 stay</title>"  # only one letter takes one
    assert svg.tooltip("") == ""
    panel = svg.panel(100, "τ_mem against n", [], desc="τ_mem grows with n")
    assert "τ_mem" not in panel and 'aria-label="τ mem against n"' in panel and "<desc>τ mem grows" in panel
