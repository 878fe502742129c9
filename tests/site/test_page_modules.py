"""The page runtime's JavaScript modules (static/js): imports pinned to content hashes by the
build (sitegen/module_imports.py), one protocol both sides of the worker seam handle in full,
and modules small enough to read (no module over 300 lines)."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path

import pytest

from sitegen.errors import BuildFailed
from sitegen.module_imports import pin_imports

from conftest import PROJECT_ROOT

STATIC_JS = PROJECT_ROOT / "static" / "js"


def short_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:10]


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)


def test_each_import_is_pinned_to_the_hash_of_the_module_it_imports(tmp_path):
    write(tmp_path, {"a.mjs": 'import { b } from "./lib/b.mjs";\n',
                     "lib/b.mjs": 'import "./c.mjs";\nexport const b = 1;\n',
                     "lib/c.mjs": "export const c = 2; // leaf\n"})
    pin_imports(tmp_path, short_hash)
    c = (tmp_path / "lib/c.mjs").read_bytes()
    b = (tmp_path / "lib/b.mjs").read_text()
    assert b.startswith(f'import "./c.mjs?v={short_hash(c)}";')
    assert (tmp_path / "a.mjs").read_text() == f'import {{ b }} from "./lib/b.mjs?v={short_hash(b.encode())}";\n'


def test_an_edit_to_a_leaf_changes_the_url_of_every_module_above_it(tmp_path):
    pinned = []
    for leaf in ("export const c = 2;\n", "export const c = 3;\n"):
        folder = tmp_path / leaf[-3]
        write(folder, {"a.mjs": 'import "./b.mjs";\n', "b.mjs": 'import "./c.mjs";\n', "c.mjs": leaf})
        pin_imports(folder, short_hash)
        pinned.append((folder / "a.mjs").read_text())
    assert pinned[0] != pinned[1]


@pytest.mark.parametrize("files, where, message", [
    ({"a.mjs": "// one\nimport { x } from './missing.mjs';\n"}, ("static/a.mjs", 2), "'./missing.mjs' is not a module of this site"),
    ({"a.mjs": 'import "./b.mjs";\n', "b.mjs": '\n\nimport "./a.mjs";\n'}, ("static/b.mjs", 3), "'./a.mjs' imports this module back"),
])
def test_a_broken_import_fails_the_build_naming_file_and_line(tmp_path, files, where, message):
    write(tmp_path, files)
    with pytest.raises(BuildFailed) as failure:
        pin_imports(tmp_path, short_hash)
    [error] = failure.value.errors
    assert (error.file, error.line) == where and message in error.message


def test_the_built_site_serves_every_module_at_the_url_its_importers_ask_for(built_site):
    """Each relative import names the imported file's own hash, and the offline worker keeps
    that exact URL, so a page read offline finds every module."""
    sw = (built_site / "sw.js").read_text()
    manifest = json.loads(re.match(r"const BUILD = (.*?);\n", sw).group(1))
    kept = {url for group in ("pages", "runtime", "on_request") for url in manifest[group]}
    imports = 0
    for module in (built_site / "static" / "js").rglob("*.mjs"):
        for path, version in re.findall(r"""from\s+["'](\.{1,2}/[^"'?]+\.mjs)\?v=(\w+)["']|^import\s+["'](?:\.{1,2}/[^"'?]+\.mjs)""",
                                        module.read_text(), re.M):
            if not path:
                continue
            target = (module.parent / path).resolve()
            assert short_hash(target.read_bytes()) == version, (module.name, path)
            assert f"{target.relative_to(built_site.resolve()).as_posix()}?v={version}" in kept
            imports += 1
    assert imports >= 10


def test_page_and_worker_handle_every_message_of_the_protocol():
    """Both sides build their messages with static/js/simulator/protocol.mjs; a type one side
    sends and the other has no handler for would throw there (protocol.dispatch)."""
    script = ("import { toWorker, toPage } from './static/js/simulator/protocol.mjs';\n"
              "const types = (made) => Object.values(made).map((f) => f(1, {}, 1).type);\n"
              "console.log(JSON.stringify({ toWorker: types(toWorker), toPage: types(toPage) }));\n")
    out = subprocess.run(["node", "--input-type=module", "-e", script], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    types = json.loads(out.stdout)

    def handled(path: str, start: str, end: str) -> set[str]:
        text = (STATIC_JS / path).read_text()
        block = text[text.index(start):]
        return set(re.findall(r'^\s{2,6}"?([\w-]+)"?: ', block[:block.index(end)], re.M))

    assert handled("sim-worker.mjs", "const handlers = {", "\n};") == set(types["toWorker"])
    page_side = handled("simulator/coordinator.mjs", "  workerHandlers() {", "\n  }\n")
    snapshot_worker = {"snapshot-saved", "snapshot-failed"}  # answered to the snapshot worker's own listener
    helper_side = handled("simulator/pool.mjs", "const handlers = {", "\n    };")
    helper_only = {"part-done", "part-failed"}  # what helper workers send, answered by the pool
    assert helper_only <= helper_side
    # The run's worker hands parts out; the runtime client passes them to the pool.
    assert 'message.type === "delegate"' in (STATIC_JS / "simulator/runtime-client.mjs").read_text()
    assert page_side | {"delegate"} | helper_only == set(types["toPage"]) - snapshot_worker
    assert not (page_side & ({"delegate"} | helper_only))
    assert snapshot_worker <= set(types["toPage"])


def test_no_page_module_is_over_300_lines():
    sizes = {p.relative_to(STATIC_JS).as_posix(): p.read_text().count("\n") for p in STATIC_JS.rglob("*.mjs")}
    assert len(sizes) >= 10
    assert {name: lines for name, lines in sizes.items() if lines > 300} == {}
