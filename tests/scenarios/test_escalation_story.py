"""Seed 000, "det röda snöret", from the pull to the closing, through HTTP and Kafka.

Police document the individual's consent and pull the red thread; a coordinator
takes it and convenes the affected organisations within two weeks (E-3) on that
consent (E-4). Health care stays away: its absence is recorded and published as
a deviation. A follow-up is booked (E-5); the individual then withdraws consent
and the follow-up is put on hold; an emergency disclosure (C-5) lets it go
ahead; the evaluation is held and the thread closed. Consent and escalation run
in this process on one clock the test moves; reporting runs as its own process.
"""

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
from services.runtime.kernel.actor import Actor
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.settings import RuntimeSettings
from tests.escalation_examples import (
    INDIVIDUAL,
    PARTIES,
    RED_THREAD_PUT_ON_HOLD_AND_RESUMED,
    agreed_actions,
    all_done,
)
from tests.support import (
    COORDINATOR,
    HEALTH,
    POLICE,
    SOCIAL,
    InProcessService,
    MovableClock,
    ServiceProcess,
    applied_by,
    call_once_consent_known,
    consent_given,
    read_topic,
    wait_for,
)


@pytest.fixture
def clock() -> MovableClock:
    """Today at 08:00 UTC: the story books and evaluates within a day, and from 22:00 UTC
    an hour on is already tomorrow in Stockholm (a follow-up day passed: overdue)."""
    return MovableClock(datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0))


@pytest.fixture
def consent(start_in_process: Callable[..., InProcessService]) -> InProcessService:
    return start_in_process("consent", ConsentSettings(expiry_check_seconds=0.1))


@pytest.fixture
def escalation(start_in_process: Callable[..., InProcessService]) -> InProcessService:
    return start_in_process("escalation", EscalationSettings(overdue_check_seconds=0.1))


@pytest.fixture
def reporting(start_service: Callable[..., ServiceProcess]) -> ServiceProcess:
    return start_service("reporting")


def call(
    service: InProcessService, actor: Actor, method: str, path: str, body: Any = None
) -> httpx.Response:
    with service.client(actor) as client:
        return client.request(method, path, json=body)


def published(settings: RuntimeSettings, kafka: EmbeddedBroker) -> list[IntegrationEvent]:
    topic = events_topic("escalation", prefix=settings.topic_prefix)
    return [decode(r.value, r.headers).event for r in read_topic(kafka.bootstrap, topic)]


