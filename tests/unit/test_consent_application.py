"""The consent use cases on eventsourcing's in-memory store: no broker, no database.

Sealing is the mapper's and read models fall back to memory (#20, item 3), so
the service layer runs without I/O: C-1/C-5 decided from the records, the
guardian's name and the justification in clear for the domain, sealed at rest,
and "[erased]" once the individual is erased.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from services.consent.application import (
    ConsentApplication,
    DecideEmergencyDisclosure,
    GiveConsent,
    Question,
)
from services.consent.domain import EmergencyDisclosure, GivenBy
from services.runtime.kernel.personal import ERASED, Personal
from tests.support import SOCIAL
from tests.unit.units import HEALTH_UNIT

AT = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
CHILD, ADULT = "cd" * 32, "ef" * 32
PARTIES = [SOCIAL.org_id, HEALTH_UNIT]
JUSTIFICATION = "Akut fara för livet; den enskilde kan inte tillfrågas."


def application() -> ConsentApplication:
    return ConsentApplication(longest_emergency_disclosure=timedelta(hours=72))


def test_c1_c5_decided_on_the_in_memory_store_sealed_at_rest_and_erasable() -> None:
    consent = application()
    consent_id = consent.give_consent(
        SOCIAL,
        GiveConsent(
            subject_id=CHILD,
            purpose="sip",
            parties=PARTIES,
            form="written",
            informed=True,
            valid_until=None,
            given_by=GivenBy.GUARDIAN,
            guardian_name="Greta Vårdnadshavare",
            subject_birth_date=date(2015, 5, 1),
        ),
        at=AT,
        today=AT.date(),
    )
    disclosure_id = consent.decide_emergency_disclosure(
        SOCIAL,
        DecideEmergencyDisclosure(
            subject_id=ADULT,
            parties=PARTIES,
            justification=JUSTIFICATION,
            valid_for=timedelta(hours=24),
        ),
        at=AT,
    )

    later = AT + timedelta(hours=1)
    for subject_id in (CHILD, ADULT):
        question = Question(subject_id, SOCIAL.org_id, HEALTH_UNIT, "sip", later)
        assert consent.decide(SOCIAL, question, asked_at=later).allowed
    given = consent.read_consent(SOCIAL, consent_id)
    assert given.guardian_name == Personal(CHILD, "Greta Vårdnadshavare")
    stored = b"".join(
        n.state for n in consent.recorder.select_notifications(start=1, limit=50)
    ).decode("utf-8", "replace")
    assert "Greta" not in stored
    assert JUSTIFICATION not in stored
    disclosure = consent.find(disclosure_id, EmergencyDisclosure)
    assert disclosure is not None
    assert disclosure.justification == Personal(ADULT, JUSTIFICATION)  # C-5, in clear

    consent.erase_personal_data(CHILD, AT + timedelta(days=1))
    guardian = consent.read_consent(SOCIAL, consent_id).guardian_name
    assert guardian is not None
    assert guardian.text == ERASED
