"""Fault: a command outlives its claim's lease, and a retry takes the key over.

The lease lets a key go when its holder died (issue #18, item 3); a holder
that was only slow must then store nothing, or the command would have two
effects. Its save checks, in the same transaction, that it still holds the
key: the overtaken holder's save is refused, the new holder's is stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError

from services.runtime.http.idempotency.claims import holding
from services.runtime.http.idempotency.store import IdempotencyStore
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from services.runtime.store.group_commit import group_writes
from tests.notes import Note
from tests.support import on_store


@pytest.fixture
def notes(store_backend: str, tmp_path: Path, pg_schema_prefix: str) -> Iterator[Any]:
    settings = on_store(RuntimeSettings(var_dir=tmp_path), store_backend, pg_schema_prefix)
    app: Application[Any] = Application(env=store_env(settings, "notes"))
    writes = group_writes(app.recorder, "notes")
    yield app, writes
    if writes is not None:
        writes.close()
    app.close()


def lapse_leases(app: Application[Any]) -> None:
    """As if every running claim's lease had run out (time moved, not waited for)."""
    datastore = app.recorder.datastore  # type: ignore[attr-defined]
    table = getattr(datastore, "schema", None)
    name = f'"{table}".idempotent_request' if table else "idempotent_request"
    with datastore.transaction(commit=True) as cursor:
        cursor.execute(f"UPDATE {name} SET lease_until = 0")  # noqa: S608


def test_an_overtaken_holder_stores_nothing_and_the_new_holder_does(notes: Any) -> None:
    app, writes = notes
    store = IdempotencyStore(app.recorder.datastore, writes=writes, ttl_seconds=3600)
    store.tie_to(app.recorder)
    slow, _ = store.claim("key", "body")
    assert slow is not None
    blocked, held = store.claim("key", "body")
    assert blocked is None  # the lease still holds the key
    assert held is not None

    lapse_leases(app)
    retry, _ = store.claim("key", "body")
    assert retry is not None  # taken over
    with holding(slow), pytest.raises(IntegrityError):
        app.save(Note("from the overtaken holder"))
    with holding(retry):
        app.save(Note("from the new holder"))

    stored = app.recorder.select_notifications(start=1, limit=10)
    assert len(stored) == 1
    assert app.repository.get(stored[0].originator_id).text == "from the new holder"
