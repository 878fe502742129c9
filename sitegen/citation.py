"""Citation text for a topic's paper: a short reference line and a BibTeX entry."""

from __future__ import annotations


def _bibtex_escape(text: str) -> str:
    # Braces keep capitalisation (e.g. "RL", "LLMs") as written in the title.
    return text.replace("&", r"\&").replace("%", r"\%")


# Proceedings by venue name (the venue's first word): any other venue is written as given.
PROCEEDINGS = {
    "neurips": "Advances in Neural Information Processing Systems",
    "iclr": "International Conference on Learning Representations",
    "icml": "Proceedings of Machine Learning Research",
}


def _venue(venue: str) -> tuple[str, str, str]:
    """'NeurIPS 2025 (Datasets & Benchmarks track)' -> its name, its track and the name's first
    word in lower case, which says whose proceedings it is."""
    name, _, track = venue.partition(" (")
    return name, track.rstrip(")"), (name.split() or [""])[0].lower()


def _booktitle(venue: str) -> str:
    """The proceedings with the venue after them, then the track after a comma, so that no
    brackets nest."""
    name, track, first = _venue(venue)
    book = f"{PROCEEDINGS[first]} ({name})" if first in PROCEEDINGS else name
    return _bibtex_escape(f"{book}, {track}" if track else book)


def preprint_only(meta: dict) -> bool:
    """A paper whose venue is arXiv itself: cited as @misc, with no proceedings."""
    return _venue(meta["venue"])[2] == "arxiv"


def distinction(meta: dict) -> str:
    """What a topic's header and card say of the paper: 'NeurIPS 2025 · Best Paper', or the venue
    alone when it has no award (a track in brackets is left to the citation)."""
    name = _venue(meta["venue"])[0]
    return f"{name} · {meta['award']}" if meta.get("award") else name


def _sentence(text: str) -> str:
    """A title as a sentence: a full stop unless it already ends in one (or in ? or !)."""
    return text if text.endswith((".", "?", "!")) else text + "."


def bibtex(meta: dict) -> str:
    preprint = preprint_only(meta)
    fields = [
        ("title", "{" + _bibtex_escape(meta["title"]) + "}"),
        ("author", " and ".join(meta["authors"])),
        *([] if preprint else [("booktitle", _booktitle(meta["venue"]))]),
        ("year", str(meta["year"])),
        ("eprint", meta["arxiv"]),
        ("archivePrefix", "arXiv"),
        ("url", f"https://arxiv.org/abs/{meta['arxiv']}"),
    ]
    if meta.get("openreview"):
        fields.append(("note", f"OpenReview id {meta['openreview']}"))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    kind = "misc" if preprint else "inproceedings"
    return f"@{kind}{{{meta['bibtex_key']},\n{body}\n}}"


def short_citation(meta: dict) -> str:
    authors = meta["authors"]
    lead = authors[0] if len(authors) == 1 else (f"{authors[0]} and {authors[1]}" if len(authors) == 2 else f"{authors[0]} et al.")
    return f"{lead} ({meta['year']}). {_sentence(meta['title'])} {meta['venue']}. arXiv:{meta['arxiv']}."
