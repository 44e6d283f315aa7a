"""Group commit: many threads' small durable writes, one transaction between them.

An audit record must be stored before the answer it records is given, but a
transaction (and its fsync) per record caps a service at a few hundred
answers a second and makes every request queue for the store's one writer.
Here each caller hands over its record and waits; one writer thread takes
whatever has queued up and commits it in a single transaction. Under light
load a batch is one record (no added latency); under heavy load one fsync
serves many callers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class GroupCommit(Generic[T]):
    """Durable appends, batched: `append` returns once its record is committed."""

    def __init__(
        self, write_batch: Callable[[list[T]], None], name: str, max_batch: int = 500
    ) -> None:
        self._write_batch = write_batch
        self._max_batch = max_batch
        self._pending: list[tuple[T, Future[None]]] = []
        self._ready = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=f"group-commit-{name}", daemon=True)
        self._thread.start()

    def append(self, record: T, timeout: float = 10.0) -> None:
        """Store `record`; raises what the store raised if its batch failed."""
        self.submit(record).result(timeout)

    def submit(self, record: T) -> Future[None]:
        """Queue `record`; the future completes when it is committed (async callers
        await it with ``asyncio.wrap_future`` instead of holding a thread)."""
        done: Future[None] = Future()
        with self._ready:
            if self._closed:
                msg = "group commit is closed"
                raise RuntimeError(msg)
            self._pending.append((record, done))
            self._ready.notify()
        return done

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._ready.notify()
        self._thread.join(10)

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._pending and not self._closed:
                    self._ready.wait()
                if not self._pending:
                    return
                batch = self._pending[: self._max_batch]
                self._pending = self._pending[self._max_batch :]
            try:
                self._write_batch([record for record, _ in batch])
            except Exception as error:  # the callers decide what a failed write means
                log.warning("group commit of %d records failed: %r", len(batch), error)
                for _, done in batch:
                    done.set_exception(error)
            else:
                for _, done in batch:
                    done.set_result(None)
