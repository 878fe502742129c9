"""Write a site into a staging folder and swap it in whole, so a failed build loses nothing."""

from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def staged_output(out_dir: Path):
    """Yield an empty staging folder beside `out_dir`; on success replace `out_dir` with it.

    Any exception leaves `out_dir` exactly as it was and removes the staging folder.
    """
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-staging-", dir=out_dir.parent))
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    retired = None
    if out_dir.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-old-", dir=out_dir.parent))
        retired.rmdir()
        out_dir.rename(retired)
    staging.rename(out_dir)
    staging_mode_fix(out_dir)
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)


def staging_mode_fix(folder: Path) -> None:
    # mkdtemp creates 0700 folders; a web server running as another user must read the site.
    folder.chmod(0o755)


def write_text(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def copy_tree(source: Path, target: Path) -> None:
    shutil.copytree(source, target, dirs_exist_ok=True)
