"""Reporting's intake applies a fetched run of messages in one transaction (#11) and
counts exactly what it counts one message at a time (D-6, D-7), on real stores."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.persistence import IntegrityError, Tracking

from contracts import (
    CaseTargetGroupsChanged,
    ConsentGiven,
    Envelope,
    IntegrationEvent,
    RedThreadMeetingOverdue,
    SipEstablished,
)
from contracts.examples import EXAMPLES
from contracts.vocabulary import TargetGroup
from services.reporting.application import ReportingApplication
from services.reporting.domain import Deviation
from services.reporting.domain.measures import Row
from services.reporting.domain.routines import deviation_id_for, source_message_id
from services.reporting.upstream import Intake
from services.reporting.views.statistics import Statistics, statistics_view
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from tests.support import PG_URL

SOURCE = "/samverkan/cases"
MARCH = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)
CASE = UUID("00000000-0000-4000-8000-00000000000c")


def _intake(tmp_path: Path, name: str, backend: str, prefix: str) -> ReportingApplication:
    settings = RuntimeSettings(
        var_dir=tmp_path / name,
        database_url=PG_URL if backend == "postgres" else None,
        database_schema_prefix=f"{prefix}{name}_",
    )
    return ReportingApplication(env=store_env(settings, "reporting"))


@pytest.fixture
def applications(
    store_backend: str, pg_schema_prefix: str, tmp_path: Path
) -> Iterator[tuple[ReportingApplication, ReportingApplication]]:
    one = _intake(tmp_path, "one", store_backend, pg_schema_prefix)
    batched = _intake(tmp_path, "batched", store_backend, pg_schema_prefix)
    yield one, batched
    one.close()
    batched.close()


def _messages() -> list[tuple[Envelope, Tracking]]:
    """A run of one partition: a subject's case enters a group, then a SIP is made for
    them (counted under that group only if the batch sees the first change), consents,
    and a missed red-thread deadline (a D-7 deviation)."""
    subject = "7a" * 32
    events: list[IntegrationEvent] = [
        EXAMPLES[CaseTargetGroupsChanged].model_copy(
            update={
                "subject_id": subject,
                "case_id": CASE,
                "target_groups": (TargetGroup.CO_MORBIDITY,),
                "changed_at": MARCH,
            }
        ),
        EXAMPLES[SipEstablished].model_copy(
            update={"subject_id": subject, "established_at": MARCH}
        ),
        *(EXAMPLES[ConsentGiven].model_copy(update={"subject_id": f"{n:064x}"}) for n in range(5)),
        EXAMPLES[RedThreadMeetingOverdue].model_copy(update={"subject_id": subject}),
    ]
    return [
        (
            Envelope(
                id=str(UUID(int=0xC0FFEE00 + n)),
                source=SOURCE,
                type=event.ce_type(),
                time=MARCH,
                subject=event.subject(),
                sequence=n,
                prev_sequence=n - 1,
                event=event,
            ),
            Tracking(f"{SOURCE}#0", n),
        )
        for n, event in enumerate(events, start=1)
    ]


def _counts(application: ReportingApplication) -> list[Row]:
    return statistics_view(application).counts()


def intake_of(application: ReportingApplication) -> Intake:
    """What the consumer hands each message to: the application and its statistics."""
    return Intake(application, Statistics(statistics_view(application)))


def test_d6_a_batch_counts_what_one_message_at_a_time_counts(
    applications: tuple[ReportingApplication, ReportingApplication],
) -> None:
    one, batched = applications
    messages = _messages()
    single = intake_of(one)
    for envelope, tracking in messages:
        single.process_message(envelope, tracking)
    intake_of(batched).process_messages(messages)

    assert _counts(batched) == _counts(one)
    by_group = [r for r in _counts(batched) if r.measure == "sips_established_by_target_group"]
    assert [(r.dimension, r.count) for r in by_group] == [("co_morbidity", 1)]
    assert statistics_view(batched).max_tracking_id(f"{SOURCE}#0") == len(messages)


def test_d7_a_batched_overdue_event_becomes_a_deviation_linked_to_its_message(
    applications: tuple[ReportingApplication, ReportingApplication],
) -> None:
    _, batched = applications
    messages = _messages()
    intake_of(batched).process_messages(messages)

    overdue, _ = messages[-1]
    source_id = source_message_id(overdue.id)
    deviation = batched.find(deviation_id_for(overdue.event, source_id), Deviation)
    assert deviation is not None
    assert str(deviation.source_event_id) == str(source_id)


def test_a_failed_batch_records_nothing_and_leaves_the_position(
    applications: tuple[ReportingApplication, ReportingApplication],
) -> None:
    _, batched = applications
    messages = _messages()
    intake = intake_of(batched)
    intake.process_messages(messages[:2])
    before = _counts(batched)

    # The run repeats a position already recorded: the batch's tracking is refused.
    with pytest.raises(IntegrityError, match="tracking"):
        intake.process_messages([messages[2], messages[1]])

    assert _counts(batched) == before
    assert statistics_view(batched).max_tracking_id(f"{SOURCE}#0") == 2


def _on_partition(
    messages: list[tuple[Envelope, Tracking]], partition: int
) -> list[tuple[Envelope, Tracking]]:
    return [(e, Tracking(f"{SOURCE}#{partition}", t.notification_id)) for e, t in messages]


def test_d6_partitions_counted_together_count_what_each_partition_alone_counts(
    applications: tuple[ReportingApplication, ReportingApplication],
) -> None:
    one, together = applications
    runs = [_on_partition(_messages()[:4], 0), _on_partition(_messages()[4:], 1)]
    for run in runs:
        intake_of(one).process_messages(run)
    intake_of(together).process_partitions(runs)

    assert _counts(together) == _counts(one)
    view = statistics_view(together)
    assert view.max_tracking_id(f"{SOURCE}#0") == 4
    assert view.max_tracking_id(f"{SOURCE}#1") == len(_messages())


def test_one_partition_already_counted_refuses_the_whole_batch(
    applications: tuple[ReportingApplication, ReportingApplication],
) -> None:
    _, together = applications
    intake = intake_of(together)
    first = _on_partition(_messages()[:2], 1)
    intake.process_messages(first)
    before = _counts(together)

    # Partition 1's run starts where a former owner of it already started (#19, item 3).
    with pytest.raises(IntegrityError, match="tracking"):
        intake.process_partitions([_on_partition(_messages()[:3], 0), first])

    assert _counts(together) == before
    assert statistics_view(together).max_tracking_id(f"{SOURCE}#0") is None
