"""The cases service's work lists on real stores (W-1): nobody has to be told an id by phone.

Each test lets one unit act and another find what waits for it only from its own work
list, and read it back where the item points (W-3)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from contracts import (
    CaseMeetingOutcome,
    ClosingReason,
    MeetingKind,
    OrgType,
    Purpose,
    Role,
    SipProposer,
    UnitKind,
)
from services.cases.application import (
    AnnounceAgeTransition,
    CasesApplication,
    EstablishSip,
    MoveMeeting,
    PlanCarePlanningMeeting,
    ProposeSip,
    RecordChildWelfareReport,
    RecordMeetingHeld,
    RecordSipFollowUp,
    RequestHandover,
    ScheduleThreePartyMeeting,
)
from services.cases.domain import Meeting, Need, Occasion, Participants, Unit, UnitDirectory
from services.cases.views.work_kinds import (
    AGE_TRANSITION,
    AGE_TRANSITION_TAKEOVER,
    CHILD_WELFARE_REPORT,
    HANDOVER,
    MEETING,
    MEETING_FOLLOW_UP,
    SIP_ESTABLISHMENT,
    SIP_FOLLOW_UP,
    THREE_PARTY_PREPARATION,
    THREE_PARTY_REQUEST,
    TRANSFER,
)
from services.runtime.kernel.actor import Actor
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from services.runtime.store.work_items import WorkItem, WorkQuery
from tests.integration.test_cases_application import (
    ADULT,
    AT,
    AT_AOF,
    AT_IOF,
    AT_REGION,
    CONTENT,
    PLAN,
    RECEIVER,
    REGION,
    UNITS,
    YOUTH,
    at_unit,
    learn_consent,
    published,
    register,
)
from tests.unit.units import AOF, IOF

AOF_DEPUTY = Actor("SE2120000001-D202", AOF, OrgType.SOCIAL_SERVICES, Role.DEPUTY_UNIT_MANAGER)
SCHOOL = at_unit("SE2120000001-SKL1", "SE2120000001-T001", OrgType.SCHOOL)
"""A teacher at a school: reports about a child (K-10), acts on nothing in cases."""


@pytest.fixture
def application(backend_settings: RuntimeSettings) -> Iterator[CasesApplication]:
    app = CasesApplication(
        env=store_env(backend_settings, "cases"), units=UNITS, acknowledgement_working_days=3
    )
    yield app
    app.close()


def listed(
    application: CasesApplication, actor: Actor, now: datetime = AT, **query: object
) -> list[WorkItem]:
    """Everything on `actor`'s list, every page."""
    items: list[WorkItem] = []
    after = None
    while True:
        page = application.work_list(
            actor,
            WorkQuery(after=after, **query),  # type: ignore[arg-type]
            now,
        )
        items += page.items
        if page.next is None:
            return items
        after = page.next


def kinds_of(items: list[WorkItem]) -> list[tuple[str, str]]:
    return [(i.kind, i.state) for i in items]


# --- K-5: the handover ----------------------------------------------------------------------


def test_w1_k5_a_handover_waits_for_the_receiving_unit_until_transferred(
    application: CasesApplication,
) -> None:
    case = register(application, ADULT, date(1990, 1, 1), [Need.SUBSTANCE_MISUSE]).cases[0]
    learn_consent(application, ADULT, [IOF, AOF])
    handover = application.request_handover(
        AT_IOF, case.id, RequestHandover(to_unit=AOF, content=CONTENT), at=AT
    )

    (item,) = listed(application, AT_AOF)
    assert (item.kind, item.state, item.item_id) == (HANDOVER, "requested", case.id)
    assert item.href == f"/v1/cases/{case.id}/handovers/{handover.id}"
    # Monday + 3 working days: acknowledged by the end of Thursday, Stockholm.
    assert item.due_at == datetime(2026, 1, 15, 23, 0, tzinfo=UTC)
    assert item.subject_id == ADULT
    assert application.read_handover(AT_AOF, case.id, handover.id, at=AT)[1].id == handover.id
    assert listed(application, AT_IOF) == []  # the sending unit waits for nothing

    application.acknowledge_handover(
        AT_AOF, case.id, handover.id, receiving_caseworker=RECEIVER, at=AT
    )
    (acknowledged,) = listed(application, AT_AOF)
    assert (acknowledged.kind, acknowledged.state, acknowledged.due_at) == (
        TRANSFER,
        "acknowledged",
        None,
    )

    application.transfer_responsibility(AT_AOF, case.id, handover.id, at=AT)
    assert listed(application, AT_AOF) == []


