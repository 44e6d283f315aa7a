"""Fault: a stored event whose message is larger than consumers accept.

Issue #19, item 10. Consumers refuse a message above contracts'
MAX_EVENT_BYTES before parsing it (dead letter, reason `oversized`), but the
relay sent whatever it had: the message went out, took its place in its
partition's chain, and every consumer dead-lettered it — the next event then
named a predecessor no consumer had applied. The relay now parks it like an
untranslatable event (``relay_parked``, ``samverkan_outbox_parked_total``):
it is never sent, and the chain passes over it.
"""

from __future__ import annotations

from typing import Any

from contracts import MAX_EVENT_BYTES
from services.consent.translate import to_integration_event
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.messaging.parked import ParkedNotifications
from services.runtime.settings import RuntimeSettings
from tests.faults.escalation_downstream import (
    assert_noted_once,
    consent_topic,
    consumed_by_escalation,
)
from tests.faults.test_untranslatable_notification import SUBJECTS, one_batch_relayed
from tests.support import metric_value, read_topic

BIG = SUBJECTS[2]
"""The subject whose event comes out larger than consumers accept."""
PARTY = "SE2321000016-POL1"


def inflating_translator(domain_event: Any) -> Any:
    """Consent's translator, but BIG's consent names so many parties it is oversized."""
    event = to_integration_event(domain_event)
    if event is not None and getattr(event, "subject_id", None) == BIG:
        copies = MAX_EVENT_BYTES // len(PARTY) + 1
        event = event.model_copy(update={"parties": (PARTY,) * copies})
    return event


async def test_an_event_larger_than_consumers_accept_is_parked_not_sent(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    settings = runtime_settings
    topic = consent_topic(settings)
    async with one_batch_relayed(settings, topic, inflating_translator) as relayed:
        consent, relay, metrics = relayed.consent, relayed.relay, relayed.metrics

    records = read_topic(kafka.bootstrap, topic)
    assert len(records) == 5
    assert all(r.key != BIG.encode() for r in records)
    assert all(len(r.value) <= MAX_EVENT_BYTES for r in records)
    assert metric_value(metrics, "parked", topic=topic) == 1
    parked = ParkedNotifications(consent.recorder.datastore).list(topic)  # type: ignore[attr-defined]
    assert [p.sequence for p in parked] == [3]
    assert "OversizedEvent" in parked[0].error
    assert relay.last_error is None

    # It takes no place in its partition's chain: a consumer sees no gap, no dead letter.
    escalation, handled = await consumed_by_escalation(settings, topic, 5)
    assert metric_value(handled, "handled", topic=topic, outcome="gap") == 0
    assert metric_value(handled, "handled", topic=topic, outcome="dead_letter") == 0
    assert_noted_once(escalation, (s for s in SUBJECTS[:6] if s != BIG))
