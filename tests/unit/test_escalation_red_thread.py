"""The red thread's lifecycle after the pull (E-3..E-5, D-7): coordinator, attendance,
hold and resume, follow-up, closing and overdue deadlines. Pure domain, no I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.application import Application
from eventsourcing.utils import resolve_topic

from contracts import (
    ActionStatus,
    FollowUpResult,
    HoldReason,
    LegalBasis,
    MeetingBasisReplaced,
    MeetingOutcome,
    MeetingStage,
)
from services.escalation.domain import (
    ActionEvaluation,
    AgreedAction,
    AttendanceInvalid,
    Basis,
    ClosedBeforeFollowUp,
    FollowUpAlreadyBooked,
    FollowUpNotBooked,
    FollowUpNotPossibleYet,
    FollowUpTimeInvalid,
    MeetingAlreadyHeld,
    MeetingAlreadyScheduled,
    MeetingNotYetStarted,
    MeetingOnHold,
    NoLegalBasisForMeeting,
    NoMeetingScheduled,
    RedThread,
    RedThreadAlreadyClosed,
    day_is_over,
    follow_up_overdue_at,
    meeting_overdue_at,
)
from services.escalation.translate import to_integration_event
from services.runtime.store.application import OutboxApplication
from services.runtime.store.sealing import SealsPersonalData
from tests.unit.units import HEALTH_UNIT, POLICE_UNIT, SCHOOL_UNIT, SOCIAL_UNIT

SUBJECT = "c" * 64
COORDINATOR = "SE2321000016-K001"
PULLED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, CET
MEETING_AT = PULLED_AT + timedelta(days=7)
FOLLOW_UP_AT = MEETING_AT + timedelta(days=28)
INVITED = [POLICE_UNIT, SOCIAL_UNIT, HEALTH_UNIT]
CONSENT = Basis(LegalBasis.CONSENT, UUID(int=1))
EMERGENCY = Basis(LegalBasis.EMERGENCY_DISCLOSURE, UUID(int=2))
ACTION = AgreedAction(SOCIAL_UNIT, "Boendestöd inom en vecka.", date(2026, 3, 16))


def pulled(**changes: Any) -> RedThread:
    fields: dict[str, Any] = {
        "subject_id": SUBJECT,
        "pulled_at": PULLED_AT,
        "pulled_by": "SE2321000016-P001",
        "pulled_by_org": POLICE_UNIT,
        "pulled_by_org_type": "police",
        "measures_tried": ["sip"],
        "individual_harmed": True,
        "burdened_orgs": [POLICE_UNIT, SOCIAL_UNIT],
        "municipality_code": "0180",
    }
    fields.update(changes)
    return RedThread.pull(**fields)


# The coordinator's steps (E-3, E-5), with what most tests leave as it is.


def schedule(
    red_thread: RedThread,
    *,
    meeting_at: datetime = MEETING_AT,
    basis: Basis = CONSENT,
    now: datetime = PULLED_AT + timedelta(hours=1),
) -> None:
    red_thread.schedule_meeting(
        meeting_at=meeting_at, invited_orgs=INVITED, basis=basis, scheduled_by=COORDINATOR, now=now
    )


def meet(
    red_thread: RedThread,
    *,
    attended: list[str] = INVITED,
    outcome: MeetingOutcome = MeetingOutcome.SOLUTIONS_AGREED,
    notes: str = "",
    now: datetime = MEETING_AT,
    actions: list[AgreedAction] | None = None,
) -> list[str]:
    """The meeting recorded as held, by default with one action agreed (E-10); the
    summoned organisations that stayed away."""
    return red_thread.record_meeting_held(
        attended_orgs=attended,
        outcome=outcome,
        notes=notes,
        recorded_by=COORDINATOR,
        now=now,
        actions=[ACTION] if actions is None else actions,
    )


def book(
    red_thread: RedThread,
    *,
    follow_up_at: datetime = FOLLOW_UP_AT,
    basis: Basis | None = CONSENT,
    now: datetime = MEETING_AT + timedelta(hours=3),
) -> None:
    red_thread.book_follow_up(
        follow_up_at=follow_up_at, basis=basis, booked_by=COORDINATOR, now=now
    )


def evaluate(
    red_thread: RedThread,
    *,
    attended: list[str] = INVITED,
    result: FollowUpResult = FollowUpResult.RESOLVED,
    notes: str = "",
    now: datetime = FOLLOW_UP_AT,
    actions: list[ActionEvaluation] | None = None,
) -> list[str]:
    """The follow-up evaluated, by default every action done (E-10); the summoned
    organisations that stayed away."""
    done = [ActionEvaluation(action.id, ActionStatus.DONE) for action in red_thread.actions]
    return red_thread.evaluate_follow_up(
        attended_orgs=attended,
        result=result,
        notes=notes,
        recorded_by=COORDINATOR,
        now=now,
        actions=done if actions is None else actions,
    )


def scheduled(basis: Basis = CONSENT) -> RedThread:
    red_thread = pulled()
    schedule(red_thread, basis=basis)
    return red_thread


def held(attended: list[str] | None = None) -> RedThread:
    red_thread = scheduled()
    meet(
        red_thread,
        attended=INVITED if attended is None else attended,
        notes="Överens om samordnad plan.",
        now=MEETING_AT + timedelta(hours=2),
    )
    return red_thread


def booked(basis: Basis = CONSENT) -> RedThread:
    red_thread = held()
    book(red_thread, basis=basis)
    return red_thread


def evaluated() -> RedThread:
    red_thread = booked()
    evaluate(
        red_thread,
        result=FollowUpResult.IMPROVED,
        notes="Situationen har stabiliserats.",
        now=FOLLOW_UP_AT + timedelta(hours=1),
    )
    return red_thread


def kinds(red_thread: RedThread) -> list[type]:
    return [type(e) for e in red_thread.collect_events()]


# --- E-3: the coordinator, the meeting, attendance -----------------------------------------


def test_e3_a_coordinator_is_assigned_once_and_may_be_replaced() -> None:
    red_thread = pulled()
    red_thread.assign_coordinator(coordinator=COORDINATOR, assigned_by=COORDINATOR, at=PULLED_AT)
    red_thread.assign_coordinator(coordinator=COORDINATOR, assigned_by=COORDINATOR, at=PULLED_AT)
    red_thread.assign_coordinator(
        coordinator="SE2321000016-K002", assigned_by=COORDINATOR, at=PULLED_AT
    )

    assert red_thread.coordinator == "SE2321000016-K002"
    assert kinds(red_thread).count(RedThread.CoordinatorAssigned) == 2


def test_e3_absence_of_a_summoned_party_is_recorded_per_organisation() -> None:
    red_thread = scheduled()

    absent = meet(
        red_thread, attended=[POLICE_UNIT, SOCIAL_UNIT], outcome=MeetingOutcome.PARTLY_AGREED
    )

    assert absent == [HEALTH_UNIT]
    assert red_thread.attended_orgs == [POLICE_UNIT, SOCIAL_UNIT]
    assert red_thread.absent_orgs == [HEALTH_UNIT]
    events = red_thread.collect_events()
    absences = [e for e in events if isinstance(e, RedThread.AbsenceRecorded)]
    assert [(a.absent_org, a.stage, a.meeting_at) for a in absences] == [
        (HEALTH_UNIT, "meeting", MEETING_AT)
    ]
    held_event = next(e for e in events if isinstance(e, RedThread.MeetingHeld))
    assert (held_event.legal_basis, held_event.basis_id) == ("consent", CONSENT.id)


def test_e3_attendance_of_an_organisation_not_summoned_is_rejected() -> None:
    red_thread = scheduled()

    with pytest.raises(AttendanceInvalid) as raised:
        meet(red_thread, attended=[POLICE_UNIT, SCHOOL_UNIT], outcome=MeetingOutcome.NOT_AGREED)

    assert raised.value.rule == "E-3"
    assert not red_thread.meeting_held


def test_e3_a_meeting_is_recorded_as_held_only_once_it_has_started() -> None:
    red_thread = scheduled()

    with pytest.raises(MeetingNotYetStarted) as raised:
        meet(red_thread, now=MEETING_AT - timedelta(minutes=1))

    assert raised.value.rule == "E-3"


def test_e3_no_meeting_can_be_recorded_before_one_is_scheduled_nor_twice() -> None:
    with pytest.raises(NoMeetingScheduled):
        meet(pulled(), attended=[], outcome=MeetingOutcome.NOT_AGREED)
    red_thread = held()
    with pytest.raises(MeetingAlreadyHeld):
        meet(red_thread, outcome=MeetingOutcome.NOT_AGREED)
    with pytest.raises(MeetingAlreadyHeld):
        schedule(red_thread, meeting_at=MEETING_AT + timedelta(days=1), now=MEETING_AT)


# --- E-4 after scheduling: hold and resume ---------------------------------------------------


def test_e4_withdrawal_before_the_meeting_puts_it_on_hold_with_the_reason() -> None:
    red_thread = scheduled()
    withdrawn_at = MEETING_AT - timedelta(days=2)

    red_thread.basis_lost(
        basis_id=CONSENT.id, reason=HoldReason.CONSENT_WITHDRAWN, at=withdrawn_at, alternative=None
    )

    assert red_thread.status == "on_hold"
    assert red_thread.hold is not None
    assert red_thread.hold.stage is MeetingStage.MEETING
    assert red_thread.hold.reason is HoldReason.CONSENT_WITHDRAWN
    assert red_thread.hold.since == withdrawn_at
    with pytest.raises(MeetingOnHold) as raised:
        meet(red_thread)
    assert raised.value.rule == "E-4"
    assert "consent withdrawn" in raised.value.message


def test_e4_c5_emergency_disclosure_resumes_a_meeting_on_hold() -> None:
    red_thread = scheduled()
    red_thread.basis_lost(
        basis_id=CONSENT.id,
        reason=HoldReason.CONSENT_WITHDRAWN,
        at=MEETING_AT - timedelta(days=2),
        alternative=None,
    )

    assert red_thread.resume_if_possible(EMERGENCY, at=MEETING_AT - timedelta(days=1))

    assert red_thread.hold is None
    assert red_thread.basis == EMERGENCY
    assert RedThread.Resumed in kinds(red_thread)


def test_e4_a_meeting_whose_time_passed_on_hold_is_not_resumed_but_scheduled_anew() -> None:
    red_thread = scheduled()
    red_thread.basis_lost(
        basis_id=CONSENT.id, reason=HoldReason.CONSENT_WITHDRAWN, at=PULLED_AT, alternative=None
    )

    assert not red_thread.resume_if_possible(EMERGENCY, at=MEETING_AT + timedelta(hours=5))
    assert red_thread.status == "on_hold"


def test_e4_no_basis_means_no_resumption() -> None:
    red_thread = scheduled()
    red_thread.basis_lost(
        basis_id=CONSENT.id, reason=HoldReason.CONSENT_EXPIRED, at=PULLED_AT, alternative=None
    )

    assert not red_thread.resume_if_possible(None, at=PULLED_AT)
    assert red_thread.status == "on_hold"


def test_e4_another_basis_covering_the_meeting_replaces_the_lost_one_without_a_hold() -> None:
    red_thread = scheduled()

    red_thread.basis_lost(
        basis_id=CONSENT.id,
        reason=HoldReason.CONSENT_WITHDRAWN,
        at=MEETING_AT - timedelta(days=1),
        alternative=EMERGENCY,
    )

    assert red_thread.hold is None
    assert red_thread.basis == EMERGENCY
    assert RedThread.BasisReplaced in kinds(red_thread)


def test_c9_e4_a_replaced_basis_is_published_naming_the_new_and_the_ended_one() -> None:
    red_thread = scheduled()
    red_thread.collect_events()
    at = MEETING_AT - timedelta(days=1)
    red_thread.basis_lost(
        basis_id=CONSENT.id, reason=HoldReason.CONSENT_WITHDRAWN, at=at, alternative=EMERGENCY
    )

    published = [to_integration_event(e) for e in red_thread.collect_events()]

    switch = next(e for e in published if isinstance(e, MeetingBasisReplaced))
    assert switch.red_thread_id == red_thread.id
    assert switch.stage is MeetingStage.MEETING
    assert switch.legal_basis is LegalBasis.EMERGENCY_DISCLOSURE
    assert (switch.basis_id, switch.replaced_basis_id) == (EMERGENCY.id, CONSENT.id)
    assert switch.replaced_at == at


def test_e4_withdrawal_after_the_meeting_took_place_changes_nothing() -> None:
    red_thread = scheduled()

    red_thread.basis_lost(
        basis_id=CONSENT.id,
        reason=HoldReason.CONSENT_WITHDRAWN,
        at=MEETING_AT + timedelta(minutes=30),
        alternative=None,
    )

    assert red_thread.hold is None
    assert kinds(red_thread) == [RedThread.Pulled, RedThread.MeetingScheduled]


def test_e4_loss_of_a_basis_the_meeting_does_not_rely_on_changes_nothing() -> None:
    red_thread = scheduled(basis=EMERGENCY)

    red_thread.basis_lost(
        basis_id=CONSENT.id, reason=HoldReason.CONSENT_WITHDRAWN, at=PULLED_AT, alternative=None
    )

    assert red_thread.hold is None


def test_e4_a_meeting_on_hold_may_be_scheduled_anew_within_the_deadline() -> None:
    red_thread = scheduled()
    red_thread.basis_lost(
        basis_id=CONSENT.id, reason=HoldReason.CONSENT_WITHDRAWN, at=PULLED_AT, alternative=None
    )

    schedule(
        red_thread,
        meeting_at=PULLED_AT + timedelta(days=2),
        basis=EMERGENCY,
        now=PULLED_AT + timedelta(hours=2),
    )

    assert red_thread.hold is None
    assert red_thread.meeting_at == PULLED_AT + timedelta(days=2)
    assert red_thread.basis == EMERGENCY


def test_e3_a_standing_meeting_is_not_scheduled_again() -> None:
    with pytest.raises(MeetingAlreadyScheduled):
        schedule(scheduled(), meeting_at=MEETING_AT + timedelta(days=1), now=PULLED_AT)


# --- E-5: follow-up, evaluation, closing ------------------------------------------------------


def test_e5_follow_up_is_booked_after_the_meeting_was_held() -> None:
    with pytest.raises(FollowUpNotPossibleYet) as raised:
        book(scheduled(), now=MEETING_AT)
    assert raised.value.rule == "E-5"

    red_thread = booked()

    assert red_thread.follow_up_at == FOLLOW_UP_AT
    assert red_thread.follow_up_basis == CONSENT
    assert red_thread.status == "follow_up_booked"


def test_e5_follow_up_in_the_past_is_rejected() -> None:
    with pytest.raises(FollowUpTimeInvalid) as raised:
        book(held(), follow_up_at=MEETING_AT + timedelta(hours=1))
    assert raised.value.rule == "E-5"


def test_e5_e4_follow_up_needs_a_legal_basis_at_its_time() -> None:
    with pytest.raises(NoLegalBasisForMeeting) as raised:
        book(held(), basis=None, now=MEETING_AT)
    assert raised.value.rule == "E-4"


def test_e5_follow_up_is_booked_once_unless_on_hold() -> None:
    red_thread = booked()
    with pytest.raises(FollowUpAlreadyBooked):
        book(
            red_thread,
            follow_up_at=FOLLOW_UP_AT + timedelta(days=1),
            now=MEETING_AT + timedelta(days=1),
        )
    red_thread.basis_lost(
        basis_id=CONSENT.id,
        reason=HoldReason.CONSENT_WITHDRAWN,
        at=MEETING_AT + timedelta(days=1),
        alternative=None,
    )
    assert red_thread.hold is not None
    assert red_thread.hold.stage is MeetingStage.FOLLOW_UP

    book(
        red_thread,
        follow_up_at=FOLLOW_UP_AT + timedelta(days=1),
        basis=EMERGENCY,
        now=MEETING_AT + timedelta(days=2),
    )

    assert red_thread.hold is None
    assert red_thread.follow_up_basis == EMERGENCY


def test_e5_evaluation_records_the_result_and_absences() -> None:
    red_thread = booked()

    absent = evaluate(red_thread, attended=[SOCIAL_UNIT, HEALTH_UNIT])

    assert absent == [POLICE_UNIT]
    assert red_thread.follow_up_result == "resolved"
    absences = [e for e in red_thread.collect_events() if isinstance(e, RedThread.AbsenceRecorded)]
    assert [(a.absent_org, a.stage) for a in absences] == [(POLICE_UNIT, "follow_up")]


def test_e5_evaluation_waits_for_the_follow_up_and_its_basis() -> None:
    with pytest.raises(FollowUpNotBooked):
        evaluate(held())
    red_thread = booked()
    with pytest.raises(FollowUpTimeInvalid):
        evaluate(red_thread, now=FOLLOW_UP_AT - timedelta(minutes=5))
    red_thread.basis_lost(
        basis_id=CONSENT.id,
        reason=HoldReason.CONSENT_WITHDRAWN,
        at=FOLLOW_UP_AT - timedelta(days=3),
        alternative=None,
    )
    with pytest.raises(MeetingOnHold) as raised:
        evaluate(red_thread)
    assert raised.value.rule == "E-4"


@pytest.mark.parametrize("stage", ["pulled", "scheduled", "held", "booked"])
def test_e5_closing_before_the_follow_up_is_rejected(stage: str) -> None:
    red_thread = {"pulled": pulled, "scheduled": scheduled, "held": held, "booked": booked}[stage]()
    red_thread.collect_events()

    with pytest.raises(ClosedBeforeFollowUp) as raised:
        red_thread.close(closed_by=COORDINATOR, now=FOLLOW_UP_AT)

    assert raised.value.rule == "E-5"
    assert raised.value.status == 409
    assert red_thread.collect_events() == []


def test_e5_thread_is_closed_after_its_evaluation_and_then_takes_nothing_more() -> None:
    red_thread = evaluated()

    red_thread.close(closed_by=COORDINATOR, now=FOLLOW_UP_AT + timedelta(hours=2))

    assert red_thread.status == "closed"
    assert red_thread.pending is None
    with pytest.raises(RedThreadAlreadyClosed):
        red_thread.close(closed_by=COORDINATOR, now=FOLLOW_UP_AT + timedelta(hours=3))
    with pytest.raises(RedThreadAlreadyClosed):
        red_thread.assign_coordinator(
            coordinator=COORDINATOR, assigned_by=COORDINATOR, at=FOLLOW_UP_AT
        )


def test_e5_replaying_the_events_reproduces_the_thread() -> None:
    red_thread = evaluated()
    red_thread.close(closed_by=COORDINATOR, now=FOLLOW_UP_AT + timedelta(hours=2))

    replayed: Any = None
    for domain_event in red_thread.collect_events():
        replayed = domain_event.mutate(replayed)

    assert isinstance(replayed, RedThread)
    assert replayed.status == "closed"
    assert replayed.follow_up_result == "improved"
    assert replayed.basis == CONSENT


# --- overdue deadlines (E-3, E-5, D-7) -------------------------------------------------------


def test_e3_meeting_overdue_from_the_first_instant_after_day_14_in_stockholm() -> None:
    """Pulled 2 March (CET): day 14 is 16 March; overdue from 00:00 17 March CET = 23:00 UTC."""
    assert meeting_overdue_at(PULLED_AT) == datetime(2026, 3, 16, 23, 0, tzinfo=UTC)
    red_thread = pulled()

    assert not red_thread.raise_meeting_overdue_if_due(datetime(2026, 3, 16, 22, 59, tzinfo=UTC))
    assert red_thread.raise_meeting_overdue_if_due(datetime(2026, 3, 16, 23, 0, tzinfo=UTC))
    assert not red_thread.raise_meeting_overdue_if_due(datetime(2026, 3, 20, tzinfo=UTC))

    overdue = [e for e in red_thread.collect_events() if isinstance(e, RedThread.MeetingOverdue)]
    assert [(o.meeting_deadline, o.overdue_at) for o in overdue] == [
        (date(2026, 3, 16), datetime(2026, 3, 16, 23, 0, tzinfo=UTC))
    ]
    assert overdue[0].concerned_orgs == [POLICE_UNIT, SOCIAL_UNIT]


def test_e3_fourteen_calendar_days_across_the_spring_dst_change() -> None:
    """Pulled 20 March (CET); day 14 is 3 April (CEST): overdue from 22:00 UTC."""
    pulled_at = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
    assert meeting_overdue_at(pulled_at) == datetime(2026, 4, 3, 22, 0, tzinfo=UTC)


def test_e3_a_standing_meeting_within_the_deadline_is_not_overdue() -> None:
    red_thread = scheduled()

    assert not red_thread.meeting_overdue(meeting_overdue_at(PULLED_AT) + timedelta(days=1))


def test_e3_a_meeting_on_hold_when_the_deadline_passes_is_overdue() -> None:
    red_thread = scheduled()
    red_thread.basis_lost(
        basis_id=CONSENT.id, reason=HoldReason.CONSENT_WITHDRAWN, at=PULLED_AT, alternative=None
    )

    assert red_thread.raise_meeting_overdue_if_due(meeting_overdue_at(PULLED_AT))


def test_e5_follow_up_overdue_once_its_day_is_over_without_an_evaluation() -> None:
    red_thread = booked()
    overdue_at = follow_up_overdue_at(FOLLOW_UP_AT)
    assert overdue_at == day_is_over(date(2026, 4, 6))

    assert not red_thread.raise_follow_up_overdue_if_due(overdue_at - timedelta(seconds=1))
    assert red_thread.raise_follow_up_overdue_if_due(overdue_at)
    assert not red_thread.raise_follow_up_overdue_if_due(overdue_at + timedelta(days=1))
    assert red_thread.follow_up_overdue_since == overdue_at


def test_e5_evaluated_follow_up_is_never_overdue() -> None:
    assert not evaluated().follow_up_overdue(FOLLOW_UP_AT + timedelta(days=30))


def test_deadline_at_the_end_of_the_calendar_never_passes() -> None:
    assert day_is_over(date.max) == datetime.max.replace(tzinfo=UTC)


def test_events_stored_before_the_domain_was_split_stay_readable() -> None:
    """Stored events name their class by topic; the old module path still resolves."""
    assert resolve_topic("services.escalation.domain:RedThread.Pulled") is RedThread.Pulled
    assert (
        resolve_topic("services.escalation.domain:RedThread.MeetingScheduled")
        is RedThread.MeetingScheduled
    )


class Store(SealsPersonalData, OutboxApplication, Application[UUID]):
    """An in-memory store that maps events as the escalation service's does."""


