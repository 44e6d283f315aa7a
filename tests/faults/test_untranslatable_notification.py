"""Fault: a stored event whose translation raises, in the middle of a relay batch.

Issue #19, item 8. The relay translated and sent a batch one notification at
a time; when one raised, the sends before it were already out, the round
failed, and the next round sent that prefix again — every few seconds, until
a fixed version was deployed, while everything stored after it waited. Now
the whole batch is translated before any of it is sent, and what cannot be
translated is parked (recorded in ``relay_parked``, counted by
``samverkan_outbox_parked_total``), so the relay moves on.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry

from contracts import events_topic
from services.consent.application import ConsentApplication
from services.consent.translate import to_integration_event
from services.escalation.application import EscalationApplication
from services.escalation.domain import authorisations_id
from services.runtime.messaging.consumer.metrics import ConsumerMetrics
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.messaging.parked import ParkedNotifications
from services.runtime.messaging.relay.metrics import RelayMetrics
from services.runtime.messaging.republish import republish
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from tests.steps import consent_store, record_consent
from tests.support import (
    eventually,
    metric_value,
    outbox_relay,
    placements,
    reaches,
    read_topic,
    running_consumer,
    running_relay,
)

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
SUBJECTS = [f"{n:064x}" for n in range(1, 9)]
BROKEN = SUBJECTS[2]
"""The subject whose event the translator cannot translate (a translator bug)."""


def buggy_translator(domain_event: Any) -> Any:
    if getattr(domain_event, "subject_id", None) == BROKEN:
        raise ValueError("translator bug: cannot translate this event")
    return to_integration_event(domain_event)


def one_batch_stored(settings: RuntimeSettings) -> ConsentApplication:
    """The first six consents stored by consent: one relay batch, the odd event third."""
    consent = consent_store(settings)
    for subject_id in SUBJECTS[:6]:
        record_consent(consent, subject_id, NOW)
    return consent


async def consumed_by_escalation(
    settings: RuntimeSettings, topic: str, applied: int
) -> tuple[EscalationApplication, ConsumerMetrics]:
    """Escalation's consumer, run until it has applied `applied` events from `topic`; its
    store and what it counted."""
    escalation = EscalationApplication(env=store_env(settings, "escalation"))
    async with running_consumer(settings, escalation, ["consent"], "escalation") as handled:
        await eventually(
            lambda: metric_value(handled, "handled", topic=topic, outcome="applied") == applied
        )
    return escalation, handled


async def test_an_untranslatable_notification_is_parked_once_and_the_rest_flows_once(
    backend_settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    settings = backend_settings
    topic = events_topic("consent", prefix=settings.topic_prefix)
    consent = one_batch_stored(settings)
    metrics = RelayMetrics.register(CollectorRegistry())
    relay = outbox_relay(consent, settings, topic, buggy_translator, metrics)
    async with running_relay(relay) as task:
        await reaches(relay, task, consent.recorder.max_notification_id() or 0)
        for subject_id in SUBJECTS[6:]:  # later notifications flow too
            record_consent(consent, subject_id, NOW)
        relay.wake()
        await reaches(relay, task, consent.recorder.max_notification_id() or 0)
        await asyncio.sleep(2)  # a few relay rounds and log checks: nothing is sent again

    records = read_topic(kafka.bootstrap, topic)
    ce_ids = [dict(r.headers)["ce_id"] for r in records]
    assert len(ce_ids) == len(SUBJECTS) - 1  # all but the broken one…
    assert len(set(ce_ids)) == len(ce_ids)  # …each exactly once
    assert all(r.key != BROKEN.encode() for r in records)

    assert metric_value(metrics, "parked", topic=topic) == 1
    parked = ParkedNotifications(consent.recorder.datastore).list(topic)  # type: ignore[attr-defined]
    assert [p.sequence for p in parked] == [3]
    assert "translator bug" in parked[0].error
    assert relay.last_error is None  # not failing: readiness stays green

    # The broken event takes no place in its partition's chain: a consumer sees no gap.
    escalation, handled = await consumed_by_escalation(settings, topic, len(SUBJECTS) - 1)
    assert metric_value(handled, "handled", topic=topic, outcome="gap") == 0
    assert metric_value(handled, "handled", topic=topic, outcome="duplicate") == 0
    for subject_id in SUBJECTS:
        if subject_id != BROKEN:
            assert escalation.repository.get(authorisations_id(subject_id)).version == 2

    # `outbox republish` passes over it the same way: same messages, same predecessors.
    again = await republish(settings, "consent", buggy_translator, start=1)
    assert again.untranslatable == (3,)
    assert again.messages == len(SUBJECTS) - 1
    chains = placements(kafka.bootstrap, topic)
    assert len(chains) == len(SUBJECTS) - 1
    assert all(len(placed) == 1 for placed in chains.values()), chains
