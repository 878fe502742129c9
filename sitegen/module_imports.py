"""JavaScript modules that import each other by relative path (static/js/simulator/): the build
pins each such import to the imported file's content hash (`./view.mjs?v=…`), the URL pages
and the offline worker use for every static file. A browser then never pairs one build's
module with another's, and an edit to one module changes the URL of every module that
imports it, directly or not."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

from .errors import BuildFailed, ContentError

# `import … from "./x.mjs"`, `export … from "./x.mjs"` and `import "./x.mjs"` (static imports;
# the pages' dynamic imports take hashed URLs from the page's config).
_IMPORT = re.compile(r"""(?P<lead>\bfrom\s+|^[ \t]*import\s+)(?P<quote>["'])(?P<path>\.{1,2}/[^"'?]+\.mjs)(?P=quote)""", re.M)


def pin_imports(static_dir: Path, version: Callable[[bytes], str], shown_as: str = "static") -> None:
    """Rewrite every .mjs file under `static_dir` in place, its imports pinned to content hashes.
    A relative import of a file that is not there, or modules importing each other in a circle,
    fails the build naming the file and line."""
    modules = {path.resolve(): path for path in static_dir.rglob("*.mjs")}
    pinned: dict[Path, str] = {}

    def where(path: Path, text: str, offset: int) -> tuple[str, int]:
        return f"{shown_as}/{path.relative_to(static_dir).as_posix()}", text.count("\n", 0, offset) + 1

    def pin(path: Path, chain: tuple[Path, ...]) -> str:
        if path in pinned:
            return pinned[path]
        text = path.read_text(encoding="utf-8")

        def pinned_import(match: re.Match) -> str:
            target = (path.parent / match["path"]).resolve()
            if target not in modules:
                raise BuildFailed([ContentError(*where(path, text, match.start()), "import", f"'{match['path']}' is not a module of this site")])
            if target in chain:
                raise BuildFailed([ContentError(*where(path, text, match.start()), "import", f"'{match['path']}' imports this module back: break the circle")])
            return f"{match['lead']}{match['quote']}{match['path']}?v={pin(target, (*chain, path))}{match['quote']}"

        text = _IMPORT.sub(pinned_import, text)
        path.write_text(text, encoding="utf-8")
        pinned[path] = version(text.encode("utf-8"))
        return pinned[path]

    for path in sorted(modules):
        pin(path, ())
