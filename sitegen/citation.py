"""Citation text for a topic's paper: a short reference line and a BibTeX entry."""

from __future__ import annotations


def _bibtex_escape(text: str) -> str:
    # Braces keep capitalisation (e.g. "RL", "LLMs") as written in the title.
    return text.replace("&", r"\&").replace("%", r"\%")


def bibtex(meta: dict) -> str:
    fields = [
        ("title", "{" + _bibtex_escape(meta["title"]) + "}"),
        ("author", " and ".join(meta["authors"])),
        ("booktitle", "Advances in Neural Information Processing Systems (" + meta["venue"] + ")"),
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
    return f"{lead} ({meta['year']}). {meta['title']}. {meta['venue']}. arXiv:{meta['arxiv']}."
