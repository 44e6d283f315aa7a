"""Plans change (W-2) for the red thread over HTTP, with the clock in the test's hand: the
meeting and the follow-up moved and cancelled, the thread closed early, each with a
reason; what the state does not allow is a problem naming the rule; calendar files,
deadlines and the escalation topic follow."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import icalendar
import pytest

from contracts import IntegrationEvent, decode, events_topic
from services.consent.service import Settings as ConsentSettings
from services.escalation.service import Settings as EscalationSettings
from services.runtime.http.problems import PROBLEM_JSON
from services.runtime.kernel.actor import Actor
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.settings import RuntimeSettings
from tests.escalation_examples import INDIVIDUAL, PARTIES, agreed_actions, red_thread_pull
from tests.support import (
    COORDINATOR,
    HEALTH,
    POLICE,
    SOCIAL,
    InProcessService,
    MovableClock,
    consent_given,
    read_topic,
    wait_for,
)

START = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
MEETING_AT = START + timedelta(days=5)
REASON = "Individen är inlagd på sjukhus."


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(START)


@pytest.fixture
def services(start_in_process: Callable[..., InProcessService]) -> dict[str, InProcessService]:
    return {
        "consent": start_in_process("consent", ConsentSettings(expiry_check_seconds=0.1)),
        "escalation": start_in_process("escalation", EscalationSettings(overdue_check_seconds=0.1)),
    }


def call(service: InProcessService, actor: Actor, method: str, path: str, body: Any = None) -> Any:
    with service.client(actor) as client:
        return client.request(method, path, json=body)


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    answer: dict[str, Any] = response.json()
    return answer


def problem(response: httpx.Response, status: int, rule: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    document: dict[str, Any] = response.json()
    assert document["rule"] == rule, document
    return document


def convened(services: dict[str, InProcessService]) -> str:
    """A red thread pulled by the police, its meeting convened on the individual's consent
    (E-3, E-4) as soon as escalation has heard of it; the thread's path."""
    consent_given(
        services["consent"],
        INDIVIDUAL,
        by=POLICE,
        purpose="red_thread_meeting",
        parties=PARTIES,
        form="oral",
    )
    escalation = services["escalation"]
    thread = ok(call(escalation, POLICE, "POST", "/v1/red-threads", red_thread_pull(INDIVIDUAL)))
    path = f"/v1/red-threads/{thread['id']}"

    def convene() -> httpx.Response | None:
        body = {"meeting_at": MEETING_AT.isoformat(), "invited_orgs": PARTIES}
        response = call(escalation, COORDINATOR, "POST", f"{path}/meeting", body)
        return None if response.status_code == 409 else response

    ok(wait_for(convene, timeout=30))
    return path


def calendar_entry(escalation: InProcessService, path: str) -> Any:
    response = call(escalation, HEALTH, "GET", path)
    assert response.status_code == 200, response.text
    return icalendar.Calendar.from_ical(response.content).walk("VEVENT")[0]


def published(
    kafka: EmbeddedBroker, settings: RuntimeSettings, *names: str
) -> list[IntegrationEvent]:
    """The escalation topic's events named `names`, once each of them is there."""
    topic = events_topic("escalation", prefix=settings.topic_prefix)

    def there() -> list[IntegrationEvent] | None:
        events = [decode(r.value, r.headers).event for r in read_topic(kafka.bootstrap, topic)]
        wanted = [e for e in events if type(e).__name__ in names]
        return wanted if {type(e).__name__ for e in wanted} >= set(names) else None

    found: list[IntegrationEvent] = wait_for(there, timeout=20)
    return found