def test_w1_k5_d7_an_unacknowledged_handover_is_overdue_on_the_receiving_units_list(
    application: CasesApplication,
) -> None:
    case = register(application, ADULT, date(1990, 1, 1), [Need.SUBSTANCE_MISUSE]).cases[0]
    learn_consent(application, ADULT, [IOF, AOF])
    application.request_handover(
        AT_IOF, case.id, RequestHandover(to_unit=AOF, content=CONTENT), at=AT
    )
    deadline = datetime(2026, 1, 15, 23, 0, tzinfo=UTC)
    before = deadline - timedelta(seconds=1)
    assert listed(application, AT_AOF, before, overdue=True) == []

    assert application.raise_due(deadline) == 1

    (item,) = listed(application, AT_AOF, before, overdue=True)  # raised: overdue from now on
    assert (item.kind, item.overdue) == (HANDOVER, True)
    assert listed(application, AT_AOF, deadline, overdue=False) == []

    application.close_case(AT_IOF, case.id, reason=ClosingReason.NEEDS_MET, at=deadline)
    assert listed(application, AT_AOF, deadline) == []  # closing ends the handover


# --- K-4: the age transition --------------------------------------------------------------


def test_w1_k4_the_age_transition_waits_for_the_holding_unit_from_its_reminder(
    application: CasesApplication,
) -> None:
    """Turning 19 on 1 September 2026: announced by 1 March, the reminder at its start."""
    case = register(application, YOUTH, date(2007, 9, 1), [Need.CHILD_WELFARE]).cases[0]
    reminder = datetime(2026, 2, 28, 23, 0, tzinfo=UTC)
    assert listed(application, AT_IOF, reminder) == []  # years ahead: nothing to do yet

    application.raise_due(reminder)

    (item,) = listed(application, AT_IOF, reminder)
    assert (item.kind, item.state, item.item_id) == (AGE_TRANSITION, "due", case.id)
    assert item.due_at == datetime(2026, 3, 1, 23, 0, tzinfo=UTC)  # 1 March has passed
    assert item.href == f"/v1/cases/{case.id}"
    assert application.read_case(AT_IOF, item.item_id).id == case.id
    assert not item.is_overdue(reminder)
    assert listed(application, AT_AOF, reminder) == []

    late = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    application.raise_due(late)
    (overdue,) = listed(application, AT_IOF, late, overdue=True)
    assert overdue.overdue

    application.announce_age_transition(
        AT_IOF, case.id, AnnounceAgeTransition(to_unit=AOF, continued_support_needed=True), at=late
    )
    assert listed(application, AT_IOF, late) == []


def test_w1_k4_a_case_opened_after_its_announcement_day_is_due_by_the_birthday(
    application: CasesApplication,
) -> None:
    """Turning 19 on 1 April 2026, opened in January: the reminder comes at once and the
    case is overdue only if still unannounced when the birthday comes (K-4, D-7)."""
    case = register(application, YOUTH, date(2007, 4, 1), [Need.CHILD_WELFARE]).cases[0]

    application.raise_due(AT)

    (item,) = listed(application, AT_IOF)
    assert (item.kind, item.item_id) == (AGE_TRANSITION, case.id)
    assert item.due_at == datetime(2026, 3, 31, 22, 0, tzinfo=UTC)  # 1 April starts, CEST
    assert not item.is_overdue(AT)


