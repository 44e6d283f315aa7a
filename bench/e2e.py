"""End to end: an HTTP command accepted by consent → counted in reporting's projection.

The path a fact travels: consent's API stores the event (outbox), its relay
publishes it, reporting's tracked consumer counts it in the statistics view.
Each command is a `ConsentGiven` for a new subject, which reporting counts
under ``consents_given``; the probe reads that count from reporting's own
database, as an operator's SQL would, so the figure includes every hop.

- Sustained rate: closed loop (as many commands as the connections carry)
  for a fixed time; the rate is commands accepted over the time until the
  last of them was visible in reporting. Baseline: the raw eventsourcing
  append rate (one new aggregate per save, like one command) on the same
  kind of store, in the same run.
- Latency at a fixed rate: open loop; the k-th command is due at start + k/rate
  and its latency is when the k-th count became visible minus when it was
  due, so a stall anywhere on the path shows (no coordinated omission).
- Each also with an ``Idempotency-Key`` (its own per command) on every
  command, as real clients send them: the key is claimed and the answer kept
  in the same store, which the figure without keys does not pay for.
- The sustained run also reads each process's CPU time (bench.capacity).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from psycopg import sql

from bench.capacity import per_command
from bench.loadgen import LatencyFigures, Outcomes, post_load
from bench.stack import HEALTH_UNIT, SOCIAL, Stack
from services.runtime.kernel.identity import luhn_check_digit
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env


@dataclass(frozen=True)
class E2eRate:
    accepted: int
    errors: int
    http_rate: float
    """Commands accepted per second by consent's API."""
    rate: float
    """Commands accepted per second, counted until the last was visible in reporting."""
    baseline: float
    """Raw eventsourcing appends per second on the same kind of store."""
    peak_rss_mb: dict[str, float]
    cpu_ms_per_command: dict[str, float]
    """CPU milliseconds each process spent per command (bench.capacity)."""
    idempotency_keys: bool = False
    """Whether every command carried an Idempotency-Key, as real clients send them."""

    @property
    def ratio(self) -> float:
        return self.rate / self.baseline if self.baseline else 0.0


@dataclass(frozen=True)
class E2eLatency(LatencyFigures):
    """The latency from the request to the downstream read model, and the HTTP leg's p99."""

    http_p99_ms: float
    idempotency_keys: bool = False


