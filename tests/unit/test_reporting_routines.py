"""D-7: every overdue event from the other services is a `routines` deviation, linked to it."""

from __future__ import annotations

from typing import Any

import pytest

from contracts import (
    AgeTransitionOverdue,
    CaseMeetingOverdue,
    ConsentGiven,
    DeviationDetected,
    DeviationFeedbackOverdue,
    HandoverAcknowledgementOverdue,
    IntegrationEvent,
    MeetingAbsenceRecorded,
    MonthlyMeetingAbsenceRecorded,
    OtherPrincipalContactOverdue,
    RedThreadActionOverdue,
    RedThreadFollowUpNotBooked,
    RedThreadFollowUpOverdue,
    RedThreadMeetingNotRecorded,
    RedThreadMeetingOverdue,
    SipEstablishmentOverdue,
    SipFollowUpOverdue,
)
from contracts.examples import (
    ADULT_UNIT,
    EXAMPLES,
    POLICE,
    PSYCHIATRY,
    SOCIAL_SERVICES,
)
from services.reporting.domain.routines import deviation_id_for, missed_routine, source_event_id
from services.reporting.views.statistics import StatisticsView
from tests.unit.test_reporting_projection import counted, view  # noqa: F401 (fixture)

OVERDUE: dict[type[IntegrationEvent], str] = {
    RedThreadMeetingOverdue: "E-3",
    MeetingAbsenceRecorded: "E-3",
    RedThreadFollowUpOverdue: "E-5",
    AgeTransitionOverdue: "K-4",
    HandoverAcknowledgementOverdue: "K-5",
    SipFollowUpOverdue: "K-7",
    SipEstablishmentOverdue: "K-13",
    OtherPrincipalContactOverdue: "K-17",
    CaseMeetingOverdue: "E-11",
    RedThreadMeetingNotRecorded: "E-11",
    RedThreadFollowUpNotBooked: "E-11",
    RedThreadActionOverdue: "E-11",
    DeviationFeedbackOverdue: "D-3",
}


@pytest.mark.parametrize(("kind", "rule"), OVERDUE.items(), ids=lambda k: getattr(k, "__name__", k))
def test_d7_an_overdue_event_becomes_a_routines_deviation(
    kind: type[IntegrationEvent], rule: str
) -> None:
    event: Any = EXAMPLES[kind]
    missed = missed_routine(event)
    assert missed is not None
    assert missed.rule == rule
    assert missed.category == "routines"
    assert missed.subject_id == event.subject_id
    assert rule in missed.what_happened


AFFECTED: dict[type[IntegrationEvent], list[str]] = {
    RedThreadMeetingOverdue: [POLICE, SOCIAL_SERVICES],
    MeetingAbsenceRecorded: [PSYCHIATRY],
    RedThreadFollowUpOverdue: [POLICE, SOCIAL_SERVICES, PSYCHIATRY],
    AgeTransitionOverdue: [SOCIAL_SERVICES],
    HandoverAcknowledgementOverdue: [SOCIAL_SERVICES, ADULT_UNIT],
    SipFollowUpOverdue: [SOCIAL_SERVICES, PSYCHIATRY],
    SipEstablishmentOverdue: [SOCIAL_SERVICES, PSYCHIATRY],
    OtherPrincipalContactOverdue: [PSYCHIATRY, SOCIAL_SERVICES],
    CaseMeetingOverdue: [SOCIAL_SERVICES, ADULT_UNIT],
    RedThreadMeetingNotRecorded: [POLICE, SOCIAL_SERVICES, PSYCHIATRY],
    RedThreadFollowUpNotBooked: [POLICE, SOCIAL_SERVICES, PSYCHIATRY],
    RedThreadActionOverdue: [SOCIAL_SERVICES],
    DeviationFeedbackOverdue: [SOCIAL_SERVICES, PSYCHIATRY],
}
"""The exact organisations each overdue kind's deviation names, from the examples' values."""


@pytest.mark.parametrize(
    ("kind", "orgs"), AFFECTED.items(), ids=lambda k: getattr(k, "__name__", "orgs")
)
def test_d7_every_automatic_deviation_names_exactly_the_organisations_that_missed_it(
    kind: type[IntegrationEvent], orgs: list[str]
) -> None:
    """D-7: a missed deadline surfaces "naming the organisations that missed them"; one
    that names none is readable by nobody and countersignable by anyone."""
    missed = missed_routine(EXAMPLES[kind])
    assert missed is not None
    assert missed.affected_orgs == orgs


def test_d7_every_overdue_kind_has_its_organisations_pinned() -> None:
    assert set(AFFECTED) == set(OVERDUE)


def test_d7_a_sip_follow_up_raised_before_its_units_were_published_names_none() -> None:
    """K-7, D-7: `SipFollowUpOverdue.units` is optional; older events still become
    deviations."""
    legacy: Any = EXAMPLES[SipFollowUpOverdue].model_copy(update={"units": None})
    missed = missed_routine(legacy)
    assert missed is not None
    assert missed.affected_orgs == []


