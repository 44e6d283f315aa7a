"""Escalation's work lists (W-1) and records by individual (W-3) on real stores: nobody has
to be told an id by phone.

Each test lets one actor act and another find what waits for them only from
their own work list."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from contracts import (
    ActionStatus,
    AcuteMatterRaised,
    AcuteMatterTaken,
    ConsentGiven,
    EscalationLevel,
    EscalationTrack,
    FollowUpResult,
    MonthlyMeetingPlanned,
    OrgType,
    Role,
)
from services.escalation.application import (
    AssignCoordinator,
    Escalate,
    EscalationApplication,
    EvaluateFollowUp,
    MoveMeeting,
    RaiseAcuteMatter,
    RaiseEscalation,
)
from services.escalation.domain import ActionEvaluation
from services.escalation.views.work_items import (
    ACTION,
    ACUTE_MATTER,
    FOLLOW_UP,
    INVITATION,
    LADDER_STEP,
    MEETING,
    OVERDUE,
    REGISTRATION,
)
from services.runtime.kernel.actor import Actor
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from services.runtime.store.subject_records import RecordQuery
from services.runtime.store.work_items import WorkItem, WorkQuery
from tests.integration.test_escalation_application import (
    COORDINATING,
    FOLLOW_UP_AT,
    INVITED,
    MEETING_AT,
    OFFICES,
    PULLED_AT,
    SOCIAL_DEPUTY,
    SUBJECT,
    Upstream,
    consent,
    forum,
    hold_meeting,
    monthly_meeting,
    published,
    pull,
    schedule,
    staff_of,
)
from tests.unit.units import HEALTH_UNIT as HEALTH
from tests.unit.units import POLICE_UNIT as POLICE
from tests.unit.units import SOCIAL_UNIT as SOCIAL

OTHER_OFFICE = Actor(
    "SE2321000016-K009", "SE2321000016-NVK9", OrgType.COORDINATION_OFFICE, Role.COORDINATOR
)
"""A coordinator at an office serving no municipality the threads below are pulled in."""
HEALTH_DEPUTY = Actor("SE2321000016-D001", HEALTH, OrgType.HEALTH_CARE, Role.DEPUTY_UNIT_MANAGER)
HEALTH_CASEWORKER = Actor("SE2321000016-S001", HEALTH, OrgType.HEALTH_CARE, Role.CASEWORKER)
SOCIAL_CASEWORKER = Actor("SE2120000001-S001", SOCIAL, OrgType.SOCIAL_SERVICES, Role.CASEWORKER)
SOCIAL_UNIT_MANAGER = Actor("SE2120000001-M001", SOCIAL, OrgType.SOCIAL_SERVICES, Role.UNIT_MANAGER)


@pytest.fixture
def application(backend_settings: RuntimeSettings) -> Iterator[EscalationApplication]:
    app = EscalationApplication(
        env=store_env(backend_settings, "escalation"), coordination_offices=OFFICES
    )
    yield app
    app.close()


def listed(
    application: EscalationApplication,
    actor: Actor,
    now: datetime = PULLED_AT,
    **query: object,
) -> list[WorkItem]:
    """Everything on `actor`'s list, every page."""
    items: list[WorkItem] = []
    after = None
    while True:
        page = application.work_list(
            actor,
            WorkQuery(after=after, **query),
            now,  # type: ignore[arg-type]
        )
        items += page.items
        if page.next is None:
            return items
        after = page.next


def kinds_of(items: list[WorkItem]) -> list[tuple[str, str]]:
    return [(i.kind, i.state) for i in items]


# --- the red thread (E-3, E-5) ------------------------------------------------------------


def test_w1_e3_a_pulled_red_thread_waits_for_the_office_serving_its_municipality(
    application: EscalationApplication,
) -> None:
    red_thread_id = pull(application)

    (item,) = listed(application, COORDINATING)

    assert (item.kind, item.state, item.item_id) == (MEETING, "new", red_thread_id)
    assert item.href == f"/v1/red-threads/{red_thread_id}"
    assert item.due_at == datetime(2026, 3, 16, 23, 0, tzinfo=UTC)  # day 14 ends, Stockholm
    assert not item.is_overdue(PULLED_AT)
    assert listed(application, OTHER_OFFICE) == []
    assert listed(application, staff_of(POLICE)) == []  # the police pulled it: nothing to do


