"""Monthly meetings of deputy unit managers (E-7, seed 003), acute matters (E-8) and
consultations (E-9). Pure domain; time is passed in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from contracts import (
    ConsultationHeld,
    ConsultationOutcome,
    DeviationCategory,
    MonthlyMeetingAbsenceRecorded,
    MonthlyMeetingKind,
    Role,
)
from services.escalation.domain import (
    AcuteMatter,
    AcuteMatterAlreadyAcknowledged,
    AcuteMatterInvalid,
    AcuteMatterNotYours,
    Consultation,
    ConsultationInvalid,
    MeetingSeries,
    MonthlyMeeting,
    MonthlyMeetingConflict,
    MonthlyMeetingInvalid,
    NotAMember,
    NotTheMinuteTaker,
    RegistrationClosed,
    RegistrationIncomplete,
    UpcomingTransfers,
    inventory_terms,
    registration_cutoff,
    term_of,
    upcoming,
)
from services.escalation.translate import to_integration_event
from services.runtime.kernel.personal import text_of
from tests.unit.units import AOF, IOF

AOF2 = "SE2120000001-AOF2"
DEPUTY = "SE2120000001-D001"
NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
ALIGNMENT = MonthlyMeetingKind.ALIGNMENT
COLLABORATION = MonthlyMeetingKind.COLLABORATION


def series(members: list[str] | None = None) -> MeetingSeries:
    return MeetingSeries.create(
        name="Samverkan IoF och ÄoF",
        members=members or [IOF, AOF, AOF2],
        first_kind=ALIGNMENT,
        created_by=DEPUTY,
        at=NOW,
    )


def plan(forum: MeetingSeries, starts_at: datetime) -> MonthlyMeeting:
    meeting_id = uuid4()
    planned = forum.plan(meeting_id=meeting_id, starts_at=starts_at, now=NOW)
    return MonthlyMeeting.plan(meeting_id=meeting_id, series=forum, planned=planned)


def meeting_on(starts_at: datetime, kind: MonthlyMeetingKind = COLLABORATION) -> MonthlyMeeting:
    forum = MeetingSeries.create(
        name="Forum", members=[IOF, AOF, AOF2], first_kind=kind, created_by=DEPUTY, at=NOW
    )
    return plan(forum, starts_at)


def register(meeting: MonthlyMeeting, now: datetime, **changes: Any) -> Any:
    fields: dict[str, Any] = {
        "registration_id": uuid4(),
        "subject_id": None,
        "registering_org": IOF,
        "registered_by": DEPUTY,
        "name": "Testa Testsson",
        "age": 18,
        "background": "Känd inom barn och unga sedan 2019; utredd för NPF.",
        "current_situation": "Placerad i familjehem; insatser till 19 år.",
        "problem_and_question": "Behov av fortsatt stöd efter 19: överföring till ÄoF?",
        "summoned_orgs": [AOF],
        "now": now,
    }
    fields.update(changes)
    return meeting.register_case(**fields)


# --- the 12:00 cutoff the day before ------------------------------------------------------


@pytest.mark.parametrize(
    ("starts_at", "cutoff"),
    [
        # Ordinary winter day: 12:00 CET is 11:00 UTC.
        (datetime(2026, 2, 10, 8, 0, tzinfo=UTC), datetime(2026, 2, 9, 11, 0, tzinfo=UTC)),
        # Meeting Monday 30 March 2026 (CEST); the day before is the changeover day,
        # 29 March, already in summer time: 12:00 CEST is 10:00 UTC.
        (datetime(2026, 3, 30, 7, 0, tzinfo=UTC), datetime(2026, 3, 29, 10, 0, tzinfo=UTC)),
        # Meeting on the changeover day itself: the day before is still winter time.
        (datetime(2026, 3, 29, 8, 0, tzinfo=UTC), datetime(2026, 3, 28, 11, 0, tzinfo=UTC)),
        # Meeting Monday 26 October 2026 (CET); the day before, 25 October, is back in
        # winter time from 03:00: 12:00 CET is 11:00 UTC.
        (datetime(2026, 10, 26, 8, 0, tzinfo=UTC), datetime(2026, 10, 25, 11, 0, tzinfo=UTC)),
        # Meeting on 25 October: the day before is summer time, 12:00 CEST = 10:00 UTC.
        (datetime(2026, 10, 25, 9, 0, tzinfo=UTC), datetime(2026, 10, 24, 10, 0, tzinfo=UTC)),
        # A meeting at 00:30 Stockholm time is on that Stockholm day, not the UTC one.
        (datetime(2026, 2, 10, 23, 30, tzinfo=UTC), datetime(2026, 2, 10, 11, 0, tzinfo=UTC)),
    ],
    ids=[
        "winter",
        "day-before-is-spring-forward",
        "on-spring-forward",
        "day-before-is-fall-back",
        "on-fall-back",
        "stockholm-date",
    ],
)
def test_e7_registration_closes_at_noon_the_day_before_across_dst(
    starts_at: datetime, cutoff: datetime
) -> None:
    assert registration_cutoff(starts_at) == cutoff
    meeting = meeting_on(starts_at)

    register(meeting, now=cutoff)  # 12:00:00 exactly is in time
    with pytest.raises(RegistrationClosed) as raised:
        register(meeting, now=cutoff + timedelta(seconds=1))

    assert raised.value.rule == "E-7"
    assert raised.value.status == 422
    assert len(meeting.registrations) == 1


def test_e7_the_day_before_a_monday_is_sunday() -> None:
    monday = datetime(2026, 2, 9, 8, 0, tzinfo=UTC)
    assert registration_cutoff(monday).date() == date(2026, 2, 8)


# --- what a registration holds -------------------------------------------------------------


@pytest.mark.parametrize(
    "missing", ["name", "background", "current_situation", "problem_and_question"]
)
def test_e7_a_registration_gives_name_age_background_situation_and_question(missing: str) -> None:
    meeting = meeting_on(datetime(2026, 2, 10, 8, 0, tzinfo=UTC))

    with pytest.raises(RegistrationIncomplete) as raised:
        register(meeting, now=NOW, **{missing: "  "})

    assert raised.value.rule == "E-7"
    assert missing in raised.value.message


def test_e7_age_is_a_plausible_age() -> None:
    meeting = meeting_on(datetime(2026, 2, 10, 8, 0, tzinfo=UTC))
    with pytest.raises(RegistrationIncomplete):
        register(meeting, now=NOW, age=-1)


def test_e7_only_member_units_register_and_summon() -> None:
    meeting = meeting_on(datetime(2026, 2, 10, 8, 0, tzinfo=UTC))
    with pytest.raises(NotAMember):
        register(meeting, now=NOW, registering_org="SE2120000001-SKL1")
    with pytest.raises(NotAMember):
        register(meeting, now=NOW, summoned_orgs=["SE2120000001-SKL1"])


def test_e7_name_and_age_stay_in_the_store_never_on_the_topic() -> None:
    meeting = meeting_on(datetime(2026, 2, 10, 8, 0, tzinfo=UTC))
    register(meeting, now=NOW, subject_id="e" * 64)

    registered = [
        e for e in meeting.collect_events() if isinstance(e, MonthlyMeeting.CaseRegistered)
    ]
    assert registered[0].name.text == "Testa Testsson"
    assert registered[0].age.text == "18"
    assert registered[0].age.owner == registered[0].name.owner, "E-7: sealed as the name is"
    published = to_integration_event(registered[0])
    assert published is not None
    payload = published.model_dump_json()
    assert "Testa" not in payload
    assert "Placerad" not in payload
    assert "age" not in published.model_dump()
    assert published.model_dump()["subject_id"] == "e" * 64


# --- alternating meetings, once a month, rotating minute-taker -------------------------------


def test_e7_alignment_and_collaboration_meetings_alternate() -> None:
    forum = series()
    kinds = [
        plan(forum, datetime(2026, month, 12, 8, 0, tzinfo=UTC)).kind for month in (1, 2, 3, 4)
    ]
    assert kinds == [ALIGNMENT, COLLABORATION, ALIGNMENT, COLLABORATION]


def test_e7_alternation_goes_by_sequence_when_a_month_is_skipped() -> None:
    forum = series()
    plan(forum, datetime(2026, 6, 10, 8, 0, tzinfo=UTC))
    after_summer = plan(forum, datetime(2026, 8, 12, 8, 0, tzinfo=UTC))
    assert after_summer.kind is COLLABORATION


def test_e7_the_forum_meets_once_a_month_in_order() -> None:
    forum = series()
    plan(forum, datetime(2026, 2, 10, 8, 0, tzinfo=UTC))

    with pytest.raises(MonthlyMeetingConflict) as same_month:
        plan(forum, datetime(2026, 2, 24, 8, 0, tzinfo=UTC))
    with pytest.raises(MonthlyMeetingConflict):
        plan(forum, datetime(2026, 1, 20, 8, 0, tzinfo=UTC))
    with pytest.raises(MonthlyMeetingInvalid):
        plan(forum, NOW - timedelta(days=1))

    assert same_month.value.rule == "E-7"
    assert len(forum.meetings) == 1


def test_e7_the_minute_taker_rotates_among_the_members() -> None:
    forum = series([IOF, AOF, AOF2])
    takers = [
        plan(forum, datetime(2026, month, 12, 8, 0, tzinfo=UTC)).minute_taker
        for month in range(1, 6)
    ]
    assert takers == [IOF, AOF, AOF2, IOF, AOF]


def test_e7_minutes_are_kept_by_this_meetings_minute_taker() -> None:
    starts_at = datetime(2026, 2, 10, 8, 0, tzinfo=UTC)
    meeting = meeting_on(starts_at)
    assert meeting.minute_taker == IOF

    with pytest.raises(NotTheMinuteTaker) as raised:
        meeting.record_minutes(
            text="Protokoll.", recorded_by=DEPUTY, recorded_by_org=AOF, now=starts_at
        )
    assert raised.value.rule == "E-7"

    meeting.record_minutes(
        text="Protokoll: två ärenden.", recorded_by=DEPUTY, recorded_by_org=IOF, now=starts_at
    )
    assert text_of(meeting.minutes) == "Protokoll: två ärenden."
    with pytest.raises(MonthlyMeetingConflict):
        meeting.record_minutes(text="Igen.", recorded_by=DEPUTY, recorded_by_org=IOF, now=starts_at)


def test_e7_forum_has_at_least_two_units() -> None:
    with pytest.raises(MonthlyMeetingInvalid):
        series([IOF, IOF])


# --- attendance: alignment mandatory for all, collaboration when summoned -------------------


def test_e7_alignment_meeting_is_mandatory_for_every_member() -> None:
    starts_at = datetime(2026, 2, 10, 8, 0, tzinfo=UTC)
    meeting = meeting_on(starts_at, ALIGNMENT)

    meeting.record_attendance(present_orgs=[IOF], recorded_by=DEPUTY, now=starts_at)

    assert meeting.absent_orgs == [AOF, AOF2]


def test_e7_collaboration_meeting_is_mandatory_for_those_summoned() -> None:
    starts_at = datetime(2026, 2, 10, 8, 0, tzinfo=UTC)
    meeting = meeting_on(starts_at, COLLABORATION)
    register(meeting, now=NOW, summoned_orgs=[AOF])

    assert meeting.summoned_orgs == [IOF, AOF]
    meeting.record_attendance(present_orgs=[IOF], recorded_by=DEPUTY, now=starts_at)

    assert meeting.absent_orgs == [AOF]  # AOF2 was not summoned


def test_e7_attendance_is_recorded_by_the_unit_keeping_the_minutes() -> None:
    starts_at = datetime(2026, 2, 10, 8, 0, tzinfo=UTC)
    meeting = meeting_on(starts_at, ALIGNMENT)
    assert meeting.minute_taker == IOF
    with pytest.raises(NotTheMinuteTaker):
        meeting.record_attendance(
            present_orgs=[AOF], recorded_by="SE2120000001-D002", now=starts_at, recorded_by_org=AOF
        )
    assert meeting.present_orgs is None
    meeting.record_attendance(
        present_orgs=[IOF, AOF], recorded_by=DEPUTY, now=starts_at, recorded_by_org=IOF
    )
    assert meeting.absent_orgs == [AOF2]


def test_e7_d7_a_monthly_meeting_absence_is_published_as_a_routines_deviation() -> None:
    starts_at = datetime(2026, 2, 10, 8, 0, tzinfo=UTC)
    meeting = meeting_on(starts_at, ALIGNMENT)
    meeting.collect_events()
    meeting.record_attendance(present_orgs=[IOF], recorded_by=DEPUTY, now=starts_at)

    published = to_integration_event(meeting.collect_events()[0])

    assert isinstance(published, MonthlyMeetingAbsenceRecorded)
    assert published.meeting_id == meeting.id
    assert published.absent_orgs == (AOF, AOF2)
    assert published.present_orgs == (IOF,)
    assert published.category is DeviationCategory.ROUTINES
    assert published.subject() is None


def test_e7_attendance_with_nobody_absent_publishes_nothing() -> None:
    starts_at = datetime(2026, 2, 10, 8, 0, tzinfo=UTC)
    meeting = meeting_on(starts_at, ALIGNMENT)
    meeting.collect_events()
    meeting.record_attendance(present_orgs=[IOF, AOF, AOF2], recorded_by=DEPUTY, now=starts_at)

    assert to_integration_event(meeting.collect_events()[0]) is None


def test_e7_attendance_is_recorded_once_the_meeting_started() -> None:
    starts_at = datetime(2026, 2, 10, 8, 0, tzinfo=UTC)
    meeting = meeting_on(starts_at)
    with pytest.raises(MonthlyMeetingInvalid):
        meeting.record_attendance(present_orgs=[IOF], recorded_by=DEPUTY, now=NOW)


# --- the termly inventory of transfers (E-7, K-4) -------------------------------------------


def test_e7_the_first_alignment_meeting_of_each_term_takes_the_inventory() -> None:
    forum = series()
    planned = [
        plan(forum, datetime(2026, month, 12, 8, 0, tzinfo=UTC)) for month in (1, 2, 3, 8, 9, 10)
    ]
    assert [(m.kind, m.inventory) for m in planned] == [
        (ALIGNMENT, True),  # VT
        (COLLABORATION, False),
        (ALIGNMENT, False),
        (COLLABORATION, False),  # HT starts with a collaboration meeting...
        (ALIGNMENT, True),  # ...so the first alignment meeting of HT takes it
        (COLLABORATION, False),
    ]


def test_e7_terms_are_half_years() -> None:
    assert term_of(date(2026, 6, 30)) == "2026-VT"
    assert term_of(date(2026, 7, 1)) == "2026-HT"
    assert inventory_terms(date(2026, 11, 3)) == ["2026-HT", "2027-VT"]


def test_e7_k4_inventory_lists_upcoming_transfers_soonest_first() -> None:
    transfers = UpcomingTransfers(unit=IOF, term="2026-HT")
    later, sooner, past = UUID(int=1), UUID(int=2), UUID(int=3)
    for case_id, on in (
        (later, date(2026, 12, 1)),
        (sooner, date(2026, 9, 1)),
        (past, date(2026, 8, 1)),
    ):
        transfers.note(
            case_id=case_id,
            subject_id="f" * 64,
            transition_on=on,
            announce_by=on - timedelta(days=183),
            at=NOW,
        )
    transfers.note(  # announced again: no new fact
        case_id=later,
        subject_id="f" * 64,
        transition_on=date(2026, 12, 1),
        announce_by=date(2026, 6, 1),
        at=NOW,
    )

    listed = upcoming(list(transfers.transfers.values()), date(2026, 8, 12))

    assert [t.case_id for t in listed] == [sooner, later]
    assert (
        len(
            [
                e
                for e in transfers.collect_events()
                if isinstance(e, UpcomingTransfers.TransferNoted)
            ]
        )
        == 3
    )


# --- E-8 acute matters -----------------------------------------------------------------------


def test_e8_acute_matter_goes_straight_to_the_other_units_deputy_manager() -> None:
    matter = AcuteMatter.raise_matter(
        subject_id=None,
        from_org=IOF,
        to_org=AOF,
        raised_by="SE2120000001-S001",
        question="Hemlös 67-åring utskrivs i dag utan boende.",
        at=NOW,
    )

    with pytest.raises(AcuteMatterNotYours) as caseworker:
        matter.take(by="SE2120000001-S002", by_org=AOF, by_role=Role.CASEWORKER, at=NOW)
    with pytest.raises(AcuteMatterNotYours):
        matter.take(by=DEPUTY, by_org=AOF2, by_role=Role.DEPUTY_UNIT_MANAGER, at=NOW)
    matter.take(by=DEPUTY, by_org=AOF, by_role=Role.DEPUTY_UNIT_MANAGER, at=NOW)

    assert caseworker.value.rule == "E-8"
    assert matter.taken_by == DEPUTY
    with pytest.raises(AcuteMatterAlreadyAcknowledged):
        matter.take(by=DEPUTY, by_org=AOF, by_role=Role.DEPUTY_UNIT_MANAGER, at=NOW)


def test_e8_acute_matter_is_for_another_unit() -> None:
    with pytest.raises(AcuteMatterInvalid) as raised:
        AcuteMatter.raise_matter(
            subject_id=None, from_org=IOF, to_org=IOF, raised_by=DEPUTY, question="?", at=NOW
        )
    assert raised.value.rule == "E-8"


# --- E-9 consultations -----------------------------------------------------------------------


def consult(subject_id: str | None) -> Consultation:
    return Consultation.hold(
        subject_id=subject_id,
        consulting_org=IOF,
        consulted_orgs=[AOF, IOF],
        meeting_id=None,
        outcome=ConsultationOutcome.PARALLEL_INVESTIGATION,
        notes="Missbruk och socialpsykiatri: parallell utredning.",
        recorded_by=DEPUTY,
        at=NOW,
    )


def test_e9_anonymous_consultation_has_no_subject_at_all() -> None:
    consultation = consult(None)

    assert consultation.anonymous
    assert consultation.consulted_orgs == [AOF]
    published = to_integration_event(consultation.collect_events()[0])
    assert isinstance(published, ConsultationHeld)
    assert published.subject_id is None
    assert published.subject() is None
    assert published.partition_key() == str(consultation.id)
    assert "Missbruk" not in published.model_dump_json()


def test_e9_named_consultation_is_about_one_subject() -> None:
    consultation = consult("a" * 64)

    assert not consultation.anonymous
    published = to_integration_event(consultation.collect_events()[0])
    assert isinstance(published, ConsultationHeld)
    assert published.partition_key() == "a" * 64


def test_e9_consultation_asks_another_unit() -> None:
    with pytest.raises(ConsultationInvalid) as raised:
        Consultation.hold(
            subject_id=None,
            consulting_org=IOF,
            consulted_orgs=[IOF],
            meeting_id=None,
            outcome=ConsultationOutcome.STAYS_WITH_CURRENT_UNIT,
            notes="",
            recorded_by=DEPUTY,
            at=NOW,
        )
    assert raised.value.rule == "E-9"


def test_e7_minutes_have_a_part_per_registered_case_and_only_for_those() -> None:
    starts_at = datetime(2026, 2, 10, 8, 0, tzinfo=UTC)
    meeting = meeting_on(starts_at)
    registered = register(meeting, starts_at - timedelta(days=3))
    for parts in ({uuid4(): "Om någon annan."}, {registered.registration_id: "  "}):
        with pytest.raises(MonthlyMeetingInvalid) as raised:
            meeting.record_minutes(
                text="Allmänt.",
                recorded_by=DEPUTY,
                recorded_by_org=IOF,
                now=starts_at,
                case_minutes=parts,
            )
        assert raised.value.rule == "E-7"
    assert meeting.minutes is None

    meeting.record_minutes(
        text="Allmänt.",
        recorded_by=DEPUTY,
        recorded_by_org=IOF,
        now=starts_at,
        case_minutes={registered.registration_id: "Överförs till ÄoF."},
    )
    assert {r: part.text for r, part in meeting.case_minutes.items()} == {
        registered.registration_id: "Överförs till ÄoF."
    }
    replayed = MonthlyMeeting.MinutesRecorded
    assert replayed.class_version == 2
    state: dict[str, object] = {"text": "Före."}
    replayed.upcast_v1_v2(state)
    assert state["case_minutes"] == {}
