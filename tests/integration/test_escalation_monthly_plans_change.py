"""Plans change (W-2) for the monthly meetings (E-7) over HTTP, with the clock in the
test's hand: a meeting moved within its month, then cancelled, each with a reason, by a
manager of a member unit; what the state does not allow is a problem naming the rule; the
agenda, the meeting's .ics file, the unit's calendar feed, the work list, the deadlines
and the escalation topic follow."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import icalendar
import pytest

from contracts import IntegrationEvent, OrgType, Role, decode, events_topic
from services.escalation.domain import registration_cutoff
from services.escalation.service import Settings as EscalationSettings
from services.runtime.http.problems import PROBLEM_JSON
from services.runtime.kernel.actor import Actor
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.settings import RuntimeSettings
from tests.escalation_examples import INDIVIDUAL, meeting_registration, sharing_allowed
from tests.steps import monthly_meeting_planned
from tests.support import (
    AOF,
    AOF_DEPUTY,
    IOF_CASEWORKER,
    IOF_DEPUTY,
    InProcessService,
    MovableClock,
    read_topic,
    wait_for,
)

AOF_UNIT_MANAGER = Actor("SE2120000001-E002", AOF, OrgType.SOCIAL_SERVICES, Role.UNIT_MANAGER)
OUTSIDER = Actor(
    "SE2120000001-E099", "SE2120000001-XXX9", OrgType.SOCIAL_SERVICES, Role.UNIT_MANAGER
)
START = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
STARTS_AT = datetime(2027, 3, 11, 8, 0, tzinfo=UTC)
MOVED_TO = datetime(2027, 3, 18, 8, 0, tzinfo=UTC)
REASON = "Lokalen är upptagen den dagen."


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(START)


@pytest.fixture
def escalation(start_in_process: Callable[..., InProcessService]) -> InProcessService:
    return start_in_process("escalation", EscalationSettings(overdue_check_seconds=0.1))


def call(
    service: InProcessService, actor: Actor | None, method: str, path: str, body: Any = None
) -> httpx.Response:
    with service.client(actor) as client:
        return client.request(method, path, json=body)


def ok(response: httpx.Response) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()


def problem(response: httpx.Response, status: int, rule: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    document: dict[str, Any] = response.json()
    assert document["rule"] == rule, document
    return document


def ics(escalation: InProcessService, path: str) -> Any:
    response = call(escalation, AOF_DEPUTY, "GET", f"{path}/calendar.ics")
    assert response.status_code == 200, response.text
    return icalendar.Calendar.from_ical(response.content).walk("VEVENT")[0]


def feed(escalation: InProcessService, address: str) -> list[Any]:
    answer = call(escalation, None, "GET", address)
    assert answer.status_code == 200, answer.text
    return list(icalendar.Calendar.from_ical(answer.content).walk("VEVENT"))


def registration_items(escalation: InProcessService) -> list[dict[str, Any]]:
    items = ok(call(escalation, AOF_DEPUTY, "GET", "/v1/work-items"))["items"]
    return [i for i in items if i["kind"] == "monthly_meeting_registration"]


def registration_deadlines(escalation: InProcessService) -> list[dict[str, Any]]:
    rows = ok(call(escalation, AOF_DEPUTY, "GET", "/v1/deadlines"))
    return [d for d in rows if d["kind"] == "monthly_meeting_registration"]


def published(
    kafka: EmbeddedBroker, settings: RuntimeSettings, *names: str
) -> list[IntegrationEvent]:
    topic = events_topic("escalation", prefix=settings.topic_prefix)

    def there() -> list[IntegrationEvent] | None:
        events = [decode(r.value, r.headers).event for r in read_topic(kafka.bootstrap, topic)]
        wanted = [e for e in events if type(e).__name__ in names]
        return wanted if {type(e).__name__ for e in wanted} >= set(names) else None

    found: list[IntegrationEvent] = wait_for(there, timeout=20)
    return found


def test_w2_e7_a_monthly_meeting_moved_then_cancelled_and_everything_follows(
    escalation: InProcessService, runtime_settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    address = ok(call(escalation, AOF_UNIT_MANAGER, "POST", "/v1/calendar-feeds"))["url"]
    address = address[address.index("/v1/") :]
    meeting = monthly_meeting_planned(escalation, STARTS_AT)
    path = f"/v1/monthly-meetings/{meeting['id']}"
    sharing_allowed(escalation, INDIVIDUAL)  # C-11: the name goes to ÄoF
    ok(call(escalation, IOF_DEPUTY, "POST", f"{path}/registrations", meeting_registration()))
    first, (first_entry,) = ics(escalation, path), feed(escalation, address)

    moved = ok(
        call(
            escalation,
            AOF_UNIT_MANAGER,
            "POST",
            f"{path}/move",
            {"starts_at": MOVED_TO.isoformat(), "reason": REASON},
        )
    )

    cutoff = registration_cutoff(MOVED_TO)
    assert datetime.fromisoformat(moved["starts_at"]) == MOVED_TO
    assert datetime.fromisoformat(moved["registration_closes_at"]) == cutoff
    assert [r["name"] for r in moved["agenda"]] == ["Testa Testsson"]  # registrations stay
    assert moved["cancelled_at"] is None
    entry = ics(escalation, path)
    assert entry.decoded("dtstart") == MOVED_TO
    assert entry["uid"] == first["uid"]
    assert int(entry["sequence"]) > int(first["sequence"])
    assert str(entry["status"]) == "CONFIRMED"
    (in_feed,) = feed(escalation, address)
    assert in_feed.decoded("dtstart") == MOVED_TO
    assert int(in_feed["sequence"]) > int(first_entry["sequence"])
    (item,) = registration_items(escalation)
    assert (item["rule"], item["state"]) == ("E-7", "moved")
    assert datetime.fromisoformat(item["due_at"]) == cutoff
    (deadline,) = registration_deadlines(escalation)
    assert datetime.fromisoformat(deadline["due_at"]) == cutoff
    assert datetime.fromisoformat(deadline["takes_place_at"]) == MOVED_TO

    cancelled = ok(call(escalation, IOF_DEPUTY, "POST", f"{path}/cancellation", {"reason": REASON}))

    assert cancelled["cancelled_at"] is not None
    called_off = ics(escalation, path)
    assert str(called_off["status"]) == "CANCELLED"
    assert int(called_off["sequence"]) > int(entry["sequence"])
    (off_in_feed,) = feed(escalation, address)
    assert str(off_in_feed["status"]) == "CANCELLED"
    assert int(off_in_feed["sequence"]) > int(in_feed["sequence"])
    assert registration_items(escalation) == []
    assert registration_deadlines(escalation) == []
    late = call(escalation, IOF_DEPUTY, "POST", f"{path}/registrations", meeting_registration())
    problem(late, 409, "W-2")

    events = published(kafka, runtime_settings, "MonthlyMeetingMoved", "MonthlyMeetingCancelled")
    by_name = {type(e).__name__: e.model_dump(mode="json") for e in events}
    assert by_name["MonthlyMeetingMoved"]["previous_starts_at"].startswith("2027-03-11")
    assert by_name["MonthlyMeetingMoved"]["registration_cutoff"].startswith("2027-03-17")
    assert by_name["MonthlyMeetingCancelled"]["starts_at"].startswith("2027-03-18")
    assert "Lokalen" not in str(by_name)
    assert "Testa" not in str(by_name)


def test_w2_e7_what_the_rules_or_the_state_do_not_allow_is_a_problem_naming_the_rule(
    escalation: InProcessService, clock: MovableClock
) -> None:
    path = f"/v1/monthly-meetings/{monthly_meeting_planned(escalation, STARTS_AT)['id']}"

    def move(by: Actor, to: datetime, reason: str = REASON) -> httpx.Response:
        return call(
            escalation, by, "POST", f"{path}/move", {"starts_at": to.isoformat(), "reason": reason}
        )

    problem(move(IOF_CASEWORKER, MOVED_TO), 403, "E-7")  # not a manager
    problem(move(OUTSIDER, MOVED_TO), 403, "E-7")  # not of a member unit
    blank = problem(move(IOF_DEPUTY, MOVED_TO, reason="  "), 422, "W-2")
    assert "reason" in str(blank)
    april = problem(move(IOF_DEPUTY, datetime(2027, 4, 2, 8, 0, tzinfo=UTC)), 422, "E-7")
    assert "month" in april["detail"]
    problem(move(IOF_DEPUTY, STARTS_AT), 422, "W-2")  # nothing moves

    clock.advance(STARTS_AT + timedelta(minutes=5) - clock.now())
    problem(move(AOF_DEPUTY, STARTS_AT + timedelta(days=2)), 409, "W-2")
    begun = call(escalation, AOF_DEPUTY, "POST", f"{path}/cancellation", {"reason": REASON})
    problem(begun, 409, "W-2")
    assert ok(call(escalation, AOF_DEPUTY, "GET", path))["cancelled_at"] is None