def test_w1_e3_e5_the_thread_moves_through_the_lists_of_those_who_act_next(
    application: EscalationApplication,
) -> None:
    Upstream(application).deliver(consent())
    red_thread_id = pull(application)
    application.assign_coordinator(COORDINATING, red_thread_id, AssignCoordinator(), at=PULLED_AT)
    assert kinds_of(listed(application, COORDINATING)) == [(MEETING, "taken")]
    assert listed(application, OTHER_OFFICE) == []

    schedule(application, red_thread_id)
    assert kinds_of(listed(application, COORDINATING)) == [(MEETING, "scheduled")]
    for org in INVITED:
        assert kinds_of(listed(application, staff_of(org))) == [(INVITATION, "meeting_invited")]

    held = hold_meeting(application, red_thread_id, INVITED)
    after_meeting = MEETING_AT + timedelta(hours=3)
    assert kinds_of(listed(application, COORDINATING, after_meeting)) == [(FOLLOW_UP, "to_book")]
    assert listed(application, staff_of(HEALTH), after_meeting) == []
    (action,) = listed(application, staff_of(SOCIAL), after_meeting)  # E-10: SOCIAL does it
    assert (action.kind, action.state, action.item_id) == (ACTION, "agreed", held.actions[0].id)
    assert action.due_at == datetime(2026, 3, 15, 23, 0, tzinfo=UTC)  # 15 March ends, Stockholm

    application.book_follow_up(
        COORDINATING, red_thread_id, follow_up_at=FOLLOW_UP_AT, at=after_meeting
    )
    (booked,) = listed(application, COORDINATING, after_meeting)
    assert (booked.state, booked.due_at) == ("booked", datetime(2026, 3, 29, 22, 0, tzinfo=UTC))
    assert kinds_of(listed(application, staff_of(SOCIAL), after_meeting)) == [
        (ACTION, "agreed"),
        (INVITATION, "follow_up_invited"),
    ]

    evaluated_at = FOLLOW_UP_AT + timedelta(hours=2)
    actions = application.read_red_thread(COORDINATING, red_thread_id).actions
    done = [ActionEvaluation(action.id, ActionStatus.DONE) for action in actions]
    application.evaluate_follow_up(
        COORDINATING,
        EvaluateFollowUp(red_thread_id, INVITED, FollowUpResult.RESOLVED, "", done),
        at=evaluated_at,
    )
    assert kinds_of(listed(application, COORDINATING, evaluated_at)) == [(FOLLOW_UP, "to_close")]
    assert listed(application, staff_of(SOCIAL), evaluated_at) == []

    application.close_red_thread(COORDINATING, red_thread_id, at=evaluated_at)
    assert listed(application, COORDINATING, evaluated_at) == []


def test_w1_w2_a_moved_or_cancelled_meeting_or_follow_up_moves_through_the_lists(
    application: EscalationApplication,
) -> None:
    """W-2 on the work lists (W-1): the summoned see a moved meeting and lose a cancelled
    one; the coordinator schedules (books) a cancelled one again; closing early ends it."""
    Upstream(application).deliver(consent())
    red_thread_id = pull(application)
    schedule(application, red_thread_id)
    moved_to = MEETING_AT + timedelta(days=1)

    application.move_meeting(
        COORDINATING, MoveMeeting(red_thread_id, moved_to, "Krock."), at=PULLED_AT
    )
    assert kinds_of(listed(application, staff_of(HEALTH))) == [(INVITATION, "meeting_moved")]
    application.cancel_meeting(COORDINATING, red_thread_id, reason="Ny tid.", at=PULLED_AT)
    assert listed(application, staff_of(HEALTH)) == []
    assert records(application, COORDINATING) == [("red_thread", "meeting_cancelled")]  # W-3
    (cancelled,) = listed(application, COORDINATING)
    assert (cancelled.kind, cancelled.state) == (MEETING, "cancelled")
    assert cancelled.due_at == datetime(2026, 3, 16, 23, 0, tzinfo=UTC)  # still day 14 (E-3)

    schedule(application, red_thread_id)
    hold_meeting(application, red_thread_id, INVITED)
    after_meeting = MEETING_AT + timedelta(hours=3)
    application.book_follow_up(
        COORDINATING, red_thread_id, follow_up_at=FOLLOW_UP_AT, at=after_meeting
    )
    follow_up_moved_to = FOLLOW_UP_AT + timedelta(days=7)
    application.move_follow_up(
        COORDINATING, MoveMeeting(red_thread_id, follow_up_moved_to, "Sjuk."), at=after_meeting
    )
    (booked,) = listed(application, COORDINATING, after_meeting)
    assert (booked.state, booked.due_at) == ("booked", datetime(2026, 4, 5, 22, 0, tzinfo=UTC))
    assert kinds_of(listed(application, staff_of(SOCIAL), after_meeting)) == [
        (ACTION, "agreed"),
        (INVITATION, "follow_up_moved"),
    ]
    application.cancel_follow_up(COORDINATING, red_thread_id, reason="Ny tid.", at=after_meeting)
    (to_book,) = listed(application, COORDINATING, after_meeting)
    assert (to_book.kind, to_book.state, to_book.due_at) == (FOLLOW_UP, "to_book", None)
    assert kinds_of(listed(application, staff_of(SOCIAL), after_meeting)) == [(ACTION, "agreed")]

    assert records(application, COORDINATING) == [("red_thread", "follow_up_cancelled")]
    application.close_red_thread(
        COORDINATING, red_thread_id, at=after_meeting, reason="Individen har flyttat."
    )
    assert listed(application, COORDINATING, after_meeting) == []
    assert listed(application, staff_of(SOCIAL), after_meeting) == []  # E-10: its action too
    assert records(application, COORDINATING) == [("red_thread", "closed")]


