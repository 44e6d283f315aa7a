"""D-7 on real stores: a detected deviation links the CloudEvent that carried the overdue fact.

The consumer hands reporting the message's envelope, so `DeviationDetected`
names the source message's ``ce_id``; a redelivered or republished message
(same ``ce_id``) makes no second deviation, and a deviation detected before
the link existed (its id derived from the content) is still the one found.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from eventsourcing.persistence import Tracking

from contracts import MonthlyMeetingAbsenceRecorded, RedThreadMeetingOverdue, decode, encode
from contracts.examples import EXAMPLES
from services.reporting.application import ReportingApplication
from services.reporting.domain.routines import deviation_id_for
from services.reporting.translate import to_integration_event
from services.reporting.upstream import Intake
from services.reporting.views.statistics import Statistics, statistics_view

AT = datetime(2026, 3, 17, 23, 0, tzinfo=UTC)
SOURCE = "/samverkan/escalation#1"


def _message(ce_id: str, sequence: int) -> object:
    overdue = EXAMPLES[RedThreadMeetingOverdue]
    message = encode(overdue, event_id=ce_id, time=AT, sequence=sequence, prev_sequence=0)
    return decode(message.value, message.headers)


def test_d7_the_deviation_links_the_source_messages_ce_id(
    reporting_application: ReportingApplication,
) -> None:
    intake = Intake(reporting_application, Statistics(statistics_view(reporting_application)))
    ce_id = str(uuid.uuid4())
    intake.process_message(_message(ce_id, 3), Tracking(SOURCE, 3))  # type: ignore[arg-type]
    # Republished by a relay that lost track: same ce_id, a later position.
    intake.process_message(_message(ce_id, 5), Tracking(SOURCE, 5))  # type: ignore[arg-type]

    [notification] = reporting_application.recorder.select_notifications(1, 10)
    published = to_integration_event(reporting_application.mapper.to_domain_event(notification))
    assert published is not None
    assert str(published.model_dump()["source_event_id"]) == ce_id
    deviation = reporting_application.get_deviation(published.model_dump()["deviation_id"])
    assert deviation.source_event_id == ce_id


def test_d7_a_deviation_detected_before_the_link_is_not_detected_again(
    reporting_application: ReportingApplication,
) -> None:
    overdue = EXAMPLES[RedThreadMeetingOverdue]
    earlier = reporting_application.detect_missed_routine(overdue)  # as before: no ce_id known
    assert earlier == deviation_id_for(overdue)
    again = reporting_application.detect_missed_routine(overdue, uuid.uuid4())
    assert again == earlier
    assert reporting_application.recorder.max_notification_id() == 1
    # Still readable, with its content-derived link.
    assert reporting_application.get_deviation(earlier).source_event_id is not None


def test_d7_a_source_without_a_uuid_ce_id_falls_back_to_the_content(
    reporting_application: ReportingApplication,
) -> None:
    intake = Intake(reporting_application, Statistics(statistics_view(reporting_application)))
    intake.process_message(_message("e-1", 1), Tracking(SOURCE, 1))  # type: ignore[arg-type]
    overdue = EXAMPLES[RedThreadMeetingOverdue]
    assert reporting_application.get_deviation(deviation_id_for(overdue)).rule == "E-3"


def test_e7_d7_a_monthly_meeting_absence_becomes_one_deviation_naming_the_absent(
    reporting_application: ReportingApplication,
) -> None:
    """Through the intake, as the escalation topic delivers it (no subject)."""
    intake = Intake(reporting_application, Statistics(statistics_view(reporting_application)))
    absence = EXAMPLES[MonthlyMeetingAbsenceRecorded]
    message = encode(absence, event_id=str(uuid.uuid4()), time=AT, sequence=7, prev_sequence=0)
    envelope = decode(message.value, message.headers)
    intake.process_message(envelope, Tracking(SOURCE, 7))

    [notification] = reporting_application.recorder.select_notifications(1, 10)
    published = to_integration_event(reporting_application.mapper.to_domain_event(notification))
    assert published is not None
    detected = published.model_dump()
    assert detected["rule"] == "E-7"
    assert list(detected["affected_orgs"]) == list(absence.absent_orgs)  # type: ignore[attr-defined]
