"""Shared fixtures: build the real site once per session, and make mutable content trees."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from sitegen.blas import pin_threads  # noqa: E402

pin_threads()  # before NumPy: see sitegen/blas.py

from sitegen.pipeline import build, default_options  # noqa: E402
from simulators.kit.cache import clear_all  # noqa: E402


@pytest.fixture(autouse=True)
def fresh_simulator_caches():
    """Every test starts with empty simulator caches, so none depends on what ran before it."""
    clear_all()
    yield


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The real content, built once into a temporary folder."""
    out = tmp_path_factory.mktemp("built") / "site"
    build(default_options(PROJECT_ROOT, out))
    return out


@pytest.fixture
def content_copy(tmp_path) -> Path:
    """A private copy of the real content tree that a test may break."""
    target = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "content", target)
    return target


def build_content(content_dir: Path, out: Path):
    options = default_options(PROJECT_ROOT, out)
    options.content_dir = content_dir
    return build(options)
