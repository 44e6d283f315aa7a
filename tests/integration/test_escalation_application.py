"""The escalation application on real stores (SQLite and PostgreSQL): consent events
re-checking scheduled meetings (E-4), races between commands and the consent policy,
overdue deadlines raised on a moved clock (E-3, E-5), the deadline listing, and the
termly inventory fed by the cases topic (E-7, K-4)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError, Tracking

from contracts import (
    ActionStatus,
    AgeTransitionAnnounced,
    AgeTransitionDue,
    ConsentGiven,
    ConsentScopeChanged,
    ConsentWithdrawn,
    ConsultationOutcome,
    EmergencyDisclosureExpired,
    EmergencyDisclosureRecorded,
    EscalationTrack,
    FollowUpResult,
    IntegrationEvent,
    LegalBasis,
    MeetingOutcome,
    MonthlyMeetingKind,
    OrgType,
    RedThreadActionOverdue,
    RedThreadFollowUpNotBooked,
    RedThreadFollowUpOverdue,
    RedThreadMeetingNotRecorded,
    RedThreadMeetingOverdue,
    Role,
    UnbornChildDisclosureRecorded,
)
from services.escalation.application import (
    AssignCoordinator,
    CreateMeetingSeries,
    EscalationApplication,
    EvaluateFollowUp,
    HoldConsultation,
    MoveMeeting,
    PullRedThread,
    RaiseAcuteMatter,
    RaiseEscalation,
    RecordMeetingHeld,
    RecordMinutes,
    RegisterCase,
    ScheduleMeeting,
    StillContended,
)
from services.escalation.domain import (
    ActionEvaluation,
    AgreedAction,
    Basis,
    ClosedBeforeFollowUp,
    CoordinationOffices,
    MeetingOnHold,
    NoBasisForSharing,
    NoLegalBasisForMeeting,
    RedThread,
    SubjectAuthorisations,
    authorisations_id,
)
from services.escalation.domain.errors import OfficeDoesNotServe, RedThreadTakenByAnother
from services.escalation.translate import to_integration_event
from services.escalation.views.deadlines import DeadlineKind
from services.runtime.kernel.actor import Actor, NotAParty
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from tests.escalation_examples import RED_THREAD_PUT_ON_HOLD_AND_RESUMED
from tests.unit.units import HEALTH_UNIT as HEALTH
from tests.unit.units import POLICE_UNIT as POLICE
from tests.unit.units import SOCIAL_UNIT as SOCIAL

SUBJECT = "ab" * 32
COORDINATOR = "SE2321000016-K001"
INVITED = [POLICE, SOCIAL, HEALTH]
PULLED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MEETING_AT = PULLED_AT + timedelta(days=6)
FOLLOW_UP_AT = MEETING_AT + timedelta(days=21)
CONSENT_SOURCE = "/samverkan/consent#0"
OFFICE = "SE2321000016-NVK1"
STOCKHOLM = "0180"
OFFICES = CoordinationOffices({OFFICE: frozenset({STOCKHOLM})})
"""The coordination office serving Stockholm, where the red threads below are pulled."""
COORDINATING = Actor(COORDINATOR, OFFICE, OrgType.COORDINATION_OFFICE, Role.COORDINATOR)
PATROL = Actor("SE2321000016-P001", POLICE, OrgType.POLICE, Role.FIRST_RESPONDER)
SOCIAL_DEPUTY = Actor(
    "SE2120000001-D001", SOCIAL, OrgType.SOCIAL_SERVICES, Role.DEPUTY_UNIT_MANAGER
)


def staff_of(org_id: str) -> Actor:
    """Someone acting for `org_id`: the deadlines listed are their unit's."""
    return Actor(f"{org_id.split('-')[0]}-S001", org_id, OrgType.SOCIAL_SERVICES, Role.CASEWORKER)


@pytest.fixture
def application(
    backend_settings: RuntimeSettings,
) -> Any:
    settings = backend_settings
    app = EscalationApplication(env=store_env(settings, "escalation"), coordination_offices=OFFICES)
    yield app
    app.close()


class Upstream:
    """Delivers upstream contract events as the tracked consumer would, in order."""

    def __init__(self, application: EscalationApplication) -> None:
        self.application = application
        self.sequence = 0

    def deliver(self, event: IntegrationEvent, source: str = CONSENT_SOURCE) -> Tracking:
        self.sequence += 1
        tracking = Tracking(source, self.sequence)
        self.application.process_event(event, tracking)
        return tracking


def consent(**changes: Any) -> ConsentGiven:
    fields: dict[str, Any] = {
        "subject_id": SUBJECT,
        "consent_id": uuid4(),
        "purpose": "red_thread_meeting",
        "parties": tuple(INVITED),
        "form": "oral",
        "recorded_by": COORDINATOR,
        "informed": True,
        "given_at": PULLED_AT - timedelta(hours=1),
    }
    fields.update(changes)
    return ConsentGiven(**fields)


def disclosure(decided_at: datetime, **changes: Any) -> EmergencyDisclosureRecorded:
    fields: dict[str, Any] = {
        "subject_id": SUBJECT,
        "disclosure_id": uuid4(),
        "parties": tuple(INVITED),
        "decided_by": "SE2321000016-P001",
        "decided_at": decided_at,
        "valid_until": decided_at + timedelta(hours=72),
    }
    fields.update(changes)
    return EmergencyDisclosureRecorded(**fields)