def test_w1_k4_k5_a_case_handed_to_another_iof_unit_takes_its_announcement_along(
    backend_settings: RuntimeSettings,
) -> None:
    """K-4: the unit holding the case announces; handed over to a child & youth unit in
    another municipality (K-5), the waiting announcement moves to that unit's list;
    closing the case ends it."""
    other_iof = "SE2120000001-IOF2"
    units = UnitDirectory([*UNITS.units(), Unit(other_iof, UnitKind.IOF, "0181")])
    application = CasesApplication(env=store_env(backend_settings, "cases"), units=units)
    try:
        at_other = at_unit(other_iof, "SE2120000001-S303")
        case = register(application, YOUTH, date(2007, 9, 1), [Need.CHILD_WELFARE]).cases[0]
        reminder = datetime(2026, 2, 28, 23, 0, tzinfo=UTC)
        application.raise_due(reminder)
        learn_consent(application, YOUTH, [IOF, other_iof])
        handover = application.request_handover(
            AT_IOF, case.id, RequestHandover(to_unit=other_iof, content=CONTENT), at=reminder
        )
        application.acknowledge_handover(
            at_other, case.id, handover.id, receiving_caseworker=at_other.hsa_id, at=reminder
        )
        assert kinds_of(listed(application, at_other, reminder)) == [(TRANSFER, "acknowledged")]

        application.transfer_responsibility(at_other, case.id, handover.id, at=reminder)

        (item,) = listed(application, at_other, reminder)
        assert (item.kind, item.item_id, item.addressee) == (AGE_TRANSITION, case.id, other_iof)
        assert application.read_case(at_other, item.item_id).unit == other_iof
        assert listed(application, AT_IOF, reminder) == []

        application.close_case(at_other, case.id, reason=ClosingReason.NEEDS_MET, at=reminder)
        assert listed(application, at_other, reminder) == []
    finally:
        application.close()


def test_w1_k4_an_announced_case_waits_for_the_receiving_unit_to_take_it_over(
    application: CasesApplication,
) -> None:
    """K-4: announced with continued support needed, the case is on the receiving unit's
    list, due at the 19th birthday (1 September 2026), readable where the item points;
    announced with none, nothing waits. Closing the case ends it."""
    case = register(application, YOUTH, date(2007, 9, 1), [Need.CHILD_WELFARE]).cases[0]
    other = register(application, ADULT, date(2007, 10, 1), [Need.CHILD_WELFARE]).cases[0]
    assert listed(application, AT_AOF) == []

    application.announce_age_transition(
        AT_IOF, case.id, AnnounceAgeTransition(to_unit=AOF, continued_support_needed=True), at=AT
    )
    application.announce_age_transition(
        AT_IOF, other.id, AnnounceAgeTransition(to_unit=AOF, continued_support_needed=False), at=AT
    )

    (item,) = listed(application, AT_AOF)
    assert (item.kind, item.state, item.item_id) == (AGE_TRANSITION_TAKEOVER, "announced", case.id)
    assert (item.addressee, item.subject_id) == (AOF, YOUTH)
    assert item.due_at == datetime(2026, 8, 31, 22, 0, tzinfo=UTC)  # 1 September starts
    assert application.read_case(AT_AOF, item.item_id).id == case.id
    assert listed(application, AT_IOF) == []

    application.close_case(AT_IOF, case.id, reason=ClosingReason.NEEDS_MET, at=AT)
    assert listed(application, AT_AOF) == []


# --- K-10: the child-welfare report --------------------------------------------------------


