"""Generate the contract documents from the models: JSON Schema per event and AsyncAPI.

Two AsyncAPI documents, because AsyncAPI 3 describes one application and its
`action` is what *that* application does: `asyncapi.yaml` is the platform,
which sends every event; `asyncapi-partner.yaml` is a partner's consumer, which
receives them. The second reuses the first's channels and messages by
reference, so generators that build clients from operations (subscribers from
`receive`) can be pointed at it without a second copy of every schema.

The documents are checked in so that a contract change shows up in review as a
diff, and CI runs `python -m contracts.generate --check` so they cannot drift
from the models. `generated_files()` is the single source for both modes.
"""

import argparse
import json
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic.json_schema import models_json_schema

import contracts  # noqa: F401  (importing the package defines, so registers, every event)
from contracts import cloudevents as ce
from contracts.base import EVENT_TYPES, SUBJECT_ID_PATTERN, IntegrationEvent, SubjectEvent
from contracts.examples import EXAMPLES
from contracts.topics import PARTITIONS, SERVICES, events_topic

CONTRACT_VERSION = "1.0.0"
"""Version of the contract as a whole (AsyncAPI info.version); bump with any event change."""

HERE = Path(__file__).resolve().parent
SCHEMA_DIR = HERE / "schemas"
ASYNCAPI_FILE = HERE / "asyncapi.yaml"
PARTNER_ASYNCAPI_FILE = HERE / "asyncapi-partner.yaml"

_KAFKA_BINDING_VERSION = "0.5.0"
_COMPONENT_SCHEMAS = "#/components/schemas/{model}"

TRACEPARENT_HEADERS = ("traceparent", "ce_traceparent")
"""The trace context the outbox relay adds (services.runtime.kernel.tracing.message_headers):
W3C `traceparent`, and the same value as the CloudEvents distributed-tracing extension."""
TRACEPARENT_PATTERN = r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"
"""W3C trace context, version 00: the only version the platform writes."""

_EXAMPLE_TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
_EXAMPLE_TIME = datetime(2026, 3, 2, 9, 30, 15, tzinfo=UTC)
_EXAMPLE_ID_NAMESPACE = uuid.UUID("1b7a4a8e-3c55-4f3e-9a0e-5d1f2c6b7e90")


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
        **{
            name: {
                "type": "string",
                "pattern": TRACEPARENT_PATTERN,
                "description": (
                    "W3C trace context of the request that caused the event (where the "
                    "platform exports spans: of the relay's send, in the same trace); absent "
                    "on events stored outside any trace."
                ),
            }
            for name in TRACEPARENT_HEADERS
        },
    }
    optional = {ce.H_SUBJECT, *TRACEPARENT_HEADERS}
    required = [name for name in properties if name not in optional]
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
        "examples": [message_example(_example_of(event))],
    }


def _example_of(event: type[IntegrationEvent]) -> IntegrationEvent:
    try:
        return EXAMPLES[event]
    except KeyError:
        raise LookupError(
            f"{event.ce_type()} has no example: add one to contracts/examples/"
        ) from None


def message_example(event: IntegrationEvent) -> dict[str, Any]:
    """The example as it is on the wire: the headers `encode` writes (and a trace
    context), and the payload JSON. Ids and times are made up but fixed, so the
    generated document is stable."""
    message = ce.encode(
        event,
        event_id=str(uuid.uuid5(_EXAMPLE_ID_NAMESPACE, event.ce_type())),
        time=_EXAMPLE_TIME,
        sequence=42,
        prev_sequence=17,
    )
    headers = {name: value.decode() for name, value in message.headers}
    headers.update(dict.fromkeys(TRACEPARENT_HEADERS, _EXAMPLE_TRACEPARENT))
    return {
        "name": type(event).__name__,
        "summary": f"A {type(event).__name__} with made-up ids.",
        "headers": headers,
        "payload": json.loads(message.value),
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
        "servers": _servers(),
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": shared["$defs"],
            "securitySchemes": _SECURITY_SCHEMES,
        },
    }


_SECURITY_SCHEMES: dict[str, Any] = {
    "scramSha512": {
        "type": "scramSha512",
        "description": (
            "SASL/SCRAM-SHA-512 over TLS (security.protocol SASL_SSL), one principal per "
            "client: a partner is `partner-<name>`, may read the events topics it was granted "
            "and use consumer groups prefixed `partner-<name>.` (docs/kafka-acls.md)."
        ),
    }
}


def _servers() -> dict[str, Any]:
    """Where the topics are: a local run's embedded broker, and an installation's Kafka."""
    return {
        "local": {
            "host": "127.0.0.1:9092",
            "protocol": "kafka",
            "description": "The embedded broker of a local run.",
        },
        "production": {
            "host": "{host}",
            "protocol": "kafka-secure",
            "description": (
                "An installation's Apache Kafka: TLS with the installation's CA, SASL "
                "SCRAM-SHA-512 as the client's own principal."
            ),
            "variables": {
                "host": {
                    "description": "A bootstrap broker of the installation, host:port.",
                    "examples": ["kafka-1.internal:9093"],
                }
            },
            "security": [{"$ref": "#/components/securitySchemes/scramSha512"}],
        },
    }


def partner_asyncapi() -> dict[str, Any]:
    """The partner's view: the same channels, each with a `receive` operation.

    Channels are references into `asyncapi.yaml` (beside this file), so the
    schemas exist once; operations must name channels of their own document,
    hence the local channel entries.
    """
    platform = asyncapi()
    source = ASYNCAPI_FILE.name
    operations: dict[str, Any] = {}
    for service, channel in platform["channels"].items():
        operations[f"{service}.receive"] = {
            "action": "receive",
            "summary": f"A partner consumes the {service} service's events.",
            "channel": {"$ref": f"#/channels/{service}"},
            "messages": [
                {"$ref": f"#/channels/{service}/messages/{message_id}"}
                for message_id in channel["messages"]
            ],
        }
    return {
        "asyncapi": platform["asyncapi"],
        "info": {
            "title": "samverkan events, as a partner consumes them",
            "version": CONTRACT_VERSION,
            "description": (
                "A partner system's consumer of the samverkan events: it receives from the "
                f"channels {source} describes (where the platform sends). Generate a "
                "subscriber from this document, models from either (docs/partners.md)."
            ),
        },
        "defaultContentType": platform["defaultContentType"],
        "servers": platform["servers"],
        "channels": {
            service: {"$ref": f"{source}#/channels/{service}"} for service in platform["channels"]
        },
        "operations": operations,
        "components": {"securitySchemes": platform["components"]["securitySchemes"]},
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
    for path, document in (
        (ASYNCAPI_FILE, asyncapi()),
        (PARTNER_ASYNCAPI_FILE, partner_asyncapi()),
    ):
        files[path] = yaml.dump(
            document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
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
