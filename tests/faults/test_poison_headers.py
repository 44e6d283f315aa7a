"""Fault: a message whose headers are not UTF-8 (or have no value) on a live topic.

Found by the chaos campaign (#12): faststream read every header as UTF-8
before the tracked consumer saw the batch, so one such message made it drop
the whole fetched batch — the good events in it were never applied (lost for
that consumer) and the poison never reached the dead-letter topic.
"""

from __future__ import annotations

from datetime import UTC, datetime

from services.escalation.domain import authorisations_id
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.settings import RuntimeSettings
from tests.faults.escalation_downstream import (
    consent_topic,
    consents_recorded,
    escalation_dead_letters,
    escalation_store,
    subject_ids,
)
from tests.steps import record_consent
from tests.support import drain_relay, eventually, produce_raw, read_topic, running_consumer

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


async def test_dlq_a_header_that_is_not_utf8_is_dead_lettered_and_its_batch_applied(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    settings = runtime_settings
    topic = consent_topic(settings)
    before, after = subject_ids(range(1, 7)), subject_ids(range(7, 13))
    consent = consents_recorded(settings, before, NOW)
    await drain_relay(consent, settings, topic)
    poison = [
        (f"{n:064x}".encode(), b"\x8f\xdb garbage", [("ce_type", b"\xe8\xff"), ("x", b"\x80")])
        for n in range(100, 106)
    ]
    poison.append((b"k", b"no value in a header", [("ce_specversion", None)]))  # type: ignore[list-item]
    await produce_raw(kafka.bootstrap, topic, poison)
    for subject_id in after:
        record_consent(consent, subject_id, NOW)
    await drain_relay(consent, settings, topic)

    escalation = escalation_store(settings)
    async with running_consumer(settings, escalation, ["consent"], "escalation"):
        dead = escalation_dead_letters(settings)
        letters = await eventually(
            lambda: len(records := read_topic(kafka.bootstrap, dead)) >= len(poison) and records,
            timeout=30,
        )

        def noted() -> bool:
            return all(
                escalation.repository.get(authorisations_id(s)).version == 2
                for s in before + after
                if authorisations_id(s) in escalation.repository
            ) and all(authorisations_id(s) in escalation.repository for s in before + after)

        await eventually(noted, timeout=30)
    assert len(letters) == len(poison)
    assert {dict(r.headers)["dlq.reason"] for r in letters} == {b"undecodable"}
    # The dead-letter copy keeps the value and (readable) headers as they were.
    assert {r.value for r in letters} == {value for _, value, _ in poison}
