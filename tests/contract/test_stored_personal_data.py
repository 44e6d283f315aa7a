"""Stores written before sealing moved into the mapper stay readable (#20, item 3).

The fixtures were written by the last release that sealed by hand: personal
data in plain string fields, as ``sealed:v1:`` tokens (or plain text, older
still), without saying whose it is. Today's mapper opens those fields with the
key of the owner the aggregate's first event names, so they read as they did,
and erasing the owner still makes them read "[erased]".
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from services.cases.application import CasesApplication
from services.cases.domain import UnitDirectory
from services.consent.application import ConsentApplication
from services.consent.domain import Consent, EmergencyDisclosure, UnbornChildDisclosure
from services.escalation.application import EscalationApplication
from services.reporting.application import ReportingApplication
from services.runtime.kernel.personal import ERASED, Personal, text_of
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env

STORES = Path(__file__).resolve().parent.parent / "fixtures" / "stores-5c679fc"
ERASED_AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path: Path) -> RuntimeSettings:
    var_dir = tmp_path / "var"
    shutil.copytree(STORES, var_dir)
    return RuntimeSettings(var_dir=var_dir)


def expected(service: str) -> dict[str, dict[str, Any]]:
    loaded: dict[str, dict[str, Any]] = json.loads(
        (STORES / f"expected-{service}.json").read_text()
    )
    return loaded


def test_deviations_sealed_by_hand_read_as_they_did_and_erasure_reaches_them(
    settings: RuntimeSettings,
) -> None:
    application = ReportingApplication(
        env=store_env(settings, "reporting"), master_key=settings.resolved_master_key()
    )
    try:
        for deviation_id, text in expected("reporting").items():
            deviation = application.get_deviation(UUID(deviation_id))
            owner = text["subject_id"] or f"record:{deviation_id}"
            assert deviation.what_happened == Personal(owner, text["what_happened"])
            if "reporter_name" in text:
                assert deviation.reporter_name.text == text["reporter_name"]
            assert text_of(deviation.solution) == text.get("solution")
            assert text_of(deviation.remaining_problems) == text.get("remaining_problems")
            for signature, name in (
                (deviation.proposed_by, text.get("proposed_by")),
                (deviation.countersigned_by, text.get("countersigned_by")),
            ):
                assert (signature.name.text if signature else None) == name

        summarised = next(k for k, v in expected("reporting").items() if "solution" in v)
        application.erase_subject(expected("reporting")[summarised]["subject_id"], ERASED_AT)
        erased = application.get_deviation(UUID(summarised))
        assert erased.what_happened.text == ERASED
        assert erased.proposed_by is not None
        assert erased.proposed_by.name.text == ERASED
        assert text_of(erased.solution) == ERASED
    finally:
        application.close()


def test_consents_and_disclosures_sealed_by_hand_read_as_they_did_and_erasure_reaches_them(
    settings: RuntimeSettings,
) -> None:
    application = ConsentApplication(
        env=store_env(settings, "consent"),
        master_key=settings.resolved_master_key(),
        longest_emergency_disclosure=timedelta(hours=72),
    )
    try:
        records = expected("consent")
        for record_id, text in records.items():
            held: Personal | None
            if (consent := application.find(UUID(record_id), Consent)) is not None:
                held = consent.guardian_name
            elif (emergency := application.find(UUID(record_id), EmergencyDisclosure)) is not None:
                held = emergency.justification
            else:
                unborn = application.find(UUID(record_id), UnbornChildDisclosure)
                assert unborn is not None
                held = unborn.justification
            wanted = text.get("guardian_name") or text["justification"]
            assert held == Personal(text["subject_id"], wanted)

        child = next(v["subject_id"] for v in records.values() if "guardian_name" in v)
        application.erase_personal_data(child, ERASED_AT)
        consent_id = next(k for k, v in records.items() if "guardian_name" in v)
        assert text_of(application.find(UUID(consent_id), Consent).guardian_name) == ERASED  # type: ignore[union-attr]
    finally:
        application.close()


def test_escalation_records_sealed_by_hand_read_as_they_did_and_erasure_reaches_them(
    settings: RuntimeSettings,
) -> None:
    """Every kind: meeting notes, a ladder reason, an acute question, consultation notes,
    a registration's name and story, and minutes whose case parts each have their own
    owner (declared by the registration that came before them)."""
    ids = {k: UUID(v) for k, v in json.loads((STORES / "escalation-ids.json").read_text()).items()}
    subject = "ab" * 32
    application = EscalationApplication(
        env=store_env(settings, "escalation"), master_key=settings.resolved_master_key()
    )
    try:
        red_thread = application.repository.get(ids["red_thread"])
        assert red_thread.outcome_notes == Personal(subject, "Mötet enades om en SIP.")
        assert text_of(red_thread.follow_up_notes) == "Uppföljningen visade att SIP:en fungerar."
        for key, owner, reason in (
            ("escalation", subject, "Oenighet om ansvaret."),
            (
                "anonymous_escalation",
                f"record:{ids['anonymous_escalation']}",
                "Oenighet utan namn.",
            ),
        ):
            assert application.repository.get(ids[key]).steps[0].reason == Personal(owner, reason)
        for key, owner, question in (
            ("acute_matter", subject, "Akut fråga om vården."),
            (
                "anonymous_acute_matter",
                f"record:{ids['anonymous_acute_matter']}",
                "Akut fråga utan namn.",
            ),
        ):
            assert application.repository.get(ids[key]).question == Personal(owner, question)
        consultation = application.repository.get(ids["consultation"])
        assert consultation.notes == Personal(subject, "Konsultationen gav råd.")

        meeting = application.repository.get(ids["meeting"])
        unnamed = f"registration:{ids['unnamed_registration']}"
        assert meeting.minutes == Personal(
            f"monthly-meeting:{ids['meeting']}", "Allmänt protokoll."
        )
        names = {r.registration_id: r.name for r in meeting.registrations}
        assert names[ids["named_registration"]] == Personal(subject, "Testa Testsson")
        assert names[ids["unnamed_registration"]] == Personal(unnamed, "Namnlös Person")
        assert meeting.case_minutes == {
            ids["named_registration"]: Personal(subject, "Del om A."),
            ids["unnamed_registration"]: Personal(unnamed, "Del om B."),
        }

        application.erase_subject(subject, ERASED_AT)
        meeting = application.repository.get(ids["meeting"])
        assert meeting.case_minutes[ids["named_registration"]].text == ERASED
        assert meeting.case_minutes[ids["unnamed_registration"]].text == "Del om B."
        assert application.repository.get(ids["consultation"]).notes.text == ERASED
    finally:
        application.close()


def at_path(value: Any, path: str) -> Any:
    """What `path` (``a.b[0].c``, dict keys and attributes alike) names in an aggregate."""
    for part in path.split("."):
        name, _, index = part.partition("[")
        if isinstance(value, dict):
            value = value.get(name, value.get(UUID(name)) if len(name) == 36 else None)
        else:
            value = getattr(value, name)
        if index:
            value = value[int(index.rstrip("]"))]
    return value


@pytest.mark.parametrize(
    "story", sorted(p.name for p in (STORES / "cases").iterdir() if p.is_dir())
)
def test_cases_records_sealed_by_hand_read_as_they_did_and_erasure_reaches_them(
    story: str, tmp_path: Path
) -> None:
    """A SIP's plan and follow-ups, a handover's content, a meeting's place, a screening's
    score: each field the old code sealed reads as the clear text that code read."""
    var_dir = tmp_path / "var"
    shutil.copytree(STORES / "cases" / story, var_dir)
    settings = RuntimeSettings(var_dir=var_dir)
    application = CasesApplication(
        env=store_env(settings, "cases"),
        master_key=settings.resolved_master_key(),
        units=UnitDirectory([]),
    )
    try:
        records = json.loads((var_dir / "expected-cases.json").read_text())
        assert records
        for aggregate_id, record in records.items():
            aggregate = application.repository.get(UUID(aggregate_id))
            for path, text in record["texts"].items():
                assert at_path(aggregate, path) == Personal(record["owner"], text), path

        owner = next(iter(records.values()))["owner"]
        application.erase_subject(owner, ERASED_AT)
        for aggregate_id, record in records.items():
            aggregate = application.repository.get(UUID(aggregate_id))
            for path in record["texts"]:
                assert at_path(aggregate, path).text == ERASED or record["owner"] != owner
    finally:
        application.close()
