"""Consent upstream, escalation downstream: the set-up most fault tests share.

Most fault tests put consents on consent's topic and watch escalation consume
them. One helper per piece (the topic, escalation's store, a subject's chain of
consents, escalation's consumer driven by hand or run until it has applied)
keeps each test to the fault it is about, and the pieces the same everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from faststream.kafka import KafkaMessage
from prometheus_client import CollectorRegistry

from contracts import dlq_topic, events_topic
from services.consent.application import ConsentApplication
from services.escalation.application import EscalationApplication
from services.escalation.domain import authorisations_id
from services.runtime.messaging.consumer.metrics import ConsumerMetrics
from services.runtime.messaging.consumer.subscription import TrackedConsumer
from services.runtime.messaging.consumer.target import TrackedTarget
from services.runtime.messaging.kafka import ensure_topics
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from tests.steps import consent_store, record_consent
from tests.support import (
    RawMessage,
    as_published,
    consents_noted,
    eventually,
    metric_value,
    oral_consent,
    produce_raw,
    read_topic,
    running_consumer,
)


def consent_topic(settings: RuntimeSettings) -> str:
    """Consent's topic under the test's own prefix."""
    return events_topic("consent", prefix=settings.topic_prefix)


async def consents_published(
    settings: RuntimeSettings, messages: list[RawMessage], partitions: list[int] | None = None
) -> str:
    """Consent's topic, created, with `messages` written onto it as `produce_raw` writes
    them (onto the partitions `partitions` names, or where their keys put them)."""
    topic = consent_topic(settings)
    await ensure_topics(settings, [topic])
    await produce_raw(settings.kafka_bootstrap, topic, messages, partitions)
    return topic


async def one_consent_per_partition(
    settings: RuntimeSettings, subjects: Sequence[str]
) -> tuple[str, list[ConsumerRecord[bytes, bytes]]]:
    """Consent's topic with consent n + 1 about `subjects[n]` on partition n, and its records
    read back in partition order: a batch spanning as many partitions as subjects."""
    topic = await consents_published(
        settings,
        [as_published(oral_consent(n + 1, s), 1, 0) for n, s in enumerate(subjects)],
        partitions=list(range(len(subjects))),
    )
    records = sorted(read_topic(settings.kafka_bootstrap, topic), key=lambda r: r.partition)
    return topic, records


def fetched_batch(records: Sequence[ConsumerRecord[bytes, bytes]], owner: Any) -> KafkaMessage:
    """`records` as faststream hands a fetched batch to a subscriber, committing via `owner`."""
    return KafkaMessage(raw_message=tuple(records), body=[r.value for r in records], consumer=owner)


def escalation_dead_letters(settings: RuntimeSettings) -> str:
    """Escalation's dead-letter topic under the test's own prefix."""
    return dlq_topic("escalation", prefix=settings.topic_prefix)


def escalation_group(settings: RuntimeSettings) -> str:
    """Escalation's consumer group under the test's own prefix."""
    return f"{settings.topic_prefix}.escalation"


def escalation_store(settings: RuntimeSettings) -> EscalationApplication:
    """Escalation's application on the test's own store, without its HTTP layer."""
    return EscalationApplication(env=store_env(settings, "escalation"))


def subject_ids(numbers: Iterable[int]) -> list[str]:
    """Made-up subject ids (64 hex digits), one for each number."""
    return [f"{n:064x}" for n in numbers]


def consents_recorded(
    settings: RuntimeSettings, subjects: Sequence[str], at: datetime
) -> ConsentApplication:
    """Consent's store with one consent recorded for each of `subjects` at `at`, in order."""
    consent = consent_store(settings)
    for subject_id in subjects:
        record_consent(consent, subject_id, at)
    return consent


@dataclass(frozen=True)
class ConsentChain:
    """One subject's consents, numbered, as the relay publishes them (consent n at
    sequence n), and which of them escalation noted."""

    subject: str

    def given(self, n: int, prev: int | None = None) -> RawMessage:
        """The n-th consent, at sequence n after `prev` (n - 1 unless said)."""
        return as_published(oral_consent(n, self.subject), n, prev)

    def noted(self, app: EscalationApplication) -> list[int]:
        """The consents escalation noted for the subject, in the order it noted them."""
        return consents_noted(app, self.subject)


def hand_driven_consumer(
    settings: RuntimeSettings,
    target: TrackedTarget,
    *,
    registry: CollectorRegistry | None = None,
) -> TrackedConsumer:
    """Escalation's tracked consumer for `target`, as a test drives it batch by batch; its
    metrics in `registry` when the test reads them."""
    return TrackedConsumer(
        group_id=escalation_group(settings),
        dlq_topic=escalation_dead_letters(settings),
        ensure_dlq_topic=lambda: ensure_topics(settings, [escalation_dead_letters(settings)]),
        target=target,
        metrics=ConsumerMetrics.register(registry or CollectorRegistry()),
        max_retries=2,
    )


async def partition_owner(
    bootstrap: str, settings: RuntimeSettings, partitions: Sequence[TopicPartition], **options: str
) -> AIOKafkaConsumer:
    """A member of escalation's group, started, owning `partitions`: the consumer a
    hand-driven batch commits through. The caller stops it."""
    owner = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=escalation_group(settings),
        enable_auto_commit=False,
        **options,
    )
    try:
        await owner.start()
    except BaseException:
        await owner.stop()  # the caller stops only the owner it got back
        raise
    owner.assign(list(partitions))
    return owner


async def consumed_by_escalation(
    settings: RuntimeSettings, topic: str, count: int, outcomes: Sequence[str] = ("applied",)
) -> tuple[EscalationApplication, ConsumerMetrics]:
    """Escalation's consumer, run until it has handled `count` events from `topic` with
    the `outcomes` given; its store and what it counted."""
    escalation = escalation_store(settings)
    async with running_consumer(settings, escalation, ["consent"], "escalation") as handled:
        await eventually(
            lambda: (
                sum(metric_value(handled, "handled", topic=topic, outcome=o) for o in outcomes)
                == count
            )
        )
    return escalation, handled


def assert_noted_once(escalation: EscalationApplication, subjects: Iterable[str]) -> None:
    """Escalation noted one consent for each of `subjects`, once."""
    for subject_id in subjects:
        view = escalation.repository.get(authorisations_id(subject_id))
        assert view.version == 2  # opened + noted once
        assert len(view.consents) == 1
