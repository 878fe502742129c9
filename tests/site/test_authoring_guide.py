"""docs/authoring.md is generated from the schemas, the claim grammar and the simulator contract:
it fails here the moment the code says something it does not."""

from __future__ import annotations

from sitegen import authoring_guide, schema
from sitegen.schema import Field


def test_the_guide_on_disk_is_what_the_code_says():
    assert authoring_guide.GUIDE.read_text(encoding="utf-8") == authoring_guide.render(), (
        f"docs/authoring.md is out of date: run `{authoring_guide.COMMAND}` and commit it")


def test_every_field_an_author_can_write_is_in_the_guide():
    text = authoring_guide.render()
    for fields in (schema.TOPIC_SCHEMA, schema.EXPERIMENT_SCHEMA, schema.SITE_SCHEMA):
        for name in fields:
            assert f"| `{name}` |" in text, name
    assert "| `simulator.name` | text | yes | a simulator module name |" in text
    assert "| `precomputed_budget_mb` | integer or number | no (default `8`) |" in text
    assert "<!-- simulator -->" in text and "CHEAP_PARAMS" in text and "max_from" in text


def test_a_new_field_makes_the_guide_on_disk_stale(monkeypatch):
    monkeypatch.setitem(schema.TOPIC_SCHEMA, "doi", Field(str, required=False))
    text = authoring_guide.render()
    assert "| `doi` | text | no |  |" in text
    assert text != authoring_guide.GUIDE.read_text(encoding="utf-8")
