"""Fault: the service stops after storing a keyed command and before remembering its answer.

Found by the chaos campaign (#12): the first answer to an ``Idempotency-Key``
was remembered in a transaction of its own, after the command's; a service
killed in between let the client's retry run the command again — two
consents for one acknowledged request (five such in 10,000 commands with 20
kills of the consent service). The key is now written by the command's own
transaction, so the retry is refused (409), never run again.

Here the answer is lost for certain: a trigger makes the database refuse to
store any answer, as a process killed at that moment would never store it.

Since #24 a route that says beforehand how it will answer a record it creates
(giving a consent: `answering_created`) has that answer kept in its events'
transaction too, so a lost answer cannot happen there: the events and the
answer are stored together or not at all. The refusal of a lost answer is
shown on a scope change, whose answer is still remembered after the commit.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import psycopg

from services.consent.application import ConsentApplication
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from tests.support import (
    HEALTH,
    PG_URL,
    POLICE,
    SOCIAL,
    ServiceProcess,
    consent_body,
    made_up_personnummer,
)

BODY = consent_body(made_up_personnummer("19800808", "321"))


def lose_answers(settings: RuntimeSettings, backend: str) -> None:
    """From now on the database refuses to remember any answer (a status above 0; the
    claim before the command runs, -1, and its "applied" mark, 0, are still stored)."""
    if backend == "sqlite":
        with sqlite3.connect(settings.var_dir / "consent.db") as db:
            for when in ("INSERT", "UPDATE"):
                db.execute(
                    f"CREATE TRIGGER lose_{when.lower()} BEFORE {when} ON idempotent_request "
                    "WHEN NEW.status > 0 BEGIN SELECT RAISE(ABORT, 'answer lost'); END"
                )
        return
    schema = f"{settings.database_schema_prefix}consent"
    with psycopg.connect(PG_URL, autocommit=True) as db:
        db.execute(
            f'CREATE FUNCTION "{schema}".lose() RETURNS trigger LANGUAGE plpgsql AS '
            "$$ BEGIN RAISE EXCEPTION 'answer lost'; END $$"
        )
        db.execute(
            f'CREATE TRIGGER lose BEFORE INSERT OR UPDATE ON "{schema}".idempotent_request '
            f'FOR EACH ROW WHEN (NEW.status > 0) EXECUTE FUNCTION "{schema}".lose()'
        )


def stored(settings: RuntimeSettings) -> int:
    app = ConsentApplication(
        env=store_env(settings, "consent"), longest_emergency_disclosure=timedelta(hours=72)
    )
    try:
        return app.recorder.max_notification_id() or 0
    finally:
        app.close()


def keys_held(settings: RuntimeSettings, backend: str) -> int:
    """How many keys the consent store holds (claimed, applied or answered)."""
    if backend == "sqlite":
        with sqlite3.connect(settings.var_dir / "consent.db") as db:
            return int(db.execute("SELECT count(*) FROM idempotent_request").fetchone()[0])
    schema = f"{settings.database_schema_prefix}consent"
    with psycopg.connect(PG_URL, autocommit=True) as db:
        row = db.execute(f'SELECT count(*) FROM "{schema}".idempotent_request').fetchone()  # noqa: S608
        assert row is not None
        return int(row[0])


def keep_answers_again(settings: RuntimeSettings, backend: str) -> None:
    """Undo `lose_answers`: the database stores answers again."""
    if backend == "sqlite":
        with sqlite3.connect(settings.var_dir / "consent.db") as db:
            for when in ("insert", "update"):
                db.execute(f"DROP TRIGGER lose_{when}")
        return
    schema = f"{settings.database_schema_prefix}consent"
    with psycopg.connect(PG_URL, autocommit=True) as db:
        db.execute(f'DROP TRIGGER lose ON "{schema}".idempotent_request')


def test_a_retry_after_a_lost_answer_is_refused_and_not_applied_again(
    backend_settings: RuntimeSettings, store_backend: str
) -> None:
    settings = backend_settings
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    consent = ServiceProcess("consent", settings).start()
    try:
        with consent.client(SOCIAL) as client:
            given = client.post("/v1/consents", json=BODY)
            assert given.status_code == 201, given.text
            consent_id = given.json()["id"]
            lose_answers(settings, store_backend)
            scope = f"/v1/consents/{consent_id}/scope"
            change = {"add": [POLICE.org_id]}
            headers = {"Idempotency-Key": "change-once"}
            first = client.post(scope, json=change, headers=headers)
            assert first.status_code == 200, first.text  # applied; its answer not remembered
            before = stored(settings)

            retry = client.post(scope, json=change, headers=headers)
            assert retry.status_code == 409, retry.text
            assert "answer was lost" in retry.json()["detail"]
            assert stored(settings) == before  # not applied a second time
            # What it did is named, so the caller can read it instead of guessing.
            assert retry.json()["changed"] == [consent_id]
            assert client.get(f"/v1/consents/{consent_id}").status_code == 200

            other = client.post(
                scope, json={"remove": [HEALTH.org_id]}, headers={"Idempotency-Key": "other"}
            )
            assert other.status_code == 200  # the guard stays out of other keys' way
    finally:
        consent.stop()


def test_a_declared_answer_is_stored_with_its_events_or_neither_is(
    backend_settings: RuntimeSettings, store_backend: str
) -> None:
    """A keyed consent whose answer cannot be kept is not given at all (the answer and
    the events are one transaction); its retry then gives it, once."""
    settings = backend_settings
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    consent = ServiceProcess("consent", settings).start()
    try:
        with consent.client(SOCIAL) as client:
            lose_answers(settings, store_backend)
            before = stored(settings)
            headers = {"Idempotency-Key": "give-once"}
            first = client.post("/v1/consents", json=BODY, headers=headers)
            assert not 200 <= first.status_code < 300, first.text
            assert stored(settings) == before  # no consent whose answer is not kept
            assert keys_held(settings, store_backend) == 0  # and no claim without a consent

            keep_answers_again(settings, store_backend)
            retry = client.post("/v1/consents", json=BODY, headers=headers)
            assert retry.status_code == 201, retry.text
            assert "idempotent-replayed" not in retry.headers  # run now, the first time
            again = client.post("/v1/consents", json=BODY, headers=headers)
            assert again.status_code == 201, again.text
            assert again.headers["idempotent-replayed"] == "true"
            assert again.json()["id"] == retry.json()["id"]
            assert stored(settings) > before
    finally:
        consent.stop()
