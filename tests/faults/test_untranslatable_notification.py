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
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry

from services.consent.application import ConsentApplication
from services.consent.translate import to_integration_event
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.messaging.parked import ParkedNotifications
from services.runtime.messaging.relay.metrics import RelayMetrics
from services.runtime.messaging.relay.outbox import OutboxRelay
from services.runtime.messaging.republish import republish
from services.runtime.settings import RuntimeSettings
from tests.faults.escalation_downstream import (
    assert_noted_once,
    consent_topic,
    consents_recorded,
    consumed_by_escalation,
    subject_ids,
)
from tests.steps import record_consent
from tests.support import (
    metric_value,
    outbox_relay,
    placements,
    reaches,
    read_topic,
    running_relay,
)

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
SUBJECTS = subject_ids(range(1, 9))
BROKEN = SUBJECTS[2]
"""The subject whose event the translator cannot translate (a translator bug)."""


def buggy_translator(domain_event: Any) -> Any:
    if getattr(domain_event, "subject_id", None) == BROKEN:
        raise ValueError("translator bug: cannot translate this event")
    return to_integration_event(domain_event)


@dataclass
class BatchRelay:
    """Consent's store and the relay publishing it, with what the relay counted."""

    consent: ConsentApplication
    relay: OutboxRelay
    task: asyncio.Task[None]
    metrics: RelayMetrics

    async def caught_up(self) -> None:
        """Wait until the relay has dealt with everything consent stored so far."""
        await reaches(self.relay, self.task, self.consent.recorder.max_notification_id() or 0)


@contextlib.asynccontextmanager
async def one_batch_relayed(
    settings: RuntimeSettings, topic: str, translate: Callable[[Any], Any]
) -> AsyncIterator[BatchRelay]:
    """The first six consents stored by consent (one relay batch, the odd event third) and
    relayed with `translate` until all are dealt with; the relay runs for the block."""
    consent = consents_recorded(settings, SUBJECTS[:6], NOW)
    metrics = RelayMetrics.register(CollectorRegistry())
    relay = outbox_relay(consent, settings, topic, translate, metrics)
    async with running_relay(relay) as task:
        relayed = BatchRelay(consent, relay, task, metrics)
        await relayed.caught_up()
        yield relayed


async def test_an_untranslatable_notification_is_parked_once_and_the_rest_flows_once(
    backend_settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    settings = backend_settings
    topic = consent_topic(settings)
    async with one_batch_relayed(settings, topic, buggy_translator) as relayed:
        consent, relay, metrics = relayed.consent, relayed.relay, relayed.metrics
        for subject_id in SUBJECTS[6:]:  # later notifications flow too
            record_consent(consent, subject_id, NOW)
        relay.wake()
        await relayed.caught_up()
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
    assert_noted_once(escalation, (s for s in SUBJECTS if s != BROKEN))

    # `outbox republish` passes over it the same way: same messages, same predecessors.
    again = await republish(settings, "consent", buggy_translator, start=1)
    assert again.untranslatable == (3,)
    assert again.messages == len(SUBJECTS) - 1
    chains = placements(kafka.bootstrap, topic)
    assert len(chains) == len(SUBJECTS) - 1
    assert all(len(placed) == 1 for placed in chains.values()), chains
