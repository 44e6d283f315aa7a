"""Issue #24: the statistics rebuild decodes only the types the statistics count, and
still swaps in exactly what the live projection counted, and where it stands.

One stream of every published event type and version, plus what a log also
holds: a type no version of the platform publishes yet (a producer ahead of
reporting), a counted type with a payload that breaks its schema, and
duplicates. The live consumer (reporting's own intake, in-process) counts it;
then the rebuild reads it from the topics and swaps its result in. Counts,
target groups, screenings and tracking positions must be what they were.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from contracts import EVENT_TYPES, SERVICES, ConsentGiven, dlq_topic, encode, events_topic
from contracts.examples import EXAMPLES
from services.reporting.application import ReportingApplication
from services.reporting.upstream import Intake
from services.reporting.views.rebuild import UPSTREAM
from services.reporting.views.rebuild import statistics as statistics_projection
from services.reporting.views.statistics import Statistics, statistics_view
from services.runtime.messaging.kafka import ensure_topics
from services.runtime.messaging.partitioning import event_partition
from services.runtime.messaging.rebuild import rebuild
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from tests.support import RawMessage, eventually, produce_raw, running_consumer

PUBLISHED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
FUTURE_TYPE = "se.samverkan.consent.ConsentGiven.v99"


class _Log:
    """Messages per topic as the relays publish them: per topic a sequence, per
    partition the predecessor; `tails` is where each ``source#partition`` ends."""

    def __init__(self, settings: RuntimeSettings) -> None:
        self._prefix = settings.topic_prefix
        self.messages: dict[str, list[tuple[RawMessage, int]]] = defaultdict(list)
        self._sequences: dict[str, int] = defaultdict(int)
        self.tails: dict[str, int] = {}

    def publish(
        self, event: Any, *, ce_type: str | None = None, value: bytes | None = None
    ) -> None:
        service = event.service
        topic = events_topic(service, prefix=self._prefix)
        self._sequences[topic] += 1
        sequence = self._sequences[topic]
        message = encode(
            event,
            event_id=str(uuid.uuid5(uuid.NAMESPACE_OID, f"{topic}:{sequence}")),
            time=PUBLISHED_AT,
            sequence=sequence,
            prev_sequence=0,  # replaced below: the predecessor on the same partition
        )
        partition = event_partition(message.key)
        name = f"/samverkan/{service}#{partition}"
        headers = [
            (h, str(self.tails.get(name, 0)).encode() if h == "ce_prevsequence" else v)
            for h, v in message.headers
        ]
        if ce_type is not None:
            headers = [(h, ce_type.encode() if h == "ce_type" else v) for h, v in headers]
        self.tails[name] = sequence
        self.messages[topic].append(((message.key, value or message.value, headers), partition))

    def republish(self, topic: str, count: int) -> None:
        """The first `count` messages of `topic` once more (a relay that republished)."""
        self.messages[topic] += self.messages[topic][:count]


def _stream(settings: RuntimeSettings) -> _Log:
    """Every event type and version, each about two subjects of its own service's topic
    (target groups and the events counted under them on one partition, in order,
    as both the live consumer and the rebuild read it), then the odd messages."""
    log = _Log(settings)
    for service_number, service in enumerate(SERVICES):
        for subject in range(2):
            subject_id = f"{service_number:02x}{subject:02x}" * 16
            for ce_type in sorted(EVENT_TYPES):
                cls = EVENT_TYPES[ce_type]
                if cls.service != service:
                    continue
                event = EXAMPLES[cls]
                if "subject_id" in type(event).model_fields:
                    event = event.model_copy(update={"subject_id": subject_id})
                log.publish(event)
    consent_given = EXAMPLES[ConsentGiven].model_copy(update={"subject_id": "ab" * 32})
    # A counted type whose payload breaks its schema: the live consumer dead-letters it.
    broken = json.loads(consent_given.model_dump_json())
    broken["purpose"] = "not-a-purpose"
    log.publish(consent_given, value=json.dumps(broken).encode())
    log.republish(events_topic("consent", prefix=settings.topic_prefix), 5)
    # Last on its partition: a type no version of reporting knows.
    log.publish(consent_given, ce_type=FUTURE_TYPE)
    return log


def _contents(application: ReportingApplication, names: list[str]) -> dict[str, Any]:
    """The statistics' tables, sorted, and the consumer's positions at `names`."""
    view = statistics_view(application)
    tables: dict[str, Any] = {
        table: sorted(view.select(f"SELECT * FROM {{{table}}}"))  # noqa: S608
        for table in view.NAMES
    }
    return tables | {"positions": {name: view.max_tracking_id(name) for name in names}}


def test_d6_a_rebuild_counts_what_the_live_projection_counted(
    backend_settings: RuntimeSettings,
) -> None:
    settings = backend_settings
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    topics = [events_topic(s, prefix=settings.topic_prefix) for s in UPSTREAM]
    asyncio.run(
        ensure_topics(settings, [*topics, dlq_topic("reporting", prefix=settings.topic_prefix)])
    )
    log = _stream(settings)
    application = ReportingApplication(env=store_env(settings, "reporting"))
    view = statistics_view(application)

    async def live() -> None:
        for topic, messages in log.messages.items():
            await produce_raw(
                settings.kafka_bootstrap,
                topic,
                [m for m, _ in messages],
                [p for _, p in messages],
            )
        target = Intake(application, Statistics(view)).target()
        async with running_consumer(
            settings, application, list(UPSTREAM), "reporting", target=target
        ):
            await eventually(
                lambda: all(view.max_tracking_id(n) == s for n, s in log.tails.items()), 60
            )

    asyncio.run(live())
    counted = _contents(application, sorted(log.tails))
    assert len(counted["statistics_count"]) > 20  # every counted type added something
    assert counted["statistics_target_group"]  # and target groups were kept

    report = asyncio.run(rebuild(settings, statistics_projection, max_rounds=1))

    assert _contents(application, sorted(log.tails)) == counted
    assert report.positions == log.tails
    assert report.skipped > 0  # the types the statistics do not count: never decoded
    assert report.undecodable == 1  # the broken ConsentGiven
    assert report.duplicates == 5
    application.close()
