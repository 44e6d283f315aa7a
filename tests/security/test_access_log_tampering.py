"""Rewriting the access log behind the service's back (issue #18, item 4).

The attacker is a database operator: they can read and write the service's
tables (the SQLite file, the PostgreSQL schema) but hold neither the audit
chain key nor a write grant on the service's audit-anchor topic. Each test
lets a running service write real access records, tampers with its database
the way such an attacker would, and asks both the operator's
``samverkan audit verify`` and the service's ``GET /v1/access-log/verify``
whether the log is intact.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import psycopg
import pytest

from contracts import OrgType, Role
from services.runtime.kernel.actor import Actor
from services.runtime.settings import RuntimeSettings
from services.runtime.store.audit import AccessRecord, unkeyed_chain
from tests.support import PG_URL, ROOT, ServiceProcess, settings_env

MANAGER = Actor(
    "SE2120000001-E001", "SE2120000001-SOC1", OrgType.SOCIAL_SERVICES, Role.UNIT_MANAGER
)
ADMIN = Actor("SE2120000001-A001", "SE2120000001-IT01", OrgType.SOCIAL_SERVICES, Role.ADMIN)
SUBJECT = "ab" * 32
GENESIS = "0" * 64
RECORDS = 6
ANCHOR_EVERY = {"SAMVERKAN_AUDIT_ANCHOR_INTERVAL_SECONDS": "0.3"}

Row = dict[str, Any]


class Table:
    """The service's access_audit table, opened the way the attacker opens it."""

    def __init__(self, settings: RuntimeSettings, service: str) -> None:
        self.postgres = settings.database_url is not None
        self.name = (
            f'"{settings.database_schema_prefix}{service}"."access_audit"'
            if self.postgres
            else "access_audit"
        )
        self._settings = settings
        self._service = service

    @contextmanager
    def cursor(self) -> Iterator[Any]:
        if self.postgres:
            with psycopg.connect(PG_URL, autocommit=False) as conn, conn.cursor() as cursor:
                yield cursor
                conn.commit()
        else:
            conn = sqlite3.connect(self._settings.var_dir / f"{self._service}.db", timeout=10)
            try:
                yield conn.cursor()
                conn.commit()
            finally:
                conn.close()

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        if self.postgres:
            sql = sql.replace("?", "%s")
        with self.cursor() as cursor:
            cursor.execute(sql, params)

    def rows(self) -> list[Row]:
        columns = (
            "seq, at, actor_hsa_id, actor_org_id, actor_org_type, subject_id, action, purpose, "
            "resource, previous_hash, hash"
        )
        with self.cursor() as cursor:
            cursor.execute(f"SELECT {columns} FROM {self.name} ORDER BY seq")  # noqa: S608
            found = cursor.fetchall()
        names = [c.strip() for c in columns.split(",")]
        return [dict(zip(names, row, strict=True)) for row in found]

    def rehash_unkeyed(self) -> None:
        """Re-chain every row with the log's old, unkeyed function (SHA-256 over the previous
        hash and the record): what made the old chain worthless against this attacker."""
        previous = GENESIS
        updates = []
        for row in self.rows():
            digest = unkeyed_chain(previous, AccessRecord.from_row(row))
            updates.append((previous, digest, row["seq"]))
            previous = digest
        for update in updates:
            self.execute(
                f"UPDATE {self.name} SET previous_hash = ?, hash = ? WHERE seq = ?",  # noqa: S608
                update,
            )


def write_records(service: ServiceProcess, count: int) -> None:
    """Real access records: each read of the access log is itself logged."""
    with service.client(MANAGER) as client:
        for _ in range(count):
            response = client.post("/v1/access-log/subject", json={"subject_id": SUBJECT})
            assert response.status_code == 200, response.text


def http_verify(service: ServiceProcess) -> Row:
    with service.client(ADMIN) as client:
        response = client.get("/v1/access-log/verify")
    assert response.status_code == 200, response.text
    body: Row = response.json()
    return body