def withdrawal(consent_id: UUID, at: datetime) -> ConsentWithdrawn:
    return ConsentWithdrawn(
        subject_id=SUBJECT, consent_id=consent_id, withdrawn_at=at, recorded_by=COORDINATOR
    )


def pull(app: EscalationApplication, at: datetime = PULLED_AT) -> UUID:
    return app.pull_red_thread(
        PATROL,
        PullRedThread(
            subject_id=SUBJECT,
            measures_tried=["sip"],
            individual_harmed=True,
            burdened_orgs=[POLICE, SOCIAL],
            municipality_code=STOCKHOLM,
        ),
        at=at,
    ).id


def pulled_on_consent(
    application: EscalationApplication,
) -> tuple[Upstream, ConsentGiven, UUID]:
    """A consent arrives from consent's topic and the police pull a red thread on it: the
    delivery line, the consent and the thread."""
    upstream = Upstream(application)
    given = consent()
    upstream.deliver(given)
    return upstream, given, pull(application)


def schedule(app: EscalationApplication, red_thread_id: UUID, at: datetime = MEETING_AT) -> Any:
    return app.schedule_meeting(
        COORDINATING, ScheduleMeeting(red_thread_id, at, INVITED), at=PULLED_AT + timedelta(hours=1)
    )


def hold_meeting(app: EscalationApplication, red_thread_id: UUID, attended: list[str]) -> Any:
    return app.record_meeting_held(
        COORDINATING,
        RecordMeetingHeld(
            red_thread_id,
            attended,
            MeetingOutcome.SOLUTIONS_AGREED,
            "",
            [AgreedAction(SOCIAL, "Boendestöd.", (MEETING_AT + timedelta(days=7)).date())],
        ),
        at=MEETING_AT + timedelta(hours=2),
    )


def forum(app: EscalationApplication) -> UUID:
    """Social services' and health care's monthly forum (E-7), its first meeting one of
    alignment, set up by social services' deputy; its id."""
    series = CreateMeetingSeries("Forum", [SOCIAL, HEALTH], MonthlyMeetingKind.ALIGNMENT)
    return app.create_meeting_series(SOCIAL_DEPUTY, series, at=PULLED_AT).id


def monthly_meeting(app: EscalationApplication, series_id: UUID, starts_at: datetime) -> Any:
    """The forum's meeting at `starts_at`, as social services' deputy plans it (E-7)."""
    return app.plan_monthly_meeting(SOCIAL_DEPUTY, series_id, starts_at=starts_at, at=PULLED_AT)


def published(app: EscalationApplication) -> list[IntegrationEvent]:
    """Everything the relay would publish, in store order."""
    notifications = app.recorder.select_notifications(1, 10_000)
    events = [to_integration_event(app.mapper.to_domain_event(n)) for n in notifications]
    return [e for e in events if e is not None]


def names(app: EscalationApplication) -> list[str]:
    return [type(e).__name__ for e in published(app)]


# --- E-4 re-checked when consent changes after scheduling ----------------------------------


def test_e4_withdrawal_after_scheduling_puts_the_meeting_on_hold_and_disclosure_resumes_it(
    application: EscalationApplication,
) -> None:
    upstream, given, red_thread_id = pulled_on_consent(application)
    schedule(application, red_thread_id)

    upstream.deliver(withdrawal(given.consent_id, MEETING_AT - timedelta(days=2)))

    on_hold = application.read_red_thread(COORDINATING, red_thread_id)
    assert on_hold.status == "on_hold"
    assert on_hold.hold is not None
    assert on_hold.hold.reason.value == "consent_withdrawn"
    with pytest.raises(MeetingOnHold):
        hold_meeting(application, red_thread_id, INVITED)

    emergency = disclosure(MEETING_AT - timedelta(days=1))
    upstream.deliver(emergency)

    resumed = application.read_red_thread(COORDINATING, red_thread_id)
    assert resumed.hold is None
    assert resumed.basis is not None
    assert resumed.basis.id == emergency.disclosure_id
    hold_meeting(application, red_thread_id, INVITED)
    assert names(application)[-5:] == [
        "MeetingScheduled",
        "MeetingPutOnHold",
        "MeetingResumed",
        "MeetingHeld",
        "RedThreadActionAgreed",
    ]


def test_e4_a_disclosure_not_covering_the_meeting_time_does_not_resume_it(
    application: EscalationApplication,
) -> None:
    upstream, given, red_thread_id = pulled_on_consent(application)
    schedule(application, red_thread_id)
    upstream.deliver(withdrawal(given.consent_id, PULLED_AT + timedelta(days=1)))

    upstream.deliver(disclosure(PULLED_AT + timedelta(days=1)))  # ends before the meeting

    assert application.read_red_thread(COORDINATING, red_thread_id).status == "on_hold"


def test_e4_another_covering_consent_keeps_the_meeting_on_without_a_hold(
    application: EscalationApplication,
) -> None:
    upstream = Upstream(application)
    first, second = consent(), consent()
    upstream.deliver(first)
    upstream.deliver(second)
    red_thread_id = pull(application)
    relied_on = schedule(application, red_thread_id).basis.id
    other = second.consent_id if relied_on == first.consent_id else first.consent_id

    upstream.deliver(withdrawal(relied_on, PULLED_AT + timedelta(days=1)))

    red_thread = application.read_red_thread(COORDINATING, red_thread_id)
    assert red_thread.hold is None
    assert red_thread.basis is not None
    assert red_thread.basis.id == other
    assert "MeetingPutOnHold" not in names(application)