def test_d7_the_deviation_names_the_organisations_the_deadline_concerns() -> None:
    handover: Any = EXAMPLES[HandoverAcknowledgementOverdue]
    missed = missed_routine(handover)
    assert missed is not None
    assert missed.affected_orgs == [handover.from_unit, handover.to_unit]
    meeting: Any = EXAMPLES[RedThreadMeetingOverdue]
    assert missed_routine(meeting).affected_orgs == list(meeting.concerned_orgs)  # type: ignore[union-attr]


def test_k13_k17_d7_a_late_sip_or_contact_names_the_organisations_concerned() -> None:
    """K-13: the plan's units, the proposing one among them; K-17: the unit asked and the
    unit that asked."""
    sip: Any = EXAMPLES[SipEstablishmentOverdue]
    late_sip = missed_routine(sip)
    assert late_sip is not None
    assert (late_sip.affected_orgs, late_sip.detected_at) == (list(sip.units), sip.overdue_at)
    contact: Any = EXAMPLES[OtherPrincipalContactOverdue]
    late_contact = missed_routine(contact)
    assert late_contact is not None
    assert late_contact.affected_orgs == [contact.to_unit, contact.from_unit]


def test_e7_d7_a_monthly_meeting_absence_is_a_routines_deviation_naming_the_absent() -> None:
    absence: Any = EXAMPLES[MonthlyMeetingAbsenceRecorded]
    missed = missed_routine(absence)
    assert missed is not None
    assert missed.rule == "E-7"
    assert missed.category == "routines"
    assert missed.affected_orgs == list(absence.absent_orgs)
    assert missed.subject_id is None  # about the forum, no one individual
    assert absence.absent_orgs[0] in missed.what_happened
    assert missed.detected_at == absence.recorded_at


def test_e11_d7_a_meeting_not_recorded_as_held_names_the_meetings_units() -> None:
    meeting: Any = EXAMPLES[CaseMeetingOverdue]
    missed = missed_routine(meeting)
    assert missed is not None
    assert missed.affected_orgs == list(meeting.units)
    assert missed.detected_at == meeting.overdue_at
    assert "2026-03-13" in missed.what_happened


def test_e11_d7_a_red_thread_meeting_not_recorded_names_everyone_the_thread_involves() -> None:
    meeting: Any = EXAMPLES[RedThreadMeetingNotRecorded]
    missed = missed_routine(meeting)
    assert missed is not None
    assert missed.affected_orgs == list(meeting.concerned_orgs)
    assert missed.detected_at == meeting.overdue_at
    assert "2026-03-10" in missed.what_happened


def test_e11_d7_a_follow_up_not_booked_names_the_days_and_everyone_concerned() -> None:
    booking: Any = EXAMPLES[RedThreadFollowUpNotBooked]
    missed = missed_routine(booking)
    assert missed is not None
    assert missed.affected_orgs == list(booking.concerned_orgs)
    assert "within 14 days" in missed.what_happened
    assert missed.detected_at == booking.overdue_at


def test_e11_d7_an_action_overdue_names_the_responsible_organisation_only() -> None:
    action: Any = EXAMPLES[RedThreadActionOverdue]
    missed = missed_routine(action)
    assert missed is not None
    assert missed.affected_orgs == [action.responsible_org]
    assert "2026-03-24" in missed.what_happened
    assert missed.detected_at == action.overdue_at


def test_d7_other_events_are_not_deviations() -> None:
    assert missed_routine(EXAMPLES[ConsentGiven]) is None


def test_d7_one_source_event_one_deviation_id() -> None:
    event = EXAMPLES[RedThreadMeetingOverdue]
    again = type(event).model_validate_json(event.model_dump_json())
    assert deviation_id_for(again) == deviation_id_for(event)
    assert source_event_id(again) == source_event_id(event)
    other = event.model_copy(update={"meeting_deadline": event.meeting_deadline.replace(day=1)})  # type: ignore[attr-defined]
    assert deviation_id_for(other) != deviation_id_for(event)


def test_d7_a_detected_deviation_counts_under_its_category(view: StatisticsView) -> None:  # noqa: F811
    assert counted(view, EXAMPLES[DeviationDetected]) == [("deviations", "2026-03", "routines")]


def test_d3_d7_a_late_deviation_names_its_last_day_and_is_a_missed_routine() -> None:
    late: Any = EXAMPLES[DeviationFeedbackOverdue]
    missed = missed_routine(late)
    assert missed is not None
    assert "2026-03-16" in missed.what_happened
    assert missed.detected_at == late.overdue_at


def test_d3_a_late_deviation_that_was_a_late_deviation_begets_no_other() -> None:
    """D-3: the chain ends; a detected deviation of any other rule still counts (D-7)."""
    late: Any = EXAMPLES[DeviationFeedbackOverdue]
    assert missed_routine(late.model_copy(update={"rule": "D-3"})) is None
    assert missed_routine(late.model_copy(update={"rule": "E-3"})) is not None