def test_w1_k10_a_child_welfare_report_waits_for_the_child_and_youth_unit_to_acknowledge_it(
    application: CasesApplication,
) -> None:
    report = application.record_child_welfare_report(
        SCHOOL, RecordChildWelfareReport(YOUTH, date(2015, 3, 15), "0180"), at=AT
    )
    application.record_child_welfare_report(
        SCHOOL, RecordChildWelfareReport(None, None, "2480"), at=AT
    )  # a municipality whose IOF unit the directory does not know: nobody here receives it

    (item,) = listed(application, AT_IOF)
    assert (item.kind, item.state, item.item_id) == (CHILD_WELFARE_REPORT, "made", report.id)
    assert (item.addressee, item.subject_id) == ("municipality:0180:IOF", YOUTH)
    assert item.href == f"/v1/child-welfare-reports/{report.id}"
    assert application.read_child_welfare_report(AT_IOF, item.item_id).id == report.id
    assert listed(application, AT_AOF) == []  # the adults' unit of the same municipality
    assert listed(application, SCHOOL) == []  # the reporter has done its part

    application.acknowledge_child_welfare_report(AT_IOF, report.id, at=AT)
    assert listed(application, AT_IOF) == []


def test_k10_the_acknowledgement_opens_a_child_and_youth_case_or_joins_the_open_one(
    application: CasesApplication,
) -> None:
    """K-10: acknowledged by the child & youth unit, a report about a child known by number
    opens a case there; the next report about the same child joins that case (K-1); a
    child unknown by number gets no case. Each acknowledgement is public."""
    first = application.record_child_welfare_report(
        SCHOOL, RecordChildWelfareReport(YOUTH, date(2015, 3, 15), "0180"), at=AT
    )
    second = application.record_child_welfare_report(
        SCHOOL, RecordChildWelfareReport(YOUTH, date(2015, 3, 15), "0180"), at=AT
    )
    anonymous = application.record_child_welfare_report(
        SCHOOL, RecordChildWelfareReport(None, None, "0180"), at=AT
    )

    opened = application.acknowledge_child_welfare_report(AT_IOF, first.id, at=AT).case_id
    assert opened is not None
    case = application.read_case(AT_IOF, opened)
    assert (case.unit, case.child_and_youth, case.needs) == (IOF, True, ["child_welfare"])
    joined = application.acknowledge_child_welfare_report(AT_IOF, second.id, at=AT).case_id
    assert joined == opened
    assert [
        r["child_welfare_report"] for r in application.read_case(AT_IOF, opened).joined_reports
    ] == [second.id]
    assert application.acknowledge_child_welfare_report(AT_IOF, anonymous.id, at=AT).case_id is None
    assert [c.id for c in application.cases_of(AT_IOF, YOUTH)] == [opened]
    assert published(application).count("ChildWelfareReportAcknowledged") == 3
    assert published(application).count("CaseOpened") == 1


# --- K-8, K-9: meetings ---------------------------------------------------------------------


