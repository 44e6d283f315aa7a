"""The relay's own SQLite connection is closed only once no read is under way on it (#24).

A stopped relay closed its reading connection while a discarded read-ahead was still
reading on it in a worker thread: SQLite crashed the test worker's whole process
(a segmentation fault in `make test`, 2026-12-06). Closing now waits for that read.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.sqlite import SQLiteDatastore

from services.runtime.messaging.relay.reading import NotificationReader, ReaderClosed


class _ClosingNoted(SQLiteDatastore):
    """A real SQLite datastore that notes when it was closed."""

    closed_at: float | None = None

    def close(self) -> None:
        self.closed_at = time.monotonic()
        super().close()


def test_closing_waits_for_a_read_still_under_way_and_refuses_later_reads(
    tmp_path: Path,
) -> None:
    own = _ClosingNoted(str(tmp_path / "store.sqlite"), pool_size=1)
    reading, finished = threading.Event(), []

    def slow_select(start: int, limit: int) -> Sequence[Any]:
        reading.set()
        time.sleep(0.3)  # a read the relay has discarded, still on the connection
        finished.append(time.monotonic())
        return []

    reader = NotificationReader(slow_select, own)
    read = threading.Thread(target=reader.select, args=(1, 10))
    read.start()
    assert reading.wait(timeout=5)

    reader.close()
    read.join()

    assert own.closed_at is not None
    assert finished
    assert own.closed_at >= finished[0]
    with pytest.raises(ReaderClosed):
        reader.select(1, 10)


def test_reads_through_the_recorder_are_not_counted_and_close_leaves_them_alone() -> None:
    calls: list[tuple[int, int]] = []

    def select(start: int, limit: int) -> Sequence[Any]:
        calls.append((start, limit))
        return []

    reader = NotificationReader(select)
    reader.close()
    assert reader.select(3, 7) == []
    assert calls == [(3, 7)]
