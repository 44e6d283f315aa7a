"""The access log on real stores: append-only, chained under a key, numbered without gaps;
tampering is found, an unkeyed log from before the key is re-chained once."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.application import Application
from pydantic import SecretStr

from services.runtime.ops.production_safety import unsafe_settings
from services.runtime.settings import RuntimeSettings
from services.runtime.store.audit import (
    GENESIS,
    AccessAudit,
    AccessRecord,
    Action,
    Break,
    LegacyChainBroken,
    chain_key,
    unkeyed_chain,
)
from services.runtime.store.database import store_env
from services.runtime.store.group_commit import group_writes

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
KEY = bytes(range(32))


@pytest.fixture
def audit(
    backend_settings: RuntimeSettings,
) -> Iterator[tuple[AccessAudit, Any]]:
    settings = backend_settings
    application = Application(env=store_env(settings, "audited"))
    datastore = application.recorder.datastore  # type: ignore[attr-defined]
    log = AccessAudit(datastore, "audited", KEY)
    yield log, datastore
    log.close()
    application.close()


def read(subject: str, actor: str, minutes: int) -> AccessRecord:
    return AccessRecord(
        at=AT + timedelta(minutes=minutes),
        actor_hsa_id=actor,
        actor_org_id="SE2120000001-SOC1",
        actor_org_type="social_services",
        subject_id=subject,
        action=Action.READ,
        purpose="consent history",
        resource="GET /v1/subjects/{subject_id}/history",
    )


async def write(log: AccessAudit, records: list[AccessRecord]) -> None:
    await asyncio.gather(*(asyncio.wrap_future(log.record(r)) for r in records))


async def test_records_are_chained_and_queryable_per_subject_and_per_actor(
    audit: tuple[AccessAudit, Any],
) -> None:
    log, _ = audit
    await write(log, [read("a" * 64, "SE2120000001-S001", n) for n in range(5)])
    await write(log, [read("b" * 64, "SE2120000001-S002", 9)])

    assert log.verify() is None
    assert len(log.about_subject("a" * 64)) == 5
    assert [r["subject_id"] for r in log.by_actor("SE2120000001-S002")] == ["b" * 64]
    rows = log.about_subject("a" * 64)
    assert all(r["previous_hash"] == p["hash"] for p, r in pairwise(rows))


async def test_tampering_with_one_record_is_found(audit: tuple[AccessAudit, Any]) -> None:
    log, datastore = audit
    await write(log, [read("c" * 64, "SE2120000001-S001", n) for n in range(4)])
    victim = log.about_subject("c" * 64)[2]["seq"]
    placeholder = "%s" if "Postgres" in type(datastore).__name__ else "?"
    table = f'"{datastore.schema}"."access_audit"' if placeholder == "%s" else "access_audit"
    with datastore.transaction(commit=True) as cursor:
        cursor.execute(
            f"UPDATE {table} SET actor_hsa_id = {placeholder} WHERE seq = {placeholder}",  # noqa: S608
            ("SE2120000001-S999", victim),
        )

    assert log.verify() == victim


def _table(datastore: Any) -> tuple[str, str]:
    postgres = "Postgres" in type(datastore).__name__
    table = f'"{datastore.schema}"."access_audit"' if postgres else "access_audit"
    return table, "%s" if postgres else "?"


def assert_broken(found: Break | None, seq: int, reason: str) -> None:
    """The check found the chain broken at record `seq`, for a `reason` it names."""
    assert found is not None
    assert (found.seq, reason in found.reason) == (seq, True)


def delete_record(datastore: Any, seq: int) -> None:
    """Delete record `seq` from the table, as anyone with write access to it could."""
    table, p = _table(datastore)
    with datastore.transaction(commit=True) as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE seq = {p}", (seq,))  # noqa: S608


async def test_a_deleted_record_is_found_by_the_gap_it_leaves(
    audit: tuple[AccessAudit, Any],
) -> None:
    log, datastore = audit
    await write(log, [read("d" * 64, "SE2120000001-S001", n) for n in range(4)])
    delete_record(datastore, 2)
    assert_broken(log.inspect(), 2, "missing")


async def test_the_head_and_whether_the_table_still_holds_it(
    audit: tuple[AccessAudit, Any],
) -> None:
    log, datastore = audit
    assert log.head() is None
    await write(log, [read("e" * 64, "SE2120000001-S001", n) for n in range(3)])
    head = log.head()
    assert head is not None
    assert (head.seq, head.count) == (3, 3)
    assert log.holds(head)
    assert log.inspect(head) is None
    delete_record(datastore, 3)
    assert not log.holds(head)
    assert log.verify() is None  # the rows left verify among themselves ...
    assert_broken(log.inspect(head), 3, "truncated")  # ... but not against the anchored head


async def test_an_administrators_follow_up_covers_their_organisations_units_only(
    audit: tuple[AccessAudit, Any],
) -> None:
    log, _ = audit
    units = ["SE2120000001-SOC1", "SE2120000001-IOF1", "SE2321000016-HC01", "SE21200000011-X"]
    records = [
        replace(read("f" * 64, f"{unit[:12]}-S001", n), actor_org_id=unit)
        for n, unit in enumerate(units)
    ]
    await write(log, records)
    found = log.query(actor_organisation="SE2120000001")
    assert [r["actor_org_id"] for r in found] == units[:2]
    assert log.query(actor_organisation="SE212000000") == []  # a prefix of a number is not it


def write_unkeyed_log(datastore: Any, records: list[AccessRecord]) -> None:
    """A log as the unkeyed chain wrote it, before the key (make run's var/ stores)."""
    table, p = _table(datastore)
    previous = GENESIS
    with datastore.transaction(commit=True) as cursor:
        for record in records:
            current = unkeyed_chain(previous, record)
            # The record's fields as it stores them (its canonical form), then the chain.
            row = {**json.loads(record.canonical()), "previous_hash": previous, "hash": current}
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join([p] * len(row))})",  # noqa: S608
                tuple(row.values()),
            )
            previous = current


