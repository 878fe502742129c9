"""Content problems are collected, not raised one at a time, so an author sees them all."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class ContentError:
    file: str
    line: int  # 1-based; 0 when the problem belongs to the whole file
    field: str  # front-matter key path such as "simulator.name", or "body"
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}"


class BuildFailed(Exception):
    """Raised with every content error found; the output folder was not touched."""

    def __init__(self, errors: list[ContentError]):
        self.errors = sorted(set(errors))
        super().__init__(f"{len(self.errors)} content error(s)")

    def report(self) -> str:
        lines = [str(e) for e in self.errors]
        lines.append(f"build failed: {len(self.errors)} error(s); the previous site was left untouched")
        return "\n".join(lines)


def display_path(path: Path, root: Path) -> str:
    """Paths in messages are relative to the project, as an author would type them."""
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
