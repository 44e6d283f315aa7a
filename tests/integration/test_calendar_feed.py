"""A unit's calendar feed (W-1): one secret address a calendar program subscribes to, with
the unit's meetings as they stand; a new address revokes the old one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import icalendar
import pytest
from eventsourcing.persistence import Tracking

from contracts import (
    CaseMeetingCancelled,
    CaseMeetingMoved,
    CaseMeetingScheduled,
    OrgType,
    Role,
)
from contracts.examples import EXAMPLES
from services.consent.service import Settings as ConsentSettings
from services.escalation.application import EscalationApplication
from services.escalation.service import Settings as EscalationSettings
from services.runtime.kernel.actor import Actor
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from tests.escalation_examples import INDIVIDUAL, red_thread_pull
from tests.support import (
    COORDINATOR,
    HEALTH,
    POLICE,
    SOCIAL,
    InProcessService,
    MovableClock,
    call,
    call_once_consent_known,
    consent_given,
)

INVITED = [POLICE.org_id, SOCIAL.org_id, HEALTH.org_id]
CASES_TOPIC = "/samverkan/cases#0"


@pytest.fixture
def consent(start_in_process: Callable[..., InProcessService]) -> InProcessService:
    return start_in_process("consent", ConsentSettings())


@pytest.fixture
def escalation(start_in_process: Callable[..., InProcessService]) -> InProcessService:
    return start_in_process("escalation", EscalationSettings())


def feed_of(escalation: InProcessService, actor: object) -> str:
    issued = call(escalation, actor, "POST", "/v1/calendar-feeds")  # type: ignore[arg-type]
    assert issued.status_code == 201, issued.text
    assert issued.headers["location"] in issued.json()["url"]
    path: str = issued.headers["location"]
    return path


def fetched(escalation: InProcessService, path: str) -> list[icalendar.Event]:
    answer = call(escalation, None, "GET", path)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(answer.content)
    return list(calendar.walk("VEVENT"))


def test_w1_a_unit_subscribes_once_and_sees_its_meetings_come_without_a_token(
    consent: InProcessService, escalation: InProcessService, clock: MovableClock
) -> None:
    feed = feed_of(escalation, HEALTH)  # a deputy unit manager at health care
    assert fetched(escalation, feed) == []

    consent_given(
        consent, INDIVIDUAL, by=POLICE, purpose="red_thread_meeting", parties=INVITED, form="oral"
    )
    pulled = call(escalation, POLICE, "POST", "/v1/red-threads", json=red_thread_pull(INDIVIDUAL))
    meeting_at = clock.now() + timedelta(days=3)
    scheduled = call_once_consent_known(
        escalation,
        COORDINATOR,
        "POST",
        f"/v1/red-threads/{pulled.json()['id']}/meeting",
        json={"meeting_at": meeting_at.isoformat(), "invited_orgs": INVITED},
    )
    assert scheduled.status_code == 200, scheduled.text

    (meeting,) = fetched(escalation, feed)
    assert meeting.decoded("dtstart") == meeting_at.replace(microsecond=0)
    assert str(meeting["status"]) == "CONFIRMED"
    assert str(meeting["uid"]).endswith("@samverkan.se")
    whole = call(escalation, None, "GET", feed).text
    for who_or_what in (INDIVIDUAL, pulled.json()["id"], pulled.json()["subject_id"]):
        assert who_or_what not in whole  # read outside the access log: it names no one


def test_w1_a_new_address_revokes_the_old_and_a_guess_opens_nothing(
    escalation: InProcessService,
) -> None:
    first = feed_of(escalation, HEALTH)
    second = feed_of(escalation, HEALTH)

    assert call(escalation, None, "GET", second).status_code == 200
    revoked = call(escalation, None, "GET", first)
    assert revoked.status_code == 404, revoked.text
    assert revoked.json()["rule"] == "W-1"
    unit, token = second.split("/")[3:5]
    guessed = f"/v1/calendar-feeds/{unit}/{'A' * 43}/meetings.ics"
    assert call(escalation, None, "GET", guessed).status_code == 404
    other_unit = f"/v1/calendar-feeds/{SOCIAL.org_id}/{token}/meetings.ics"
    assert call(escalation, None, "GET", other_unit).status_code == 404
    refused = call(escalation, SOCIAL, "POST", "/v1/calendar-feeds")  # a caseworker
    assert refused.status_code == 403
    assert refused.json()["rule"] == "W-1"


def test_w2_a_moved_meeting_moves_in_the_feed_and_a_cancelled_one_is_called_off(
    consent: InProcessService, escalation: InProcessService, clock: MovableClock
) -> None:
    """W-2: same UID, the new time or STATUS:CANCELLED, a higher SEQUENCE each time; the
    meeting's own .ics file never gives a lower SEQUENCE than the feed."""
    feed = feed_of(escalation, HEALTH)
    consent_given(
        consent, INDIVIDUAL, by=POLICE, purpose="red_thread_meeting", parties=INVITED, form="oral"
    )
    pulled = call(escalation, POLICE, "POST", "/v1/red-threads", json=red_thread_pull(INDIVIDUAL))
    thread = f"/v1/red-threads/{pulled.json()['id']}"
    meeting_at = clock.now().replace(microsecond=0) + timedelta(days=3)
    scheduled = call_once_consent_known(
        escalation,
        COORDINATOR,
        "POST",
        f"{thread}/meeting",
        json={"meeting_at": meeting_at.isoformat(), "invited_orgs": INVITED},
    )
    assert scheduled.status_code == 200, scheduled.text
    (first,) = fetched(escalation, feed)

    moved_to = meeting_at + timedelta(days=1)
    moved = call(
        escalation,
        COORDINATOR,
        "POST",
        f"{thread}/meeting/move",
        json={"meeting_at": moved_to.isoformat(), "reason": "Krockar med en rättegång."},
    )
    assert moved.status_code == 200, moved.text
    (second,) = fetched(escalation, feed)
    assert second.decoded("dtstart") == moved_to
    assert str(second["uid"]) == str(first["uid"])
    assert int(second["sequence"]) > int(first["sequence"])
    own = icalendar.Calendar.from_ical(
        call(escalation, HEALTH, "GET", f"{thread}/meeting.ics").content
    )
    assert int(own.walk("VEVENT")[0]["sequence"]) >= int(second["sequence"])

    cancelled = call(
        escalation,
        COORDINATOR,
        "POST",
        f"{thread}/meeting/cancellation",
        json={"reason": "Ny tid."},
    )
    assert cancelled.status_code == 200, cancelled.text
    (third,) = fetched(escalation, feed)
    assert str(third["status"]) == "CANCELLED"
    assert int(third["sequence"]) > int(second["sequence"])

    again = call(
        escalation,
        COORDINATOR,
        "POST",
        f"{thread}/meeting",
        json={"meeting_at": meeting_at.isoformat(), "invited_orgs": INVITED},
    )
    assert again.status_code == 200, again.text
    (fourth,) = fetched(escalation, feed)
    assert (str(fourth["status"]), fourth.decoded("dtstart")) == ("CONFIRMED", meeting_at)
    assert int(fourth["sequence"]) > int(third["sequence"])

    closed = call(escalation, COORDINATOR, "POST", f"{thread}/closure", json={"reason": "Flyttat."})
    assert closed.status_code == 200, closed.text
    (fifth,) = fetched(escalation, feed)
    assert str(fifth["status"]) == "CANCELLED"  # closed early: it will not take place
    assert int(fifth["sequence"]) > int(fourth["sequence"])
    own = icalendar.Calendar.from_ical(
        call(escalation, HEALTH, "GET", f"{thread}/meeting.ics").content
    )
    assert str(own.walk("VEVENT")[0]["status"]) == "CANCELLED"