RED_THREAD_TOPIC = "services.escalation.domain.red_thread:RedThread"


def every_event_recorded() -> tuple[RedThread, RedThread]:
    """One thread through its whole life, one left without a meeting: all 13 events."""
    red_thread = pulled()
    red_thread.assign_coordinator(coordinator=COORDINATOR, assigned_by=COORDINATOR, at=PULLED_AT)
    schedule(red_thread)
    red_thread.basis_lost(
        basis_id=CONSENT.id,
        reason=HoldReason.CONSENT_WITHDRAWN,
        at=PULLED_AT + timedelta(hours=2),
        alternative=None,
    )
    assert red_thread.resume_if_possible(EMERGENCY, at=PULLED_AT + timedelta(hours=3))
    red_thread.basis_lost(
        basis_id=EMERGENCY.id,
        reason=HoldReason.EMERGENCY_DISCLOSURE_EXPIRED,
        at=PULLED_AT + timedelta(hours=4),
        alternative=CONSENT,
    )
    meet(red_thread, attended=INVITED[:2], now=MEETING_AT + timedelta(hours=2))
    book(red_thread)
    assert red_thread.raise_follow_up_overdue_if_due(follow_up_overdue_at(FOLLOW_UP_AT))
    evaluate(red_thread, result=FollowUpResult.IMPROVED, now=follow_up_overdue_at(FOLLOW_UP_AT))
    red_thread.close(closed_by=COORDINATOR, now=follow_up_overdue_at(FOLLOW_UP_AT))
    forgotten = pulled()
    assert forgotten.raise_meeting_overdue_if_due(meeting_overdue_at(PULLED_AT))
    return red_thread, forgotten


