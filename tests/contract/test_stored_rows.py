"""Every row's events, written straight from the stored state, are the messages the
domain-event path sent, or are parked alike (#24).

`services.runtime.messaging.stored_rows` writes the public payload of a row
without logic from the stored JSON, skipping the domain event and the
pydantic round trip. Nothing on the wire may change for that (consumers
deduplicate by ``ce_id``, partners validate against the published schemas, a
republished message must equal the first), and nothing the contract refuses
may be sent. So for every row of every service's table, generated stored
events (personal data sealed, trace context or none, refusals among them) go
through the relay's `translate_batch` and are compared, bytes and headers, to
the path before #24 (`reference_message`, the code it replaced); and so are the
stores older code wrote (tests/fixtures/stores-5c679fc).
"""

from __future__ import annotations

import shutil
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import Notification
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from contracts import OutgoingMessage
from contracts.cloudevents import _rfc3339
from services.cases.application import CasesApplication
from services.cases.domain import UnitDirectory
from services.cases.translate import to_integration_event as cases_table
from services.consent.application import ConsentApplication
from services.consent.domain import Consent
from services.consent.translate import to_integration_event
from services.escalation.application import EscalationApplication
from services.escalation.translate import to_integration_event as escalation_table
from services.reporting.application import ReportingApplication
from services.reporting.translate import to_integration_event as reporting_table
from services.runtime.kernel.personal import Personal
from services.runtime.messaging.relay.outgoing import translate_batch
from services.runtime.messaging.stored_rows import Direct, StoredRow, StoredRows, header_time
from services.runtime.messaging.translation import Row, TranslationTable
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from tests.contract.generated_events import domain_events
from tests.contract.test_fast_encoding import reference_message as sent_before_stored_rows
from tests.contract.test_fast_encoding import traceparents

TABLES: dict[str, TranslationTable] = {
    "consent": to_integration_event,
    "cases": cases_table,
    "escalation": escalation_table,
    "reporting": reporting_table,
}
ROWS = [
    pytest.param(service, each, id=f"{service}: {each.label}")
    for service, table in TABLES.items()
    for each in table.rows
]

OLD_WAY = {
    # Function rows: their logic (versions, conditions) reads the domain event.
    "cases: Case.FactsCorrected -> _facts_corrected()",
    "cases: Case.DecisionRecorded -> _decision()",
    "cases: Screening.AdviceRecorded -> _screening_advice()",
    "cases: Case.AgeTransitionAnnounced -> _announced()",
    "cases: Meeting.Requested -> _three_party_requested()",
    "cases: ChildWelfareReport.Acknowledged -> _report_acknowledged()",
    "escalation: MonthlyMeeting.AttendanceRecorded -> monthly_absence()",
    "reporting: AnnualReportPublication.Published -> _publication()",
    "reporting: AnnualReportPublication.Revised -> _publication()",
    # A computed field: a function of the domain event.
    "cases: Case.Routed -> CaseRouted",
    "cases: Sip.Established -> SipEstablished",
    "cases: Sip.Revised -> SipRevised",
    "cases: Sip.PlanPublished -> SipPlanPublished",
    "escalation: MonthlyMeeting.Planned -> MonthlyMeetingPlanned",
    "escalation: MonthlyMeeting.Moved -> MonthlyMeetingMoved",
    "escalation: RoutineReview.Held -> RoutineReviewHeld",
}
"""Rows whose events always take the old way (translated from the domain event)."""


def test_the_rows_written_from_stored_state_are_all_but_those_with_logic() -> None:
    old_way = {
        f"{service}: {each.label}"
        for service, table in TABLES.items()
        for each in table.rows
        if StoredRow.of(table, each.domain) is None
    }
    assert old_way == OLD_WAY


@pytest.fixture(scope="module")
def store() -> ConsentApplication:
    """A real store's mapper (sealing personal data, keeping the trace): every service's
    events map alike, by their class's topic."""
    return ConsentApplication(longest_emergency_disclosure=timedelta(hours=72))