def test_w2_e3_e4_the_meeting_is_moved_then_cancelled_and_calendars_and_deadlines_follow(
    services: dict[str, InProcessService],
    runtime_settings: RuntimeSettings,
    kafka: EmbeddedBroker,
) -> None:
    escalation = services["escalation"]
    path = convened(services)
    first = calendar_entry(escalation, f"{path}/meeting.ics")
    moved_to = MEETING_AT + timedelta(days=2)

    moved = ok(
        call(
            escalation,
            COORDINATOR,
            "POST",
            f"{path}/meeting/move",
            {"meeting_at": moved_to.isoformat(), "reason": REASON},
        )
    )

    assert moved["meeting_at"] == moved_to.isoformat().replace("+00:00", "Z")
    assert moved["status"] == "meeting_scheduled"
    entry = calendar_entry(escalation, f"{path}/meeting.ics")
    assert entry.decoded("dtstart") == moved_to
    assert entry["uid"] == first["uid"]
    assert int(entry["sequence"]) > int(first["sequence"])
    assert str(entry["status"]) == "CONFIRMED"
    deadline, recorded = sorted(
        ok_list(call(escalation, SOCIAL, "GET", "/v1/deadlines")), key=lambda d: d["kind"]
    )
    assert (deadline["rule"], deadline["met"]) == ("E-3", True)
    assert deadline["takes_place_at"].startswith(moved_to.date().isoformat())
    # E-11: recorded as held by the end of the working day after the new time
    assert (recorded["rule"], recorded["kind"]) == ("E-11", "red_thread_meeting_record")
    assert recorded["takes_place_at"].startswith(moved_to.date().isoformat())

    cancelled = ok(
        call(escalation, COORDINATOR, "POST", f"{path}/meeting/cancellation", {"reason": REASON})
    )

    assert cancelled["meeting_at"] is None
    assert cancelled["status"] == "pulled"
    called_off = calendar_entry(escalation, f"{path}/meeting.ics")
    assert str(called_off["status"]) == "CANCELLED"
    assert called_off.decoded("dtstart") == moved_to
    assert int(called_off["sequence"]) > int(entry["sequence"])
    [unmet] = ok_list(call(escalation, SOCIAL, "GET", "/v1/deadlines"))
    assert (unmet["rule"], unmet["met"], unmet["takes_place_at"]) == ("E-3", False, None)

    events = published(
        kafka, runtime_settings, "RedThreadMeetingMoved", "RedThreadMeetingCancelled"
    )
    by_name = {type(e).__name__: e.model_dump(mode="json") for e in events}
    assert by_name["RedThreadMeetingMoved"]["stage"] == "meeting"
    assert by_name["RedThreadMeetingMoved"]["previous_meeting_at"].startswith("2027-03-06")
    assert by_name["RedThreadMeetingCancelled"]["meeting_at"].startswith("2027-03-08")
    assert all("reason" not in e for e in by_name.values())

    # W-2, E-3: scheduled again, the deadline is met again.
    again = ok(
        call(
            escalation,
            COORDINATOR,
            "POST",
            f"{path}/meeting",
            {"meeting_at": MEETING_AT.isoformat(), "invited_orgs": PARTIES},
        )
    )
    assert again["status"] == "meeting_scheduled"
    listed = ok_list(call(escalation, SOCIAL, "GET", "/v1/deadlines"))
    assert [d["met"] for d in listed if d["rule"] == "E-3"] == [True]
    assert [d["kind"] for d in listed if d["rule"] == "E-11"] == ["red_thread_meeting_record"]
    assert int(calendar_entry(escalation, f"{path}/meeting.ics")["sequence"]) > int(
        called_off["sequence"]
    )


def test_w2_what_the_state_or_the_rules_do_not_allow_is_a_problem_naming_the_rule(
    services: dict[str, InProcessService],
) -> None:
    escalation = services["escalation"]
    pulled = ok(call(escalation, POLICE, "POST", "/v1/red-threads", red_thread_pull(INDIVIDUAL)))
    bare = f"/v1/red-threads/{pulled['id']}"
    later = (MEETING_AT + timedelta(days=1)).isoformat()

    problem(
        call(
            escalation,
            COORDINATOR,
            "POST",
            f"{bare}/meeting/move",
            {"meeting_at": later, "reason": REASON},
        ),
        409,
        "E-3",
    )
    problem(
        call(escalation, COORDINATOR, "POST", f"{bare}/meeting/cancellation", {"reason": REASON}),
        409,
        "E-3",
    )
    problem(
        call(escalation, COORDINATOR, "POST", f"{bare}/follow-up/cancellation", {"reason": REASON}),
        409,
        "E-5",
    )
    problem(
        call(escalation, POLICE, "POST", f"{bare}/meeting/cancellation", {"reason": REASON}),
        403,
        "E-3",
    )

    path = convened(services)
    too_late = (START + timedelta(days=15)).isoformat()
    problem(
        call(
            escalation,
            COORDINATOR,
            "POST",
            f"{path}/meeting/move",
            {"meeting_at": too_late, "reason": REASON},
        ),
        422,
        "E-3",
    )
    blank = problem(
        call(
            escalation,
            COORDINATOR,
            "POST",
            f"{path}/meeting/move",
            {"meeting_at": later, "reason": "  "},
        ),
        422,
        "W-2",
    )
    assert [e["field"] for e in blank["errors"]] == ["body.reason"]
    missing = problem(
        call(escalation, COORDINATOR, "POST", f"{path}/meeting/cancellation", {}), 422, "W-2"
    )
    assert [e["field"] for e in missing["errors"]] == ["body.reason"]
    closed = problem(call(escalation, COORDINATOR, "POST", f"{path}/closure"), 409, "E-5")
    assert "W-2" in closed["detail"]
    assert ok(call(escalation, POLICE, "GET", path))["status"] == "meeting_scheduled"