def test_w1_d7_an_overdue_red_thread_reaches_everyone_concerned_and_the_overdue_filter(
    application: EscalationApplication,
) -> None:
    red_thread_id = pull(application)
    late = PULLED_AT + timedelta(days=15)

    application.raise_due(late)

    (coordinating,) = listed(application, COORDINATING, late, overdue=True)
    assert (coordinating.kind, coordinating.item_id) == (MEETING, red_thread_id)
    assert coordinating.overdue
    for org in (POLICE, SOCIAL):
        (overdue,) = listed(application, staff_of(org), late, overdue=True)
        assert (overdue.kind, overdue.state) == (OVERDUE, "meeting_overdue")
    assert listed(application, COORDINATING, late, overdue=False) == []


def test_w1_e11_a_meeting_not_recorded_is_overdue_for_all_concerned_until_moved(
    application: EscalationApplication,
) -> None:
    Upstream(application).deliver(consent())
    red_thread_id = pull(application)
    schedule(application, red_thread_id)
    not_recorded = datetime(2026, 3, 9, 23, 0, tzinfo=UTC)  # Monday after Sunday's meeting

    application.raise_due(not_recorded)

    (coordinating,) = listed(application, COORDINATING, not_recorded, overdue=True)
    assert (coordinating.kind, coordinating.item_id) == (MEETING, red_thread_id)
    for org in INVITED:
        overdue = listed(application, staff_of(org), not_recorded, overdue=True)
        assert [(i.kind, i.state) for i in overdue] == [(OVERDUE, "meeting_not_recorded")]

    moved_to = datetime(2026, 3, 12, 9, 0, tzinfo=UTC)
    moved_at = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
    application.move_meeting(
        COORDINATING, MoveMeeting(red_thread_id, moved_to, "Ingen kom."), at=moved_at
    )
    (scheduled,) = listed(application, COORDINATING, moved_at)
    assert (scheduled.overdue, scheduled.due_at) == (
        False,
        datetime(2026, 3, 16, 23, 0, tzinfo=UTC),  # still day 14 (E-3)
    )
    assert listed(application, staff_of(HEALTH), moved_at, overdue=True) == []