def _stored(app: ConsentApplication, event: Any, traceparent: str | None, at: int) -> Notification:
    if traceparent is None:
        stored = app.mapper.to_stored_event(event)
    else:
        _, trace_id, span_id, flags = traceparent.split("-")
        context = SpanContext(
            int(trace_id, 16), int(span_id, 16), is_remote=True, trace_flags=TraceFlags(int(flags))
        )
        with trace.use_span(NonRecordingSpan(context)):
            stored = app.mapper.to_stored_event(event)
    return Notification(
        id=at,
        originator_id=stored.originator_id,
        originator_version=stored.originator_version,
        topic=stored.topic,
        state=stored.state,
    )


def reference_message(
    app: Application[Any],
    table: TranslationTable,
    notification: Notification,
    tails: dict[int, int],
) -> tuple[int, OutgoingMessage] | str | None:
    """The message the relay sent before #24's stored rows, or the error it parked."""
    try:
        return sent_before_stored_rows(app.mapper, table, notification, tails)
    except Exception as error:
        return f"{type(error).__name__}: {error}"


@pytest.mark.parametrize(("service", "row"), ROWS)
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), traceparent=traceparents, sequence=st.integers(2, 2**62))
def test_every_rows_stored_events_become_the_same_messages_or_are_parked_alike(
    store: ConsentApplication,
    service: str,
    row: Row,
    data: Any,
    traceparent: str | None,
    sequence: int,
) -> None:
    table = TABLES[service]
    event, spoiled = data.draw(domain_events(row))
    notification = _stored(store, event, traceparent, sequence)
    tails = {p: data.draw(st.integers(0, sequence - 1)) for p in range(3)}
    expected = reference_message(store, table, notification, tails)

    batch = translate_batch(store, table, [notification], tails)

    direct = StoredRows.for_mapper(store.mapper, table)
    assert direct is not None
    written = direct.build(notification)
    if isinstance(expected, str):  # refused: parked with the very error, nothing sent
        assert batch.messages == []
        assert [item.error for item in batch.untranslatable] == [expected]
        assert batch.tails == tails
        assert written is None
    elif expected is None:  # private
        assert batch.messages == []
        assert batch.untranslatable == []
    else:
        assert batch.untranslatable == []
        assert batch.messages == [expected]
        if f"{service}: {row.label}" not in OLD_WAY and not spoiled:
            assert isinstance(written, Direct)  # and not by the old way after all
            assert written.payload == expected[1].value


def _consent_given(subject_id: str, parties: list[str], at: datetime) -> Any:
    return Consent.Given(  # type: ignore[call-arg]
        originator_id=uuid.uuid4(),
        originator_version=1,
        timestamp=at,
        originator_topic="services.consent.domain.consent:Consent",
        subject_id=subject_id,
        purpose="sip",
        parties=parties,
        form="written",
        informed=True,
        recorded_by="SE2120000001-S001",
        given_at=at,
        valid_until=None,
        guardian_name=Personal(subject_id, "Greta Vårdnadshavare"),
    )


def test_an_event_the_contract_refuses_is_parked_as_before_not_written_c3(
    store: ConsentApplication,
) -> None:
    """C-3's parties must be distinct and at least two, the subject a pseudonym: a stored
    event that breaks the contract is parked with the error it always was, and the
    stored-state path does not send it."""
    at = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
    good = "ab" * 32
    refused = [
        _consent_given("not-a-pseudonym", ["SE2120000001-SOC1", "SE2321000016-POL1"], at),
        _consent_given(good, ["SE2120000001-SOC1", "SE2120000001-SOC1"], at),
        _consent_given(good, ["SE2120000001-SOC1"], at),
        _consent_given(good, ["SE2120000001-SOC1", "SE2321000016-POL1"], at.replace(tzinfo=None)),
    ]
    accepted = _consent_given(good, ["SE2120000001-SOC1", "SE2321000016-POL1"], at)
    notifications = [
        _stored(store, event, None, n) for n, event in enumerate([*refused, accepted], 1)
    ]
    rows = StoredRows.for_mapper(store.mapper, to_integration_event)
    assert rows is not None

    batch = translate_batch(store, to_integration_event, notifications, {})

    errors = [reference_message(store, to_integration_event, n, {}) for n in notifications[:-1]]
    assert all(isinstance(error, str) for error in errors)
    assert [item.error for item in batch.untranslatable] == errors
    assert [item.notification.id for item in batch.untranslatable] == [1, 2, 3, 4]
    assert [rows.build(n) for n in notifications[:-1]] == [None] * 4
    assert [message for _, message in batch.messages] == [
        reference_message(store, to_integration_event, notifications[-1], {})[1]  # type: ignore[index]
    ]
    assert isinstance(rows.build(notifications[-1]), Direct)