def wait_until_anchored(service: ServiceProcess, seq: int, timeout: float = 10.0) -> None:
    """Give the service's anchoring a moment to publish the head (no assertion here: on a
    service that does not anchor, the verification below is what fails)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if http_verify(service).get("anchored_seq") == seq:
            return
        time.sleep(0.2)


def cli_verify(settings: RuntimeSettings, service: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.runtime.ops.cli", "audit", "verify", service],
        env={**settings_env(settings), "PATH": "/usr/bin:/bin", "COLUMNS": "200"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def assert_detected(
    settings: RuntimeSettings, service: ServiceProcess, first_broken: int, reason: str
) -> None:
    verdict = http_verify(service)
    assert verdict["intact"] is False, verdict
    assert verdict["first_broken_record"] == first_broken, verdict
    assert reason in verdict["problem"], verdict
    cli = cli_verify(settings, service.service)
    assert cli.returncode == 1, cli.stdout + cli.stderr
    assert f"record {first_broken}" in cli.stdout, cli.stdout + cli.stderr


@pytest.fixture
def consent(start_service: Callable[..., ServiceProcess]) -> ServiceProcess:
    service = start_service("consent", **ANCHOR_EVERY)
    write_records(service, RECORDS)
    wait_until_anchored(service, RECORDS)
    return service


def test_a_deleted_record_with_the_rest_rehashed_is_found(
    consent: ServiceProcess, runtime_settings: RuntimeSettings
) -> None:
    table = Table(runtime_settings, "consent")
    assert http_verify(consent)["intact"] is True
    assert cli_verify(runtime_settings, "consent").returncode == 0

    # Delete record 3, close the gap by renumbering, and re-chain what is left.
    table.execute(f"DELETE FROM {table.name} WHERE seq = 3")  # noqa: S608
    for seq in range(4, RECORDS + 1):
        table.execute(f"UPDATE {table.name} SET seq = ? WHERE seq = ?", (seq - 1, seq))  # noqa: S608
    table.rehash_unkeyed()

    # Without the key the attacker cannot make a single record verify.
    assert_detected(runtime_settings, consent, 1, "hash")


def test_a_gap_in_the_sequence_is_found(
    consent: ServiceProcess, runtime_settings: RuntimeSettings
) -> None:
    table = Table(runtime_settings, "consent")
    table.execute(f"DELETE FROM {table.name} WHERE seq = 4")  # noqa: S608
    assert_detected(runtime_settings, consent, 4, "missing")


def test_a_log_rehashed_with_the_old_unkeyed_function_is_found(
    consent: ServiceProcess, runtime_settings: RuntimeSettings
) -> None:
    table = Table(runtime_settings, "consent")
    table.execute(
        f"UPDATE {table.name} SET purpose = ? WHERE seq = ?",  # noqa: S608
        ("nothing to see", 2),
    )
    table.rehash_unkeyed()
    assert_detected(runtime_settings, consent, 1, "hash")


def test_a_cut_tail_is_found_against_the_anchor(
    consent: ServiceProcess, runtime_settings: RuntimeSettings
) -> None:
    """The rows left verify among themselves; only the head anchored outside the database
    (on the audit-anchor topic) shows that records RECORDS-1 and RECORDS are gone."""
    table = Table(runtime_settings, "consent")
    table.execute(f"DELETE FROM {table.name} WHERE seq >= ?", (RECORDS - 1,))  # noqa: S608
    assert_detected(runtime_settings, consent, RECORDS - 1, "truncated")


def test_a_cut_tail_is_found_even_after_the_service_writes_on(
    consent: ServiceProcess, runtime_settings: RuntimeSettings
) -> None:
    """New records after the cut reach the anchored seq again, under another hash: the
    newest anchor is the highest one, and the service does not anchor over the evidence."""
    table = Table(runtime_settings, "consent")
    table.execute(f"DELETE FROM {table.name} WHERE seq >= ?", (RECORDS - 1,))  # noqa: S608
    write_records(consent, 3)
    time.sleep(1.0)  # several anchoring rounds
    assert_detected(runtime_settings, consent, RECORDS, "anchor")
    metrics = httpx.get(f"{consent.url}/metrics", timeout=10).text
    assert "samverkan_audit_log_rewritten 1.0" in metrics  # SamverkanAccessLogRewritten


@pytest.fixture
def consent_on_postgres(
    start_service: Callable[..., ServiceProcess],
    runtime_settings: RuntimeSettings,
    pg_schema_prefix: str,
) -> tuple[ServiceProcess, RuntimeSettings]:
    settings = runtime_settings.model_copy(
        update={"database_url": PG_URL, "database_schema_prefix": pg_schema_prefix}
    )
    service = start_service("consent", settings, **ANCHOR_EVERY)
    write_records(service, RECORDS)
    wait_until_anchored(service, RECORDS)
    return service, settings


def test_on_postgresql_deletion_rehashing_and_truncation_are_found(
    consent_on_postgres: tuple[ServiceProcess, RuntimeSettings],
) -> None:
    service, settings = consent_on_postgres
    table = Table(settings, "consent")
    assert http_verify(service)["intact"] is True

    table.execute(f"DELETE FROM {table.name} WHERE seq >= ?", (RECORDS,))  # noqa: S608
    assert_detected(settings, service, RECORDS, "truncated")

    table.execute(f"DELETE FROM {table.name} WHERE seq = 2")  # noqa: S608
    table.rehash_unkeyed()
    assert_detected(settings, service, 1, "hash")
