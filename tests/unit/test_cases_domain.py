"""What cases knows of a subject's consents (C-3, C-4): the view case rules build on, no I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from services.cases.domain import KnownConsent, SubjectConsents, consent_record_id
from tests.unit.units import HEALTH_UNIT, SOCIAL_UNIT

SUBJECT = "c" * 64
GIVEN_AT = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
TODAY = date(2026, 3, 1)


def learn(record: SubjectConsents, **changes: Any) -> UUID:
    fields: dict[str, Any] = {
        "consent_id": uuid4(),
        "purpose": "case_handover",
        "parties": [SOCIAL_UNIT, HEALTH_UNIT],
        "given_at": GIVEN_AT,
        "valid_until": None,
    }
    fields.update(changes)
    record.learn_consent(**fields)
    consent_id: UUID = fields["consent_id"]
    return consent_id


def test_c3_learnt_consent_is_active_with_its_scope() -> None:
    record = SubjectConsents(subject_id=SUBJECT)

    consent_id = learn(record, purpose="sip", valid_until=date(2026, 6, 30))

    known = record.consents[consent_id]
    assert known.status(TODAY) == "active"
    assert known.purpose == "sip"
    assert known.parties == [SOCIAL_UNIT, HEALTH_UNIT]
    assert known.given_at == GIVEN_AT
    assert known.withdrawn_at is None


def test_c3_one_consent_record_per_subject() -> None:
    record = SubjectConsents(subject_id=SUBJECT)

    assert record.id == consent_record_id(SUBJECT) == SubjectConsents.create_id(SUBJECT)
    assert consent_record_id("d" * 64) != record.id


def test_c4_withdrawal_marks_the_consent_withdrawn_and_keeps_it() -> None:
    record = SubjectConsents(subject_id=SUBJECT)
    withdrawn_id = learn(record)
    other_id = learn(record, purpose="sip")
    withdrawn_at = GIVEN_AT + timedelta(days=2)

    record.learn_withdrawal(consent_id=withdrawn_id, withdrawn_at=withdrawn_at)

    assert record.consents[withdrawn_id].status(TODAY) == "withdrawn"
    assert record.consents[withdrawn_id].withdrawn_at == withdrawn_at
    assert record.consents[other_id].status(TODAY) == "active"


def test_c4_withdrawn_consent_stays_withdrawn_after_its_end_date() -> None:
    record = SubjectConsents(subject_id=SUBJECT)
    consent_id = learn(record, valid_until=date(2026, 3, 10))
    record.learn_withdrawal(consent_id=consent_id, withdrawn_at=GIVEN_AT + timedelta(days=1))

    assert record.consents[consent_id].status(date(2026, 4, 1)) == "withdrawn"


def test_c3_consent_expires_after_valid_until() -> None:
    known = KnownConsent(uuid4(), "sip", [SOCIAL_UNIT, HEALTH_UNIT], GIVEN_AT, date(2026, 3, 10))

    assert known.status(date(2026, 3, 10)) == "active", "valid_until is the last valid day"
    assert known.status(date(2026, 3, 11)) == "expired"


def test_c3_consent_without_end_date_never_expires() -> None:
    known = KnownConsent(uuid4(), "sip", [SOCIAL_UNIT, HEALTH_UNIT], GIVEN_AT, None)

    assert known.status(date(2099, 12, 31)) == "active"


def test_c4_withdrawal_of_an_unknown_consent_is_harmless() -> None:
    record = SubjectConsents(subject_id=SUBJECT)
    consent_id = learn(record)

    record.learn_withdrawal(consent_id=uuid4(), withdrawn_at=GIVEN_AT + timedelta(days=1))

    assert list(record.consents) == [consent_id]
    assert record.consents[consent_id].status(TODAY) == "active"


def test_c4_replaying_the_record_reproduces_every_status() -> None:
    record = SubjectConsents(subject_id=SUBJECT)
    active_id = learn(record)
    withdrawn_id = learn(record)
    expired_id = learn(record, valid_until=date(2026, 3, 5))
    record.learn_withdrawal(consent_id=withdrawn_id, withdrawn_at=GIVEN_AT + timedelta(hours=1))
    record.learn_withdrawal(consent_id=uuid4(), withdrawn_at=GIVEN_AT + timedelta(hours=2))

    replayed: Any = None
    for domain_event in record.collect_events():
        replayed = domain_event.mutate(replayed)

    assert isinstance(replayed, SubjectConsents)
    assert replayed.id == record.id
    on = date(2026, 3, 6)
    assert {i: c.status(on) for i, c in replayed.consents.items()} == {
        active_id: "active",
        withdrawn_id: "withdrawn",
        expired_id: "expired",
    }