def test_the_red_threads_events_keep_their_stored_topics_after_its_rules_moved_out() -> None:
    """The rules after the pull live in modules of their own (red_thread_meetings, ..._holds,
    ..._deadlines); the events stay declared on RedThread, so each is stored as it always
    was, and an event stored under that topic before the move reads back the same."""
    store = Store()
    red_thread, forgotten = every_event_recorded()
    store.save(red_thread, forgotten)

    stored = [
        *store.recorder.select_events(red_thread.id),
        *store.recorder.select_events(forgotten.id),
    ]
    assert {event.topic.removeprefix(f"{RED_THREAD_TOPIC}.") for event in stored} == {
        "Pulled",
        "CoordinatorAssigned",
        "MeetingScheduled",
        "PutOnHold",
        "Resumed",
        "BasisReplaced",
        "MeetingHeld",
        "AbsenceRecorded",
        "FollowUpBooked",
        "FollowUpOverdue",
        "FollowUpEvaluated",
        "Closed",
        "MeetingOverdue",
        "ActionAgreed",
        "ActionEvaluated",
    }
    for event in stored:
        assert resolve_topic(event.topic) is getattr(RedThread, event.topic.rpartition(".")[2])

    read = store.repository.get(red_thread.id)
    assert read.status == "closed"
    assert read.absent_orgs == [INVITED[2]]
    assert read.basis == CONSENT
    assert read.follow_up_overdue_since == follow_up_overdue_at(FOLLOW_UP_AT)
    assert [(a.responsible_org, a.status) for a in read.actions] == [
        (SOCIAL_UNIT, ActionStatus.DONE)
    ]
    assert all(b"Boendest" not in event.state for event in stored)  # E-10: sealed at rest
    assert store.repository.get(forgotten.id).meeting_overdue_since == meeting_overdue_at(PULLED_AT)
