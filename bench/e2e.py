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
  due, so a stall anywhere on the path shows (no coordinated omission). The
  same run times each hop (the HTTP answer, the event on consent's topic,
  counted in reporting) against a raw Kafka round trip on the same broker
  (bench.hops); ``python -m bench.latency`` runs only this.
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
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from psycopg import sql

from bench.capacity import per_command
from bench.hops import E2E_P99_MS, HOP_RATIO, Spread, TopicWatcher, matched, raw_round_trip
from bench.loadgen import LatencyFigures, Outcomes, post_load
from bench.stack import HEALTH_UNIT, SOCIAL, Stack
from contracts import ConsentGiven, events_topic
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
    """The latency from the request to the downstream read model (`p50_ms`, `p99_ms`),
    each hop's on the way, and the raw Kafka round trip they are held to (bench.hops)."""

    http: Spread
    """Due → consent's HTTP answer."""
    topic: Spread
    """Due → the event read from consent's topic by a raw consumer."""
    downstream: Spread
    """Due → counted in reporting's projection (the same as `p50_ms`, `p99_ms`)."""
    raw: Spread
    """A raw aiokafka produce → consume round trip, same broker, rate and fetch wait."""
    idempotency_keys: bool = False

    @property
    def http_p99_ms(self) -> float:
        return self.http.p99_ms

    def hops(self) -> dict[str, Spread]:
        return {"HTTP answer": self.http, "on the topic": self.topic, "downstream": self.downstream}

    def ratios(self) -> dict[str, tuple[float, float]]:
        """Each hop's (p50, p99) over the raw round trip's."""
        return {name: hop.ratio_to(self.raw) for name, hop in self.hops().items()}

    @property
    def met(self) -> bool:
        """The #24 target: every hop within 2x of the raw round trip, p99 <= 50 ms."""
        within = all(max(ratio) <= HOP_RATIO for ratio in self.ratios().values())
        return within and self.p99_ms <= E2E_P99_MS and self.errors == 0

    def as_json(self) -> dict[str, Any]:
        ratios = self.ratios()
        return {
            **{k: v for k, v in vars(self).items() if not isinstance(v, Spread)},
            "raw_round_trip": asdict(self.raw),
            "hops": {
                name: {**asdict(hop), "ratio_p50": ratios[name][0], "ratio_p99": ratios[name][1]}
                for name, hop in self.hops().items()
            },
            "met": self.met,
        }


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
        with self.reader() as count:
            return count()

    @contextmanager
    def reader(self) -> Iterator[Callable[[], int]]:
        """The count, to read again and again on one connection: a connection per read
        (with PostgreSQL a server process started each time) cost more than the read."""
        query = "SELECT COALESCE(SUM(count), 0) FROM {} WHERE measure = 'consents_given'"
        if self._stack.database_url is None:
            db = self._stack.var_dir / "reporting.db"
            spelled = query.format("statistics_count")
            with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)) as lite:

                def count_sqlite() -> int:
                    try:
                        return int(lite.execute(spelled).fetchone()[0])
                    except sqlite3.OperationalError:
                        return 0  # the view is not created yet

                yield count_sqlite
            return
        table = sql.Identifier(f"{self._stack.schema_prefix}reporting", "statistics_count")
        statement = sql.SQL(query).format(table)
        with psycopg.connect(self._stack.database_url, autocommit=True) as conn:

            def count_postgres() -> int:
                row = conn.execute(statement).fetchone()
                return int(row[0]) if row else 0

            yield count_postgres

    def wait_for(self, count: int, timeout: float) -> float:
        """When (perf_counter) reporting had counted `count`; raises if it never did."""
        deadline = time.perf_counter() + timeout
        with self.reader() as visible:
            while time.perf_counter() < deadline:
                if visible() >= count:
                    return time.perf_counter()
                time.sleep(0.01)
            raise TimeoutError(f"reporting counted {visible()} of {count} in {timeout}s")


