"""What a first frame depends on, as one key: the simulator's own files (its module or package,
with the data it ships), the files they import from the `simulators` package (the kit), the
adapter every frame passes through (bridge), the params, the seed, and the Python and NumPy
versions. Imports are read from the source text, so nothing is imported to find them.
"""

from __future__ import annotations

import hashlib
import re
import sys
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from simulators.kit.contract import Simulator

from .disk_cache import key_of

SIM_ROOT = Path(__file__).resolve().parent.parent / "simulators"
# The registry lists the simulators and computes nothing a frame shows; hashing it would make
# any new simulator invalidate every frame.
REGISTRY_FILE = SIM_ROOT / "__init__.py"
ADAPTER = SIM_ROOT / "bridge.py"


def frame_key(simulator: Simulator, values: dict, seed: int) -> str:
    files = dependencies(simulator)
    return key_of("first-frame", simulator.name, values, seed, _versions(),
                  [(_label(path), file_digest(path)) for path in files])


def dependencies(simulator: Simulator) -> list[Path]:
    """Every file that decides this simulator's frames, sorted."""
    source = Path(simulator.module.__file__).resolve()
    own = [source]
    if source.name == "__init__.py":  # a package: all of its modules and the data it ships
        own = sorted(p for p in source.parent.rglob("*") if p.is_file() and _is_source_or_data(p))
    return sorted(_closure(tuple(own) + (ADAPTER,)))


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _is_source_or_data(path: Path) -> bool:
    return path.suffix == ".py" or (path.parent.name == "data" and path.suffix == ".json")


def _closure(start: tuple[Path, ...]) -> set[Path]:
    seen: set[Path] = set()
    todo = list(start)
    while todo:
        path = todo.pop()
        if path in seen or path == REGISTRY_FILE:
            continue
        seen.add(path)
        if path.suffix == ".py":
            todo += _imports_of(path)
    return seen


# Import statements, also inside functions and parenthesised over several lines. A line in a
# docstring that looks like an import can only add a dependency, never hide one.
_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*)|import[ \t]+([^\n#;]*))", re.M)


@lru_cache(maxsize=None)
def _imports_of_cached(path: Path, mtime_ns: int) -> tuple[Path, ...]:
    found: list[Path] = []
    for dots, module, names, plain in _IMPORT.findall(path.read_text(encoding="utf-8")):
        if plain:  # import a.b, c as d
            for name in _names(plain):
                found += _resolve(_absolute_base(name), [])
        elif dots:  # relative: one dot is the folder the file sits in
            base = path.parent
            for _ in range(len(dots) - 1):
                base = base.parent
            found += _resolve((base, module.split(".") if module else []), _names(names))
        else:
            found += _resolve(_absolute_base(module), _names(names))
    return tuple(found)


def _names(listed: str) -> list[str]:
    return [item.split()[0] for item in listed.strip("() \t\n").replace("\n", " ").split(",") if item.strip()]


def _imports_of(path: Path) -> tuple[Path, ...]:
    return _imports_of_cached(path, path.stat().st_mtime_ns)


def _absolute_base(module: str):
    """Only imports from the `simulators` package matter; numpy and the standard library are
    covered by the versions in the key."""
    parts = module.split(".")
    if parts[0] != SIM_ROOT.name:
        return None
    return SIM_ROOT.parent, parts


def _resolve(base, names: list[str]) -> list[Path]:
    """Files for `from <base> import names`: the package __init__ files on the way, then each
    name as a submodule when there is one (else it is an attribute of the module itself)."""
    if base is None:
        return []
    folder, parts = base
    files: list[Path] = []
    for part in parts:
        if (folder / part / "__init__.py").is_file():
            folder = folder / part
            files.append(folder / "__init__.py")
        elif (folder / f"{part}.py").is_file():
            return files + [folder / f"{part}.py"]
        else:
            return files
    for name in names:
        if (folder / name / "__init__.py").is_file():
            files.append(folder / name / "__init__.py")
        elif (folder / f"{name}.py").is_file():
            files.append(folder / f"{name}.py")
    if (folder / "__init__.py").is_file():
        files.append(folder / "__init__.py")
    return files


def _label(path: Path) -> str:
    # Relative to the project, so a key does not depend on where the clone lives.
    try:
        return path.relative_to(SIM_ROOT.parent).as_posix()
    except ValueError:
        return path.name


@lru_cache(maxsize=1)
def _versions() -> dict:
    return {"python": list(sys.version_info[:3]), "numpy": metadata.version("numpy")}
