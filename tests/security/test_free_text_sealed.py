"""Attack: a database operator (or a stolen backup) reads a service's store file and finds
a deviation's free text, the names of the staff who reported and signed it, or where a
meeting about the individual is held.

Issue #18 item 6. A deviation that names no individual used to be stored in clear,
and the reporter's and signers' names in clear even when it named one, so neither
erasure nor culling (crypto-shredding) could reach them. Now every narrative and
every staff name is sealed: with the individual's key when the deviation is about
one, else with a key of its own record (`record:<deviation id>`). The tests read the
SQLite files of running reporting and cases processes byte by byte, and erase the
individual the way consent does (`SubjectErased` v2 on consent's topic, reason culling).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

from contracts import OrgType, Role, SubjectErasedV2, encode, events_topic
from contracts.consent import ErasureReason
from services.runtime.kernel.actor import Actor
from services.runtime.settings import RuntimeSettings
from services.runtime.store.privacy import ERASED
from tests.reporting_examples import SOCIAL_MANAGER
from tests.support import HEALTH, SOCIAL, TEST_PERSONNUMMER, produce_raw, wait_for


def texts(marker: str) -> dict[str, dict[str, str]]:
    """What is written in each step, every value carrying `marker` so it can be found."""
    return {
        "report": {
            "what_happened": f"Remissen {marker}-1 kom aldrig fram.",
            "perceived_as": f"Upplevdes {marker}-2 som ett glapp.",
            "improvement_proposal": f"Ring alltid {marker}-3.",
            "reporter_name": f"Testa {marker}-4 Testsson",
            "reporter_title": f"Enhetschef {marker}-5",
        },
        "summary": {
            "solution": f"Gemensam rutin {marker}-6.",
            "remaining_problems": f"Helger {marker}-7.",
            "signer_name": f"Prova {marker}-8 Provsson",
            "signer_title": f"Biträdande enhetschef {marker}-9",
        },
        "countersignature": {
            "signer_name": f"Sven {marker}-10 Svensson",
            "signer_title": f"Avdelningschef {marker}-11",
        },
    }


def every_text(written: dict[str, dict[str, str]]) -> list[str]:
    return [value for step in written.values() for value in step.values()]


def store_bytes(settings: RuntimeSettings, service: str = "reporting") -> bytes:
    """A service's store as an operator copies it: the database and its write-ahead log."""
    database = settings.var_dir / f"{service}.db"
    parts = [Path(f"{database}{suffix}") for suffix in ("", "-wal")]
    return b"".join(path.read_bytes() for path in parts if path.exists())


IOF_CASEWORKER = Actor(
    "SE2120000001-S101", "SE2120000001-IOF1", OrgType.SOCIAL_SERVICES, Role.CASEWORKER
)
AOF_MANAGER = Actor(
    "SE2120000001-S201", "SE2120000001-AOF1", OrgType.SOCIAL_SERVICES, Role.DEPUTY_UNIT_MANAGER
)


def erase_as_consent_culls(settings: RuntimeSettings, topic_prefix: str, subject_id: str) -> None:
    """SubjectErased v2 (reason culling) on consent's topic, as consent's schedule sends it."""
    erased = SubjectErasedV2(
        subject_id=subject_id,
        erasure_id=uuid4(),
        erased_at=datetime.now(UTC),
        reason=ErasureReason.CULLING,
    )
    message = encode(
        erased, event_id=str(uuid4()), time=datetime.now(UTC), sequence=1, prev_sequence=0
    )
    topic = events_topic("consent", prefix=topic_prefix)
    asyncio.run(
        produce_raw(
            settings.kafka_bootstrap, topic, [(message.key, message.value, message.headers)]
        )
    )


def report_and_sign(service: Any, written: dict[str, dict[str, str]], **extra: str) -> str:
    """Both steps of a deviation (D-2) through the API; returns the created body."""
    body = {"category": "communication", "affected_orgs": [SOCIAL.org_id], **written["report"]}
    with service.client(HEALTH) as health, service.client(SOCIAL_MANAGER) as social:
        created = health.post("/v1/deviations", json={**body, **extra})
        assert created.status_code == 201, created.text
        deviation_id: str = created.json()["id"]
        summary = f"/v1/deviations/{deviation_id}/summary"
        proposed = health.put(summary, json=written["summary"])
        assert proposed.status_code == 204, proposed.text
        signed = social.post(f"{summary}/countersignature", json=written["countersignature"])
        assert signed.status_code == 200, signed.text
    return deviation_id


