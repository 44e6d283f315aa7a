"""An open-loop HTTP load generator: requests leave on a fixed schedule, whatever the replies do.

Latency is measured from when a request was *due*, not when it was sent, so
a stalled server cannot hide its stall (no coordinated omission). It speaks
HTTP/1.1 over a pool of keep-alive connections with asyncio streams, and is
a separate process from the server under test.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass(frozen=True)
class LatencyFigures:
    rate: float
    sent: int
    errors: int
    p50_ms: float
    p99_ms: float
    max_ms: float


async def _request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes) -> int:
    writer.write(raw)
    status_line = await reader.readline()
    status = int(status_line.split()[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def run(url: str, headers: dict[str, str], rate: float, seconds: float) -> LatencyFigures:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [
        f"GET {target} HTTP/1.1",
        f"Host: {parts.netloc}",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode()
    connections: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(32):
        connections.put_nowait(await asyncio.open_connection(parts.hostname, parts.port))
    latencies: list[float] = []
    errors = 0

    async def one(due: float) -> None:
        nonlocal errors
        reader, writer = await connections.get()
        try:
            status = await _request(reader, writer, raw)
            if status != 200:
                errors += 1
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            errors += 1
            reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        finally:
            connections.put_nowait((reader, writer))
        latencies.append(time.perf_counter() - due)

    start = time.perf_counter() + 0.05
    total = int(rate * seconds)
    tasks = []
    for n in range(total):
        due = start + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(due)))
    await asyncio.gather(*tasks)
    while not connections.empty():
        _, writer = connections.get_nowait()
        writer.close()
    ordered = sorted(latencies)
    return LatencyFigures(
        rate=rate,
        sent=total,
        errors=errors,
        p50_ms=statistics.median(ordered) * 1000,
        p99_ms=ordered[int(len(ordered) * 0.99) - 1] * 1000,
        max_ms=ordered[-1] * 1000,
    )


@dataclass
class Outcomes:
    """Each request of a run: when it was due, when its reply came, and its status."""

    due: list[float] = field(default_factory=list)
    done: list[float] = field(default_factory=list)
    status: list[int] = field(default_factory=list)

    def accepted(self, ok: int) -> int:
        return sum(1 for s in self.status if s == ok)


def _post(url: str, headers: dict[str, str], body: bytes) -> bytes:
    parts = urlsplit(url)
    lines = [
        f"POST {parts.path} HTTP/1.1",
        f"Host: {parts.netloc}",
        *(f"{k}: {v}" for k, v in headers.items()),
        f"Content-Length: {len(body)}",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def post_load(
    url: str,
    headers: dict[str, str],
    body: Callable[[int], bytes],
    *,
    seconds: float,
    rate: float | None = None,
    connections: int = 32,
    request_headers: Callable[[int], dict[str, str]] | None = None,
) -> Outcomes:
    """POST `body(n)` for `seconds`: at a fixed `rate` (open loop), or as fast as
    `connections` keep-alive connections allow (closed loop) when `rate` is None.
    `request_headers(n)` adds headers of the n-th request's own (an Idempotency-Key)."""
    parts = urlsplit(url)
    pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(await asyncio.open_connection(parts.hostname, parts.port))
    outcomes = Outcomes()

    async def one(n: int, due: float) -> None:
        reader, writer = await pool.get()
        try:
            sent = headers if request_headers is None else {**headers, **request_headers(n)}
            status = await _request(reader, writer, _post(url, sent, body(n)))
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            status = 0
            reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        finally:
            pool.put_nowait((reader, writer))
        outcomes.due.append(due)
        outcomes.done.append(time.perf_counter())
        outcomes.status.append(status)

    start = time.perf_counter() + 0.05
    tasks: list[asyncio.Task[None]] = []
    if rate is not None:
        for n in range(int(rate * seconds)):
            due = start + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(n, due)))
        await asyncio.gather(*tasks)
    else:
        counter = iter(range(10**9))

        async def worker() -> None:
            while time.perf_counter() - start < seconds:
                await one(next(counter), time.perf_counter())

        await asyncio.gather(*(worker() for _ in range(connections)))
    while not pool.empty():
        _, writer = pool.get_nowait()
        writer.close()
    return outcomes