# --- the cases service's meetings, from its topic (K-8, K-9) ----------------------------------


@pytest.fixture
def application(backend_settings: RuntimeSettings) -> Iterator[EscalationApplication]:
    app = EscalationApplication(env=store_env(backend_settings, "escalation"))
    yield app
    app.close()


def test_w1_a_meeting_booked_in_cases_is_in_its_units_feed_moved_and_cancelled_with_it(
    application: EscalationApplication,
) -> None:
    """One feed per unit holds all its meetings: the three-party meeting cases booked comes
    from the cases topic, moves when it moves there (W-2) and stays, cancelled, when
    called off; the escalation application keeps it as its own record of the booking."""
    booked = EXAMPLES[CaseMeetingScheduled]
    moved = EXAMPLES[CaseMeetingMoved]
    cancelled = EXAMPLES[CaseMeetingCancelled].model_copy(update={"kind": booked.kind})
    unit = booked.units[0]
    deputy = Role.DEPUTY_UNIT_MANAGER
    staff = Actor(f"{unit.split('-')[0]}-D001", unit, OrgType.SOCIAL_SERVICES, deputy)
    token = application.issue_calendar_feed(staff, at=booked.scheduled_at)
    on = booked.scheduled_at

    for number, event in enumerate((booked, booked, moved), start=1):  # the second: redelivered
        application.process_event(event, Tracking(CASES_TOPIC, number))
    (entry,) = application.calendar_feed(unit, token, on)
    assert (entry.starts_at, entry.ends_at, entry.status) == (
        moved.starts_at,
        moved.ends_at,
        "CONFIRMED",
    )
    assert entry.summary == "Trepartsmöte"
    first_sequence = entry.sequence

    application.process_event(cancelled, Tracking(CASES_TOPIC, 4))
    (entry,) = application.calendar_feed(unit, token, on)
    assert entry.status == "CANCELLED"
    assert entry.sequence > first_sequence


def test_e13_the_yearly_routine_review_is_in_each_member_departments_feed(
    escalation: InProcessService, clock: MovableClock
) -> None:
    iof, aof = "SE2120000001-IOF1", "SE2120000001-AOF1"
    head = Actor("SE2120000001-A001", iof, OrgType.SOCIAL_SERVICES, Role.DEPARTMENT_HEAD)
    other = Actor("SE2120000001-A002", aof, OrgType.SOCIAL_SERVICES, Role.DEPARTMENT_HEAD)
    feed = feed_of(escalation, other)
    starts_at = clock.now() + timedelta(days=20)
    scheduled = call(
        escalation,
        head,
        "POST",
        "/v1/routine-reviews",
        json={
            "municipality_code": "0180",
            "members": [iof, aof],
            "starts_at": starts_at.isoformat(),
        },
    )
    assert scheduled.status_code == 201, scheduled.text

    (review,) = fetched(escalation, feed)
    assert str(review["summary"]) == "Årlig genomgång av samverkansrutinen"
    assert review.decoded("dtstart") == starts_at.replace(microsecond=0)
    assert scheduled.json()["id"] not in call(escalation, None, "GET", feed).text
