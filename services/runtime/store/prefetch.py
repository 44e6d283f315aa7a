"""The aggregates a batch of upstream events touches, loaded in one query.

A tracked consumer applies a partition's run of events in one transaction
(`OutboxApplication.process_events`), but each policy loaded its aggregate on
its own: one ``SELECT`` transaction per event, a third of the consumer's time
(bench/RESULTS.md, #24). An application that can tell, from an event alone,
which aggregates its policy will look up (`OutboxApplication.aggregate_ids`)
has them read here for the whole run at once — one statement per store, on
SQLite and PostgreSQL alike — and rebuilt as the repository would rebuild them
(from the latest snapshot, when the application takes snapshots). What the
run's policies then `find` comes from this, never from a query of its own.

Nothing here writes: the run's new events and its tracking record still go
to the store together, in the one transaction the batch always had, and the
store's optimistic concurrency still refuses them if a command changed one of
these aggregates in between (the consumer then applies the run one event at a
time, on fresh state).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import EventStore, StoredEvent

from services.runtime.store.sql import row_values, sql_for

A = TypeVar("A", bound=Aggregate)

IDS_PER_STATEMENT = 500
"""Ids in one ``IN`` list: under SQLite's oldest limit of 999 parameters, and as many as
a consumer's fetch holds events (its BATCH_SIZE), so a run is one statement."""

_SELECT = "SELECT originator_id, originator_version, topic, state FROM {table} WHERE "
_ORDER = " ORDER BY originator_id, originator_version"


def select_stored_events(recorder: Any, ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
    """Every stored event of the aggregates `ids`, by aggregate, in version order.

    One statement (per `IDS_PER_STATEMENT` ids) on a SQL store; a store without
    SQL (the in-memory one of service-layer tests) is asked once per id.
    """
    found: dict[UUID, list[StoredEvent]] = {}
    try:
        sql = sql_for(recorder.datastore)
    except (AttributeError, TypeError):
        for aggregate_id in ids:
            stored = list(recorder.select_events(aggregate_id))
            if stored:
                found[aggregate_id] = stored
        return found
    select = sql.spell(_SELECT, table=sql.table(recorder.events_table_name))
    for start in range(0, len(ids), IDS_PER_STATEMENT):
        chunk = ids[start : start + IDS_PER_STATEMENT]
        params: list[Any]
        if sql.postgres:
            statement, params = f"{select}originator_id = ANY(%s){_ORDER}", [list(chunk)]
        else:
            marks = ",".join("?" * len(chunk))
            statement = f"{select}originator_id IN ({marks}){_ORDER}"
            params = [aggregate_id.hex for aggregate_id in chunk]
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(statement, params)
            rows = cursor.fetchall()
        for row in rows:
            originator_id, version, topic, state = row_values(row)
            if not isinstance(originator_id, UUID):  # SQLite keeps the hex
                originator_id = UUID(originator_id)
            found.setdefault(originator_id, []).append(
                StoredEvent(originator_id, version, topic, bytes(state))
            )
    return found


class Prefetched:
    """The aggregates of one run, as the store held them when the run began.

    Each is handed out once (`take`): after that, the run's own copy (the one
    its policy changed and collected) is the newer state, and one a policy
    looked at without changing is read again, as it would have been without
    the prefetch. An id the store does not know is remembered as None, so
    looking it up costs no query either.
    """

    def __init__(self, aggregates: dict[UUID, Aggregate | None]) -> None:
        self._aggregates = aggregates

    def __contains__(self, aggregate_id: object) -> bool:
        return aggregate_id in self._aggregates

    def take(self, aggregate_id: UUID, kind: type[A]) -> A | None:
        """The aggregate if it is of that kind (handed out only once), else None."""
        aggregate = self._aggregates.get(aggregate_id)
        if not isinstance(aggregate, kind):
            return None
        del self._aggregates[aggregate_id]
        return aggregate


def prefetch(
    events: EventStore[Any], snapshots: EventStore[Any] | None, ids: Iterable[UUID]
) -> Prefetched:
    """Read and rebuild the aggregates `ids` from an application's event store (and its
    snapshot store), as ``Application.repository.get`` would, in one query each.

    Each event mutates the aggregate directly: the library's ``project_aggregate``
    first checks every event against a runtime-checkable Protocol, which on
    Python 3.11 costs more than the event's own mutation."""
    wanted = list(dict.fromkeys(ids))
    stored = select_stored_events(events.recorder, wanted)
    latest: dict[UUID, StoredEvent] = {}
    if snapshots is not None:
        for aggregate_id, taken in select_stored_events(snapshots.recorder, wanted).items():
            latest[aggregate_id] = taken[-1]
    aggregates: dict[UUID, Aggregate | None] = {}
    for aggregate_id in wanted:
        snapshot = latest.get(aggregate_id)
        after = snapshot.originator_version if snapshot is not None else -1
        replay: list[Any] = []
        if snapshots is not None and snapshot is not None:
            replay.append(snapshots.mapper.to_domain_event(snapshot))
        replay.extend(
            events.mapper.to_domain_event(s)
            for s in stored.get(aggregate_id, ())
            if s.originator_version > after
        )
        aggregate: Any = None
        for domain_event in replay:
            aggregate = domain_event.mutate(aggregate)
        aggregates[aggregate_id] = aggregate
    return Prefetched(aggregates)
