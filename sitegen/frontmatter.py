"""Split a Markdown file into YAML front matter and body, keeping source line numbers."""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

# libyaml's loader when PyYAML was built with it: the same documents, several times faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Document:
    data: dict
    body: str
    body_start_line: int  # 1-based line of the body's first line in the file
    key_lines: dict[str, int] = field(default_factory=dict)  # "a.b" -> 1-based line

    def line_of(self, key: str) -> int:
        return line_of(self.key_lines, key)


def line_of(key_lines: dict[str, int], key: str, default: int = 1) -> int:
    """Line of `key` ("a.b.c"), or of its nearest parent that has one, or `default`."""
    while key:
        if key in key_lines:
            return key_lines[key]
        key = key.rpartition(".")[0]
    return default


class FrontMatterError(ValueError):
    def __init__(self, line: int, message: str):
        self.line = line
        super().__init__(message)


def _index_key_lines(node: yaml.Node, prefix: str, offset: int, out: dict[str, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            path = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
            out[path] = key_node.start_mark.line + 1 + offset
            _index_key_lines(value_node, path, offset, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            path = f"{prefix}.{i}"
            out[path] = item.start_mark.line + 1 + offset
            _index_key_lines(item, path, offset, out)


def parse_yaml(text: str, line_offset: int = 0) -> tuple[object, dict[str, int]]:
    """Parse YAML; return (data, key path -> file line). Errors carry line and column."""
    try:
        node = yaml.compose(text, Loader=_LOADER)
        data = yaml.load(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 + line_offset) if mark else line_offset + 1
        column = (mark.column + 1) if mark else 1
        problem = exc.problem or exc.context or "invalid YAML"
        raise FrontMatterError(line, f"malformed YAML at line {line}, column {column}: {problem}") from None
    lines: dict[str, int] = {}
    if node is not None:
        _index_key_lines(node, "", line_offset, lines)
    return data, lines


def split(text: str) -> Document:
    """Read `---` fenced front matter at the top of `text`."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise FrontMatterError(1, "file must start with a '---' line opening the YAML front matter")
    for end, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            break
    else:
        raise FrontMatterError(1, "front matter opened with '---' on line 1 is never closed")
    data, key_lines = parse_yaml("".join(lines[1:end]), line_offset=1)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FrontMatterError(2, "front matter must be a mapping of fields (key: value)")
    return Document(data=data, body="".join(lines[end + 1 :]), body_start_line=end + 2, key_lines=key_lines)
