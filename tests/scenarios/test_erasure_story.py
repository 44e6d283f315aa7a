"""Erasure (GDPR art. 17) across the platform, end to end: four real services over Kafka.

A child's guardian consents to a case handover; the police make an emergency
disclosure; social services open a case and hand it over with a written
background; the child is registered for the deputies' monthly meeting and
consulted on; a health-care unit reports a deviation about them. Then an
administrator erases the child via consent. Consent publishes `SubjectErased`;
cases, escalation and reporting destroy their own key for the child. Afterwards
no API (reads and the deviation export) returns the personal data (it reads
"[erased]"), neither the services' SQLite files, logs, access-log extracts nor
any topic hold it, the statistics are what they were, and every service's access
log still verifies.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from contracts import SERVICES, dlq_topic, events_topic
from services.runtime.kernel.actor import Actor
from services.runtime.store.privacy import ERASED
from tests.steps import (
    child_case_handed_over,
    consultation_held,
    deviation_reported,
    handover_consent_given,
    monthly_meeting_planned,
    sharing_consent_given,
)
from tests.support import (
    AOF_DEPUTY,
    HEALTH,
    IOF,
    IOF_CASEWORKER,
    IOF_DEPUTY,
    PLATFORM_ADMIN,
    POLICE,
    SOCIAL,
    ServiceProcess,
    call_once_consent_known,
    emergency_disclosure,
    made_up_personnummer,
    read_topic,
    wait_for,
)

CHILD = made_up_personnummer("20110505", "234")
NAME = "Testa Testsson"
GUARDIAN = "Vera Testsson"
PHONE = "070-123 45 67"
EMAIL = "vera.testsson@example.se"
JUSTIFICATION = f"{NAME} riskerar allvarlig skada i hemmet."
CONTENT = {
    "background_and_family": f"Bor med mamma {GUARDIAN}, nås på {PHONE} eller {EMAIL}.",
    "guardian": GUARDIAN,
    "current_situation": f"{NAME} går i årskurs 8 och har hög frånvaro.",
    "problems_and_earlier_investigations": "Utredd för ADHD 2022.",
    "ongoing_interventions_and_planning": "Kontaktperson varje vecka.",
}
PERSONAL_TEXT = [NAME, GUARDIAN, "Testsson", PHONE, EMAIL, "ADHD 2022", "Kontaktperson varje"]
"""What was written about the child: none of it may be readable after the erasure."""


def call(
    platform: dict[str, ServiceProcess],
    service: str,
    actor: Actor,
    method: str,
    path: str,
    **kwargs: Any,
) -> httpx.Response:
    with platform[service].client(actor) as client:
        return client.request(method, path, **kwargs)


def record_personal_data(platform: dict[str, ServiceProcess]) -> dict[str, str]:
    """The story up to the erasure; returns where each piece of personal data is read."""
    given = handover_consent_given(platform["consent"], CHILD, GUARDIAN)
    sharing_consent_given(platform["consent"], CHILD)  # C-11: the agenda goes to ÄoF
    disclosed = emergency_disclosure(
        platform["consent"], POLICE, CHILD, [POLICE.org_id, IOF], JUSTIFICATION
    )
    assert disclosed.status_code == 201, disclosed.text

    handover = child_case_handed_over(platform["cases"], CHILD, CONTENT)

    meeting = monthly_meeting_planned(
        platform["escalation"], datetime.now(UTC) + timedelta(days=10)
    )
    agenda = call_once_consent_known(
        platform["escalation"],
        IOF_DEPUTY,
        "POST",
        f"/v1/monthly-meetings/{meeting['id']}/registrations",
        json={
            "personnummer": CHILD,
            "name": NAME,
            "age": 15,
            "background": f"Familjen nås via {GUARDIAN} på {PHONE}.",
            "current_situation": "Hög frånvaro; Kontaktperson varje vecka.",
            "problem_and_question": "Behövs ADHD 2022-utredningen uppdateras?",
        },
    )
    assert agenda.status_code == 201, agenda.text
    consultation = consultation_held(
        platform["escalation"], CHILD, f"{NAME} bor hos {GUARDIAN}; {EMAIL}."
    )
    deviation = deviation_reported(
        platform["reporting"],
        CHILD,
        affected=IOF,
        what_happened=f"{NAME} skrevs ut utan att socialtjänsten visste.",
        perceived_as="Kontaktperson varje vecka uteblev.",
    )
    return {
        "subject_id": given["subject_id"],
        "consent": f"/v1/consents/{given['id']}",
        "handover": handover,
        "meeting": f"/v1/monthly-meetings/{meeting['id']}",
        "consultation": consultation,
        "deviation": deviation,
    }


def personal_data_read(platform: dict[str, ServiceProcess], paths: dict[str, str]) -> list[Any]:
    """Every piece of personal data the story recorded, as the APIs return it now."""
    history = call(
        platform, "consent", IOF_CASEWORKER, "GET", f"/v1/subjects/{paths['subject_id']}/history"
    ).json()["events"]
    registration = call(platform, "escalation", AOF_DEPUTY, "GET", paths["meeting"]).json()[
        "agenda"
    ][0]
    deviation = call(platform, "reporting", HEALTH, "GET", paths["deviation"]).json()
    exported = call(platform, "reporting", HEALTH, "GET", f"{paths['deviation']}/export").json()[
        "deviation"
    ]
    return [
        call(platform, "consent", IOF_CASEWORKER, "GET", paths["consent"]).json()["guardian_name"],
        *[e["details"]["justification"] for e in history if "justification" in e["details"]],
        *call(platform, "cases", AOF_DEPUTY, "GET", paths["handover"]).json()["content"].values(),
        registration["name"],
        registration["background"],
        registration["current_situation"],
        registration["problem_and_question"],
        call(platform, "escalation", AOF_DEPUTY, "GET", paths["consultation"]).json()["notes"],
        deviation["what_happened"],
        deviation["perceived_as"],
        exported["what_happened"],
        exported["perceived_as"],
    ]


def statistics(platform: dict[str, ServiceProcess]) -> dict[str, Any] | None:
    measures: dict[str, Any] = call(platform, "reporting", SOCIAL, "GET", "/v1/statistics").json()[
        "measures"
    ]
    return measures if measures.get("consents_given") else None


def topic_bytes(platform: dict[str, ServiceProcess]) -> bytes:
    settings = next(iter(platform.values())).settings
    topics = [events_topic(s, prefix=settings.topic_prefix) for s in SERVICES]
    topics += [dlq_topic(s, prefix=settings.topic_prefix) for s in SERVICES]
    return b"\n".join(
        (record.value or b"") + b"".join(value for _, value in record.headers)
        for topic in topics
        for record in read_topic(settings.kafka_bootstrap, topic)
    )


def test_erasure_story(module_platform: dict[str, ServiceProcess]) -> None:
    platform = module_platform
    paths = record_personal_data(platform)
    before = personal_data_read(platform, paths)
    assert GUARDIAN in before
    assert JUSTIFICATION in before
    assert CONTENT["background_and_family"] in before
    assert NAME in before

    def settled() -> dict[str, Any] | None:
        """The statistics once reporting has caught up (two reads a second apart agree)."""
        first = statistics(platform)
        time.sleep(1)
        return first if first is not None and first == statistics(platform) else None

    counted = wait_for(settled, timeout=30)

    refused = call(
        platform, "consent", SOCIAL, "POST", f"/v1/subjects/{paths['subject_id']}/erasure"
    )
    assert refused.status_code == 403  # administrators only
    erased = call(
        platform, "consent", PLATFORM_ADMIN, "POST", f"/v1/subjects/{paths['subject_id']}/erasure"
    )
    assert erased.status_code == 202, erased.text

    # Cases and escalation learn of it from the consent topic.
    after = wait_for(
        lambda: (read := personal_data_read(platform, paths)) and set(read) <= {ERASED} and read,
        timeout=30,
    )
    assert len(after) == len(before)

    settings = next(iter(platform.values())).settings
    for service in ("consent", "cases", "escalation", "reporting"):
        files = list(settings.var_dir.glob(f"{service}.db*"))
        assert files, service
        stored = b"".join(path.read_bytes() for path in files)
        for text in PERSONAL_TEXT:
            assert text.encode() not in stored, (service, text)
    on_topics = topic_bytes(platform)
    assert b"SubjectErased" in on_topics
    for text in PERSONAL_TEXT:
        assert text.encode() not in on_topics, text

    # The facts stay: every count is what it was.
    assert statistics(platform) == counted

    # Who looked stays too (the access log is kept, pseudonymous), and its chain holds.
    for service in SERVICES:
        verified = call(platform, service, PLATFORM_ADMIN, "GET", "/v1/access-log/verify")
        chain = verified.json()
        assert (chain["intact"], chain["first_broken_record"]) == (True, None), service
        extract = call(
            platform,
            service,
            PLATFORM_ADMIN,
            "POST",
            "/v1/access-log/subject",
            json={"subject_id": paths["subject_id"]},
        )
        assert extract.status_code == 200, (service, extract.text)
        for text in PERSONAL_TEXT:
            assert text not in extract.text, (service, text)
            assert text not in platform[service].logs(), (service, text)
