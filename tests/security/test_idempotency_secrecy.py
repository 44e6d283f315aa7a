"""Attacks on the idempotency guard (issue #18, item 3), against service processes.

An ``Idempotency-Key`` makes a retried write have one effect. What the guard
remembers for that must not become a second, unguarded copy of personal data:
no bodies (only status and ids), nothing for callers it could not verify, a
key scoped by who the caller *is* (not how the header is spelt), forgotten
after its TTL and when its subject is erased, and a replay that reads back
through the normal authorised, logged path. Across replicas one request wins
a key; a claim whose holder died lapses.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import psycopg

from contracts import OrgType, Role
from services.runtime.kernel.actor import Actor
from services.runtime.settings import RuntimeSettings
from tests.cases_examples import registration
from tests.support import (
    HEALTH,
    PLATFORM_ADMIN,
    POLICE,
    SOCIAL,
    ServiceProcess,
    made_up_personnummer,
    token,
    wait_for,
)
from tests.tokens import minted

CHILD = made_up_personnummer("20140707", "456")
GUARDIAN = "Vårdnadshavare Testsson"


def consent_body(**overrides: Any) -> dict[str, Any]:
    return {
        "personnummer": CHILD,
        "purpose": "sip",
        "parties": [SOCIAL.org_id, HEALTH.org_id],
        "form": "oral",
        "informed": True,
        "given_by": "guardian",
        "guardian_name": GUARDIAN,
        **overrides,
    }


def remembered(settings: RuntimeSettings) -> list[str]:
    """Every row of the consent service's idempotency table(s), as text."""
    with sqlite3.connect(settings.var_dir / "consent.db") as db:
        tables = [
            row[0]
            for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%idempot%'"
            )
        ]
        return [repr(row) for table in tables for row in db.execute(f'SELECT * FROM "{table}"')]  # noqa: S608


def expire_all(settings: RuntimeSettings) -> None:
    """As if the TTL had passed for every remembered key (time moved, not waited for)."""
    with sqlite3.connect(settings.var_dir / "consent.db") as db:
        db.execute("UPDATE idempotent_request SET expires_at = 0")


def access_records(settings: RuntimeSettings, resource: str) -> int:
    with sqlite3.connect(settings.var_dir / "consent.db") as db:
        (count,) = db.execute(
            "SELECT count(*) FROM access_audit WHERE resource = ?", (resource,)
        ).fetchone()
        return int(count)


def keyed(client: httpx.Client, path: str, body: dict[str, Any], key: str, **headers: str) -> Any:
    return client.post(path, json=body, headers={"Idempotency-Key": key, **headers})


def given_with_key(client: httpx.Client, key: str) -> Any:
    """The guardian's consent given under Idempotency-Key `key`: the first answer (201)."""
    given = keyed(client, "/v1/consents", consent_body(), key)
    assert given.status_code == 201, given.text
    return given


