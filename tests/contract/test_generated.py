"""The checked-in contract documents: current, complete, and free of personal data."""

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from contracts import EVENT_TOPICS, EVENT_TYPES, IntegrationEvent
from contracts.examples import EXAMPLES
from contracts.generate import (
    ASYNCAPI_FILE,
    PARTNER_ASYNCAPI_FILE,
    SCHEMA_DIR,
    generated_files,
    main,
    stale_files,
)


def test_checked_in_schemas_and_asyncapi_are_up_to_date():
    stale = stale_files()
    assert not stale, f"stale contract files {[p.name for p in stale]}: run `make contracts`"


def test_every_event_has_a_schema_file_named_by_its_ce_type():
    files = generated_files()
    documents = {ASYNCAPI_FILE, PARTNER_ASYNCAPI_FILE}
    assert {SCHEMA_DIR / f"{t}.json" for t in EVENT_TYPES} | documents == set(files)
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


@functools.cache
def _load(path: Path) -> dict[str, Any]:
    """A document as parsed YAML: parsed once, the tests only read it."""
    document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return document


def _resolve(ref: str, documents: dict[str, dict[str, Any]], here: str) -> Any:
    """The node `ref` names, following references (into the other document too) on the way."""
    return _resolve_in(ref, documents, here)[0]


def _resolve_in(ref: str, documents: dict[str, dict[str, Any]], here: str) -> tuple[Any, str]:
    file, _, pointer = ref.partition("#/")
    here = file or here
    node: Any = documents[here]
    for part in pointer.split("/"):
        node = node[part]
        while isinstance(node, dict) and "$ref" in node:
            node, here = _resolve_in(node["$ref"], documents, here)
    return node, here


@pytest.mark.parametrize("document", [ASYNCAPI_FILE, PARTNER_ASYNCAPI_FILE], ids=lambda p: p.name)
def test_asyncapi_references_resolve(document: Path):
    documents = {path.name: _load(path) for path in (ASYNCAPI_FILE, PARTNER_ASYNCAPI_FILE)}
    for ref in _values_of(documents[document.name], "$ref"):
        assert isinstance(_resolve(ref, documents, document.name), dict), ref


def test_the_platform_sends_and_a_partner_receives_on_every_channel():
    """AsyncAPI 3 describes one application: the platform's document sends, the partner's
    (what generators build a subscriber from) receives, every message of every channel."""
    platform, partner = _load(ASYNCAPI_FILE), _load(PARTNER_ASYNCAPI_FILE)
    assert {op["action"] for op in platform["operations"].values()} == {"send"}
    assert {op["action"] for op in partner["operations"].values()} == {"receive"}
    assert partner["channels"] == {
        name: {"$ref": f"{ASYNCAPI_FILE.name}#/channels/{name}"} for name in platform["channels"]
    }
    for name, channel in platform["channels"].items():
        [receive] = [
            op
            for op in partner["operations"].values()
            if op["channel"]["$ref"] == f"#/channels/{name}"
        ]
        assert receive["messages"] == [
            {"$ref": f"#/channels/{name}/messages/{message}"} for message in channel["messages"]
        ]
    assert partner["servers"] == platform["servers"]
    assert partner["info"]["version"] == platform["info"]["version"]


def test_servers_name_an_installations_kafka_over_sasl_ssl():
    doc = _load(ASYNCAPI_FILE)
    production = doc["servers"]["production"]
    assert production["protocol"] == "kafka-secure"
    assert production["host"] == "{host}"
    assert set(production["variables"]) == {"host"}
    [scheme] = [_resolve(s["$ref"], {"doc": doc}, "doc") for s in production["security"]]
    assert scheme["type"] == "scramSha512"


def _message_schemas(doc: dict[str, Any], ce_type: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(headers schema, payload schema) of a message, the payload's $refs resolvable."""
    message = doc["components"]["messages"][ce_type]
    payload = {"components": doc["components"], "$ref": message["payload"]["$ref"]}
    return message["headers"], payload


@pytest.mark.parametrize("ce_type", list(EVENT_TYPES))
def test_every_message_has_an_example_that_its_schemas_accept(ce_type: str):
    doc = _load(ASYNCAPI_FILE)
    headers, payload = _message_schemas(doc, ce_type)
    [example] = doc["components"]["messages"][ce_type]["examples"]
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    jsonschema.Draft202012Validator(payload, format_checker=checker).validate(example["payload"])
    jsonschema.Draft202012Validator(headers, format_checker=checker).validate(example["headers"])
    assert set(example["headers"]) == set(headers["properties"]) - (
        set() if "ce_subject" in example["headers"] else {"ce_subject"}
    )
    event = EVENT_TYPES[ce_type]
    assert event.model_validate(example["payload"], strict=False) == EXAMPLES[event]


def test_an_example_its_schema_refuses_is_caught():
    doc = _load(ASYNCAPI_FILE)
    ce_type = "se.samverkan.consent.ConsentGiven.v1"
    headers, payload = _message_schemas(doc, ce_type)
    [example] = doc["components"]["messages"][ce_type]["examples"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**example["payload"], "informed": "yes"}, payload)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**example["headers"], "traceparent": "not-a-trace"}, headers)


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