class Sampler:
    """Samples the probe in a thread, recording when each count was first seen.

    A read every millisecond on one connection: a count is seen half a
    millisecond late on average, and the sampling takes a few per cent of a
    core (before #24 it opened a connection every half millisecond, most of a
    core on the machine it measured)."""

    INTERVAL = 0.001

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

    def wait_for(self, count: int, timeout: float) -> None:
        """Until `count` more were counted than at the start; TimeoutError if not."""
        deadline = time.perf_counter() + timeout
        while len(self.seen_at) < count:
            if time.perf_counter() > deadline or not self._thread.is_alive():
                msg = f"reporting counted {len(self.seen_at)} of {count} in {timeout}s"
                raise TimeoutError(msg)
            time.sleep(0.01)

    def _run(self) -> None:
        with self._probe.reader() as visible:
            while not self._stop.is_set():
                counted = visible() - self._base
                now = time.perf_counter()
                while len(self.seen_at) < counted:
                    self.seen_at.append(now)
                time.sleep(self.INTERVAL)


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
    return asyncio.run(_consents(stack, offset, idempotency_keys, **pace))


async def _consents(stack: Stack, offset: int, idempotency_keys: bool, **pace: Any) -> Outcomes:
    url = f"{stack.url('consent')}/v1/consents"
    run = uuid4().hex
    keys = (lambda n: {"Idempotency-Key": f"{run}-{n}"}) if idempotency_keys else None
    return await post_load(
        url, stack.headers(), consent_body(offset=offset), request_headers=keys, **pace
    )


RAW_SECONDS = 5.0
"""Longest raw round-trip run before each latency run (1,000 messages at 200/s)."""


def latency(
    stack: Stack,
    rate: float,
    seconds: float,
    *,
    idempotency_keys: bool = False,
    offset: int = 2_000_000,
) -> E2eLatency:
    """Open loop at `rate`, each hop timed, after a raw round trip on the same broker;
    `idempotency_keys` and `offset` as for `sustained`."""
    fetch_wait = fetch_max_wait_ms()
    raw = asyncio.run(
        raw_round_trip(stack.broker.bootstrap, rate, min(seconds, RAW_SECONDS), fetch_wait)
    )
    probe = Probe(stack)
    base = probe.visible()
    with Sampler(probe, base) as sampler:
        outcomes, on_topic = asyncio.run(
            _watched_load(stack, rate, seconds, idempotency_keys, offset, fetch_wait)
        )
        accepted = outcomes.accepted(201)
        sampler.wait_for(accepted, timeout=60)
    due = [d for d, s in zip(outcomes.due, outcomes.status, strict=True) if s == 201]
    http = [done - d for d, done in zip(outcomes.due, outcomes.done, strict=True)]
    downstream = Spread.of(matched(due, sampler.seen_at))
    return E2eLatency(
        rate=rate,
        sent=len(outcomes.status),
        errors=len(outcomes.status) - accepted,
        p50_ms=downstream.p50_ms,
        p99_ms=downstream.p99_ms,
        max_ms=downstream.max_ms,
        http=Spread.of(http),
        topic=Spread.of(matched(due, on_topic)),
        downstream=downstream,
        raw=raw,
        idempotency_keys=idempotency_keys,
    )


async def _watched_load(
    stack: Stack,
    rate: float,
    seconds: float,
    idempotency_keys: bool,
    offset: int,
    fetch_wait: int,
) -> tuple[Outcomes, list[float]]:
    """The open-loop load, a raw consumer on consent's topic noting when each
    `ConsentGiven` arrives."""
    topic = events_topic("consent", prefix=RuntimeSettings().topic_prefix)
    watcher = TopicWatcher(stack.broker.bootstrap, topic, ConsentGiven.ce_type(), fetch_wait)
    async with watcher:
        outcomes = await _consents(stack, offset, idempotency_keys, seconds=seconds, rate=rate)
        async with asyncio.timeout(60):
            await watcher.wait_for(outcomes.accepted(201))
    return outcomes, watcher.seen_at


def fetch_max_wait_ms() -> int:
    """The fetch wait of the platform's consumers: its setting, as the stack's
    processes read it from this process's environment."""
    return RuntimeSettings().kafka_fetch_max_wait_ms


def as_json(figure: Any) -> dict[str, Any]:
    if isinstance(figure, E2eLatency):
        return figure.as_json()
    return {**vars(figure), **({"ratio": figure.ratio} if hasattr(figure, "ratio") else {})}