def test_w2_e5_the_follow_up_is_moved_and_cancelled_and_the_thread_closed_early(
    services: dict[str, InProcessService],
    clock: MovableClock,
    runtime_settings: RuntimeSettings,
    kafka: EmbeddedBroker,
) -> None:
    escalation = services["escalation"]
    path = convened(services)
    clock.advance(MEETING_AT + timedelta(hours=2) - clock.now())
    ok(
        call(
            escalation,
            COORDINATOR,
            "POST",
            f"{path}/meeting/held",
            {
                "attended_orgs": PARTIES,
                "outcome": "solutions_agreed",
                "actions": agreed_actions(SOCIAL.org_id, MEETING_AT),
            },
        )
    )
    follow_up_at = MEETING_AT + timedelta(days=14)
    ok(
        call(
            escalation,
            COORDINATOR,
            "POST",
            f"{path}/follow-up",
            {"follow_up_at": follow_up_at.isoformat()},
        )
    )
    moved_to = follow_up_at + timedelta(days=7)

    moved = ok(
        call(
            escalation,
            COORDINATOR,
            "POST",
            f"{path}/follow-up/move",
            {"follow_up_at": moved_to.isoformat(), "reason": REASON},
        )
    )

    assert moved["follow_up_at"] == moved_to.isoformat().replace("+00:00", "Z")
    follow_ups = [
        d for d in ok_list(call(escalation, SOCIAL, "GET", "/v1/deadlines")) if d["rule"] == "E-5"
    ]
    assert [d["takes_place_at"][:10] for d in follow_ups] == [moved_to.date().isoformat()]
    assert calendar_entry(escalation, f"{path}/follow-up.ics").decoded("dtstart") == moved_to

    cancelled = ok(
        call(escalation, COORDINATOR, "POST", f"{path}/follow-up/cancellation", {"reason": REASON})
    )

    assert cancelled["follow_up_at"] is None
    assert cancelled["status"] == "meeting_held"
    assert [
        d for d in ok_list(call(escalation, SOCIAL, "GET", "/v1/deadlines")) if d["rule"] == "E-5"
    ] == []
    assert str(calendar_entry(escalation, f"{path}/follow-up.ics")["status"]) == "CANCELLED"

    closed = ok(
        call(
            escalation, COORDINATOR, "POST", f"{path}/closure", {"reason": "Individen har flyttat."}
        )
    )

    assert closed["status"] == "closed"
    assert closed["closing_reason"] == "Individen har flyttat."
    events = published(
        kafka,
        runtime_settings,
        "RedThreadMeetingMoved",
        "RedThreadMeetingCancelled",
        "RedThreadClosedEarly",
    )
    by_name = {type(e).__name__: e.model_dump(mode="json") for e in events}
    assert by_name["RedThreadMeetingMoved"]["stage"] == "follow_up"
    assert by_name["RedThreadMeetingCancelled"]["stage"] == "follow_up"
    assert by_name["RedThreadClosedEarly"]["meeting_held"] is True
    assert "Individen" not in str(by_name)


def ok_list(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    answer: list[dict[str, Any]] = response.json()
    return answer