def test_w1_k8_a_three_party_request_waits_for_the_asked_units_deputy_then_both_prepare(
    application: CasesApplication,
) -> None:
    case = register(application, ADULT, date(1990, 1, 1), [Need.SUBSTANCE_MISUSE]).cases[0]
    learn_consent(application, ADULT, [IOF, AOF], Purpose.THREE_PARTY_MEETING)  # C-11
    meeting = application.request_three_party_meeting(AT_IOF, case.id, to_unit=AOF, at=AT)

    assert kinds_of(listed(application, AOF_DEPUTY)) == [
        (THREE_PARTY_PREPARATION, "caseworker_requested"),
        (THREE_PARTY_REQUEST, "requested"),
    ]
    request = next(i for i in listed(application, AOF_DEPUTY) if i.kind == THREE_PARTY_REQUEST)
    assert (request.item_id, request.role) == (meeting.id, Role.DEPUTY_UNIT_MANAGER.value)
    assert request.href == f"/v1/meetings/{meeting.id}"
    assert application.read_meeting(AOF_DEPUTY, request.item_id).id == meeting.id
    assert kinds_of(listed(application, AT_AOF)) == [  # the deputy's to assign, not the unit's
        (THREE_PARTY_PREPARATION, "caseworker_requested")
    ]

    application.assign_meeting_caseworker(AOF_DEPUTY, meeting.id, caseworker=RECEIVER, at=AT)
    for unit in (AT_IOF, AOF_DEPUTY):
        assert kinds_of(listed(application, unit)) == [
            (THREE_PARTY_PREPARATION, "pre_meeting_to_hold")
        ]

    later = AT + timedelta(hours=2)
    application.record_pre_meeting(AT_AOF, meeting.id, held_at=AT + timedelta(hours=1), at=later)
    assert kinds_of(listed(application, AT_IOF, later)) == [(THREE_PARTY_PREPARATION, "to_book")]

    starts_at = AT + timedelta(days=7)
    application.schedule_three_party_meeting(
        AT_IOF,
        meeting.id,
        ScheduleThreePartyMeeting(starts_at, starts_at + timedelta(hours=1), "Rum 4"),
        at=later,
    )
    for unit in (AT_IOF, AT_AOF):
        assert kinds_of(listed(application, unit, later)) == [(MEETING, "booked")]
    ended = starts_at + timedelta(hours=1)
    (item,) = listed(application, AT_IOF, ended)  # ended, it waits to be recorded as held
    assert item.due_at == datetime(2026, 1, 20, 23, 0, tzinfo=UTC)  # end of the next working day
    assert not item.is_overdue(ended)

    application.record_meeting_held(
        AT_AOF,
        meeting.id,
        RecordMeetingHeld(None, CaseMeetingOutcome.APPLICATION_MADE, "Ansökan.", [IOF, AOF]),
        at=ended,
    )
    assert listed(application, AT_IOF, ended) == []


def test_w1_e11_a_meeting_not_recorded_as_held_is_overdue_on_its_units_lists(
    application: CasesApplication,
) -> None:
    """E-11 on a moved clock: the schedule raises it overdue after the next working day;
    moved (W-2), it is due anew after its new date."""
    meeting = care_planning(application)
    overdue_at = datetime(2026, 1, 16, 23, 0, tzinfo=UTC)  # Thursday 15th's next working day

    assert application.raise_due(overdue_at - timedelta(seconds=1)) == 0
    assert application.raise_due(overdue_at) == 1
    assert application.raise_due(overdue_at + timedelta(hours=1)) == 0
    for unit in (AT_IOF, AT_AOF):
        (overdue,) = listed(application, unit, overdue_at, overdue=True)
        assert (overdue.kind, overdue.item_id, overdue.overdue) == (MEETING, meeting.id, True)

    new_time = overdue_at + timedelta(days=3, hours=10)
    application.move_meeting(
        AT_AOF,
        meeting.id,
        MoveMeeting(
            MeetingKind.CARE_PLANNING_FOLLOW_UP,
            new_time,
            new_time + timedelta(hours=1),
            "Läkaren är sjuk.",
        ),
        at=overdue_at,
    )
    follow_up = next(i for i in listed(application, AT_IOF, overdue_at) if i.kind != MEETING)
    assert (follow_up.kind, follow_up.state) == (MEETING_FOLLOW_UP, "moved")
    assert follow_up.due_at == datetime(2026, 1, 21, 23, 0, tzinfo=UTC)  # Tuesday 20th's next
    assert not follow_up.overdue
    assert [n for n in published(application) if n.startswith("CaseMeeting")] == [
        "CaseMeetingScheduled",
        "CaseMeetingScheduled",
        "CaseMeetingOverdue",
        "CaseMeetingMoved",
    ]


def care_planning(application: CasesApplication) -> Meeting:
    """A care-planning meeting on Thursday 15 January 2026, its follow-up a week later."""
    case = register(application, ADULT, date(1990, 1, 1), [Need.SUBSTANCE_MISUSE]).cases[0]
    starts_at = AT + timedelta(days=3)
    follow_up_at = starts_at + timedelta(days=7)
    return application.plan_care_planning_meeting(
        AT_IOF,
        case.id,
        PlanCarePlanningMeeting(
            other_units=[AOF],
            meeting=Occasion(
                MeetingKind.CARE_PLANNING, starts_at, starts_at + timedelta(hours=1), "Rum 1"
            ),
            follow_up=Occasion(
                MeetingKind.CARE_PLANNING_FOLLOW_UP,
                follow_up_at,
                follow_up_at + timedelta(hours=1),
                "Rum 1",
            ),
        ),
        at=AT,
    )


