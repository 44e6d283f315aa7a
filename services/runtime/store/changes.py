"""Loading, creating and changing one aggregate, the same way in every service.

A use case loads the aggregate a command names, changes it and saves it. An id
that names nothing (or a record of another kind: ids are not to be probed across
kinds) is the service's own 404 rule, looked up in its `unknown` table, so the
problem a caller gets says which record was missing. Commands and policies may
change the same aggregate at the same moment; the store's optimistic
concurrency refuses the later save, and the loser runs again on fresh state, so
neither overwrites nor misses the other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import ClassVar, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from services.runtime.kernel.rules import RuleViolation
from services.runtime.store.application import OutboxApplication

T = TypeVar("T")
A = TypeVar("A", bound=Aggregate)

CONFLICT_ATTEMPTS = 5
"""How often a step is tried in all before a lost race answers 409 (concurrent change)."""


def retrying(command: Callable[[], T]) -> T:
    """Run a command again when a concurrent save changed one of its aggregates first."""
    for _ in range(CONFLICT_ATTEMPTS - 1):
        try:
            return command()
        except IntegrityError:
            continue
    return command()


class ChangesAggregates(OutboxApplication):
    """Mixin for a service's application: `_load` (`_load_checked`), `_created`, `_changing`
    and `_change`.

    The loaders do not authorise: only the use cases call them, and each decides,
    on the aggregate it loaded, whether the actor's unit may see or change it.
    """

    unknown: ClassVar[Mapping[type[Aggregate], tuple[type[RuleViolation], str]]] = {}
    """What a command naming a record that is not there breaks, and what the record is
    called, by the kind of aggregate the use cases load."""

    def _load(self, kind: type[A], aggregate_id: UUID) -> A:
        """The aggregate of that kind; unknown, or of another kind, is the kind's 404 rule."""
        aggregate = self.find(aggregate_id, kind)
        if aggregate is None:
            error, what = self.unknown[kind]
            raise error(f"no {what} {aggregate_id}")
        return aggregate

    def _load_checked(self, kind: type[A], aggregate_id: UUID, require: Callable[[A], object]) -> A:
        """`_load`, then the use case's object-level rule: `require` raises unless the actor
        may see this very aggregate (one of its parties, its unit, ...)."""
        aggregate = self._load(kind, aggregate_id)
        require(aggregate)
        return aggregate

    def _created(self, aggregate: A) -> A:
        """A new aggregate, once its first events are stored."""
        self.save(aggregate)
        return aggregate

    def _changing(self, load: Callable[[], A], change: Callable[[A], object]) -> A:
        """Load (and so authorise) an aggregate, change it and save it; on losing a race
        with a concurrent save, all of it again on fresh state (`retrying`)."""

        def run() -> A:
            aggregate = load()
            change(aggregate)
            self.save(aggregate)
            return aggregate

        return retrying(run)

    def _change(self, kind: type[A], aggregate_id: UUID, change: Callable[[A], object]) -> A:
        """`_changing` the aggregate of that kind by its id; `change` checks the actor."""
        return self._changing(lambda: self._load(kind, aggregate_id), change)