def personnummer(n: int) -> str:
    """The n-th made-up but valid personnummer (born 1940 onwards, serial 100-999)."""
    birth = date(1940, 1, 1) + timedelta(days=n // 900)
    digits = birth.strftime("%y%m%d") + f"{100 + n % 900:03d}"
    return f"{birth:%Y%m%d}-{digits[6:]}{luhn_check_digit(digits)}"


def consent_body(offset: int) -> Callable[[int], bytes]:
    def body(n: int) -> bytes:
        return json.dumps(
            {
                "personnummer": personnummer(offset + n),
                "purpose": "sip",
                "parties": [SOCIAL.org_id, HEALTH_UNIT],
                "form": "written",
                "informed": True,
            }
        ).encode()

    return body


class Probe:
    """Reads how many consents reporting has counted, straight from its database."""

    def __init__(self, stack: Stack) -> None:
        self._stack = stack

    def visible(self) -> int:
        query = "SELECT COALESCE(SUM(count), 0) FROM {} WHERE measure = 'consents_given'"
        if self._stack.database_url is None:
            db = self._stack.var_dir / "reporting.db"
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as conn:
                try:
                    return int(conn.execute(query.format("statistics_count")).fetchone()[0])
                except sqlite3.OperationalError:
                    return 0  # the view is not created yet
        table = sql.Identifier(f"{self._stack.schema_prefix}reporting", "statistics_count")
        with psycopg.connect(self._stack.database_url, autocommit=True) as conn:
            row = conn.execute(sql.SQL(query).format(table)).fetchone()
            return int(row[0]) if row else 0

    def wait_for(self, count: int, timeout: float) -> float:
        """When (perf_counter) reporting had counted `count`; raises if it never did."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.visible() >= count:
                return time.perf_counter()
            time.sleep(0.01)
        raise TimeoutError(f"reporting counted {self.visible()} of {count} in {timeout}s")


class Sampler:
    """Samples the probe in a thread, recording when each count was first seen."""

    def __init__(self, probe: Probe, base: int) -> None:
        self._probe, self._base = probe, base
        self.seen_at: list[float] = []  # seen_at[k]: when count base + k + 1 was first seen
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            visible = self._probe.visible() - self._base
            now = time.perf_counter()
            while len(self.seen_at) < visible:
                self.seen_at.append(now)
            time.sleep(0.0005)


class _Appended(Aggregate):
    @event("Appended")
    def __init__(self, n: int) -> None:
        self.n = n


def raw_append_rate(stack: Stack, seconds: float) -> float:
    """Baseline: one new aggregate saved per call, on the same kind of store."""
    settings = RuntimeSettings(
        var_dir=stack.var_dir,
        database_url=stack.database_url,
        database_schema_prefix=stack.schema_prefix,
    )
    app: Application[UUID] = Application(env=store_env(settings, "baseline"))
    started, n = time.perf_counter(), 0
    while time.perf_counter() - started < seconds:
        app.save(_Appended(n))
        n += 1
    return n / (time.perf_counter() - started)


def sustained(
    stack: Stack,
    seconds: float,
    connections: int = 32,
    *,
    idempotency_keys: bool = False,
    offset: int = 1_000_000,
) -> E2eRate:
    """Closed loop for `seconds`; with `idempotency_keys`, each command has a key of its own.

    `offset` numbers the individuals consents are given for: each run in one stack
    needs its own range, or its commands would meet the earlier run's consents."""
    probe = Probe(stack)
    base = probe.visible()
    baseline = raw_append_rate(stack, min(seconds, 5.0))
    peak: dict[str, float] = {}
    done = threading.Event()

    def watch_memory() -> None:
        while not done.wait(0.25):
            for service, mb in stack.rss_mb().items():
                peak[service] = max(peak.get(service, 0.0), mb)

    watcher = threading.Thread(target=watch_memory, daemon=True)
    watcher.start()
    cpu_before = stack.cpu_seconds()
    started = time.perf_counter()
    outcomes = _give_consents(
        stack, offset, idempotency_keys, seconds=seconds, connections=connections
    )
    http_elapsed = max(outcomes.done) - started
    accepted = outcomes.accepted(201)
    visible_at = probe.wait_for(base + accepted, timeout=120)
    cpu_after = stack.cpu_seconds()
    done.set()
    watcher.join()
    return E2eRate(
        accepted=accepted,
        errors=len(outcomes.status) - accepted,
        http_rate=accepted / http_elapsed,
        rate=accepted / (visible_at - started),
        baseline=baseline,
        peak_rss_mb=peak,
        cpu_ms_per_command=per_command(cpu_before, cpu_after, accepted),
        idempotency_keys=idempotency_keys,
    )


def _give_consents(stack: Stack, offset: int, idempotency_keys: bool, **pace: Any) -> Outcomes:
    """POST consents for distinct individuals (from `offset`), paced as `post_load` is."""
    url = f"{stack.url('consent')}/v1/consents"
    run = uuid4().hex
    keys = (lambda n: {"Idempotency-Key": f"{run}-{n}"}) if idempotency_keys else None
    return asyncio.run(
        post_load(url, stack.headers(), consent_body(offset=offset), request_headers=keys, **pace)
    )


def latency(
    stack: Stack,
    rate: float,
    seconds: float,
    *,
    idempotency_keys: bool = False,
    offset: int = 2_000_000,
) -> E2eLatency:
    """Open loop at `rate`; `idempotency_keys` and `offset` as for `sustained`."""
    probe = Probe(stack)
    base = probe.visible()
    with Sampler(probe, base) as sampler:
        outcomes = _give_consents(stack, offset, idempotency_keys, seconds=seconds, rate=rate)
        accepted = outcomes.accepted(201)
        probe.wait_for(base + accepted, timeout=60)
        time.sleep(0.01)
    due = sorted(d for d, s in zip(outcomes.due, outcomes.status, strict=True) if s == 201)
    e2e = sorted(seen - d for seen, d in zip(sampler.seen_at, due, strict=False))
    http = sorted(done - d for d, done in zip(outcomes.due, outcomes.done, strict=True))
    return E2eLatency(
        rate=rate,
        sent=len(outcomes.status),
        errors=len(outcomes.status) - accepted,
        p50_ms=_percentile(e2e, 0.50) * 1000,
        p99_ms=_percentile(e2e, 0.99) * 1000,
        max_ms=e2e[-1] * 1000 if e2e else 0.0,
        http_p99_ms=_percentile(http, 0.99) * 1000,
        idempotency_keys=idempotency_keys,
    )


def _percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def as_json(figure: Any) -> dict[str, Any]:
    return {**vars(figure), **({"ratio": figure.ratio} if hasattr(figure, "ratio") else {})}
