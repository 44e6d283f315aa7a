"""Issue #23: a partner generates a consumer from contracts/asyncapi.yaml, and it works.

The partner's path end to end, offline: the AsyncAPI CLI generates pydantic models
from the checked-in document, the consumer of docs/partners.md runs as written
against the embedded broker, and the consent service's relay publishes a real event
for it. The relayed message's headers are also exactly what the channel's header
schema declares, traceparent included.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from pydantic import BaseModel

from contracts import events_topic
from contracts.generate import ASYNCAPI_FILE
from services.consent.service import Settings as ConsentSettings
from services.runtime.settings import RuntimeSettings
from tests import asyncapi_cli
from tests.partners_guide import guide_module
from tests.support import POLICE, ROOT, SOCIAL, InProcessService, call, consent_body, read_topic
from tests.support import wait_for as eventually

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
TRACEPARENT = f"00-{TRACE_ID}-b7ad6b7169203331-01"


class _Received(Exception):
    """Ends the partner's consumer loop once it has handed over an event."""


def generated_models(tmp_path: Path) -> Path:
    """Where `asyncapi generate models python` wrote `samverkan_models`, as the guide runs it."""
    result = asyncapi_cli.run(
        [
            "generate",
            "models",
            "python",
            str(ASYNCAPI_FILE),
            "--pyDantic",
            "--no-interactive",
            "-o",
            "samverkan_models",
        ],
        tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "samverkan_models" / "ConsentGiven.py").exists(), result.stdout
    return tmp_path


def partner_consumer(models: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The guide's consumer, run from the repository (it opens contracts/asyncapi.yaml)
    with the generated models importable."""
    monkeypatch.chdir(ROOT)
    monkeypatch.syspath_prepend(str(models))
    return guide_module("Generating a consumer", 0, models)


def test_a_consumer_generated_from_the_asyncapi_document_reads_a_relayed_event(
    start_in_process: Callable[..., InProcessService],
    runtime_settings: RuntimeSettings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    consent = start_in_process("consent", ConsentSettings())
    given = call(
        consent,
        POLICE,
        "POST",
        "/v1/consents",
        headers={"traceparent": TRACEPARENT},
        json=consent_body(purpose="red_thread_meeting", parties=[POLICE.org_id, SOCIAL.org_id]),
    )
    assert given.status_code == 201, given.text
    topic = events_topic("consent", prefix=runtime_settings.topic_prefix)

    # What the relay sent is what the channel's header schema declares, no more, no less.
    [record] = eventually(lambda: read_topic(runtime_settings.kafka_bootstrap, topic))
    sent = {name: value.decode() for name, value in record.headers}
    document = yaml.safe_load(ASYNCAPI_FILE.read_text(encoding="utf-8"))
    schema = document["components"]["messages"][sent["ce_type"]]["headers"]
    jsonschema.validate(sent, schema)
    assert set(sent) == set(schema["properties"]), set(sent) ^ set(schema["properties"])
    assert sent["traceparent"].split("-")[1] == TRACE_ID

    # The partner's generated consumer hands it over as the generated model.
    consumer = partner_consumer(generated_models(tmp_path), monkeypatch)
    received: list[tuple[dict[str, str], BaseModel]] = []

    async def handle(headers: dict[str, str], event: BaseModel) -> None:
        received.append((headers, event))
        raise _Received

    consuming = consumer["consume"](
        handle,
        {"bootstrap_servers": runtime_settings.kafka_bootstrap},
        group_id=f"partner-test.{topic}",
        topics=(topic,),
    )
    with pytest.raises(_Received):
        asyncio.run(asyncio.wait_for(consuming, timeout=60))

    [(headers, event)] = received
    assert type(event).__name__ == "ConsentGiven"
    assert headers["ce_id"] == sent["ce_id"]
    payload: dict[str, Any] = event.model_dump(mode="json")
    assert payload["consent_id"] == given.json()["id"]
    assert payload["purpose"] == "red_thread_meeting"
    assert sorted(payload["parties"]) == sorted([POLICE.org_id, SOCIAL.org_id])
