"""A change's access record is stored in the transaction of the change's events (#24): the
answer waits for one commit, and neither the change nor its record is kept without the other
(loggkontroll: no change about an individual whose answer is not in their access log)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from starlette.requests import Request
from starlette.responses import Response

from services.runtime.http.caller import Caller
from services.runtime.http.identification import changes_logged
from services.runtime.http.lanes import LaneRoute
from services.runtime.settings import RuntimeSettings
from services.runtime.store.audit import Action
from tests.consent_examples import refusal_body
from tests.integration.in_process import InProcessApp, access_log_broken, serving
from tests.support import HEALTH, SOCIAL, consent_body, made_up_personnummer

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
PERSON = made_up_personnummer("19850505", "123")


@pytest.fixture
def consent(backend_settings: RuntimeSettings) -> Iterator[InProcessApp]:
    yield from serving(InProcessApp, "consent", backend_settings, NOW)


def test_a_consent_given_is_answered_once_its_record_and_its_access_record_are_stored(
    consent: InProcessApp,
) -> None:
    given = consent.call(SOCIAL, "POST", "/v1/consents", json=consent_body(PERSON))

    assert given.status_code == 201, given.text
    (record,) = consent.audit.about_subject(given.json()["subject_id"])
    assert (record["action"], record["purpose"], record["resource"]) == (
        Action.CHANGED.value,
        "consent given",
        "POST /v1/consents",
    )
    assert record["actor_hsa_id"] == SOCIAL.hsa_id
    assert consent.audit.verify() is None


def test_a_consent_whose_access_record_cannot_be_written_is_not_kept_either(
    consent: InProcessApp,
) -> None:
    """Written one after the other, the consent was committed and its answer failed
    unlogged; in one transaction, neither is kept."""
    before = consent.stored_events

    with access_log_broken():
        given = consent.call(SOCIAL, "POST", "/v1/consents", json=consent_body(PERSON))

    assert given.status_code == 500
    assert consent.stored_events == before
    assert consent.audit.query(actor_hsa_id=SOCIAL.hsa_id) == []


def test_concurrent_changes_keep_one_access_record_each_in_an_unbroken_chain(
    consent: InProcessApp,
) -> None:
    """Many changes in one batch: each part appends its record after the one before."""
    people = [made_up_personnummer("19850505", f"{n:03d}") for n in range(200, 216)]
    parties = [SOCIAL.org_id, HEALTH.org_id]

    def change(n: int, person: str) -> int:
        if n % 2:
            body = refusal_body(person, "sip", parties)
            return consent.call(SOCIAL, "POST", "/v1/consent-refusals", json=body).status_code
        return consent.call(SOCIAL, "POST", "/v1/consents", json=consent_body(person)).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(change, range(len(people)), people))

    assert statuses == [201] * len(people)
    records = consent.audit.query(actor_hsa_id=SOCIAL.hsa_id)
    assert sorted(r["purpose"] for r in records) == sorted(
        ["consent given", "consent refused"] * (len(people) // 2)
    )
    assert [r["seq"] for r in records] == list(range(1, len(people) + 1))
    assert consent.audit.verify() is None


def test_a_change_that_stores_no_events_still_logs_before_it_goes_on(
    consent: InProcessApp,
) -> None:
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/consents",
        "headers": [],
        "app": consent.app,
        "route": LaneRoute("/v1/consents"),
    }
    caller = Caller(SOCIAL, Request(scope), Response())

    with changes_logged(caller, "ab" * 32, purpose="nothing changed"):
        assert consent.audit.about_subject("ab" * 32) == []

    (record,) = consent.audit.about_subject("ab" * 32)
    assert (record["purpose"], record["resource"]) == ("nothing changed", "POST /v1/consents")


def test_a_change_that_fails_logs_nothing(consent: InProcessApp) -> None:
    scope = {"type": "http", "method": "POST", "path": "/v1/consents", "headers": []}
    caller = Caller(SOCIAL, Request(scope | {"app": consent.app}), Response())

    with pytest.raises(LookupError), changes_logged(caller, "cd" * 32, purpose="refused"):
        raise LookupError

    assert consent.audit.about_subject("cd" * 32) == []