def test_e4_a_consent_narrowed_to_exclude_a_summoned_party_puts_the_meeting_on_hold(
    application: EscalationApplication,
) -> None:
    upstream, given, red_thread_id = pulled_on_consent(application)
    schedule(application, red_thread_id)

    upstream.deliver(
        ConsentScopeChanged(
            subject_id=SUBJECT,
            consent_id=given.consent_id,
            parties=(POLICE, SOCIAL),
            added=(),
            removed=(HEALTH,),
            changed_at=PULLED_AT + timedelta(days=1),
            recorded_by=COORDINATOR,
        )
    )

    hold = application.read_red_thread(COORDINATING, red_thread_id).hold
    assert hold is not None
    assert hold.reason.value == "consent_scope_narrowed"


def test_e4_expiry_of_a_disclosure_after_the_meeting_took_place_changes_nothing(
    application: EscalationApplication,
) -> None:
    upstream = Upstream(application)
    emergency = disclosure(PULLED_AT)
    upstream.deliver(emergency)
    red_thread_id = pull(application)
    schedule(application, red_thread_id, at=PULLED_AT + timedelta(days=2))

    upstream.deliver(
        EmergencyDisclosureExpired(
            subject_id=SUBJECT,
            disclosure_id=emergency.disclosure_id,
            expired_at=emergency.valid_until,
        )
    )

    assert application.read_red_thread(COORDINATING, red_thread_id).hold is None


def test_e4_withdrawal_before_the_follow_up_puts_the_follow_up_on_hold(
    application: EscalationApplication,
) -> None:
    upstream, given, red_thread_id = pulled_on_consent(application)
    schedule(application, red_thread_id)
    hold_meeting(application, red_thread_id, [POLICE, SOCIAL])
    application.book_follow_up(
        COORDINATING,
        red_thread_id,
        follow_up_at=FOLLOW_UP_AT,
        at=MEETING_AT + timedelta(hours=3),
    )

    upstream.deliver(withdrawal(given.consent_id, FOLLOW_UP_AT - timedelta(days=5)))

    red_thread = application.read_red_thread(COORDINATING, red_thread_id)
    assert red_thread.hold is not None
    assert red_thread.hold.stage.value == "follow_up"
    with pytest.raises(MeetingOnHold):
        application.evaluate_follow_up(
            COORDINATING,
            EvaluateFollowUp(red_thread_id, INVITED, FollowUpResult.IMPROVED, ""),
            at=FOLLOW_UP_AT,
        )
    upstream.deliver(disclosure(FOLLOW_UP_AT - timedelta(days=1)))
    done = [ActionEvaluation(action.id, ActionStatus.DONE) for action in red_thread.actions]
    application.evaluate_follow_up(
        COORDINATING,
        EvaluateFollowUp(red_thread_id, INVITED, FollowUpResult.IMPROVED, "", done),
        at=FOLLOW_UP_AT + timedelta(hours=1),
    )
    application.close_red_thread(COORDINATING, red_thread_id, at=FOLLOW_UP_AT)
    assert names(application) == RED_THREAD_PUT_ON_HOLD_AND_RESUMED


def test_e4_a_redelivered_consent_event_is_a_duplicate_not_a_second_effect(
    application: EscalationApplication,
) -> None:
    upstream = Upstream(application)
    given = consent()
    tracking = upstream.deliver(given)
    red_thread_id = pull(application)
    schedule(application, red_thread_id)
    withdrawn = withdrawal(given.consent_id, PULLED_AT + timedelta(days=1))
    second = upstream.deliver(withdrawn)

    with pytest.raises(IntegrityError):
        application.process_event(withdrawn, second)
    with pytest.raises(IntegrityError):
        application.process_event(given, tracking)

    assert names(application).count("MeetingPutOnHold") == 1


# --- races between a command and the consent policy -----------------------------------------