def test_a_deviation_about_no_one_is_sealed_at_rest_with_its_record_key(
    start_service: Any, runtime_settings: RuntimeSettings
) -> None:
    service = start_service("reporting")
    marker = uuid4().hex[:12]
    written = texts(marker)
    deviation_id = report_and_sign(service, written)

    with service.client(SOCIAL_MANAGER) as social:
        read = social.get(f"/v1/deviations/{deviation_id}").json()
    # The parties read it in clear, as before ...
    assert read["what_happened"] == written["report"]["what_happened"]
    assert read["reporter_name"] == written["report"]["reporter_name"]
    assert read["summary"]["solution"] == written["summary"]["solution"]
    assert read["summary"]["proposed_by"]["name"] == written["summary"]["signer_name"]
    assert (
        read["summary"]["countersigned_by"]["title"]
        == (written["countersignature"]["signer_title"])
    )
    # ... but the operator who copies the store finds none of it.
    stored = store_bytes(runtime_settings)
    assert deviation_id.encode() in stored or deviation_id.replace("-", "").encode() in stored
    assert marker.encode() not in stored, "free text or a staff name stored in clear"


def test_after_culling_a_deviation_s_text_and_staff_names_read_as_erased(
    start_service: Any, runtime_settings: RuntimeSettings, topic_prefix: str
) -> None:
    service = start_service("reporting")
    marker = uuid4().hex[:12]
    written = texts(marker)
    deviation_id = report_and_sign(service, written, personnummer=TEST_PERSONNUMMER)
    assert marker.encode() not in store_bytes(runtime_settings)
    with service.client(HEALTH) as health:
        subject_id = health.get(f"/v1/deviations/{deviation_id}").json()["subject_id"]
    assert subject_id

    # Consent's culling schedule erases the individual: SubjectErased v2 on its topic.
    erase_as_consent_culls(runtime_settings, topic_prefix, subject_id)

    with service.client(HEALTH) as health:

        def read() -> dict[str, Any]:
            body: dict[str, Any] = health.get(f"/v1/deviations/{deviation_id}").json()
            return body

        wait_for(lambda: read()["what_happened"] == ERASED, timeout=30)
        after = read()
        exported = health.get(f"/v1/deviations/{deviation_id}/export", params={"format": "csv"})
    summary = after["summary"]
    assert [
        after["what_happened"],
        after["perceived_as"],
        after["improvement_proposal"],
        after["reporter_name"],
        after["reporter_title"],
        summary["solution"],
        summary["remaining_problems"],
        summary["proposed_by"]["name"],
        summary["proposed_by"]["title"],
        summary["countersigned_by"]["name"],
        summary["countersigned_by"]["title"],
    ] == [ERASED] * 11
    # The facts stay: who (HSA-ids), when, which category, both signatures.
    assert after["category"] == "communication"
    assert summary["countersigned_by"]["hsa_id"] == SOCIAL_MANAGER.hsa_id
    assert exported.status_code == 200
    assert marker not in exported.text
    for text in every_text(written):
        assert text not in exported.text


def test_a_meeting_s_place_is_sealed_at_rest_and_erased_with_the_individual(
    start_service: Any, runtime_settings: RuntimeSettings, topic_prefix: str
) -> None:
    """Cases: where a meeting about the individual is held is free text ("never the
    individual's home", but written by hand); it is sealed with their key."""
    service = start_service("cases")
    marker = uuid4().hex[:12]
    place = f"Samtalsrum {marker}, Storgatan 1"
    soon = datetime.now(UTC) + timedelta(days=3)
    with service.client(AOF_MANAGER) as aof:
        body = {
            "personnummer": TEST_PERSONNUMMER,
            "municipality_code": "0180",
            "needs": ["disability"],
        }
        registered = aof.post("/v1/cases", json=body)
        assert registered.status_code == 201, registered.text
        subject_id = registered.json()["subject_id"]
        case_id = registered.json()["cases"][0]["id"]
        planned = aof.post(
            f"/v1/cases/{case_id}/care-planning-meetings",
            json={
                "units": [IOF_CASEWORKER.org_id, HEALTH.org_id],
                "meeting": {
                    "starts_at": soon.isoformat(),
                    "ends_at": (soon + timedelta(hours=1)).isoformat(),
                    "location": place,
                },
                "follow_up": {
                    "starts_at": (soon + timedelta(days=1)).isoformat(),
                    "ends_at": (soon + timedelta(days=1, hours=1)).isoformat(),
                    "location": place,
                },
            },
        )
        assert planned.status_code == 201, planned.text
        meeting = f"/v1/meetings/{planned.json()['id']}"
        assert planned.json()["occasions"][0]["location"] == place
        assert f"LOCATION:Samtalsrum {marker}" in aof.get(f"{meeting}/invitation.ics").text
        stored = store_bytes(runtime_settings, "cases")
        assert marker.encode() not in stored, "the meeting's place is stored in clear"

        erase_as_consent_culls(runtime_settings, topic_prefix, subject_id)
        wait_for(lambda: aof.get(meeting).json()["occasions"][0]["location"] == ERASED, timeout=30)
        assert marker not in aof.get(f"{meeting}/invitation.ics").text
