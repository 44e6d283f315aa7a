"""A consumer's batch loads the aggregates it touches in one query (#24), and still ends
exactly where applying its events one at a time ends.

Two stores start alike; one applies a mixed batch as the tracked consumer's fast
path does (`process_events`: one transaction, the aggregates the events name read
first, all at once), the other one event at a time (`process_event`). Every
aggregate, every stored event and the tracked position must then be the same. The
batch holds what could go wrong with a per-batch copy of the store: the same
aggregate twice, an aggregate created mid-batch and touched again, ids the store
does not know, an id of another kind, and an aggregate the events do not name (read
the ordinary way). On SQLite and PostgreSQL, each in stores of the test's own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
from uuid import UUID

import pytest
from eventsourcing.application import ProcessingEvent
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError, StoredEvent, Tracking
from eventsourcing.projection import EventSourcedProjection
from eventsourcing.utils import get_topic

from contracts import ConsentWithdrawn
from services.cases.application import CasesApplication
from services.cases.domain import UnitDirectory
from services.escalation.application import EscalationApplication
from services.runtime.settings import RuntimeSettings
from services.runtime.store.application import OutboxApplication
from services.runtime.store.database import store_env
from services.runtime.store.recorders import PostgresTrackedRecorder, SQLiteTrackedRecorder
from tests.support import CONSENTED_AT, on_store, oral_consent


class Tally(Aggregate):
    """One per subject: which upstream events it saw, in the order it saw them."""

    @event("Opened")
    def __init__(self, subject: str) -> None:
        self.subject = subject
        self.seen: list[int] = []

    @staticmethod
    def create_id(subject: str) -> UUID:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"tally/{subject}")

    @event("Saw")
    def see(self, n: int) -> None:
        self.seen.append(n)


class Marker(Aggregate):
    """Another kind under a tally's id: found as a `Tally`, it is "not found"."""

    @event("Placed")
    def __init__(self, subject: str) -> None:
        self.subject = subject

    @staticmethod
    def create_id(subject: str) -> UUID:
        return Tally.create_id(subject)


@dataclass(frozen=True)
class Observed:
    """An upstream event: `subject` was observed (the `n`th event of the stream)."""

    subject: str
    n: int
    named: bool = True
    """Whether `aggregate_ids` names the subject's tally (else it is read on its own)."""


UNKNOWN = Tally.create_id("never-stored")


class Counting:
    """A recorder that counts the one-aggregate reads (``Application.repository.get``)."""

    reads: int

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reads = 0

    def select_events(self, *args: Any, **kwargs: Any) -> Any:
        self.reads += 1
        return super().select_events(*args, **kwargs)  # type: ignore[misc]


class CountingSQLiteRecorder(Counting, SQLiteTrackedRecorder):  # type: ignore[misc]
    pass


class CountingPostgresRecorder(Counting, PostgresTrackedRecorder):  # type: ignore[misc]
    pass


def reads(app: Tallies) -> int:
    """How many single-aggregate reads `app`'s store has answered."""
    return cast(Counting, app.recorder).reads


class Tallies(OutboxApplication, EventSourcedProjection[UUID]):
    name = "tallies"

    def aggregate_ids(self, domain_event: Any) -> Iterable[UUID]:
        if not domain_event.named:
            return ()
        return (Tally.create_id(domain_event.subject), UNKNOWN)

    def policy(self, domain_event: Any, processing_event: ProcessingEvent[UUID]) -> None:
        tally_id = Tally.create_id(domain_event.subject)
        assert self.find(UNKNOWN, Tally) is None
        if domain_event.named and domain_event.subject != "marker":
            assert self.find(tally_id, Marker) is None  # a kind check takes nothing away
        tally = self.find(tally_id, Tally) or Tally(domain_event.subject)
        tally.see(domain_event.n)
        processing_event.collect_events(tally)


def tallies(settings: RuntimeSettings, service: str, snapshots: bool = False) -> Tallies:
    counting = CountingPostgresRecorder if settings.database_url else CountingSQLiteRecorder
    env = store_env(settings, service) | {"PROCESS_RECORDER_TOPIC": get_topic(counting)}
    if snapshots:
        env["IS_SNAPSHOTTING_ENABLED"] = "y"
    return Tallies(env=env)


def seed(app: Tallies, snapshots: bool) -> None:
    """The same history in both stores: `old` (snapshotted, then seen again) and `aside`."""
    old = Tally("old")
    old.see(1)
    aside = Tally("aside")
    aside.see(2)
    app.save(old, aside)
    if snapshots:
        app.take_snapshot(old.id)
    old.see(3)
    app.save(old)


BATCH = [
    Observed("old", 10),
    Observed("old", 11),  # the same aggregate twice
    Observed("new", 12),  # created mid-batch ...
    Observed("other", 13),
    Observed("new", 14),  # ... and touched again
    Observed("aside", 15, named=False),  # not named: read the ordinary way
    Observed("old", 16),
]


