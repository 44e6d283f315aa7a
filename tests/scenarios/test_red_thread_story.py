"""Seed 000, "det röda snöret", end to end: HTTP in; HTTP and Kafka out; four real services.

Police record the individual's consent and pull the red thread, once they
state that the individual is being harmed and that a SIP was tried (E-2); social
services may not pull it (E-1); the coordinator convenes the meeting within
two weeks (E-3) on the basis of that consent (E-4); a deviation is reported;
reporting counts it all with small cells suppressed (D-5); after the consent
is withdrawn (C-4) no new meeting can be scheduled on it; and no identity
number ever reaches a topic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from contracts import SERVICES, events_topic
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.settings import RuntimeSettings
from tests.escalation_examples import PARTIES
from tests.support import (
    COORDINATOR,
    HEALTH,
    POLICE,
    SOCIAL,
    TEST_PERSONNUMMER,
    ServiceProcess,
    applied_by,
    call,
    call_once_consent_known,
    read_topic,
    wait_for,
)

INVITED = [SOCIAL.org_id, HEALTH.org_id]
"""Whom the coordinator convenes: social services and health care."""
PULL = {
    "personnummer": TEST_PERSONNUMMER,
    "measures_tried": ["sip", "care_planning"],
    "individual_harmed": True,
    "burdened_orgs": [POLICE.org_id],
    "municipality_code": "0180",
}
# Every way the test number could be written, so none of them slips onto a topic.
NUMBER_FORMS = [b"191212121212", b"19121212-1212", b"1212121212", b"121212-1212"]


@pytest.fixture
def platform(
    start_services: Callable[..., dict[str, ServiceProcess]],
) -> dict[str, ServiceProcess]:
    return start_services(*SERVICES)


def client(platform: dict[str, ServiceProcess], service: str, actor: Any) -> httpx.Client:
    return platform[service].client(actor)


def soon(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def convene(
    platform: dict[str, ServiceProcess],
    red_thread_id: str,
    days: int,
    *,
    once_consent_known: bool = False,
) -> httpx.Response:
    """The coordinator convenes the invited to a meeting `days` from now (E-3, E-4). Escalation
    learns of consent from the topic, so a meeting on a new consent may have to wait for it."""
    send = call_once_consent_known if once_consent_known else call
    return send(
        platform["escalation"],
        COORDINATOR,
        "POST",
        f"/v1/red-threads/{red_thread_id}/meeting",
        json={"meeting_at": soon(days), "invited_orgs": INVITED},
    )


@pytest.mark.long_running(120)  # four services, started before shorter work (tests/grouping.py)
def test_red_thread_story(
    platform: dict[str, ServiceProcess],
    runtime_settings: RuntimeSettings,
    kafka: EmbeddedBroker,
) -> None:
    # C-1..C-3: police document the individual's oral consent to a red-thread meeting.
    with client(platform, "consent", POLICE) as police:
        given = police.post(
            "/v1/consents",
            json={
                "personnummer": TEST_PERSONNUMMER,
                "purpose": "red_thread_meeting",
                "parties": PARTIES,
                "form": "oral",
                "informed": True,
            },
        )
    assert given.status_code == 201, given.text
    consent_id = given.json()["id"]
    subject_id = given.json()["subject_id"]

    # E-2: the red thread is pulled when the individual is being harmed despite measures
    # including SIP: a pull without a SIP tried, or without the harm stated, is refused.
    with client(platform, "escalation", POLICE) as police:
        no_sip = police.post("/v1/red-threads", json=PULL | {"measures_tried": ["care_planning"]})
        no_harm = police.post("/v1/red-threads", json=PULL | {"individual_harmed": False})
    for early, field in ((no_sip, "body.measures_tried"), (no_harm, "body.individual_harmed")):
        assert early.status_code == 422, early.text
        assert early.json()["rule"] == "E-2"
        assert early.json()["errors"][0]["field"] == field

    # E-1: police may pull the red thread; social services may not.
    with client(platform, "escalation", POLICE) as police:
        pulled = police.post("/v1/red-threads", json=PULL)
    assert pulled.status_code == 201, pulled.text
    red_thread = pulled.json()
    assert red_thread["subject_id"] == subject_id
    with client(platform, "escalation", SOCIAL) as social:
        refused = social.post("/v1/red-threads", json=PULL)
    assert refused.status_code == 403
    assert refused.json()["rule"] == "E-1"

    # E-3: not later than 14 days after the pull.
    too_late = convene(platform, red_thread["id"], days=20)
    assert too_late.status_code == 422
    assert too_late.json()["rule"] == "E-3"

    # E-4: the consent covers social services and health care, so the meeting is on.
    scheduled = convene(platform, red_thread["id"], days=3, once_consent_known=True)
    assert scheduled.status_code == 200, scheduled.text
    assert scheduled.json()["legal_basis"] == "consent"
    assert scheduled.json()["basis_id"] == consent_id

    # D-2: a deputy unit manager reports the collaboration failure.
    with client(platform, "reporting", HEALTH) as health:
        deviation = health.post(
            "/v1/deviations",
            json={
                "category": "routines",
                "affected_orgs": [SOCIAL.org_id],
                "what_happened": "Ingen kallades till samverkansmötet i tid.",
                "perceived_as": "Allvarligt",
                "improvement_proposal": "Gemensam rutin för kallelser.",
                "reporter_name": "Testa Testsson",
                "reporter_title": "Biträdande enhetschef",
            },
        )
    assert deviation.status_code == 201, deviation.text

    # D-5/D-6: reporting counts everything from every topic; cells of 1-4 are suppressed.
    def statistics_complete() -> dict[str, list[dict[str, Any]]] | None:
        with client(platform, "reporting", SOCIAL) as social:
            measures: dict[str, list[dict[str, Any]]] = social.get("/v1/statistics").json()[
                "measures"
            ]
        wanted = ("red_threads", "meetings_scheduled", "deviations", "consents_given")
        return measures if all(measures.get(m) for m in wanted) else None

    measures = wait_for(statistics_complete, timeout=30)
    assert [c["dimension"] for c in measures["red_threads"]] == ["police"]
    assert [c["dimension"] for c in measures["deviations"]] == ["routines"]
    for cells in measures.values():
        for cell in cells:
            assert cell["suppressed"] is True
            assert cell["count"] is None

    # Cases keeps its own view of the consent.
    def cases_view() -> list[dict[str, Any]]:
        with client(platform, "cases", SOCIAL) as social:
            consents: list[dict[str, Any]] = social.post(
                "/v1/consent-view/lookup", json={"personnummer": TEST_PERSONNUMMER}
            ).json()["consents"]
        return consents

    assert wait_for(cases_view, timeout=30)[0]["status"] == "active"

    # C-4: after withdrawal, the consent authorises no new meeting.
    with client(platform, "consent", POLICE) as police:
        assert police.post(f"/v1/consents/{consent_id}/withdrawal").status_code == 204
    wait_for(lambda: cases_view()[0]["status"] == "withdrawn", timeout=30)
    wait_for(lambda: applied_by(platform["escalation"], "consent") == 2, timeout=30)
    with client(platform, "escalation", POLICE) as police:
        second = police.post("/v1/red-threads", json=PULL).json()
    refused_meeting = convene(platform, second["id"], days=2)
    assert refused_meeting.status_code == 409
    assert refused_meeting.json()["rule"] == "E-4"

    # Kafka out: CloudEvents headers on every message, and never an identity number.
    seen_types = set()
    for service in SERVICES:
        for record in read_topic(
            kafka.bootstrap, events_topic(service, prefix=runtime_settings.topic_prefix)
        ):
            headers = dict(record.headers)
            assert headers["ce_specversion"] == b"1.0"
            assert headers["ce_source"] == f"/samverkan/{service}".encode()
            assert {"ce_id", "ce_type", "ce_time", "ce_sequence"} <= headers.keys()
            seen_types.add(headers["ce_type"].decode())
            raw = b"".join([record.key or b"", record.value or b"", *headers.values()])
            for form in NUMBER_FORMS:
                assert form not in raw, f"identity number on {record.topic}"
    # Operators: every service's /metrics has HTTP and Kafka figures after the story.
    for service, process in platform.items():
        metrics = httpx.get(f"{process.url}/metrics").text
        assert "http_request_duration_seconds_bucket{" in metrics, service
        kafka_series = ("samverkan_outbox_published_total{", "faststream_received_messages_total{")
        assert any(series in metrics for series in kafka_series), service
    assert {
        "se.samverkan.consent.ConsentGiven.v1",
        "se.samverkan.consent.ConsentWithdrawn.v1",
        "se.samverkan.escalation.RedThreadPulled.v1",
        "se.samverkan.escalation.MeetingScheduled.v1",
        "se.samverkan.reporting.DeviationReported.v1",
    } <= seen_types


@pytest.fixture(autouse=True)
def _no_identity_numbers_in_logs(platform: dict[str, ServiceProcess]) -> Iterator[None]:
    """Logs are read by operators: the number must not be there either."""
    yield
    for process in platform.values():
        assert TEST_PERSONNUMMER not in process.logs()
        assert "191212121212" not in process.logs()