def test_seed_000_red_thread_from_pull_to_closing(
    consent: InProcessService,
    escalation: InProcessService,
    reporting: ServiceProcess,
    clock: MovableClock,
    runtime_settings: RuntimeSettings,
    kafka: EmbeddedBroker,
) -> None:
    start = clock.now().replace(microsecond=0)

    # C-1..C-3: the police document the individual's oral, informed consent.
    given = consent_given(
        consent,
        INDIVIDUAL,
        by=POLICE,
        purpose="red_thread_meeting",
        parties=PARTIES,
        form="oral",
    )

    # E-1, E-2: the police pull the thread, with what was tried; social services may not.
    pull = {
        "personnummer": INDIVIDUAL,
        "measures_tried": ["sip", "care_planning"],
        "individual_harmed": True,
        "burdened_orgs": [POLICE.org_id, SOCIAL.org_id],
        "municipality_code": "0180",
    }
    refused = call(escalation, SOCIAL, "POST", "/v1/red-threads", pull)
    assert (refused.status_code, refused.json()["rule"]) == (403, "E-1")
    pulled = call(escalation, POLICE, "POST", "/v1/red-threads", pull)
    assert pulled.status_code == 201, pulled.text
    path = f"/v1/red-threads/{pulled.json()['id']}"

    # E-3: a coordinator takes it and convenes within two weeks, not later.
    taken = call(escalation, COORDINATOR, "POST", f"{path}/coordinator", {})
    assert taken.json()["coordinator"] == COORDINATOR.hsa_id
    meeting_at = start + timedelta(days=6)
    too_late = call(
        escalation,
        COORDINATOR,
        "POST",
        f"{path}/meeting",
        {"meeting_at": (start + timedelta(days=15)).isoformat(), "invited_orgs": PARTIES},
    )
    assert (too_late.status_code, too_late.json()["rule"]) == (422, "E-3")

    scheduled = call_once_consent_known(
        escalation,
        COORDINATOR,
        "POST",
        f"{path}/meeting",
        json={"meeting_at": meeting_at.isoformat(), "invited_orgs": PARTIES},
    )
    assert scheduled.status_code == 200, scheduled.text
    assert (scheduled.json()["legal_basis"], scheduled.json()["basis_id"]) == (
        "consent",
        given["id"],
    )
    invitation = call(escalation, HEALTH, "GET", f"{path}/meeting.ics")
    event = icalendar.Calendar.from_ical(invitation.content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == meeting_at
    assert INDIVIDUAL not in invitation.text

    # E-3: the meeting is held; health care, summoned, stays away.
    clock.advance(timedelta(days=6, hours=1))
    held = call(
        escalation,
        COORDINATOR,
        "POST",
        f"{path}/meeting/held",
        {
            "attended_orgs": [POLICE.org_id, SOCIAL.org_id],
            "outcome": "solutions_agreed",
            "notes": "Socialtjänsten erbjuder boendestöd; polisen kontaktperson.",
            # Due on the follow-up's day, where it is gone through (E-10), so never overdue.
            "actions": agreed_actions(SOCIAL.org_id, meeting_at, timedelta(days=21)),
        },
    )
    assert held.status_code == 200, held.text
    assert held.json()["absent_orgs"] == [HEALTH.org_id]

    # E-5: the follow-up and evaluation is booked three weeks on.
    follow_up_at = meeting_at + timedelta(days=21)
    booked = call(
        escalation,
        COORDINATOR,
        "POST",
        f"{path}/follow-up",
        {"follow_up_at": follow_up_at.isoformat()},
    )
    assert booked.status_code == 200, booked.text
    assert booked.json()["follow_up_legal_basis"] == "consent"

    # C-4 → E-4: the individual withdraws consent; the follow-up is put on hold.
    clock.advance(timedelta(days=4))
    withdrawn = call(consent, POLICE, "POST", f"/v1/consents/{given['id']}/withdrawal")
    assert withdrawn.status_code == 204

    def on_hold() -> dict[str, Any] | None:
        view: dict[str, Any] = call(escalation, POLICE, "GET", path).json()
        return view if view["status"] == "on_hold" else None

    hold = wait_for(on_hold, timeout=30)["hold"]
    assert (hold["stage"], hold["reason"]) == ("follow_up", "consent_withdrawn")
    clock.advance(follow_up_at - clock.now() - timedelta(hours=2))
    blocked = call(
        escalation,
        COORDINATOR,
        "POST",
        f"{path}/follow-up/evaluation",
        {"attended_orgs": PARTIES, "result": "improved"},
    )
    assert (blocked.status_code, blocked.json()["rule"]) == (409, "E-4")
    early_close = call(escalation, COORDINATOR, "POST", f"{path}/closure")
    assert (early_close.status_code, early_close.json()["rule"]) == (409, "E-5")

    # C-5: immediate danger to life or health; an emergency disclosure lets it proceed.
    disclosed = call(
        consent,
        POLICE,
        "POST",
        "/v1/emergency-disclosures",
        {
            "personnummer": INDIVIDUAL,
            "parties": PARTIES,
            "justification": "Omedelbar fara för liv; samtycke går inte att inhämta.",
            "valid_hours": 24,
        },
    )
    assert disclosed.status_code == 201, disclosed.text

    def resumed() -> dict[str, Any] | None:
        view: dict[str, Any] = call(escalation, POLICE, "GET", path).json()
        return view if view["hold"] is None else None

    view = wait_for(resumed, timeout=30)
    assert (view["follow_up_legal_basis"], view["follow_up_basis_id"]) == (
        "emergency_disclosure",
        disclosed.json()["id"],
    )

    # E-5: the evaluation is held; then, and only then, the thread is closed.
    clock.advance(timedelta(hours=3))
    evaluated = call(
        escalation,
        COORDINATOR,
        "POST",
        f"{path}/follow-up/evaluation",
        {
            "attended_orgs": PARTIES,
            "result": "improved",
            "notes": "Stabilt boende.",
            "actions": all_done(held.json()),
        },
    )
    assert evaluated.status_code == 200, evaluated.text
    closed = call(escalation, COORDINATOR, "POST", f"{path}/closure")
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"

    # Kafka out: the whole story, and the absence as a deviation reporting receives.
    expected = RED_THREAD_PUT_ON_HOLD_AND_RESUMED
    events = wait_for(
        lambda: (e := published(runtime_settings, kafka)) and len(e) >= len(expected) and e,
        timeout=30,
    )
    assert [type(e).__name__ for e in events] == expected
    absence = events[expected.index("MeetingAbsenceRecorded")]
    assert absence.model_dump(mode="json")["absent_org"] == HEALTH.org_id
    assert absence.model_dump(mode="json")["category"] == "routines"
    assert "RedThreadMeetingOverdue" not in [type(e).__name__ for e in events]
    wait_for(lambda: applied_by(reporting, "escalation") >= len(expected), timeout=30)
    # D-7: reporting turned the absence into a routines deviation of its own (E-3).
    reporting_topic = events_topic("reporting", prefix=runtime_settings.topic_prefix)

    def detected_deviations() -> list[Any]:
        return [
            e
            for r in read_topic(kafka.bootstrap, reporting_topic)
            if type(e := decode(r.value, r.headers).event).__name__ == "DeviationDetected"
        ]

    detected = wait_for(detected_deviations, timeout=30)
    assert [(d.rule, d.category.value) for d in detected] == [("E-3", "routines")]  # type: ignore[attr-defined]
    assert detected[0].source_type.endswith("MeetingAbsenceRecorded.v1")  # type: ignore[attr-defined]
    topic = events_topic("escalation", prefix=runtime_settings.topic_prefix)
    for record in read_topic(kafka.bootstrap, topic):
        raw = b"".join([record.key or b"", record.value or b""])
        assert INDIVIDUAL.encode() not in raw
        assert INDIVIDUAL.replace("-", "").encode() not in raw
        assert "boendestöd".encode() not in raw