def test_e4_a_meeting_scheduled_while_the_withdrawal_is_applied_is_refused(
    application: EscalationApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The withdrawal commits between the command's read and its save: the command runs
    again on fresh state and finds no basis; nothing of the first attempt is stored."""
    upstream, given, red_thread_id = pulled_on_consent(application)
    real_save = application.save

    def withdrawal_lands_first(*aggregates: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(application, "save", real_save)
        upstream.deliver(withdrawal(given.consent_id, PULLED_AT + timedelta(minutes=30)))
        return real_save(*aggregates, **kwargs)

    monkeypatch.setattr(application, "save", withdrawal_lands_first)

    with pytest.raises(NoLegalBasisForMeeting):
        schedule(application, red_thread_id)

    assert application.read_red_thread(COORDINATING, red_thread_id).meeting_at is None


def test_e4_a_withdrawal_applied_while_a_meeting_is_scheduled_still_puts_it_on_hold(
    application: EscalationApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command commits between the policy's read and its write: the policy runs again
    and sees the new meeting, instead of being taken for a redelivery and dropped."""
    upstream, given, red_thread_id = pulled_on_consent(application)
    real_record = application._record

    def meeting_lands_first(processing_event: Any) -> Any:
        monkeypatch.setattr(application, "_record", real_record)
        schedule(application, red_thread_id)
        return real_record(processing_event)

    monkeypatch.setattr(application, "_record", meeting_lands_first)

    upstream.deliver(withdrawal(given.consent_id, PULLED_AT + timedelta(hours=2)))

    assert application.read_red_thread(COORDINATING, red_thread_id).status == "on_hold"


def test_e4_a_consent_event_that_keeps_conflicting_is_not_taken_for_a_duplicate(
    application: EscalationApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The consumer skips an IntegrityError as "already applied": a lasting conflict must
    surface as another error, so the event is retried or dead-lettered, never lost."""

    def always_conflicting(processing_event: Any) -> Any:
        raise IntegrityError("version conflict")

    monkeypatch.setattr(application, "_record", always_conflicting)

    with pytest.raises(StillContended):
        Upstream(application).deliver(consent())


# --- overdue deadlines on a moved clock (E-3, E-5, D-7) ---------------------------------------


def test_e3_meeting_overdue_is_raised_once_when_14_days_pass_without_a_meeting(
    application: EscalationApplication,
) -> None:
    red_thread_id = pull(application)
    overdue_at = datetime(2026, 3, 16, 23, 0, tzinfo=UTC)  # 00:00 on 17 March, Stockholm

    assert application.raise_due(overdue_at - timedelta(seconds=1)) == 0
    assert application.red_threads_overdue(overdue_at - timedelta(seconds=1)) == 0
    assert application.raise_due(overdue_at) == 1
    assert application.raise_due(overdue_at + timedelta(days=1)) == 0

    overdue = [e for e in published(application) if isinstance(e, RedThreadMeetingOverdue)]
    assert [(e.red_thread_id, e.meeting_deadline, e.overdue_at) for e in overdue] == [
        (red_thread_id, date(2026, 3, 16), overdue_at)
    ]
    assert application.red_threads_overdue(overdue_at) == 1


def test_e3_a_scheduled_meeting_keeps_the_thread_from_becoming_overdue(
    application: EscalationApplication,
) -> None:
    Upstream(application).deliver(consent())
    red_thread_id = pull(application)
    schedule(application, red_thread_id)

    application.raise_due(PULLED_AT + timedelta(days=30))
    assert application.red_threads_overdue(PULLED_AT + timedelta(days=30)) == 0
    # E-3 is met; what is raised is E-11's: the meeting was never recorded as held
    assert "RedThreadMeetingOverdue" not in names(application)
    assert "RedThreadMeetingNotRecorded" in names(application)


def test_e5_follow_up_overdue_is_raised_when_its_day_passes_without_evaluation(
    application: EscalationApplication,
) -> None:
    Upstream(application).deliver(consent())
    red_thread_id = pull(application)
    schedule(application, red_thread_id)
    hold_meeting(application, red_thread_id, INVITED)
    application.book_follow_up(
        COORDINATING, red_thread_id, follow_up_at=FOLLOW_UP_AT, at=MEETING_AT
    )
    day_over = datetime(2026, 3, 29, 22, 0, tzinfo=UTC)  # 29 March is CEST from 02:00

    assert application.raise_due(day_over - timedelta(seconds=1)) == 1  # E-11: the action
    assert application.raise_due(day_over) == 1

    overdue = [e for e in published(application) if isinstance(e, RedThreadFollowUpOverdue)]
    assert [(e.follow_up_at, e.overdue_at) for e in overdue] == [(FOLLOW_UP_AT, day_over)]
    with pytest.raises(ClosedBeforeFollowUp):
        application.close_red_thread(COORDINATING, red_thread_id, at=day_over)


# --- E-11 nothing stalls silently, on a moved clock (D-7) ------------------------------------

SUNDAY_MEETING_NOT_RECORDED = datetime(2026, 3, 9, 23, 0, tzinfo=UTC)
"""MEETING_AT is Sunday 8 March: the first working day after is Monday 9, over at midnight."""


def test_e11_a_meeting_not_recorded_is_raised_once_and_anew_when_moved(
    application: EscalationApplication,
) -> None:
    Upstream(application).deliver(consent())
    red_thread_id = pull(application)
    schedule(application, red_thread_id)

    assert application.raise_due(SUNDAY_MEETING_NOT_RECORDED - timedelta(seconds=1)) == 0
    assert application.raise_due(SUNDAY_MEETING_NOT_RECORDED) == 1
    assert application.raise_due(SUNDAY_MEETING_NOT_RECORDED + timedelta(hours=1)) == 0
    moved_to = datetime(2026, 3, 12, 9, 0, tzinfo=UTC)  # a Thursday: due by Friday's end
    application.move_meeting(
        COORDINATING,
        MoveMeeting(red_thread_id, moved_to, "Ingen kom."),
        at=datetime(2026, 3, 10, 8, 0, tzinfo=UTC),
    )
    friday_over = datetime(2026, 3, 13, 23, 0, tzinfo=UTC)
    assert application.raise_due(friday_over - timedelta(seconds=1)) == 0
    assert application.raise_due(friday_over) == 1

    raised = [e for e in published(application) if isinstance(e, RedThreadMeetingNotRecorded)]
    assert [(e.meeting_at, e.overdue_at) for e in raised] == [
        (MEETING_AT, SUNDAY_MEETING_NOT_RECORDED),
        (moved_to, friday_over),
    ]
    assert set(INVITED) <= set(raised[0].concerned_orgs)


def test_e11_a_held_meeting_with_no_follow_up_booked_in_14_days_is_raised_once(
    application: EscalationApplication,
) -> None:
    Upstream(application).deliver(consent())
    red_thread_id = pull(application)
    schedule(application, red_thread_id)
    hold_meeting(application, red_thread_id, INVITED)
    fortnight_over = datetime(2026, 3, 22, 23, 0, tzinfo=UTC)  # 8 March + 14 days, CET

    application.raise_due(fortnight_over - timedelta(seconds=1))  # the action (E-10) only
    assert "RedThreadFollowUpNotBooked" not in names(application)
    assert application.raise_due(fortnight_over) == 1
    assert application.raise_due(fortnight_over + timedelta(days=2)) == 0

    (raised,) = [e for e in published(application) if isinstance(e, RedThreadFollowUpNotBooked)]
    assert (raised.red_thread_id, raised.within_days, raised.overdue_at) == (
        red_thread_id,
        14,
        fortnight_over,
    )
    assert set(INVITED) <= set(raised.concerned_orgs)


def test_e11_the_days_to_book_the_follow_up_are_the_services_setting(
    backend_settings: RuntimeSettings,
) -> None:
    application = EscalationApplication(
        env=store_env(backend_settings, "escalation"),
        coordination_offices=OFFICES,
        follow_up_booking_days=3,
    )
    try:
        Upstream(application).deliver(consent())
        red_thread_id = pull(application)
        schedule(application, red_thread_id)
        hold_meeting(application, red_thread_id, INVITED)
        three_days_over = datetime(2026, 3, 11, 23, 0, tzinfo=UTC)

        assert application.raise_due(three_days_over - timedelta(seconds=1)) == 0
        assert application.raise_due(three_days_over) == 1
        (raised,) = [e for e in published(application) if isinstance(e, RedThreadFollowUpNotBooked)]
        assert raised.within_days == 3
    finally:
        application.close()


def test_e11_each_action_past_its_day_is_raised_once_the_row_moving_on_to_the_next(
    application: EscalationApplication,
) -> None:
    Upstream(application).deliver(consent())
    red_thread_id = pull(application)
    schedule(application, red_thread_id)
    application.record_meeting_held(
        COORDINATING,
        RecordMeetingHeld(
            red_thread_id,
            INVITED,
            MeetingOutcome.SOLUTIONS_AGREED,
            "",
            [
                AgreedAction(HEALTH, "Läkarbesök.", date(2026, 3, 20)),
                AgreedAction(SOCIAL, "Boendestöd.", date(2026, 3, 15)),
            ],
        ),
        at=MEETING_AT + timedelta(hours=2),
    )
    first_over = datetime(2026, 3, 15, 23, 0, tzinfo=UTC)
    second_over = datetime(2026, 3, 20, 23, 0, tzinfo=UTC)

    assert application.raise_due(first_over - timedelta(seconds=1)) == 0
    assert application.raise_due(first_over) == 1
    (listed,) = [
        d
        for d in application.deadlines_for(staff_of(HEALTH), first_over)
        if d.kind is DeadlineKind.RED_THREAD_ACTION
    ]
    assert listed.due_at == second_over
    assert application.raise_due(second_over - timedelta(seconds=1)) == 0
    assert application.raise_due(second_over) == 1
    assert application.raise_due(second_over + timedelta(days=30)) == 1  # E-11: not booked

    raised = [e for e in published(application) if isinstance(e, RedThreadActionOverdue)]
    assert [(e.responsible_org, e.due_on, e.overdue_at) for e in raised] == [
        (SOCIAL, date(2026, 3, 15), first_over),
        (HEALTH, date(2026, 3, 20), second_over),
    ]
    assert len({e.action_id for e in raised}) == 2


# --- plans change (W-2): what the meeting relies on, and its deadlines, follow ---------------


def test_w2_e4_a_moved_meeting_relies_on_the_basis_at_its_new_time_and_only_on_that(
    application: EscalationApplication,
) -> None:
    """The consent covers the old day only; a disclosure covers the new one. After the move,
    withdrawing the consent changes nothing, and the disclosure's expiry puts it on hold."""
    upstream = Upstream(application)
    given = consent(valid_until=MEETING_AT.date())
    upstream.deliver(given)
    red_thread_id = pull(application)
    schedule(application, red_thread_id)
    moved_to = MEETING_AT + timedelta(days=2)
    emergency = disclosure(moved_to - timedelta(hours=1))
    upstream.deliver(emergency)

    moved = application.move_meeting(
        COORDINATING,
        MoveMeeting(red_thread_id, moved_to, "Krockar med en rättegång."),
        at=PULLED_AT + timedelta(days=1),
    )

    assert moved.basis is not None
    assert moved.basis.id == emergency.disclosure_id
    view = application.find(authorisations_id(SUBJECT), SubjectAuthorisations)
    assert view is not None
    assert view.reliances == {red_thread_id: emergency.disclosure_id}
    upstream.deliver(withdrawal(given.consent_id, PULLED_AT + timedelta(days=1, hours=1)))
    assert application.read_red_thread(COORDINATING, red_thread_id).hold is None
    upstream.deliver(
        EmergencyDisclosureExpired(
            subject_id=SUBJECT,
            disclosure_id=emergency.disclosure_id,
            expired_at=moved_to - timedelta(minutes=30),
        )
    )
    on_hold = application.read_red_thread(COORDINATING, red_thread_id)
    assert on_hold.hold is not None
    assert on_hold.hold.basis_id == emergency.disclosure_id
    assert names(application)[-2:] == ["RedThreadMeetingMoved", "MeetingPutOnHold"]


def test_w2_e3_a_cancelled_meeting_relies_on_nothing_and_the_14_days_run_out_unmet(
    application: EscalationApplication,
) -> None:
    Upstream(application).deliver(consent())
    red_thread_id = pull(application)
    schedule(application, red_thread_id)
    overdue_at = datetime(2026, 3, 16, 23, 0, tzinfo=UTC)  # 00:00 on 17 March, Stockholm

    application.cancel_meeting(
        COORDINATING, red_thread_id, reason="Ny tid behövs.", at=PULLED_AT + timedelta(days=1)
    )

    view = application.find(authorisations_id(SUBJECT), SubjectAuthorisations)
    assert view is not None
    assert red_thread_id not in view.reliances
    [deadline] = application.deadlines_for(staff_of(SOCIAL), PULLED_AT + timedelta(days=1))
    assert (deadline.kind, deadline.met, deadline.takes_place_at) == (
        DeadlineKind.RED_THREAD_MEETING,
        False,
        None,
    )
    assert application.raise_due(overdue_at) == 1
    assert application.red_threads_overdue(overdue_at) == 1
    assert names(application)[-2:] == ["RedThreadMeetingCancelled", "RedThreadMeetingOverdue"]


def test_w2_e5_a_moved_follow_up_is_due_on_its_new_day_and_a_cancelled_one_not_at_all(
    application: EscalationApplication,
) -> None:
    Upstream(application).deliver(consent())
    red_thread_id = pull(application)
    schedule(application, red_thread_id)
    hold_meeting(application, red_thread_id, INVITED)
    application.book_follow_up(
        COORDINATING, red_thread_id, follow_up_at=FOLLOW_UP_AT, at=MEETING_AT
    )
    old_day_over = datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
    moved_to = FOLLOW_UP_AT + timedelta(days=7)

    application.move_follow_up(
        COORDINATING, MoveMeeting(red_thread_id, moved_to, "Sjukdom."), at=MEETING_AT
    )

    application.raise_due(old_day_over)  # E-11 raises the agreed action, due 15 March
    assert "RedThreadFollowUpOverdue" not in names(application)
    [follow_up] = [
        d
        for d in application.deadlines_for(staff_of(SOCIAL), MEETING_AT)
        if d.kind is DeadlineKind.RED_THREAD_FOLLOW_UP
    ]
    assert follow_up.takes_place_at == moved_to
    application.cancel_follow_up(COORDINATING, red_thread_id, reason="Behövs inte.", at=MEETING_AT)
    application.raise_due(moved_to + timedelta(days=2))  # E-11: now it is not booked
    assert "RedThreadFollowUpOverdue" not in names(application)
    assert "RedThreadFollowUpNotBooked" in names(application)
    assert DeadlineKind.RED_THREAD_FOLLOW_UP not in [
        d.kind for d in application.deadlines_for(staff_of(SOCIAL), MEETING_AT)
    ]
    closed = application.close_red_thread(
        COORDINATING, red_thread_id, at=MEETING_AT + timedelta(days=1), reason="Flyttat."
    )
    assert closed.status == "closed"
    assert application.deadlines_for(staff_of(SOCIAL), MEETING_AT) == []
    stalled = {"RedThreadActionOverdue", "RedThreadFollowUpNotBooked"}  # E-11, as above
    assert [name for name in names(application) if name not in stalled][-3:] == [
        "RedThreadMeetingMoved",
        "RedThreadMeetingCancelled",
        "RedThreadClosedEarly",
    ]


# --- upcoming deadlines per organisation ----------------------------------------------------


def test_deadlines_are_listed_per_organisation(application: EscalationApplication) -> None:
    Upstream(application).deliver(consent())
    red_thread_id = pull(application)
    meeting = monthly_meeting(
        application, forum(application), datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
    )

    social = application.deadlines_for(staff_of(SOCIAL), PULLED_AT)
    police = application.deadlines_for(staff_of(POLICE), PULLED_AT)
    health = application.deadlines_for(staff_of(HEALTH), PULLED_AT)

    assert [(d.kind, d.item_id) for d in social] == [
        (DeadlineKind.MONTHLY_MEETING_REGISTRATION, meeting.id),
        (DeadlineKind.RED_THREAD_MEETING, red_thread_id),
    ]
    assert [d.kind for d in police] == [DeadlineKind.RED_THREAD_MEETING]
    assert [d.kind for d in health] == [DeadlineKind.MONTHLY_MEETING_REGISTRATION]
    assert social[0].due_at == datetime(2026, 3, 9, 11, 0, tzinfo=UTC)

    schedule(application, red_thread_id)  # HEALTH is summoned now
    assert DeadlineKind.RED_THREAD_MEETING in [
        d.kind for d in application.deadlines_for(staff_of(HEALTH), PULLED_AT)
    ]
    after_cutoff = application.deadlines_for(
        staff_of(SOCIAL), datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
    )
    assert [d.kind for d in after_cutoff] == [
        DeadlineKind.RED_THREAD_MEETING_RECORD,  # E-11: recorded as held by 9 March's end
        DeadlineKind.RED_THREAD_MEETING,
    ]


# --- the termly inventory from the cases topic (E-7, K-4) ------------------------------------


def test_e7_k4_age_transitions_from_cases_reach_the_termly_inventory(
    application: EscalationApplication,
) -> None:
    upstream = Upstream(application)
    case_id, other_unit_case = uuid4(), uuid4()
    for case, unit, on in (
        (case_id, SOCIAL, date(2026, 9, 14)),
        (other_unit_case, "SE2120000001-XXX9", date(2026, 9, 1)),
    ):
        upstream.deliver(
            AgeTransitionDue(
                subject_id=SUBJECT,
                case_id=case,
                unit=unit,
                transition_on=on,
                announce_by=on - timedelta(days=184),
                due_at=datetime(2026, 3, 13, 23, 0, tzinfo=UTC),
            ),
            source="/samverkan/cases#0",
        )
    series_id = forum(application)
    first = monthly_meeting(application, series_id, datetime(2026, 4, 14, 8, 0, tzinfo=UTC))
    second = monthly_meeting(application, series_id, datetime(2026, 5, 12, 8, 0, tzinfo=UTC))

    inventory = application.inventory(application.read_monthly_meeting(SOCIAL_DEPUTY, first.id))

    assert inventory is not None
    assert [(t.case_id, t.unit, t.transition_on) for t in inventory] == [
        (case_id, SOCIAL, date(2026, 9, 14))
    ]
    assert application.inventory(application.read_monthly_meeting(SOCIAL_DEPUTY, second.id)) is None


def test_e7_k4_announcements_reach_the_inventory_with_the_unit_taking_over(
    application: EscalationApplication,
) -> None:
    """K-4 → E-7: an early announcement (no reminder yet) is listed with its receiving unit;
    one needing no support after the birthday transfers nothing and leaves the list."""
    upstream = Upstream(application)
    taken_over, nothing_to_transfer = uuid4(), uuid4()
    for case, support in ((taken_over, True), (nothing_to_transfer, False)):
        upstream.deliver(
            AgeTransitionAnnounced(
                subject_id=SUBJECT,
                case_id=case,
                from_unit=SOCIAL,
                to_unit="SE2120000001-AOF1",
                municipality_code="0180",
                transition_on=date(2026, 9, 14),
                continued_support_needed=support,
                announced_at=datetime(2026, 2, 2, 9, 0, tzinfo=UTC),
            ),
            source="/samverkan/cases#0",
        )
    upstream.deliver(
        AgeTransitionDue(
            subject_id=SUBJECT,
            case_id=nothing_to_transfer,
            unit=SOCIAL,
            transition_on=date(2026, 9, 14),
            announce_by=date(2026, 3, 14),
            due_at=datetime(2026, 2, 12, 23, 0, tzinfo=UTC),
        ),
        source="/samverkan/cases#0",
    )
    first = monthly_meeting(
        application, forum(application), datetime(2026, 4, 14, 8, 0, tzinfo=UTC)
    )

    inventory = application.inventory(application.read_monthly_meeting(SOCIAL_DEPUTY, first.id))

    assert inventory is not None
    assert [(t.case_id, t.unit, t.to_unit, t.transition_on) for t in inventory] == [
        (taken_over, SOCIAL, "SE2120000001-AOF1", date(2026, 9, 14))
    ]


# --- bad input stores nothing ------------------------------------------------------------------


def test_a_broken_rule_stores_nothing(application: EscalationApplication) -> None:
    red_thread_id = pull(application)
    head = application.recorder.max_notification_id()

    with pytest.raises(NoLegalBasisForMeeting):
        schedule(application, red_thread_id)  # auto-assignment is not kept either
    with pytest.raises(ClosedBeforeFollowUp):
        application.close_red_thread(COORDINATING, red_thread_id, at=MEETING_AT)

    assert application.recorder.max_notification_id() == head
    assert application.read_red_thread(COORDINATING, red_thread_id).coordinator is None
    assert isinstance(application.read_red_thread(COORDINATING, red_thread_id), RedThread)


# --- the application authorises where it loads (issue #20) -------------------------------------


def test_e3_e6_e7_e8_e9_the_application_refuses_an_outsider_on_its_own(
    application: EscalationApplication,
) -> None:
    """Whether the caller's unit may see or act on *this* object is decided where the use
    case loads it, not by a route that loaded it first: called directly, the application
    refuses an outsider, and stores nothing."""
    upstream = Upstream(application)
    upstream.deliver(consent())
    upstream.deliver(consent(purpose="information_sharing", parties=(SOCIAL, HEALTH)))  # C-11
    red_thread_id = pull(application)
    schedule(application, red_thread_id)  # the serving office's coordinator takes it
    series_id = forum(application)
    meeting = monthly_meeting(application, series_id, MEETING_AT)
    caseworker = staff_of(SOCIAL)
    escalation = application.raise_escalation(
        caseworker,
        RaiseEscalation(EscalationTrack.NEEDS, SUBJECT, False, SOCIAL, [HEALTH], "Oenighet."),
        at=PULLED_AT,
    )
    matter = application.raise_acute_matter(
        SOCIAL_DEPUTY, RaiseAcuteMatter(None, HEALTH, "Akut fråga."), at=PULLED_AT
    )
    consultation = application.hold_consultation(
        caseworker,
        HoldConsultation(
            True, None, [HEALTH], None, ConsultationOutcome.STAYS_WITH_CURRENT_UNIT, ""
        ),
        at=PULLED_AT,
    )
    head = application.recorder.max_notification_id()

    outsider = staff_of("SE2321000016-XXX9")
    intruder = Actor(
        "SE2321000016-K201", "SE2321000016-NVK2", OrgType.COORDINATION_OFFICE, Role.COORDINATOR
    )
    colleague = Actor("SE2321000016-K002", OFFICE, OrgType.COORDINATION_OFFICE, Role.COORDINATOR)
    refusals: list[tuple[type[Exception], Any]] = [
        (NotAParty, lambda: application.read_red_thread(outsider, red_thread_id)),
        (NotAParty, lambda: application.read_red_thread(intruder, red_thread_id)),
        (
            OfficeDoesNotServe,
            lambda: application.assign_coordinator(
                intruder, red_thread_id, AssignCoordinator(), at=MEETING_AT
            ),
        ),
        (
            OfficeDoesNotServe,
            lambda: application.close_red_thread(intruder, red_thread_id, at=MEETING_AT),
        ),
        (
            RedThreadTakenByAnother,
            lambda: application.book_follow_up(
                colleague, red_thread_id, follow_up_at=FOLLOW_UP_AT, at=MEETING_AT
            ),
        ),
        (NotAParty, lambda: application.read_escalation(outsider, escalation.id)),
        (NotAParty, lambda: application.read_meeting_series(outsider, series_id)),
        (
            NotAParty,
            lambda: application.plan_monthly_meeting(
                outsider, series_id, starts_at=MEETING_AT, at=PULLED_AT
            ),
        ),
        (NotAParty, lambda: application.read_monthly_meeting(outsider, meeting.id)),
        (
            NotAParty,
            lambda: application.record_monthly_attendance(
                outsider, meeting.id, present_orgs=[SOCIAL], at=MEETING_AT
            ),
        ),
        (
            NotAParty,
            lambda: application.record_minutes(
                outsider, meeting.id, RecordMinutes("Protokoll."), at=MEETING_AT
            ),
        ),
        (NotAParty, lambda: application.read_acute_matter(outsider, matter.id)),
        (NotAParty, lambda: application.read_consultation(outsider, consultation.id)),
        (
            NotAParty,
            lambda: application.hold_consultation(
                outsider,
                HoldConsultation(
                    True, None, [SOCIAL], meeting.id, ConsultationOutcome.TRANSFER_PROPOSED, ""
                ),
                at=PULLED_AT,
            ),
        ),
    ]
    for refusal, use_case in refusals:
        with pytest.raises(refusal):
            use_case()

    assert application.recorder.max_notification_id() == head


# --- C-11: the basis each flow that shares personal data relies on -------------------------


def test_c11_each_named_flow_records_the_basis_it_shared_on_consent_disclosure_or_osl_26_9(
    application: EscalationApplication,
) -> None:
    """Consent to information sharing, an emergency disclosure (C-5) or an OSL 26:9
    disclosure (C-6), each naming the units that see the data; the one used is kept."""
    upstream = Upstream(application)
    caseworker = staff_of(SOCIAL)
    raise_it = RaiseEscalation(EscalationTrack.NEEDS, SUBJECT, False, SOCIAL, [HEALTH], "Oenighet.")
    with pytest.raises(NoBasisForSharing) as refused:
        application.raise_escalation(caseworker, raise_it, at=PULLED_AT)
    assert refused.value.rule == "C-11"
    # A consent to a red-thread meeting is no consent to information sharing.
    upstream.deliver(consent(parties=(SOCIAL, HEALTH)))
    with pytest.raises(NoBasisForSharing):
        application.raise_acute_matter(
            SOCIAL_DEPUTY, RaiseAcuteMatter(SUBJECT, HEALTH, "Akut."), at=PULLED_AT
        )

    osl = UnbornChildDisclosureRecorded(
        subject_id=SUBJECT,
        disclosure_id=uuid4(),
        parties=(SOCIAL, HEALTH),
        decided_by="SE2120000001-D001",
        decided_at=PULLED_AT - timedelta(hours=1),
        valid_until=PULLED_AT + timedelta(days=30),
        consent_sought=True,
    )
    upstream.deliver(osl)
    on_osl = application.raise_escalation(caseworker, raise_it, at=PULLED_AT)
    emergency = disclosure(PULLED_AT - timedelta(minutes=30), parties=(SOCIAL, HEALTH))
    upstream.deliver(emergency)
    matter = application.raise_acute_matter(
        SOCIAL_DEPUTY, RaiseAcuteMatter(SUBJECT, HEALTH, "Akut."), at=PULLED_AT
    )
    sharing = consent(purpose="information_sharing", parties=(SOCIAL, HEALTH))
    upstream.deliver(sharing)
    named = application.hold_consultation(
        SOCIAL_DEPUTY,
        HoldConsultation(False, SUBJECT, [HEALTH], None, ConsultationOutcome.TRANSFER_PROPOSED, ""),
        at=PULLED_AT,
    )
    meeting = monthly_meeting(application, forum(application), MEETING_AT)
    registration = application.register_case(
        SOCIAL_DEPUTY,
        RegisterCase(
            meeting.id, SUBJECT, "Testa Testsson", 40, "Bakgrund.", "Läget.", "Fråga?", []
        ),
        at=PULLED_AT,
    )

    view = application.repository.get(authorisations_id(SUBJECT))
    assert view.sharings == {
        on_osl.id: Basis(LegalBasis.OSL_26_9, osl.disclosure_id),
        matter.id: Basis(LegalBasis.EMERGENCY_DISCLOSURE, emergency.disclosure_id),
        named.id: Basis(LegalBasis.CONSENT, sharing.consent_id),
        registration.registration_id: Basis(LegalBasis.CONSENT, sharing.consent_id),
    }
