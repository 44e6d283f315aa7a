"""Seed 000, "det röda snöret", as the people in it work (W-1): nobody is told an id.

Police pull the red thread. The coordination office learns of it from its own
work list, takes it and convenes social services and health care, who learn
of the meeting from theirs. The office moves the meeting a day (W-2), and the
summoned see it moved. The meeting is held without health care; the follow-up
is booked, cancelled and booked again (W-2), and then stalls: its day passes
with no evaluation, and everyone concerned sees it overdue on their list. A partner system learns
the same from the escalation topic alone.

Each actor below uses only what its own answers, its own work list and the
topic give it: the test never hands an id from one actor to another.
Consent and escalation run in this process on one clock the test moves.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import icalendar
import pytest

from contracts import decode, events_topic
from services.consent.service import Settings as ConsentSettings
from services.escalation.service import Settings as EscalationSettings
from services.runtime.kernel.actor import Actor
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.settings import RuntimeSettings
from tests.escalation_examples import INDIVIDUAL, agreed_actions, red_thread_pull
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
    read_topic,
    wait_for,
)

INVITED = [POLICE.org_id, SOCIAL.org_id, HEALTH.org_id]


@pytest.fixture
def consent(start_in_process: Callable[..., InProcessService]) -> InProcessService:
    return start_in_process("consent", ConsentSettings(expiry_check_seconds=0.1))


@pytest.fixture
def escalation(start_in_process: Callable[..., InProcessService]) -> InProcessService:
    return start_in_process("escalation", EscalationSettings(overdue_check_seconds=0.1))


class Desk:
    """One member of staff at their desk: what their work list shows them, and their calls."""

    def __init__(self, escalation: InProcessService, actor: Actor) -> None:
        self.escalation = escalation
        self.actor = actor

    def work(self, **query: Any) -> list[dict[str, Any]]:
        answer = call(self.escalation, self.actor, "GET", "/v1/work-items", params=query)
        assert answer.status_code == 200, answer.text
        items: list[dict[str, Any]] = answer.json()["items"]
        return items

    def the_one(self, kind: str, **query: Any) -> dict[str, Any]:
        """The one item of `kind` on the list, once it is there."""
        items = wait_for(lambda: self.work(kind=kind, **query) or None)
        assert len(items) == 1, items
        return items[0]

    def post(self, path: str, body: Any = None, *, wait_for_consent: bool = False) -> Any:
        send = call_once_consent_known if wait_for_consent else call
        answer = send(self.escalation, self.actor, "POST", path, json=body)
        assert answer.status_code in (200, 201), answer.text
        return answer.json()

    def get(self, path: str) -> Any:
        answer = call(self.escalation, self.actor, "GET", path)
        assert answer.status_code == 200, answer.text
        return answer


def test_seed_000_w1_the_red_thread_is_found_from_work_lists_and_its_stall_surfaces(
    consent: InProcessService,
    escalation: InProcessService,
    clock: MovableClock,
    kafka: EmbeddedBroker,
    runtime_settings: RuntimeSettings,
) -> None:
    police, office = Desk(escalation, POLICE), Desk(escalation, COORDINATOR)
    social, health = Desk(escalation, SOCIAL), Desk(escalation, HEALTH)

    # E-1, C-1: police document the consent to a meeting and pull the thread.
    consent_given(
        consent, INDIVIDUAL, by=POLICE, purpose="red_thread_meeting", parties=INVITED, form="oral"
    )
    pulled = police.post("/v1/red-threads", red_thread_pull(INDIVIDUAL))
    assert police.work() == []  # pulling it was their part

    # E-3: the office serving Stockholm finds it on its list, takes it and convenes.
    new = office.the_one("red_thread_meeting", state="new")
    assert new["subject_id"] == pulled["subject_id"]
    thread = office.get(new["href"]).json()
    office.post(f"{new['href']}/coordinator", {})
    meeting_at = clock.now() + timedelta(days=3)
    office.post(
        f"{new['href']}/meeting",
        {"meeting_at": meeting_at.isoformat(), "invited_orgs": INVITED},
        wait_for_consent=True,
    )
    assert office.the_one("red_thread_meeting")["state"] == "scheduled"

    # The summoned find the meeting on their own lists, and its calendar entry.
    for desk in (social, health):
        invitation = desk.the_one("red_thread_invitation", state="meeting_invited")
        assert invitation["item_id"] == thread["id"]
        calendar = desk.get(f"{invitation['href']}/meeting.ics")
        assert calendar.headers["content-type"].startswith("text/calendar")

    # W-2: the office moves the meeting a day; the summoned see it moved, their calendars too.
    meeting_at += timedelta(days=1)
    office.post(
        f"{new['href']}/meeting/move",
        {"meeting_at": meeting_at.isoformat(), "reason": "Socialtjänsten kan inte på tisdag."},
    )
    moved = social.the_one("red_thread_invitation", state="meeting_moved")
    (entry,) = icalendar.Calendar.from_ical(
        social.get(f"{moved['href']}/meeting.ics").content
    ).walk("VEVENT")
    assert entry.decoded("dtstart") == meeting_at.replace(microsecond=0)
    assert int(entry["sequence"]) > 0

    # E-3, D-7: held without health care; E-5: the office books the follow-up.
    clock.advance(timedelta(days=4, hours=2))
    office.post(
        f"{new['href']}/meeting/held",
        {
            "attended_orgs": [POLICE.org_id, SOCIAL.org_id],
            "outcome": "solutions_agreed",
            "notes": "Boendestöd.",
            "actions": agreed_actions(POLICE.org_id, clock.now()),
        },
    )
    to_book = office.the_one("red_thread_follow_up", state="to_book")
    assert social.work() == []  # nothing waits for social services until the follow-up
    follow_up_at = clock.now() + timedelta(days=14)
    office.post(f"{to_book['href']}/follow-up", {"follow_up_at": follow_up_at.isoformat()})
    assert social.the_one("red_thread_invitation")["state"] == "follow_up_invited"

    # W-2: the follow-up is cancelled; it is the office's to book again, no one else's.
    office.post(f"{to_book['href']}/follow-up/cancellation", {"reason": "Fel vecka bokad."})
    again = office.the_one("red_thread_follow_up", state="to_book")
    assert social.work() == []
    office.post(f"{again['href']}/follow-up", {"follow_up_at": follow_up_at.isoformat()})
    assert social.the_one("red_thread_invitation")["state"] == "follow_up_invited"

    # E-5, D-7: the follow-up's day passes with no evaluation: overdue on every list.
    clock.advance(timedelta(days=15))  # nobody records the follow-up
    stalled = office.the_one("red_thread_follow_up", overdue="true")
    assert stalled["state"] == "booked"
    for desk in (police, social, health):
        overdue = desk.the_one("red_thread_overdue", overdue="true")
        assert (overdue["state"], overdue["rule"]) == ("follow_up_overdue", "D-7")
    assert [i["kind"] for i in social.work(overdue="false")] == ["red_thread_invitation"]

    # A partner system learns the same from the topic alone.
    topic = events_topic("escalation", prefix=runtime_settings.topic_prefix)

    def published() -> list[Any] | None:
        events = [decode(r.value, r.headers).event for r in read_topic(kafka.bootstrap, topic)]
        overdue = [e for e in events if type(e).__name__ == "RedThreadFollowUpOverdue"]
        return events if overdue else None

    events = wait_for(published, timeout=30)
    (overdue_event,) = [e for e in events if type(e).__name__ == "RedThreadFollowUpOverdue"]
    assert str(overdue_event.red_thread_id) == thread["id"]
    assert set(INVITED) <= set(overdue_event.concerned_orgs)
