"""The diversity figure: the similarity matrix, a 2-D map of the responses, and the
distribution of pairwise similarities for each group."""

from __future__ import annotations

from html import escape

import numpy as np

from ..kit import svg

TITLE = "How alike are these responses? A diversity analyzer"
MEASURE = {"semantic": "sentence embeddings", "tfidf": "TF-IDF, shared words"}
SHORT_MEASURE = {"semantic": "embeddings", "tfidf": "TF-IDF"}  # where a phone leaves less room


def render(result: dict) -> str:
    desc = (f"{result['n_a']} responses in group A" + (f" and {result['n_b']} in group B" if result["n_b"] else "")
            + f". Mean pairwise cosine similarity ({MEASURE[result['embedding']]}) in A {result['mean_pairwise_similarity']:.3f}, "
            f"{result['share_pairs_above_0_8']:.0%} of pairs above 0.8, self-BLEU {result['self_bleu']:.3f}"
            + (f"; within B {result['group_b']['mean_pairwise_similarity']:.3f}, between A and B {result['inter_ab']:.3f}."
               if result["n_b"] else "."))
    return svg.panels(TITLE, desc, [_similarity_panel(result), _map_panel(result), _histogram_panel(result)])


def _similarity_panel(result: dict) -> str:
    """The similarity matrix, A then B, split by rules where B starts."""
    S = np.array(result["similarity_matrix"])
    n, na = S.shape[0], result["n_a"]
    x, y, size = 40, 34, 270
    body = svg.raster_heatmap(x, y, size, S, 1.0, f"Cosine similarity ({SHORT_MEASURE[result['embedding']]})",
                              f"similarity matrix of {n} responses; the data table lists them")
    if result["n_b"]:
        cells = svg.Panel(x, y, size, size, (0, n), (n, 0))  # row 0 at the top, as the matrix is drawn
        body += [cells.vline(na, svg.FG, 1.2), cells.hline(na, svg.FG, 1.2)]
        body.append(svg.text(cells.px(na / 2), y + size + 18, "A", "middle", 12, svg.FG, "600"))
        body.append(svg.text(cells.px((na + n) / 2), y + size + 18, "B", "middle", 12, svg.FG, "600"))
    body.append(svg.text(20, 364, "Clear: 0; red: 1. Responses in input order.", "start", 12, svg.MUTED))
    return svg.panel(376, "Cosine similarity between every pair of responses", body)


def _map_panel(result: dict) -> str:
    """2-D map (PCA): colour = cluster, shape = group; hovering a point shows its text."""
    coords = np.array(result["map"])
    span = float(max(np.abs(coords).max(), 1e-6)) * 1.15
    panel = svg.Panel(50, 34, 270, 250, (-span, span), (-span, span))
    variance = result["map_variance"]
    body = panel.axes(f"PC 1 ({variance[0]:.0%} of variance)", f"PC 2 ({variance[1]:.0%})" if len(variance) > 1 else "PC 2",
                      f"Map of responses, {result['k_used']} clusters", xticks=[], yticks=[])
    for i, (x, y) in enumerate(coords):
        colour = svg.PALETTE[result["clusters"][i] % len(svg.PALETTE)]
        label = escape(f"{result['groups'][i]}{i + 1} (cluster {result['clusters'][i] + 1}): {result['responses'][i][:200]}")
        px, py = panel.px(x), panel.py(y)
        if result["groups"][i] == "A":
            body.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4.5" fill="{colour}" fill-opacity="0.8"><title>{label}</title></circle>')
        else:
            body.append(f'<rect x="{px - 4:.1f}" y="{py - 4:.1f}" width="8" height="8" fill="none" stroke="{colour}" stroke-width="1.8"><title>{label}</title></rect>')
    body += svg.legend(20, 344, [(svg.MUTED, "dot", "group A"), (svg.MUTED, "square", "group B")], columns=2)
    body.append(svg.text(20, 364, "Colour: cluster. Hover a point to read it.", "start", 12, svg.MUTED))
    return svg.panel(376, "Map of the responses (principal components), coloured by cluster", body)


def _histogram_panel(result: dict) -> str:
    """Pairwise similarities in bins of 0.1, for A and (if given) B."""
    hist_a = result["similarity_histogram"]
    hist_b = result["group_b"]["similarity_histogram"] if result["group_b"] else None
    share = lambda h: [c / max(1, sum(h)) for c in h]  # noqa: E731
    top = max(share(hist_a) + (share(hist_b) if hist_b else [])) * 1.1 or 1
    panel = svg.Panel(64, 34, 256, 250, (0, 1), (0, top))
    body = panel.axes(f"cosine similarity ({MEASURE[result['embedding']]})", "share of pairs", "Pairwise similarity")
    width = panel.w / 10 / (2.2 if hist_b else 1.2)
    for series, hist, colour in (("A", hist_a, svg.PALETTE[1]), ("B", hist_b, svg.PALETTE[0])):
        if not hist:
            continue
        offset = 0 if series == "A" else width
        for b, value in enumerate(share(hist)):
            body.append(panel.bar(panel.px(b / 10) + 2 + offset, width, value, colour,
                                  f"group {series}, similarity {b / 10:.1f}–{(b + 1) / 10:.1f}: {hist[b]} pairs"))
    entries = [(svg.PALETTE[1], "", f"A: mean {result['mean_pairwise_similarity']:.2f}")]
    if hist_b:
        entries.append((svg.PALETTE[0], "", f"B: mean {result['group_b']['mean_pairwise_similarity']:.2f}"))
    body += svg.legend(20, 344, entries, columns=2)
    if result["inter_ab"] is not None:
        body.append(svg.text(20, 364, f"Between A and B: mean {result['inter_ab']:.2f}", "start", 12, svg.FG))
    body.append(svg.text(20, 386, "Counts pairs of responses; the paper's", "start", 12, svg.MUTED))
    body.append(svg.text(20, 402, "figure counts queries.", "start", 12, svg.MUTED))
    return svg.panel(412, "Distribution of pairwise similarities in each group", body)