def test_w1_e11_an_action_past_its_day_and_a_follow_up_not_booked_are_raised_overdue(
    application: EscalationApplication,
) -> None:
    Upstream(application).deliver(consent())
    red_thread_id = pull(application)
    schedule(application, red_thread_id)
    hold_meeting(application, red_thread_id, INVITED)
    action_over = datetime(2026, 3, 15, 23, 0, tzinfo=UTC)
    not_booked = datetime(2026, 3, 22, 23, 0, tzinfo=UTC)

    application.raise_due(action_over)
    (action,) = listed(application, staff_of(SOCIAL), action_over, overdue=True)
    assert (action.kind, action.overdue) == (ACTION, True)  # raised, not only past its day
    assert listed(application, COORDINATING, action_over, overdue=True) == []

    application.raise_due(not_booked)
    (coordinating,) = listed(application, COORDINATING, not_booked, overdue=True)
    assert (coordinating.kind, coordinating.state) == (FOLLOW_UP, "to_book")
    (stalled,) = listed(application, staff_of(HEALTH), not_booked, overdue=True)
    assert (stalled.kind, stalled.state) == (OVERDUE, "follow_up_not_booked")

    application.book_follow_up(
        COORDINATING, red_thread_id, follow_up_at=FOLLOW_UP_AT, at=not_booked
    )
    assert kinds_of(listed(application, staff_of(HEALTH), not_booked)) == [
        (INVITATION, "follow_up_invited")
    ]


# --- acute matters (E-8), the ladder (E-6), monthly meetings (E-7) ------------------------


def test_w1_e8_an_acute_matter_waits_for_the_receiving_units_deputy_until_taken(
    application: EscalationApplication,
) -> None:
    matter = application.raise_acute_matter(
        SOCIAL_CASEWORKER,
        RaiseAcuteMatter(None, HEALTH, "Akut: boende saknas i natt"),
        at=PULLED_AT,
    )

    (item,) = listed(application, HEALTH_DEPUTY)
    assert (item.kind, item.state, item.item_id) == (ACUTE_MATTER, "raised", matter.id)
    assert item.role == Role.DEPUTY_UNIT_MANAGER.value
    assert listed(application, HEALTH_CASEWORKER) == []  # the deputy's, not the unit's
    assert listed(application, SOCIAL_DEPUTY) == []  # the sender's unit waits for nothing

    application.take_acute_matter(HEALTH_DEPUTY, matter.id, at=PULLED_AT)
    assert listed(application, HEALTH_DEPUTY) == []


def test_w1_e6_a_ladder_matter_waits_for_the_role_at_its_current_step(
    application: EscalationApplication,
) -> None:
    matter = application.raise_escalation(
        SOCIAL_CASEWORKER,
        RaiseEscalation(EscalationTrack.NEEDS, None, False, SOCIAL, [HEALTH], "Oenighet om insats"),
        at=PULLED_AT,
    )
    for deputy in (SOCIAL_DEPUTY, HEALTH_DEPUTY):
        assert kinds_of(listed(application, deputy)) == [(LADDER_STEP, "deputy_unit_manager")]
    assert listed(application, SOCIAL_UNIT_MANAGER) == []

    application.agree_to_escalate(HEALTH_DEPUTY, matter.id, at=PULLED_AT)
    application.escalate(
        SOCIAL_DEPUTY,
        Escalate(matter.id, EscalationLevel.UNIT_MANAGER, "Ingen lösning", "Sammanfattning", []),
        at=PULLED_AT,
    )
    assert kinds_of(listed(application, SOCIAL_UNIT_MANAGER)) == [(LADDER_STEP, "unit_manager")]
    assert listed(application, SOCIAL_DEPUTY) == []


def test_w1_e7_a_monthly_meeting_waits_for_its_members_deputies_until_the_cutoff(
    application: EscalationApplication,
) -> None:
    starts_at = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
    meeting = monthly_meeting(application, forum(application), starts_at)
    cutoff = datetime(2026, 3, 9, 11, 0, tzinfo=UTC)

    for deputy in (SOCIAL_DEPUTY, HEALTH_DEPUTY):
        (item,) = listed(application, deputy)
        assert (item.kind, item.item_id, item.due_at) == (REGISTRATION, meeting.id, cutoff)
    assert listed(application, SOCIAL_DEPUTY, cutoff) == []  # past the cutoff: nothing to do


# --- the list itself -------------------------------------------------------------------------


