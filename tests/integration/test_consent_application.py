"""The consent application on real stores (SQLite and PostgreSQL): decisions from the
read model, expiry as events, history, and the decision log (C-1..C-9)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from contracts import LegalBasis, OrgType, Role
from services.consent.application import (
    ChangeScope,
    ConsentApplication,
    DecideEmergencyDisclosure,
    GiveConsent,
    Question,
    RefuseConsent,
    UnknownConsent,
)
from services.consent.domain import ConsentAlreadyWithdrawn, RecordNotReadable
from services.runtime.kernel.actor import Actor, NotAParty
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from tests.support import PG_URL
from tests.unit.units import HEALTH_UNIT as HEALTH
from tests.unit.units import POLICE_UNIT as POLICE
from tests.unit.units import SOCIAL_UNIT as SOCIAL

SUBJECT = "cd" * 32
STAFF = "SE2321000016-K001"
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at_unit(org_id: str) -> Actor:
    """The member of staff STAFF, acting for `org_id`."""
    return Actor(STAFF, org_id, OrgType.SOCIAL_SERVICES, Role.CASEWORKER)


AT_SOCIAL = at_unit(SOCIAL)


@pytest.fixture
def application(
    backend_settings: RuntimeSettings,
) -> ConsentApplication:
    settings = backend_settings
    return ConsentApplication(
        env=store_env(settings, "consent"), longest_emergency_disclosure=timedelta(hours=72)
    )


def give(app: ConsentApplication, actor: Actor = AT_SOCIAL, **overrides: Any) -> Any:
    fields: dict[str, Any] = {
        "subject_id": SUBJECT,
        "purpose": "red_thread_meeting",
        "parties": [SOCIAL, HEALTH],
        "form": "written",
        "informed": True,
        "valid_until": None,
    }
    fields.update(overrides)
    return app.give_consent(actor, GiveConsent(**fields), at=AT, today=AT.date())


def ask(
    app: ConsentApplication, at: datetime, purpose: str = "red_thread_meeting", to_org: str = HEALTH
) -> Any:
    return app.decide(AT_SOCIAL, Question(SUBJECT, SOCIAL, to_org, purpose, at), asked_at=at)


def test_c1_c4_consents_are_stored_and_read_back(application: ConsentApplication) -> None:
    consent_id = give(application, valid_until=date(2026, 9, 30))
    application.withdraw_consent(AT_SOCIAL, consent_id, at=AT + timedelta(hours=2))
    stored = application.read_consent(AT_SOCIAL, consent_id)
    assert (stored.form, stored.recorded_by, stored.given_at) == ("written", STAFF, AT)
    assert stored.valid_until == date(2026, 9, 30)
    assert stored.withdrawn_at == AT + timedelta(hours=2)
    with pytest.raises(ConsentAlreadyWithdrawn):
        application.withdraw_consent(AT_SOCIAL, consent_id, at=AT + timedelta(hours=3))
    disclosure_id = application.decide_emergency_disclosure(
        at_unit(POLICE),
        DecideEmergencyDisclosure(SUBJECT, [POLICE, HEALTH], "Akut fara.", timedelta(hours=12)),
        at=AT,
    )
    with pytest.raises(UnknownConsent):
        application.read_consent(at_unit(POLICE), disclosure_id)


def test_c9_decisions_come_from_the_read_model_and_follow_withdrawal_at_once(
    application: ConsentApplication,
) -> None:
    consent_id = give(application)
    assert ask(application, AT + timedelta(minutes=1)).basis_id == consent_id

    withdrawn_at = AT + timedelta(hours=1)
    application.withdraw_consent(AT_SOCIAL, consent_id, at=withdrawn_at)

    assert not ask(application, withdrawn_at).allowed  # no lag behind the withdrawal
    assert ask(application, withdrawn_at - timedelta(seconds=1)).allowed  # the past is kept


def test_c3_a_scope_change_answers_by_the_scope_that_held_at_the_time(
    application: ConsentApplication,
) -> None:
    consent_id = give(application)
    changed_at = AT + timedelta(days=1)
    application.change_scope(
        AT_SOCIAL, consent_id, ChangeScope(add=[POLICE], remove=[HEALTH]), at=changed_at
    )

    assert ask(application, changed_at - timedelta(seconds=1), to_org=HEALTH).allowed
    assert not ask(application, changed_at, to_org=HEALTH).allowed
    assert ask(application, changed_at, to_org=POLICE).allowed


def test_c3_c5_expiry_is_recorded_once_and_ends_the_authorisation(
    application: ConsentApplication,
) -> None:
    consent_id = give(application, valid_until=date(2026, 3, 3))
    disclosure_id = application.decide_emergency_disclosure(
        AT_SOCIAL,
        DecideEmergencyDisclosure(SUBJECT, [SOCIAL, HEALTH], "Akut fara.", timedelta(hours=6)),
        at=AT,
    )
    assert application.expire_due(AT + timedelta(hours=5)) == 0
    assert application.expire_due(AT + timedelta(hours=7)) == 1  # the disclosure
    assert application.expire_due(datetime(2026, 3, 4, 12, 0, tzinfo=UTC)) == 1  # the consent
    assert application.expire_due(datetime(2026, 3, 5, tzinfo=UTC)) == 0

    assert application.read_consent(AT_SOCIAL, consent_id).expired_at == datetime(
        2026, 3, 3, 23, 0, tzinfo=UTC
    )
    assert application.repository.get(disclosure_id).expired_at == AT + timedelta(hours=6)
    assert not ask(application, datetime(2026, 3, 4, tzinfo=UTC)).allowed


def test_c9_every_decision_is_logged_with_who_asked_and_the_answer(
    application: ConsentApplication,
) -> None:
    consent_id = give(application)
    ask(application, AT + timedelta(minutes=5))
    ask(application, AT + timedelta(minutes=6), purpose="sip")

    log = application.decisions_about(at_unit(HEALTH), SUBJECT)
    with pytest.raises(RecordNotReadable):  # C-10: party to neither question nor record
        application.decisions_about(at_unit(POLICE), SUBJECT)
    assert [(e["purpose"], e["allowed"], e["kind"]) for e in log] == [
        ("red_thread_meeting", True, LegalBasis.CONSENT.value),
        ("sip", False, None),
    ]
    assert log[0]["basis_id"] == str(consent_id)
    assert (log[0]["asked_by"], log[0]["asked_by_org"]) == (STAFF, SOCIAL)


def test_c4_history_lists_every_consent_event_in_order(application: ConsentApplication) -> None:
    consent_id = give(application)
    application.refuse_consent(
        AT_SOCIAL,
        RefuseConsent(SUBJECT, "sip", [SOCIAL, HEALTH], informed=True),
        at=AT + timedelta(hours=1),
    )
    application.withdraw_consent(AT_SOCIAL, consent_id, at=AT + timedelta(hours=2))

    history = application.history(AT_SOCIAL, SUBJECT)
    assert [type(e).__qualname__ for e in history] == [
        "Consent.Given",
        "ConsentRefusal.Refused",
        "Consent.Withdrawn",
    ]
    assert application.history(at_unit(HEALTH), SUBJECT) == history


def test_c10_each_record_is_read_only_by_its_parties_and_its_recording_unit(
    application: ConsentApplication,
) -> None:
    police, coordination = POLICE, "SE2321000016-NVK1"
    consent_id = give(application)  # recorded at SOCIAL
    refusal_id = application.refuse_consent(
        at_unit(police),
        RefuseConsent(SUBJECT, "sip", [police, coordination], True),
        at=AT + timedelta(hours=1),
    )
    assert [e.originator_id for e in application.history(at_unit(coordination), SUBJECT)] == [
        refusal_id
    ]
    assert {e.originator_id for e in application.history(AT_SOCIAL, SUBJECT)} == {consent_id}
    with pytest.raises(RecordNotReadable):
        application.read_consent(at_unit(police), consent_id)
    with pytest.raises(RecordNotReadable):
        application.history(at_unit("SE2321000016-PSY1"), SUBJECT)
    # The recording unit keeps reading the record after it leaves the scope.
    application.change_scope(
        AT_SOCIAL,
        consent_id,
        ChangeScope(add=[police], remove=[SOCIAL]),
        at=AT + timedelta(hours=2),
    )
    assert application.read_consent(AT_SOCIAL, consent_id).parties == [HEALTH, police]
    assert application.read_consent(at_unit(police), consent_id).id == consent_id
    # ... but no longer acts on it: that is for the units in its scope (C-3).
    with pytest.raises(NotAParty):
        application.withdraw_consent(AT_SOCIAL, consent_id, at=AT + timedelta(hours=3))


def test_c9_a_replica_answers_by_another_replicas_withdrawal_at_once(
    runtime_settings: RuntimeSettings, pg_schema_prefix: str
) -> None:
    """Decisions are remembered only where one process writes the store: two
    replicas on one PostgreSQL schema each see the other's withdrawal at once."""
    settings = runtime_settings.model_copy(
        update={"database_url": PG_URL, "database_schema_prefix": pg_schema_prefix}
    )
    first, second = (
        ConsentApplication(
            env=store_env(settings, "consent"), longest_emergency_disclosure=timedelta(hours=72)
        )
        for _ in range(2)
    )
    consent_id = give(first)
    assert ask(second, AT + timedelta(minutes=1)).allowed  # asked, and would be remembered

    first.withdraw_consent(AT_SOCIAL, consent_id, at=AT + timedelta(hours=1))
    assert not ask(first, AT + timedelta(hours=2)).allowed  # first projects it, for both

    assert not ask(second, AT + timedelta(hours=2)).allowed


