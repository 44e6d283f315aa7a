"""Attack: erasure as a weapon (GDPR art. 17 in the wrong hands).

Before the fix an administrator of any organisation erased anyone, and erasing a subject
id consent had never seen answered 202 and broadcast SubjectErased, pre-erasing that
person in every service for good. Now erasure belongs to one configured platform unit
(SAMVERKAN_CONSENT_ERASURE_UNIT; unset: no one may erase, and the refusal says so), and an
unknown subject is a 404 that publishes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from contracts import OrgType, Role, events_topic
from services.runtime.kernel.actor import Actor
from tests.support import (
    SOCIAL,
    ServiceProcess,
    call,
    give_sip_consent,
    made_up_personnummer,
    read_topic,
)

PLATFORM_UNIT = "SE2321000016-ER01"
PLATFORM_ADMIN = Actor("SE2321000016-A101", PLATFORM_UNIT, OrgType.HEALTH_CARE, Role.ADMIN)
OTHER_ADMIN = Actor("SE2120000001-A201", "SE2120000001-IT02", OrgType.SOCIAL_SERVICES, Role.ADMIN)
NUMBER = made_up_personnummer("19660606", "357")
NEVER_SEEN = "cd" * 32


def erasures_published(consent: ServiceProcess) -> list[bytes]:
    topic = events_topic("consent", prefix=consent.settings.topic_prefix)
    return [
        record.key or b""
        for record in read_topic(consent.settings.kafka_bootstrap, topic)
        if dict(record.headers)["ce_type"].endswith(b"SubjectErased.v2")
    ]


def test_an_administrator_of_another_organisation_may_not_erase(
    start_service: Callable[..., ServiceProcess],
) -> None:
    consent = start_service("consent", SAMVERKAN_CONSENT_ERASURE_UNIT=PLATFORM_UNIT)
    subject_id = give_sip_consent(consent, NUMBER)

    refused = call(consent, OTHER_ADMIN, "POST", f"/v1/subjects/{subject_id}/erasure")
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert PLATFORM_UNIT in refused.json()["detail"]

    erased = call(consent, PLATFORM_ADMIN, "POST", f"/v1/subjects/{subject_id}/erasure")
    assert erased.status_code == 202, erased.text


def test_a_subject_never_seen_is_404_and_nothing_is_broadcast(
    start_service: Callable[..., ServiceProcess],
) -> None:
    consent = start_service("consent", SAMVERKAN_CONSENT_ERASURE_UNIT=PLATFORM_UNIT)
    give_sip_consent(consent, NUMBER)

    unknown = call(consent, PLATFORM_ADMIN, "POST", f"/v1/subjects/{NEVER_SEEN}/erasure")
    assert unknown.status_code == 404, unknown.text
    assert unknown.headers["content-type"] == "application/problem+json"
    history = call(consent, SOCIAL, "GET", f"/v1/subjects/{NEVER_SEEN}/history")
    assert history.status_code in (403, 404)
    assert NEVER_SEEN.encode() not in erasures_published(consent)


def test_with_no_erasure_unit_configured_no_one_may_erase_and_the_refusal_says_why(
    start_service: Callable[..., ServiceProcess],
) -> None:
    consent = start_service("consent", SAMVERKAN_CONSENT_ERASURE_UNIT="")
    subject_id = give_sip_consent(consent, NUMBER)

    for admin in (PLATFORM_ADMIN, OTHER_ADMIN):
        refused = call(consent, admin, "POST", f"/v1/subjects/{subject_id}/erasure")
        assert refused.status_code == 403, refused.text
        assert "SAMVERKAN_CONSENT_ERASURE_UNIT" in refused.json()["detail"]