def test_w1_the_list_is_nearest_deadline_first_and_pages_cover_it_once(
    application: EscalationApplication,
) -> None:
    """Three red threads pulled on different days: by deadline, in pages of two; two acute
    matters, read one per page, each once."""
    pulled = [pull(application, PULLED_AT + timedelta(days=d)) for d in (2, 0, 1)]
    matters = [
        application.raise_acute_matter(
            SOCIAL_CASEWORKER, RaiseAcuteMatter(None, HEALTH, f"Akut {n}"), at=PULLED_AT
        ).id
        for n in range(2)
    ]
    pages = []
    after = None
    while True:
        page = application.work_list(COORDINATING, WorkQuery(after=after, limit=2), PULLED_AT)
        pages.append([i.item_id for i in page.items])
        if page.next is None:
            break
        after = page.next

    assert pages == [[pulled[1], pulled[2]], [pulled[0]]]
    one_by_one = listed(application, HEALTH_DEPUTY, kinds=[ACUTE_MATTER], limit=1)
    assert sorted(i.item_id for i in one_by_one) == sorted(matters)
    assert listed(application, HEALTH_DEPUTY, kinds=[MEETING]) == []
    assert listed(application, HEALTH_DEPUTY, states=["taken"]) == []


# --- everyone who must act hears of it on the topic too ---------------------------------------


def test_w1_e8_e7_an_acute_matter_and_a_monthly_meeting_are_published_naming_who_must_act(
    application: EscalationApplication,
) -> None:
    Upstream(application).deliver(sharing())
    matter = application.raise_acute_matter(
        SOCIAL_CASEWORKER, RaiseAcuteMatter(SUBJECT, HEALTH, "Utskrivning i dag"), at=PULLED_AT
    )
    application.take_acute_matter(HEALTH_DEPUTY, matter.id, at=PULLED_AT)
    meeting = monthly_meeting(
        application, forum(application), datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
    )

    events = published(application)

    (raised,) = [e for e in events if isinstance(e, AcuteMatterRaised)]
    (taken,) = [e for e in events if isinstance(e, AcuteMatterTaken)]
    assert (raised.acute_matter_id, raised.to_org, raised.from_org) == (matter.id, HEALTH, SOCIAL)
    assert "Utskrivning" not in raised.model_dump_json()  # what is asked stays here
    assert taken.partition_key() == raised.partition_key() == SUBJECT  # read in order
    (planned,) = [e for e in events if isinstance(e, MonthlyMeetingPlanned)]
    assert (planned.meeting_id, planned.members) == (meeting.id, (SOCIAL, HEALTH))
    assert planned.registration_cutoff == datetime(2026, 3, 9, 11, 0, tzinfo=UTC)


# --- everything about one individual, for the units party to it (W-3) ------------------------


def records(
    application: EscalationApplication, actor: Actor, **query: Any
) -> list[tuple[str, str]]:
    page = application.records_of(actor, [SUBJECT], RecordQuery(**query))
    return [(r.kind, r.state) for r in page.records]


LATER = PULLED_AT + timedelta(hours=1)


def sharing() -> ConsentGiven:
    """C-11: consent to information sharing between social services and health care."""
    return consent(purpose="information_sharing", parties=(SOCIAL, HEALTH))


def test_w3_the_records_about_an_individual_are_listed_for_the_units_party_to_each(
    application: EscalationApplication,
) -> None:
    """Newest first; the anonymous acute matter is about no one and listed under nobody."""
    upstream = Upstream(application)
    upstream.deliver(consent())
    upstream.deliver(sharing())
    red_thread_id = pull(application)
    application.raise_acute_matter(
        SOCIAL_CASEWORKER, RaiseAcuteMatter(SUBJECT, HEALTH, "Utskrivning"), at=LATER
    )
    application.raise_acute_matter(
        SOCIAL_CASEWORKER, RaiseAcuteMatter(None, HEALTH, "Om ingen"), at=LATER
    )

    assert records(application, SOCIAL_CASEWORKER) == [
        ("acute_matter", "raised"),
        ("red_thread", "pulled"),
    ]
    assert records(application, COORDINATING) == [("red_thread", "pulled")]  # serving office
    assert records(application, OTHER_OFFICE) == []
    assert records(application, HEALTH_CASEWORKER) == [("acute_matter", "raised")]

    schedule(application, red_thread_id)  # health care is summoned: a party from now on
    assert records(application, HEALTH_CASEWORKER, kinds=["red_thread"]) == [
        ("red_thread", "meeting_scheduled")
    ]
    first = application.records_of(SOCIAL_CASEWORKER, [SUBJECT], RecordQuery(limit=1))
    rest = application.records_of(
        SOCIAL_CASEWORKER, [SUBJECT], RecordQuery(after=first.next, limit=1)
    )
    assert [r.kind for r in first.records + rest.records] == ["acute_matter", "red_thread"]
    assert rest.next is None