def test_remembered_answers_hold_no_personal_data_and_a_replay_is_authorised_and_logged(
    consent: ServiceProcess, runtime_settings: RuntimeSettings
) -> None:
    with consent.client(SOCIAL) as client:
        first = given_with_key(client, "give-1")
        consent_id = first.json()["id"]
        changed = keyed(
            client, f"/v1/consents/{consent_id}/scope", {"add": [POLICE.org_id]}, "scope-1"
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["guardian_name"] == GUARDIAN  # the answer carries personal data

        rows = remembered(runtime_settings)
        assert rows, "keyed writes are remembered"
        assert not any(GUARDIAN in row for row in rows), rows  # no bodies kept
        assert not any(SOCIAL.hsa_id in row for row in rows)  # nor who asked, in clear

        reads_before = access_records(runtime_settings, "GET /v1/consents/{consent_id}")
        again = keyed(client, "/v1/consents", consent_body(), "give-1")
        assert again.status_code == 201
        assert again.headers["idempotent-replayed"] == "true"
        assert again.headers["location"] == f"/v1/consents/{consent_id}"
        assert again.json()["id"] == consent_id
        # Read back through the route that authorises and logs the read.
        assert access_records(runtime_settings, "GET /v1/consents/{consent_id}") == (
            reads_before + 1
        )

        scope_again = keyed(
            client, f"/v1/consents/{consent_id}/scope", {"add": [POLICE.org_id]}, "scope-1"
        )
        assert scope_again.status_code == 200
        assert scope_again.headers["idempotent-replayed"] == "true"
        assert GUARDIAN not in scope_again.text  # no readable resource: status and ids only
        assert scope_again.json()["id"] == consent_id


def test_the_key_is_scoped_by_the_verified_principal_not_the_raw_header(
    consent: ServiceProcess, runtime_settings: RuntimeSettings
) -> None:
    first_token = token(runtime_settings, SOCIAL)
    refreshed = minted(runtime_settings, SOCIAL, ago=timedelta(minutes=1))
    assert refreshed != first_token
    body = consent_body(
        given_by="individual",
        guardian_name=None,
        personnummer=made_up_personnummer("19800101", "123"),
    )
    with httpx.Client(base_url=consent.url, timeout=10) as client:
        first = keyed(client, "/v1/consents", body, "k", Authorization=f"Bearer {first_token}")
        spaced = keyed(client, "/v1/consents", body, "k", Authorization=f"Bearer  {first_token}")
        lower = keyed(client, "/v1/consents", body, "k", Authorization=f"bearer {first_token}")
        renewed = keyed(client, "/v1/consents", body, "k", Authorization=f"Bearer {refreshed}")
        other = keyed(
            client,
            "/v1/consents",
            body,
            "k",
            Authorization=f"Bearer {token(runtime_settings, HEALTH)}",
        )

    assert first.status_code == 201, first.text
    for retry in (spaced, lower, renewed):
        assert retry.status_code == 201, retry.text
        assert retry.headers.get("idempotent-replayed") == "true"  # not run a second time
        assert retry.json()["id"] == first.json()["id"]
    # Another principal's key of the same name is theirs: never a replay of SOCIAL's answer.
    assert other.headers.get("idempotent-replayed") is None
    assert other.json().get("id") != first.json()["id"]


def test_requests_without_a_valid_token_never_touch_the_store(
    consent: ServiceProcess, runtime_settings: RuntimeSettings
) -> None:
    with httpx.Client(base_url=consent.url, timeout=10) as client:
        for headers in ({}, {"Authorization": "Bearer forged"}, {"Authorization": "Basic eDp5"}):
            for n in range(3):
                response = keyed(client, "/v1/consents", consent_body(), f"anon-{n}", **headers)
                assert response.status_code == 401, response.text
    assert remembered(runtime_settings) == []


def test_keys_are_forgotten_when_their_subject_is_erased_and_after_their_ttl(
    consent: ServiceProcess, runtime_settings: RuntimeSettings
) -> None:
    with consent.client(SOCIAL) as client:
        first = given_with_key(client, "erase-me")
        assert len(remembered(runtime_settings)) == 1
    with consent.client(PLATFORM_ADMIN) as admin:
        erased = admin.post(f"/v1/subjects/{first.json()['subject_id']}/erasure")
        assert erased.status_code == 202, erased.text
    assert remembered(runtime_settings) == []  # purged with the subject's key
    with consent.client(SOCIAL) as client:
        retry = keyed(client, "/v1/consents", consent_body(), "erase-me")
        assert retry.headers.get("idempotent-replayed") is None  # never replayed after erasure
        assert GUARDIAN not in retry.text

        other = made_up_personnummer("19750505", "987")
        body = consent_body(personnummer=other, given_by="individual", guardian_name=None)
        kept = keyed(client, "/v1/consents", body, "ttl")
        assert kept.status_code == 201, kept.text
        expire_all(runtime_settings)
        late = keyed(client, "/v1/consents", body, "ttl")
        assert late.status_code == 201, late.text
        assert late.headers.get("idempotent-replayed") is None  # expired: a new command
        assert late.json()["id"] != kept.json()["id"]
        # Expired keys are purged (bounded, with later claims), not kept for ever.
        expire_all(runtime_settings)
        keyed(client, "/v1/consents", body, "another")
        assert len(remembered(runtime_settings)) == 1


IOF_CASEWORKER = Actor(
    "SE2120000001-S101", "SE2120000001-IOF1", OrgType.SOCIAL_SERVICES, Role.CASEWORKER
)


def cases_keys(settings: RuntimeSettings) -> int:
    with sqlite3.connect(settings.var_dir / "cases.db") as db:
        (count,) = db.execute("SELECT count(*) FROM idempotent_request").fetchone()
        return int(count)


def test_another_service_forgets_a_subjects_keys_on_subject_erased(
    consent: ServiceProcess,
    start_service: Callable[..., ServiceProcess],
    runtime_settings: RuntimeSettings,
) -> None:
    cases = start_service("cases")
    adult = made_up_personnummer("19700303", "468")
    report = registration(adult, ["disability"])
    with cases.client(IOF_CASEWORKER) as client:
        registered = keyed(client, "/v1/cases", report, "report-1")
        assert registered.status_code == 201, registered.text
    assert cases_keys(runtime_settings) == 1
    with consent.client(SOCIAL) as client:
        given = client.post(
            "/v1/consents",
            json=consent_body(personnummer=adult, given_by="individual", guardian_name=None),
        )
        subject_id = given.json()["subject_id"]
    with consent.client(PLATFORM_ADMIN) as admin:
        assert admin.post(f"/v1/subjects/{subject_id}/erasure").status_code == 202
    # SubjectErased reaches cases, whose erasure ends where every erasure ends.
    wait_for(lambda: cases_keys(runtime_settings) == 0, timeout=30)


# --- two replicas on one PostgreSQL ------------------------------------------------------


def _slow_inserts(settings: RuntimeSettings, seconds: float) -> None:
    """Every event insert of the consent service waits `seconds` (a wide race window)."""
    schema = f"{settings.database_schema_prefix}consent"
    with psycopg.connect(settings.database_url or "", autocommit=True) as db:
        db.execute(
            f'CREATE OR REPLACE FUNCTION "{schema}".slow() RETURNS trigger LANGUAGE plpgsql AS '
            f"$$ BEGIN PERFORM pg_sleep({seconds}); RETURN NULL; END $$"
        )
        db.execute(f'DROP TRIGGER IF EXISTS slow ON "{schema}".consent_events')
        if seconds:
            db.execute(
                f'CREATE TRIGGER slow BEFORE INSERT ON "{schema}".consent_events '
                f'FOR EACH STATEMENT EXECUTE FUNCTION "{schema}".slow()'
            )


def _running_claims(settings: RuntimeSettings) -> int:
    schema = f"{settings.database_schema_prefix}consent"
    with psycopg.connect(settings.database_url or "", autocommit=True) as db:
        row = db.execute(
            f'SELECT count(*) FROM "{schema}".idempotent_request WHERE status = -1'  # noqa: S608
        ).fetchone()
        return int(row[0]) if row else 0


def _lapse_leases(settings: RuntimeSettings) -> None:
    """As if every running claim's lease had run out (time moved, not waited for)."""
    schema = f"{settings.database_schema_prefix}consent"
    with psycopg.connect(settings.database_url or "", autocommit=True) as db:
        db.execute(f'UPDATE "{schema}".idempotent_request SET lease_until = 0')  # noqa: S608


def test_one_replica_wins_a_key_and_a_dead_holders_claim_lapses(
    private_postgres_settings: RuntimeSettings,
) -> None:
    settings = private_postgres_settings
    first = ServiceProcess("consent", settings).start()
    second = ServiceProcess("consent", settings).start()
    try:
        _slow_inserts(settings, 3)
        body = consent_body(
            given_by="individual",
            guardian_name=None,
            personnummer=made_up_personnummer("19900909", "135"),
        )
        answers: dict[str, httpx.Response] = {}

        def send(name: str, replica: ServiceProcess, key: str) -> None:
            with replica.client(SOCIAL) as client, contextlib.suppress(httpx.HTTPError):
                answers[name] = keyed(client, "/v1/consents", body, key)  # or none: killed

        racing = [
            threading.Thread(target=send, args=(name, replica, "race"))
            for name, replica in (("first", first), ("second", second))
        ]
        for thread in racing:
            thread.start()
        for thread in racing:
            thread.join()
        # One winner per key across replicas; the other is told to come back.
        winner, loser = sorted((answers["first"], answers["second"]), key=lambda r: r.status_code)
        assert winner.status_code == 201, winner.text
        assert loser.status_code == 409, loser.text
        assert "in progress" in loser.json()["detail"]
        assert int(loser.headers["retry-after"]) >= 1
        send("later", second, "race")
        assert answers["later"].headers["idempotent-replayed"] == "true"
        assert answers["later"].json()["id"] == winner.json()["id"]

        # The holder dies while running: its claim blocks the key only for its lease.
        _slow_inserts(settings, 3)
        dying = threading.Thread(target=send, args=("dying", first, "dead"), daemon=True)
        dying.start()
        wait_for(lambda: _running_claims(settings) == 1)  # claimed, now inside its command
        first.kill()
        send("blocked", second, "dead")
        assert answers["blocked"].status_code == 409, answers["blocked"].text
        assert "in progress" in answers["blocked"].json()["detail"]
        _slow_inserts(settings, 0)
        time.sleep(3)  # the dead holder's transaction is rolled back, its lock let go
        _lapse_leases(settings)
        send("taken_over", second, "dead")
        assert answers["taken_over"].status_code == 201, answers["taken_over"].text
        assert answers["taken_over"].headers.get("idempotent-replayed") is None
    finally:
        first.stop()
        second.stop()