def test_c9_a_decision_is_at_hand_only_while_nothing_has_changed_since_it_was_read(
    application: ConsentApplication, store_backend: str
) -> None:
    """The API's answer without the store (#24): only where this process is the store's
    one writer (SQLite), only once the subject's authorisations were read since the last
    change, and then the answer `answer` gives; with a shared store, never."""
    consent_id = give(application)
    first = Question(SUBJECT, SOCIAL, HEALTH, "red_thread_meeting", AT + timedelta(minutes=1))
    assert application.answer_at_hand(AT_SOCIAL, first, asked_at=first.at) is None  # a save since
    read = application.answer(AT_SOCIAL, first, asked_at=first.at)
    assert read[0].allowed
    at_hand = application.answer_at_hand(AT_SOCIAL, first, asked_at=first.at)
    assert at_hand == (read if store_backend == "sqlite" else None)

    application.withdraw_consent(AT_SOCIAL, consent_id, at=AT + timedelta(hours=1))
    later = Question(SUBJECT, SOCIAL, HEALTH, "red_thread_meeting", AT + timedelta(hours=2))
    assert application.answer_at_hand(AT_SOCIAL, later, asked_at=later.at) is None
    withdrawn = application.answer(AT_SOCIAL, later, asked_at=later.at)
    assert not withdrawn[0].allowed
    at_hand = application.answer_at_hand(AT_SOCIAL, later, asked_at=later.at)
    assert at_hand == (withdrawn if store_backend == "sqlite" else None)
    with pytest.raises(NotAParty):  # refused the same way, at hand or not (C-9)
        application.answer_at_hand(at_unit(POLICE), later, asked_at=later.at)


def test_c3_staff_act_only_on_what_their_unit_takes_part_in(
    application: ConsentApplication,
) -> None:
    """The application decides, where it loads the consent, whether the caller's unit
    may act on it (issue #20: the route no longer loads it first to check)."""
    with pytest.raises(NotAParty) as refused:
        give(application, actor=at_unit(POLICE))  # parties: SOCIAL and HEALTH
    assert refused.value.rule == "C-3"
    consent_id = give(application)
    outsider = at_unit(POLICE)
    with pytest.raises(NotAParty):
        application.change_scope(outsider, consent_id, ChangeScope([POLICE], []), at=AT)
    with pytest.raises(NotAParty):
        application.withdraw_consent(outsider, consent_id, at=AT)
    with pytest.raises(NotAParty) as asked:
        application.decide(outsider, Question(SUBJECT, SOCIAL, HEALTH, "sip", AT), asked_at=AT)
    assert asked.value.rule == "C-9"
    assert application.read_consent(AT_SOCIAL, consent_id).withdrawn_at is None
