"""The checked-in contract documents: current, complete, and free of personal data."""

from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from contracts import EVENT_TOPICS, EVENT_TYPES, IntegrationEvent
from contracts.generate import ASYNCAPI_FILE, SCHEMA_DIR, generated_files, main, stale_files


def test_checked_in_schemas_and_asyncapi_are_up_to_date():
    stale = stale_files()
    assert not stale, f"stale contract files {[p.name for p in stale]}: run `make contracts`"


def test_every_event_has_a_schema_file_named_by_its_ce_type():
    files = generated_files()
    assert {SCHEMA_DIR / f"{t}.json" for t in EVENT_TYPES} | {ASYNCAPI_FILE} == set(files)
    for ce_type in EVENT_TYPES:
        assert ce_type in files[SCHEMA_DIR / f"{ce_type}.json"]


def test_check_mode_fails_and_names_a_stale_file(monkeypatch: pytest.MonkeyPatch, capsys):
    real = generated_files()
    changed = {path: text + ("\n" if path == ASYNCAPI_FILE else "") for path, text in real.items()}
    monkeypatch.setattr("contracts.generate.generated_files", lambda: changed)
    assert main(["--check"]) == 1
    assert "asyncapi.yaml" in capsys.readouterr().out


def test_asyncapi_document_has_one_channel_per_topic_and_a_message_per_event():
    doc = yaml.safe_load(ASYNCAPI_FILE.read_text(encoding="utf-8"))
    assert doc["asyncapi"] == "3.0.0"
    assert doc["servers"]["local"] == {
        "host": "127.0.0.1:9092",
        "protocol": "kafka",
        "description": doc["servers"]["local"]["description"],
    }
    assert {c["address"] for c in doc["channels"].values()} == set(EVENT_TOPICS.values())
    assert {op["action"] for op in doc["operations"].values()} == {"send"}
    messages = doc["components"]["messages"]
    assert set(messages) == set(EVENT_TYPES)
    for ce_type, event in EVENT_TYPES.items():
        channel = doc["channels"][event.service]
        assert ce_type in channel["messages"]
        message = messages[ce_type]
        assert message["headers"]["properties"]["ce_type"]["const"] == ce_type
        assert message["payload"]["$ref"] == f"#/components/schemas/{event.__name__}"
        assert message["bindings"]["kafka"]["key"]["type"] == "string"


def test_asyncapi_references_resolve():
    doc = yaml.safe_load(ASYNCAPI_FILE.read_text(encoding="utf-8"))
    for ref in _values_of(doc, "$ref"):
        node: Any = doc
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        assert isinstance(node, dict), ref


def _values_of(node: Any, key: str) -> Iterator[Any]:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key:
                yield v
            else:
                yield from _values_of(v, key)
    elif isinstance(node, list):
        for item in node:
            yield from _values_of(item, key)


# --- no personal data on the topics ---------------------------------------------------


def _free_text(node: Any, path: str) -> Iterator[str]:
    """Paths of string schemas that would accept arbitrary text."""
    if isinstance(node, dict):
        types = node.get("type")
        is_string = types == "string" or (isinstance(types, list) and "string" in types)
        if is_string and not ({"pattern", "enum", "const", "format"} & node.keys()):
            yield path
        for key, child in node.items():
            if key not in {"description", "title", "default", "examples"}:
                yield from _free_text(child, f"{path}/{key}")
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield from _free_text(child, f"{path}/{i}")


def _untyped_properties(schema: dict[str, Any]) -> Iterator[str]:
    """Properties that accept anything (e.g. `Any` or `dict`): free text could hide there."""
    for name, prop in schema.get("properties", {}).items():
        if not ({"type", "$ref", "anyOf", "enum", "const"} & prop.keys()):
            yield name
        if prop.get("type") == "object":
            yield name


@pytest.mark.parametrize("event", list(EVENT_TYPES.values()), ids=lambda e: e.ce_type())
def test_no_event_field_accepts_free_text(event: type[IntegrationEvent]):
    """Every string is an id, code or timestamp: adding a free-text field fails review here."""
    schema = event.model_json_schema()
    assert list(_free_text(schema, "#")) == []
    assert list(_untyped_properties(schema)) == []
    assert schema["additionalProperties"] is False


def test_free_text_guard_catches_a_plain_string_field():
    from pydantic import BaseModel

    class Leaky(BaseModel):
        note: str
        notes: list[str]

    assert list(_free_text(Leaky.model_json_schema(), "#")) == [
        "#/properties/note",
        "#/properties/notes/items",
    ]