def test_w1_k9_a_care_planning_meeting_and_its_follow_up_wait_until_held_or_cancelled(
    application: CasesApplication,
) -> None:
    meeting = care_planning(application)
    starts_at = meeting.occasions[0].starts_at

    after_meeting = starts_at + timedelta(hours=2)
    for unit in (AT_IOF, AT_AOF):
        assert sorted((i.kind, i.item_id) for i in listed(application, unit, after_meeting)) == [
            (MEETING, meeting.id),
            (MEETING_FOLLOW_UP, meeting.id),
        ]
    application.record_meeting_held(
        AT_IOF,
        meeting.id,
        RecordMeetingHeld(None, CaseMeetingOutcome.INFORMATION_EXCHANGED, "Genomgång.", [IOF, AOF]),
        at=after_meeting,
    )
    assert kinds_of(listed(application, AT_AOF, after_meeting)) == [(MEETING_FOLLOW_UP, "booked")]
    application.cancel_meeting(
        AT_AOF,
        meeting.id,
        occasion=MeetingKind.CARE_PLANNING_FOLLOW_UP,
        reason="Inget gemensamt ansvar behövs.",
        at=after_meeting,
    )
    assert listed(application, AT_IOF, after_meeting) == []
    assert [n for n in published(application) if n.startswith("CaseMeeting")] == [
        "CaseMeetingScheduled",
        "CaseMeetingScheduled",
        "CaseMeetingHeld",
        "CaseMeetingCancelled",
    ]


# --- K-6, K-7: the SIP ----------------------------------------------------------------------


def test_w1_k6_k7_a_sip_waits_for_its_units_to_establish_then_follow_it_up(
    application: CasesApplication,
) -> None:
    learn_consent(application, ADULT, [AOF, REGION], Purpose.SIP)
    sip = application.propose_sip(
        AT_AOF,
        ProposeSip(ADULT, date(1990, 1, 1), SipProposer.REGION, [AOF, REGION]),
        at=AT,
    )
    for unit in (AT_AOF, AT_REGION):
        (item,) = listed(application, unit)
        assert (item.kind, item.state, item.item_id) == (SIP_ESTABLISHMENT, "proposed", sip.id)
        assert item.href == f"/v1/sips/{sip.id}"
        assert application.read_sip(unit, item.item_id).id == sip.id
    assert listed(application, AT_IOF) == []

    application.establish_sip(
        AT_AOF,
        sip.id,
        EstablishSip(
            plan=PLAN,
            participants=Participants(True, False, False),
            complex_case=False,
            coordinator=None,
            follow_up_every_days=30,
            first_follow_up_on=date(2026, 2, 1),
        ),
        at=AT,
    )
    first_missed = datetime(2026, 2, 1, 23, 0, tzinfo=UTC)  # end of 1 February, Stockholm
    (item,) = listed(application, AT_REGION)
    assert (item.kind, item.state, item.due_at) == (SIP_FOLLOW_UP, "established", first_missed)

    application.raise_due(first_missed)
    assert [i.kind for i in listed(application, AT_AOF, first_missed, overdue=True)] == [
        SIP_FOLLOW_UP
    ]

    held = datetime(2026, 2, 3, 10, tzinfo=UTC)
    application.record_sip_follow_up(
        AT_REGION, sip.id, RecordSipFollowUp(date(2026, 2, 3), "Försenad uppföljning."), at=held
    )
    (followed,) = listed(application, AT_AOF, held)
    assert (followed.state, followed.overdue) == ("followed_up", False)
    assert followed.due_at == datetime(2026, 3, 5, 23, 0, tzinfo=UTC)  # 30 days on
    assert not followed.is_overdue(held)
