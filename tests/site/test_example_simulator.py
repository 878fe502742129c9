"""A simulator registered from outside the package (tests/example_simulator.py) goes through
the whole build: its settings are checked, its first frame is on the page, its code is shipped
to the browser. The browser half is in test_browser.py."""

from __future__ import annotations

import json
import re
import zipfile

import pytest

import example_simulator
import simulators
from conftest import build_content
from simulators import REGISTRY, bridge
from simulators.kit.contract import ContractError, from_module
from sitegen.errors import BuildFailed

PAGE = "superposition-scaling"


@pytest.fixture
def registered():
    simulators.register(example_simulator)
    yield example_simulator
    del REGISTRY[example_simulator.NAME]


def use_example(content, params: str = "{flips: 300, p: 0.3}") -> None:
    """The page shows the example instead; its experiments, about the superposition model, go."""
    path = content / "topics" / f"{PAGE}.md"
    text = path.read_text()
    text = re.sub(r"^```experiment\n.*?^```\n", "", text, flags=re.M | re.S)
    text = re.sub(r"\{\{[^}]*\}\}", "–", text)
    path.write_text(text.replace("  name: superposition\n", f"  name: example_coins\n  params: {params}\n", 1))


def test_registration_checks_the_contract_and_names_what_is_missing(monkeypatch):
    monkeypatch.delattr(example_simulator, "table")
    with pytest.raises(ContractError, match=r"simulator module 'example_simulator' \(example_simulator.py\) is missing table"):
        from_module(example_simulator)


def test_the_example_keeps_the_contract_it_documents(registered):
    """Authors copy it: its figure is panels a 360 px phone can read, like every simulator's."""
    import xml.etree.ElementTree as ET

    from simulators.kit import svg

    figure = ET.fromstring(bridge.frame("example_coins", {}, 0).svg)
    panels = figure.findall("{http://www.w3.org/2000/svg}svg")
    assert figure.get("role") == "group" and panels
    assert all(float(p.get("width")) <= svg.PANEL_WIDTH for p in panels)


def test_registration_refuses_a_name_taken_by_another_module(monkeypatch):
    monkeypatch.setattr(example_simulator, "NAME", "passk")
    with pytest.raises(ContractError, match="simulator name 'passk' is taken"):
        simulators.register(example_simulator)


def test_example_goes_through_the_build(registered, content_copy, tmp_path):
    use_example(content_copy)
    out = tmp_path / "site"
    build_content(content_copy, out)
    html = (out / PAGE / "index.html").read_text()
    expected = bridge.frame("example_coins", {"flips": 300, "p": 0.3}, 0)
    assert expected.svg in html
    assert f'data-readout="share.heads">{expected.readouts["share.heads"]}<' in html
    config = json.loads(re.search(r"<script type=\"application/json\" data-sim-config>(.*?)</script>", html, re.S).group(1))
    assert config["module"] == "example_simulator" and config["defaults"]["flips"] == 300
    archive = next((out / "static" / "sim").glob("simulators-*.zip"))
    with zipfile.ZipFile(archive) as zipped:
        assert "example_simulator.py" in zipped.namelist()


def test_example_rejecting_its_params_is_a_content_error(registered, content_copy, tmp_path):
    use_example(content_copy, "{flips: 20, window: 50}")
    with pytest.raises(BuildFailed) as failure:
        build_content(content_copy, tmp_path / "site")
    [error] = failure.value.errors
    assert error.field == "simulator.params.window"
    assert error.message == "Window (window) must be at most the number of flips (20), got 50"
