"""The tracked consumer's apply alone, no Kafka: where its CPU per message goes (#24).

`python -m bench.apply [--count N] [--rounds R] [--postgres]` applies N decoded
consent events to bench.flow's `NotingProjection` (`process_events` in runs of
500, as a consumer's fetch), in a fresh store each round, and takes the same
messages' parts apart in the same round, each on its own:

- domain: the projection's own work through the runtime's `Aggregate` (its
  subject's id asked for three times, one `uuid5`, `Noted(...)`, `see()`,
  `collect_events()`), no store;
- mapping: those events to their stored form (the store's mapper);
- raw insert: the stored events and a position per run inserted by the
  recorder into another fresh store, one transaction per run: the baseline,
  what storing costs without applying anything.

Thread CPU per message (µs), so what the other processes on the machine do
counts less; each round's figures and the minimum over the rounds.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from eventsourcing.persistence import Tracking

from bench.flow import Noted, NotingProjection, fill_consent_store, served_collector
from bench.stack import POSTGRES_URL, _drop_schemas, new_schema_prefix
from services.consent.translate import to_integration_event
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env

RUN = 500
"""Events per `process_events`: a consumer's fetch (its BATCH_SIZE)."""


def _cpu_us(work: Callable[[], object], count: int) -> float:
    started = time.thread_time()
    work()
    return (time.thread_time() - started) / count * 1e6


def _runs(events: Sequence[Any]) -> list[list[tuple[Any, Tracking]]]:
    return [
        [
            (e, Tracking("consent#0", start + i + 1))
            for i, e in enumerate(events[start : start + RUN])
        ]
        for start in range(0, len(events), RUN)
    ]


def one_round(settings: RuntimeSettings, events: Sequence[Any], name: str) -> dict[str, float]:
    """Apply, domain, mapping and raw insert of `events`, CPU µs per message each."""
    count = len(events)
    app = NotingProjection(env=store_env(settings, f"{name}apply"))
    runs = _runs(events)

    def apply_runs() -> None:
        for run in runs:
            app.process_events(run)

    apply = _cpu_us(apply_runs, count)

    collected: list[Any] = []

    def domain() -> None:
        for e in events:
            Noted.create_id(e.subject_id)  # the projection's aggregate_ids
            Noted.create_id(e.subject_id)  # its policy's find
            noted = Noted(e.subject_id)
            noted.see()
            collected.extend(noted.collect_events())

    figures = {"apply": apply, "domain": _cpu_us(domain, count)}
    mapper: Any = app.mapper
    to_stored = getattr(mapper, "to_stored_events", None) or (
        lambda events: [mapper.to_stored_event(e) for e in events]  # a mapper of before #24
    )
    stored: list[Any] = []
    figures["mapping"] = _cpu_us(lambda: stored.extend(to_stored(collected)), count)

    raw = NotingProjection(env=store_env(settings, f"{name}raw"))
    recorder: Any = raw.recorder
    per_run = len(stored) // len(runs)

    def insert() -> None:
        for n, run in enumerate(runs):
            part = stored[n * per_run : (n + 1) * per_run]
            recorder.insert_events(part, tracking=run[-1][1])

    figures["raw insert"] = _cpu_us(insert, count)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="messages per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL stores")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = RuntimeSettings(
            kafka_bootstrap="unused:9092",
            var_dir=Path(tmp),
            database_url=POSTGRES_URL if args.postgres else None,
            database_schema_prefix=new_schema_prefix(),
        )
        names = [f"r{n}" for n in range(args.rounds)]
        try:
            consent = fill_consent_store(settings, args.count)
            notifications = consent.recorder.select_notifications(1, args.count)
            events = [
                to_integration_event(consent.mapper.to_domain_event(n)) for n in notifications
            ]
            rounds = []
            with served_collector():
                for name in names:
                    rounds.append(one_round(settings, events, name))
        finally:
            if args.postgres:
                services = ("consent", *(f"{n}{part}" for n in names for part in ("apply", "raw")))
                _drop_schemas(settings.database_schema_prefix, services)
    store = "PostgreSQL" if args.postgres else "SQLite"
    print(f"apply alone ({store}, {args.count} messages, runs of {RUN}), CPU µs per message")
    for part in rounds[0]:
        each = ", ".join(f"{r[part]:.1f}" for r in rounds)
        print(f"  {part:<11} min {min(r[part] for r in rounds):6.1f}   ({each})")


if __name__ == "__main__":
    main()
