"""Citation text for a topic's paper: a short reference line and a BibTeX entry."""

from __future__ import annotations


def _bibtex_escape(text: str) -> str:
    # Braces keep capitalisation (e.g. "RL", "LLMs") as written in the title.
    return text.replace("&", r"\&").replace("%", r"\%")


def _booktitle(venue: str) -> str:
    """'NeurIPS 2025 (Datasets & Benchmarks track)' -> the proceedings, then the track after a
    comma, so that no brackets nest."""
    name, _, track = venue.partition(" (")
    book = f"Advances in Neural Information Processing Systems ({name})"
    return _bibtex_escape(f"{book}, {track.rstrip(')')}" if track else book)


def _sentence(text: str) -> str:
    """A title as a sentence: a full stop unless it already ends in one (or in ? or !)."""
    return text if text.endswith((".", "?", "!")) else text + "."


def bibtex(meta: dict) -> str:
    fields = [
        ("title", "{" + _bibtex_escape(meta["title"]) + "}"),
        ("author", " and ".join(meta["authors"])),
        ("booktitle", _booktitle(meta["venue"])),
        ("year", str(meta["year"])),
        ("eprint", meta["arxiv"]),
        ("archivePrefix", "arXiv"),
        ("url", f"https://arxiv.org/abs/{meta['arxiv']}"),
    ]
    if meta.get("openreview"):
        fields.append(("note", f"OpenReview id {meta['openreview']}"))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@inproceedings{{{meta['bibtex_key']},\n{body}\n}}"


def short_citation(meta: dict) -> str:
    authors = meta["authors"]
    lead = authors[0] if len(authors) == 1 else (f"{authors[0]} and {authors[1]}" if len(authors) == 2 else f"{authors[0]} et al.")
    return f"{lead} ({meta['year']}). {_sentence(meta['title'])} {meta['venue']}. arXiv:{meta['arxiv']}."
