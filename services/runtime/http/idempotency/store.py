"""Claims and remembered answers of idempotent writes, in the service's own database.

One insert claims a key (only one replica can win), a lease lets a dead holder's
claim lapse, and the command's own transaction marks the key "applied" with its
events (an insert hook on the store's recorder) or stores nothing when another
request took the claim over.

Of a keyed command's three writes only that one must wait for the disk. The
claim, a take-over, the answer and a release are bookkeeping a crash of the
database may lose without harm (`IdempotencyStore._keep`), so on PostgreSQL
each is one round trip committed without waiting for its flush, beside the
command's grouped writes rather than queued in them (#24). On SQLite, with
its one writer, they stay in the group.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.postgres import PostgresDatastore

from services.runtime.http.idempotency.answers import named_subjects, remembered
from services.runtime.http.idempotency.claims import (
    CLAIMED,
    RUNNING,
    Held,
    IdempotencyClaim,
    current_claim,
)
from services.runtime.store.group_commit import GroupedWrites
from services.runtime.store.recorders import HookedInserts
from services.runtime.store.sql import Statement, commit_unflushed, read_row, sql_for

LEASE_SECONDS = 60.0
"""How long a running claim holds its key against other replicas; far longer than any
command takes (the store's own timeouts end a stuck one well before)."""
PURGE_BATCH = 100
"""Expired keys deleted per round: bounded work, however many have piled up."""


class IdempotencyStore:
    """Claims and remembered answers of idempotent writes, in the service's database."""

    def __init__(
        self,
        datastore: Any,
        writes: GroupedWrites | None = None,
        ttl_seconds: float = 86_400,
    ) -> None:
        self._datastore = datastore
        self._writes = writes
        self._ttl = ttl_seconds
        sql = sql_for(datastore)
        columns = "key, request_hash, holder, status, answer, subjects, expires_at, lease_until"

        def spell(statement: str) -> str:
            return sql.spell(
                statement,
                "idempotent_request",
                "idempotency",
                columns=columns,
                running=str(RUNNING),
                claimed=str(CLAIMED),
                purge_batch=str(PURGE_BATCH),
            )

        self._claim = spell(
            "INSERT INTO {idempotent_request} ({columns}) "
            "VALUES (?, ?, ?, {running}, '{{}}', '', ?, ?) "
            "ON CONFLICT (key) DO NOTHING RETURNING holder"
        )
        self._claim_unseen = spell(
            # PostgreSQL: the read and the claim in one round trip. An existing row is
            # seen and not inserted over, so the insert never waits for the locks of its
            # holder's running command; only for a concurrent claim's short commit.
            "INSERT INTO {idempotent_request} ({columns}) "
            "SELECT ?, ?, ?, {running}, '{{}}', '', ?, ? WHERE NOT EXISTS "
            "(SELECT 1 FROM {idempotent_request} WHERE key = ?) "
            "ON CONFLICT (key) DO NOTHING RETURNING holder"
        )
        self._select = spell(
            "SELECT request_hash, status, answer, expires_at, lease_until "
            "FROM {idempotent_request} WHERE key = ?"
        )
        self._take_over = spell(
            "UPDATE {idempotent_request} SET request_hash = ?, holder = ?, status = {running}, "
            "answer = '{{}}', subjects = '', expires_at = ?, lease_until = ? "
            "WHERE key = ? AND (expires_at < ? OR (status = {running} AND lease_until < ?)) "
            "RETURNING holder"
        )
        self._answer = spell(
            "UPDATE {idempotent_request} SET status = ?, answer = ?, subjects = ?, "
            "lease_until = 0 WHERE key = ? AND holder = ?"
        )
        self._release = spell(
            "DELETE FROM {idempotent_request} WHERE key = ? AND holder = ? AND status = {running}"
        )
        self._applied = spell(
            "INSERT INTO {idempotent_request} AS held ({columns}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 0) ON CONFLICT (key) DO UPDATE "
            "SET status = excluded.status, answer = excluded.answer, "
            "subjects = excluded.subjects, lease_until = 0 "
            "WHERE held.holder = excluded.holder RETURNING holder"
        )
        self._forget = spell("DELETE FROM {idempotent_request} WHERE subjects LIKE ?")
        self._purge = spell(
            "DELETE FROM {idempotent_request} WHERE key IN (SELECT key FROM {idempotent_request} "
            "WHERE expires_at < ? LIMIT {purge_batch})"
        )
        with datastore.transaction(commit=True) as cursor:
            # The table before this one kept whole answers (personal data in clear).
            cursor.execute(spell("DROP TABLE IF EXISTS {idempotency}"))
            cursor.execute(
                spell(
                    "CREATE TABLE IF NOT EXISTS {idempotent_request} (key TEXT PRIMARY KEY, "
                    "request_hash TEXT NOT NULL, holder TEXT NOT NULL, status INTEGER NOT NULL, "
                    "answer TEXT NOT NULL, subjects TEXT NOT NULL, expires_at {real} NOT NULL, "
                    "lease_until {real} NOT NULL)"
                )
            )
            cursor.execute(
                spell(
                    "CREATE INDEX IF NOT EXISTS idempotent_request_expiry "
                    "ON {idempotent_request} (expires_at)"
                )
            )

    def _write(self, work: Callable[[Any], Any]) -> Any:
        if self._writes is not None:  # with the other callers' writes
            return self._writes.run(work)
        with self._datastore.transaction(commit=True) as cursor:
            return work(cursor)

    def _keep(self, *statements: Statement) -> list[tuple[Any, ...] | None]:
        """Write a claim's bookkeeping; the first row each statement returned.

        Losing it to a crash of the database is harmless, so on PostgreSQL it
        is committed without waiting for the flush, in one round trip and not
        in a grouped batch (services.runtime.store.sql.commit_unflushed). A
        crash takes with it only what came after in the database's log as
        well: a lost claim or take-over lost its command's events too, and a
        retry runs it anew (a holder still running then meets the new claim,
        as after a take-over, or claims again with its events); a lost answer
        leaves the key "applied", so a retry is refused with what it changed,
        never run again; a lost release leaves a claim its lease lets go.
        """
        if isinstance(self._datastore, PostgresDatastore):
            return commit_unflushed(self._datastore, statements)
        result: list[tuple[Any, ...] | None] = self._write(_keeping(statements))
        return result

    async def _kept_soon(self, *statements: Statement) -> None:
        """`_keep`, for the event loop: on SQLite the grouped write is awaited there,
        without a worker thread; on PostgreSQL its round trip runs in one."""
        if self._writes is None or isinstance(self._datastore, PostgresDatastore):
            await asyncio.to_thread(self._keep, *statements)
            return
        await self._writes.written(_keeping(statements))

    def claim(self, key: str, request_hash: str) -> tuple[IdempotencyClaim | None, Held | None]:
        """(our claim, None) when this request may run; else (None, the key's holder).

        The first insert wins, on any replica; the others read the winner's row
        without waiting for its locks (its command's transaction holds them) and
        are answered at once. A key expired, or held by a claim whose lease ran
        out, is taken over. (None, None): the holder vanished meanwhile; the
        caller answers "in progress".
        """
        if not isinstance(self._datastore, PostgresDatastore):  # SQLite: one writer's part
            outcome: tuple[IdempotencyClaim | None, Held | None]
            outcome = self._write(self._claiming_part(key, request_hash))
            return outcome
        now = time.time()
        claim = IdempotencyClaim(key, request_hash, expires_at=now + self._ttl)
        lease = now + LEASE_SECONDS

        insert = (self._claim, (key, request_hash, claim.holder, claim.expires_at, lease))
        take_over = (
            self._take_over,
            (request_hash, claim.holder, claim.expires_at, lease, key, now, now),
        )
        # Bounded, with each new key: expiry keeps up with use (in the claim's own
        # write: one write per claim, not two).
        purge = (self._purge, (now,))
        select = (self._select, (key,))
        # The read and the claim in one round trip.
        _, row, claimed = self._keep(purge, select, (self._claim_unseen, (*insert[1], key)))
        if claimed is not None:
            return claim, None
        if row is None:  # claimed by another request meanwhile
            row = self._held(key)
            if row is None:
                return None, None
        if _lapsed(row, now):  # ours, unless another retry took it over first
            return (claim, None) if self._keep(take_over)[-1] is not None else (None, None)
        return None, _held_by(row)

    async def claiming(
        self, key: str, request_hash: str
    ) -> tuple[IdempotencyClaim | None, Held | None]:
        """`claim`, for the event loop: on SQLite its grouped write is awaited there (the
        key read, claimed or taken over in one part of a batch), without a worker
        thread; on PostgreSQL (a round trip of its own) in one."""
        if self._writes is None or isinstance(self._datastore, PostgresDatastore):
            return await asyncio.to_thread(self.claim, key, request_hash)
        part = self._claiming_part(key, request_hash)
        outcome: tuple[IdempotencyClaim | None, Held | None] = await self._writes.written(part)
        return outcome

    def _claiming_part(
        self, key: str, request_hash: str
    ) -> Callable[[Any], tuple[IdempotencyClaim | None, Held | None]]:
        """SQLite: the claim as one part of the one writer's batch. Read, then claim or
        take over: no other write runs in between (one writer), and a read there sees
        every committed claim and command, so a held key's holder is never waited for
        (it holds no lock while its command runs) and a free one is ours."""
        now = time.time()
        claim = IdempotencyClaim(key, request_hash, expires_at=now + self._ttl)
        lease = now + LEASE_SECONDS

        def part(cursor: Any) -> tuple[IdempotencyClaim | None, Held | None]:
            cursor.execute(self._select, (key,))
            row = cursor.fetchone()
            if row is None:
                # Bounded, with each new key: expiry keeps up with use (in the claim's
                # own write: one write per claim, not two).
                cursor.execute(self._purge, (now,))
                values = (key, claim.request_hash, claim.holder, claim.expires_at, lease)
                cursor.execute(self._claim, values)
                return (claim, None) if cursor.fetchone() is not None else (None, None)
            if _lapsed(row, now):
                holder = (claim.request_hash, claim.holder, claim.expires_at, lease)
                cursor.execute(self._take_over, (*holder, key, now, now))
                return (claim, None) if cursor.fetchone() is not None else (None, None)
            return None, _held_by(row)

        return part

    def _held(self, key: str) -> tuple[Any, ...] | None:
        return read_row(self._datastore, self._select, (key,))

    def answer(self, claim: IdempotencyClaim, status: int, answer: dict[str, Any]) -> None:
        """Remember the answer's status and ids (the claim's holder only)."""
        values = (status, json.dumps(answer), claim.subjects_column(), claim.key, claim.holder)
        self._keep((self._answer, values))

    def release(self, claim: IdempotencyClaim) -> None:
        """Let go of a claim whose command stored nothing (a retry may run it)."""
        self._keep((self._release, (claim.key, claim.holder)))

    async def answering(self, claim: IdempotencyClaim, status: int, answer: dict[str, Any]) -> None:
        """`answer`, for the event loop (`_kept_soon`)."""
        values = (status, json.dumps(answer), claim.subjects_column(), claim.key, claim.holder)
        await self._kept_soon((self._answer, values))

    async def releasing(self, claim: IdempotencyClaim) -> None:
        """`release`, for the event loop (`_kept_soon`)."""
        await self._kept_soon((self._release, (claim.key, claim.holder)))

    def forget_subject(self, subject_id: str) -> None:
        """Delete every key tied to this individual (on their erasure or culling)."""
        self._write(lambda cursor: cursor.execute(self._forget, (f"% {subject_id} %",)))

    def purge_expired(self, now: float | None = None) -> None:
        """Delete up to `PURGE_BATCH` expired keys."""
        at = time.time() if now is None else now
        self._write(lambda cursor: cursor.execute(self._purge, (at,)))

    def tie_to(self, recorder: object) -> None:
        """Mark the current request's key "applied" in every transaction that stores
        events, and store nothing if another request has taken the claim over."""
        if not isinstance(recorder, HookedInserts):
            msg = f"idempotency needs the store's own recorder, not {type(recorder).__name__}"
            raise TypeError(msg)
        recorder.insert_hooks.append(self)

    def in_transaction(self, cursor: Any, stored_events: Sequence[StoredEvent]) -> None:
        """The request's claim becomes "applied" with the events, or nothing is stored.

        Where the route declared its answer (`answering_created`) and the events
        make that one new record, the answer is kept here too, with its status: a
        retry from the commit on is a replay, and no write of its own follows."""
        claim = current_claim.get()
        if claim is None:
            return
        changed = claim.changing(stored_events)
        status, answer, subjects = _kept_with(claim, stored_events, changed)
        held = (claim.key, claim.request_hash, claim.holder)
        cursor.execute(
            self._applied, (*held, status, json.dumps(answer), subjects, claim.expires_at)
        )
        if cursor.fetchone() is None:
            msg = "another request took this Idempotency-Key over; nothing was stored"
            raise IntegrityError(msg)

    def committed(self, stored_events: Sequence[StoredEvent]) -> None:
        claim = current_claim.get()
        if claim is not None:
            changed = claim.changing(stored_events)
            status, answer, subjects = _kept_with(claim, stored_events, changed)
            claim.changed = changed
            claim.kept = (status, answer, subjects) if status != CLAIMED else None


def _kept_with(
    claim: IdempotencyClaim, stored_events: Sequence[StoredEvent], changed: tuple[str, ...]
) -> tuple[int, dict[str, Any], str]:
    """What a save of `stored_events` keeps for the claim: the route's declared answer
    when they make the one new record it answers with (and nothing was changed before
    in the request), else "applied" and what was changed."""
    created = {str(e.originator_id) for e in stored_events if e.originator_version == 1}
    answer_for = claim.answer_for
    if answer_for is None or claim.changed or len(changed) != 1 or created != set(changed):
        return CLAIMED, {"changed": changed}, claim.subjects_column()
    response = answer_for(UUID(changed[0]))
    if not 200 <= response.status_code < 300:
        return CLAIMED, {"changed": changed}, claim.subjects_column()
    kept = remembered(response.headers.get("location"), bytes(response.body), changed)
    return response.status_code, kept, claim.subjects_column(named_subjects(kept))


def _keeping(statements: Sequence[Statement]) -> Callable[[Any], list[tuple[Any, ...] | None]]:
    """A grouped part that runs `statements`; the first row each returned."""

    def work(cursor: Any) -> list[tuple[Any, ...] | None]:
        rows = []
        for statement, params in statements:
            cursor.execute(statement, params)
            row = cursor.fetchone()  # None after a statement that returns nothing
            rows.append(None if row is None else tuple(row))
        return rows

    return work


def _lapsed(row: Sequence[Any], now: float) -> bool:
    """Whether a key's row (`_select`'s) may be taken over: expired, or held by a claim
    whose lease ran out."""
    _, status, _, expires_at, lease_until = row
    return bool(expires_at < now or (status == RUNNING and lease_until < now))


def _held_by(row: Sequence[Any]) -> Held:
    """The key's holder as a row (`_select`'s) gives it."""
    request, status, answer, _, _ = row
    return Held(request, int(status), _loads(answer))


def _loads(answer: str) -> dict[str, Any]:
    try:
        loaded = json.loads(answer)
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}
