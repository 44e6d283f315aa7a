"""Generate the contract documents from the models: JSON Schema per event and AsyncAPI.

The documents are checked in so that a contract change shows up in review as a
diff, and CI runs `python -m contracts.generate --check` so they cannot drift
from the models. `generated_files()` is the single source for both modes.
"""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml
from pydantic.json_schema import models_json_schema

import contracts  # noqa: F401  (importing the package defines, so registers, every event)
from contracts import cloudevents as ce
from contracts.base import EVENT_TYPES, SUBJECT_ID_PATTERN, IntegrationEvent, SubjectEvent
from contracts.topics import PARTITIONS, SERVICES, events_topic

CONTRACT_VERSION = "1.0.0"
"""Version of the contract as a whole (AsyncAPI info.version); bump with any event change."""

HERE = Path(__file__).resolve().parent
SCHEMA_DIR = HERE / "schemas"
ASYNCAPI_FILE = HERE / "asyncapi.yaml"

_KAFKA_BINDING_VERSION = "0.5.0"
_COMPONENT_SCHEMAS = "#/components/schemas/{model}"


def json_schema(event: type[IntegrationEvent]) -> dict[str, Any]:
    """The standalone JSON Schema of one event type, identified by its ce_type."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:samverkan:schema:{event.ce_type()}",
        **event.model_json_schema(),
    }


def _headers_schema(event: type[IntegrationEvent]) -> dict[str, Any]:
    decimal = {"type": "string", "pattern": "^[0-9]+$"}
    properties: dict[str, Any] = {
        ce.H_SPECVERSION: {"type": "string", "const": ce.SPECVERSION},
        ce.H_ID: {
            "type": "string",
            "minLength": 1,
            "description": "Unique per event, stable across republish: deduplicate on it.",
        },
        ce.H_SOURCE: {"type": "string", "const": event.ce_source()},
        ce.H_TYPE: {"type": "string", "const": event.ce_type()},
        ce.H_TIME: {"type": "string", "format": "date-time"},
        ce.H_SUBJECT: {
            "type": "string",
            "pattern": SUBJECT_ID_PATTERN,
            "description": "Pseudonymous subject id; absent when the event concerns no one.",
        },
        ce.H_SEQUENCE: {**decimal, "description": "The producer's store position."},
        ce.H_PREVSEQUENCE: {
            **decimal,
            "description": "The producer's previous sequence on this partition, 0 if none.",
        },
        ce.H_CONTENT_TYPE: {"type": "string", "const": ce.CONTENT_TYPE},
    }
    required = [name for name in properties if name != ce.H_SUBJECT]
    if issubclass(event, SubjectEvent):
        required.insert(required.index(ce.H_SEQUENCE), ce.H_SUBJECT)
    return {"type": "object", "required": required, "properties": properties}


def _message(event: type[IntegrationEvent], schema_ref: str) -> dict[str, Any]:
    key: dict[str, Any] = {
        "type": "string",
        "description": "The subject id, so one individual's events keep their order.",
    }
    if issubclass(event, SubjectEvent):
        key["pattern"] = SUBJECT_ID_PATTERN
    else:
        key["description"] += " Without a subject, the event's own id."
    return {
        "name": event.ce_type(),
        "title": event.__name__,
        "summary": (event.__doc__ or "").strip().split("\n")[0],
        "contentType": ce.CONTENT_TYPE,
        "headers": _headers_schema(event),
        "payload": {"$ref": schema_ref},
        "bindings": {"kafka": {"key": key, "bindingVersion": _KAFKA_BINDING_VERSION}},
    }


def asyncapi() -> dict[str, Any]:
    """The AsyncAPI 3.0.0 document: one channel per events topic, one message per event."""
    events = list(EVENT_TYPES.values())
    refs, shared = models_json_schema(
        [(event, "validation") for event in events], ref_template=_COMPONENT_SCHEMAS
    )
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for service in SERVICES:
        channel_messages: dict[str, Any] = {}
        for event in events:
            if event.service == service:
                message_id = event.ce_type()
                messages[message_id] = _message(event, refs[(event, "validation")]["$ref"])
                channel_messages[message_id] = {"$ref": f"#/components/messages/{message_id}"}
        channels[service] = {
            "address": events_topic(service),
            "description": f"Integration events published by the {service} service.",
            "messages": channel_messages,
            "bindings": {
                "kafka": {
                    "topic": events_topic(service),
                    "partitions": PARTITIONS,
                    "bindingVersion": _KAFKA_BINDING_VERSION,
                }
            },
        }
        operations[f"{service}.publish"] = {
            "action": "send",
            "summary": f"The {service} service publishes its events.",
            "channel": {"$ref": f"#/channels/{service}"},
        }
        if channel_messages:
            operations[f"{service}.publish"]["messages"] = [
                {"$ref": f"#/channels/{service}/messages/{message_id}"}
                for message_id in channel_messages
            ]
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "samverkan events",
            "version": CONTRACT_VERSION,
            "description": (
                "Public integration events of the samverkan platform. CloudEvents 1.0, Kafka "
                "protocol binding, binary mode: attributes in ce_* headers, the value is the "
                "event's JSON. Payloads carry no personal data: only pseudonymous ids, codes, "
                "timestamps and organisation ids."
            ),
        },
        "defaultContentType": ce.CONTENT_TYPE,
        "servers": {
            "local": {
                "host": "127.0.0.1:9092",
                "protocol": "kafka",
                "description": "The embedded broker of a local run.",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": shared["$defs"]},
    }


class _Dumper(yaml.SafeDumper):
    """Never emit YAML anchors/aliases: readers of the document should not need them."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def generated_files() -> dict[Path, str]:
    """Every generated file with the content the models imply."""
    files = {
        SCHEMA_DIR / f"{ce_type}.json": json.dumps(
            json_schema(event), indent=2, sort_keys=True, ensure_ascii=False
        )
        + "\n"
        for ce_type, event in EVENT_TYPES.items()
    }
    files[ASYNCAPI_FILE] = yaml.dump(
        asyncapi(), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
    )
    return files


def stale_files() -> list[Path]:
    """Generated files whose checked-in content differs, and schemas no event generates."""
    files = generated_files()
    stale = [path for path, text in files.items() if _read(path) != text]
    stale += [path for path in sorted(SCHEMA_DIR.glob("*.json")) if path not in files]
    return stale


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None


def write() -> None:
    files = generated_files()
    SCHEMA_DIR.mkdir(exist_ok=True)
    for orphan in SCHEMA_DIR.glob("*.json"):
        if orphan not in files:
            orphan.unlink()
    for path, text in files.items():
        if _read(path) != text:
            path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m contracts.generate", description=__doc__)
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the checked-in files are stale"
    )
    args = parser.parse_args(argv)
    if not args.check:
        write()
        return 0
    stale = stale_files()
    for path in stale:
        print(f"stale: {path.relative_to(HERE.parent)}")
    if stale:
        print("run `make contracts` (python -m contracts.generate) and commit the result")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
