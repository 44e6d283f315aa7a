"""The access log on real stores: append-only, hash-chained, tampering is found."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from eventsourcing.application import Application

from services.runtime.audit import AccessAudit, AccessRecord, Action
from services.runtime.settings import RuntimeSettings
from services.runtime.store import store_env
from tests.support import PG_URL

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
KEY = bytes(range(32))


@pytest.fixture
def audit(
    runtime_settings: RuntimeSettings, store_backend: str, pg_schema_prefix: str
) -> Iterator[tuple[AccessAudit, Any]]:
    settings = runtime_settings
    if store_backend == "postgres":
        settings = settings.model_copy(
            update={"database_url": PG_URL, "database_schema_prefix": pg_schema_prefix}
        )
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
