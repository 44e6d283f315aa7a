"""Replicas of one service starting together create their tables in turn (PostgreSQL
refuses two concurrent CREATE TABLE IF NOT EXISTS of one table with a unique
violation in pg_type; the chaos campaign's standby test met it in CI)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import setup_lock
from tests.support import PG_URL, service_app

pytestmark = pytest.mark.postgres


def test_a_second_replica_waits_for_the_first_to_finish_setting_up(
    pg_schema_prefix: str,
) -> None:
    settings = RuntimeSettings(database_url=PG_URL, database_schema_prefix=pg_schema_prefix)
    first_inside = threading.Event()
    order: list[str] = []

    def first() -> None:
        with setup_lock(settings, "consent"):
            first_inside.set()
            time.sleep(0.5)
            order.append("first done")

    def second() -> None:
        first_inside.wait(5)
        with setup_lock(settings, "consent"):
            order.append("second in")

    with ThreadPoolExecutor(2) as pool:
        for future in [pool.submit(first), pool.submit(second)]:
            future.result(timeout=10)
    assert order == ["first done", "second in"]


def test_two_replicas_set_up_one_new_schema_at_once(pg_schema_prefix: str, tmp_path: Path) -> None:
    settings = RuntimeSettings(
        var_dir=tmp_path, database_url=PG_URL, database_schema_prefix=pg_schema_prefix
    )
    start = threading.Barrier(2)

    def replica() -> None:
        start.wait(5)
        with setup_lock(settings, "consent"):
            app = service_app("consent", settings)
        app.state.application.close()

    with ThreadPoolExecutor(2) as pool:
        for future in [pool.submit(replica), pool.submit(replica)]:
            future.result(timeout=60)