STORES = Path(__file__).resolve().parent.parent / "fixtures" / "stores-5c679fc"


def _fixture_apps(tmp_path: Path) -> list[tuple[Application[Any], TranslationTable]]:
    shutil.copytree(STORES, tmp_path / "var")
    for story in ("handover", "handovers", "screening", "sip", "three-party-meeting"):
        shutil.copytree(STORES / "cases" / story, tmp_path / story)
    opened: list[tuple[Application[Any], TranslationTable]] = []
    settings = RuntimeSettings(var_dir=tmp_path / "var")
    key = settings.resolved_master_key()
    opened.append(
        (
            ConsentApplication(
                env=store_env(settings, "consent"),
                master_key=key,
                longest_emergency_disclosure=timedelta(hours=72),
            ),
            to_integration_event,
        )
    )
    opened.append(
        (
            EscalationApplication(env=store_env(settings, "escalation"), master_key=key),
            escalation_table,
        )
    )
    opened.append(
        (
            ReportingApplication(env=store_env(settings, "reporting"), master_key=key),
            reporting_table,
        )
    )
    for story in ("handover", "handovers", "screening", "sip", "three-party-meeting"):
        at = RuntimeSettings(var_dir=tmp_path / story)
        opened.append(
            (
                CasesApplication(
                    env=store_env(at, "cases"),
                    master_key=at.resolved_master_key(),
                    units=UnitDirectory([]),
                ),
                cases_table,
            )
        )
    return opened


def test_stores_older_code_wrote_publish_the_messages_they_did(tmp_path: Path) -> None:
    """Events stored before `Personal` (legacy text the mapper opens with a key), before
    later attributes and class versions: each store's whole log, as one batch."""
    written = 0
    for app, table in _fixture_apps(tmp_path):
        try:
            notifications = app.recorder.select_notifications(1, 100_000)
            assert notifications
            tails: dict[int, int] = {}
            expected: list[tuple[int, OutgoingMessage]] = []
            refused: list[str] = []
            for notification in notifications:
                reference = reference_message(app, table, notification, tails)
                if isinstance(reference, str):
                    refused.append(reference)
                elif reference is not None:
                    expected.append(reference)
                    tails[reference[0]] = notification.id

            batch = translate_batch(app, table, notifications, {})

            assert batch.messages == expected
            assert [item.error for item in batch.untranslatable] == refused
            assert batch.tails == tails
            rows = StoredRows.for_mapper(app.mapper, table)
            assert rows is not None
            written += sum(isinstance(rows.build(n), Direct) for n in notifications)
        finally:
            app.close()
    assert written  # some of them were written from their stored state


@given(
    st.datetimes(
        min_value=datetime(1000, 1, 1),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(-timedelta(0))]),
    )
)
def test_the_time_header_read_off_the_stored_text_is_the_one_written_from_the_datetime(
    moment: datetime,
) -> None:
    stored = {"_type_": "datetime_iso", "_data_": moment.isoformat()}

    text = header_time(stored)

    assert text is None or text == _rfc3339(moment)
    if moment.utcoffset() == timedelta(0) and moment.microsecond:
        assert text is not None  # the stored events' own timestamps: UTC, to the microsecond


def test_the_time_header_is_not_read_off_a_stored_text_isoformat_would_not_write() -> None:
    for text in (
        "2026-12-06T09:00:00.000000+00:00",  # isoformat writes no zero microseconds
        "2026-12-06 09:00:00+00:00",
        "2026-12-06T09:00:00+01:00",
        "2026-12-06T09:00:00.5+00:00",
    ):
        assert header_time({"_type_": "datetime_iso", "_data_": text}) is None, text