async def test_an_unkeyed_log_is_rechained_once_after_its_old_chain_is_checked(
    audit: tuple[AccessAudit, Any],
) -> None:
    old, datastore = audit
    write_unkeyed_log(datastore, [read("a1" * 32, "SE2120000001-S001", n) for n in range(3)])
    assert old.verify() == 1  # the unkeyed chain does not pass for a keyed one

    # What the service does at start in development (in production: samverkan audit rechain).
    log = AccessAudit(datastore, "audited", KEY, rechain_legacy=True)
    try:
        assert log.verify() is None
        await write(log, [read("a1" * 32, "SE2120000001-S002", 9)])
        assert log.verify() is None
        assert [r["seq"] for r in log.about_subject("a1" * 32)] == [1, 2, 3, 4]
        assert log.rechain_legacy() == 0  # keyed now: nothing to do, nothing re-sealed
    finally:
        log.close()


async def test_an_unkeyed_log_that_was_tampered_with_is_not_rechained(
    audit: tuple[AccessAudit, Any],
) -> None:
    _, datastore = audit
    write_unkeyed_log(datastore, [read("b2" * 32, "SE2120000001-S001", n) for n in range(3)])
    table, p = _table(datastore)
    with datastore.transaction(commit=True) as cursor:
        cursor.execute(f"UPDATE {table} SET purpose = {p} WHERE seq = {p}", ("other", 2))  # noqa: S608
    log = AccessAudit(datastore, "audited", KEY)
    try:
        with pytest.raises(LegacyChainBroken) as refused:
            log.rechain_legacy()
        assert refused.value.seq == 2
        assert log.verify() == 1  # still reported, not sealed
    finally:
        log.close()


def test_the_chain_key_is_64_hex_and_a_development_key_only_in_development(
    runtime_settings: RuntimeSettings,
) -> None:
    runtime_settings.var_dir.mkdir(parents=True, exist_ok=True)
    development = chain_key(runtime_settings)
    assert len(development) == 32
    assert chain_key(runtime_settings) == development  # stable across restarts of make run
    production = runtime_settings.model_copy(update={"environment": "production"})
    # A service does not start in production without it (serve checks unsafe_settings).
    assert any("SAMVERKAN_AUDIT_CHAIN_KEY" in problem for problem in unsafe_settings(production))
    configured = production.model_copy(update={"audit_chain_key": SecretStr("ab" * 32)})
    assert chain_key(configured) == bytes.fromhex("ab" * 32)
    short = production.model_copy(update={"audit_chain_key": SecretStr("ab" * 16)})
    with pytest.raises(ValueError, match="64 hex"):
        chain_key(short)


def test_on_sqlite_access_records_join_the_commands_batches_and_the_chain_stays_whole(
    tmp_path: Path,
) -> None:
    """#24: with the store's grouped writes, records are parts of the commands' batches
    (one writer, one commit between them) — numbered without gaps, chained, each stored
    with what it was written alongside, and a failing part loses only itself."""
    application = Application(env=store_env(RuntimeSettings(var_dir=tmp_path), "audited"))
    writes = group_writes(application.recorder, "audited")
    assert writes is not None
    datastore = application.recorder.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=True) as cursor:
        cursor.execute("CREATE TABLE alongside (n INTEGER PRIMARY KEY)")
    log = AccessAudit(datastore, "audited", KEY, writes=writes)
    try:
        assert not any(t.name.startswith("group-commit-audit") for t in threading.enumerate())

        def one(n: int) -> Exception | None:
            def note(cursor: Any) -> None:
                cursor.execute("INSERT INTO alongside (n) VALUES (?)", (n % 50,))

            try:
                log.record(read(f"subject-{n}", "SE2120000001-ab12", n), note).result()
            except Exception as error:  # counted below
                return error
            return None

        with ThreadPoolExecutor(16) as pool:
            outcomes = list(pool.map(one, range(100)))
        assert outcomes.count(None) == 50  # the second note of each n % 50 breaks the key
        assert [r["seq"] for r in log.query()] == list(range(1, 51))
        assert log.verify() is None
        with datastore.transaction(commit=False) as cursor:
            cursor.execute("SELECT COUNT(*) FROM alongside")
            assert cursor.fetchone()[0] == 50
    finally:
        log.close()
        writes.close()
        application.close()