def history(app: Tallies, aggregate_id: UUID) -> list[tuple[int, str, Any]]:
    """An aggregate's stored events as they read back: version, type, what they changed."""
    stored: list[StoredEvent] = list(app.recorder.select_events(aggregate_id))
    decoded = [app.mapper.to_domain_event(s) for s in stored]
    return [
        (s.originator_version, s.topic, getattr(e, "n", getattr(e, "subject", None)))
        for s, e in zip(stored, decoded, strict=True)
    ]


@pytest.fixture
def stores(tmp_path: Path, store_backend: str, pg_schema_prefix: str) -> RuntimeSettings:
    return on_store(RuntimeSettings(var_dir=tmp_path / "var"), store_backend, pg_schema_prefix)


@pytest.mark.parametrize("snapshots", [False, True], ids=["events", "snapshots"])
def test_a_prefetched_batch_ends_where_one_at_a_time_ends(
    stores: RuntimeSettings, snapshots: bool
) -> None:
    batched, single = (tallies(stores, name, snapshots) for name in ("batched", "single"))
    for app in (batched, single):
        seed(app, snapshots)
    trackings = [Tracking("upstream#0", n) for n in range(1, len(BATCH) + 1)]
    reads_before = reads(batched)

    batched.process_events(list(zip(BATCH, trackings, strict=True)))
    for observed, tracking in zip(BATCH, trackings, strict=True):
        single.process_event(observed, tracking)  # type: ignore[arg-type]

    # Only the tally no event named was read on its own; the rest came in one go.
    assert reads(batched) - reads_before == 1
    for subject in ("old", "new", "other", "aside"):
        tally_id = Tally.create_id(subject)
        assert history(batched, tally_id) == history(single, tally_id), subject
        assert batched.repository.get(tally_id).seen == single.repository.get(tally_id).seen
    assert batched.repository.get(Tally.create_id("old")).seen == [1, 3, 10, 11, 16]
    assert batched.repository.get(Tally.create_id("new")).seen == [12, 14]
    assert batched.find(UNKNOWN, Tally) is None
    assert batched.recorder.max_tracking_id("upstream#0") == len(BATCH)
    assert single.recorder.max_tracking_id("upstream#0") == len(BATCH)


def test_a_batch_that_fails_records_nothing_and_leaves_no_prefetch_behind(
    stores: RuntimeSettings,
) -> None:
    """After a failed batch the consumer applies its events one at a time: they must
    start from the store, not from what the failed batch had read or changed."""
    app = tallies(stores, "failing")
    seed(app, snapshots=False)
    app.save(Marker("marker"))
    # The marker's id, read as a tally, is "not found": the policy opens a new tally
    # there, and the store refuses the whole batch (that version 1 exists).
    poisoned = [*BATCH[:3], Observed("marker", 99)]
    trackings = [Tracking("upstream#0", n) for n in range(1, len(poisoned) + 1)]

    with pytest.raises(IntegrityError):
        app.process_events(list(zip(poisoned, trackings, strict=True)))

    assert app.recorder.max_tracking_id("upstream#0") is None
    assert app.repository.get(Tally.create_id("old")).seen == [1, 3]
    assert Tally.create_id("new") not in app.repository
    reads_before = reads(app)
    app.process_event(BATCH[0], trackings[0])  # type: ignore[arg-type]
    # Its three look-ups (the unknown id, the other kind, the tally) read the store,
    # not anything the failed batch left behind.
    assert reads(app) - reads_before == 3
    assert app.repository.get(Tally.create_id("old")).seen == [1, 3, 10]


def consent_traffic() -> list[Any]:
    """Consents given for two subjects, one given twice, one withdrawn: the consent
    topic as cases and escalation read it."""
    withdrawn = ConsentWithdrawn(
        subject_id="c3" * 32,
        consent_id=UUID(int=3),
        withdrawn_at=CONSENTED_AT,
        recorded_by="SE2321000016-P001",
    )
    return [
        oral_consent(1, "c3" * 32),
        oral_consent(2, "d4" * 32),
        oral_consent(3, "c3" * 32),
        withdrawn,
    ]


@pytest.mark.parametrize("service", ["cases", "escalation"])
def test_the_consuming_services_name_what_their_consent_policies_load(
    stores: RuntimeSettings, service: str
) -> None:
    """Cases' and escalation's consent policies find the subject's consent record (view)
    in the batch's one query: not one of them is read on its own."""
    counting = CountingPostgresRecorder if stores.database_url else CountingSQLiteRecorder
    env = store_env(stores, service) | {"PROCESS_RECORDER_TOPIC": get_topic(counting)}
    app: Any = (
        CasesApplication(env=env, units=UnitDirectory([]))
        if service == "cases"
        else EscalationApplication(env=env)
    )
    traffic = consent_traffic()
    app.process_events([(e, Tracking("consent#0", n)) for n, e in enumerate(traffic, 1)])

    assert cast(Counting, app.recorder).reads == 0
    assert app.recorder.max_tracking_id("consent#0") == len(traffic)
    if service == "cases":
        known = app.consents_of("c3" * 32).consents
        assert set(known) == {UUID(int=1), UUID(int=3)}
        assert known[UUID(int=3)].withdrawn_at is not None
    else:
        view = app._authorisations("c3" * 32)
        assert view is not None
        assert view.version == 4  # opened, two consents noted, one withdrawn
