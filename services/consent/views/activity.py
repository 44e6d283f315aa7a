"""Statutory culling (gallring): who has been idle on the platform for the retention period.

Who decides, and why consent. Culling is erasure on a schedule: the same
crypto-shredding (every service destroys the subject's data key) and the same
published fact, `SubjectErased` (v2, `reason: culling`). Consent already owns
that fact and the erasure that makes it, and partners already follow its
topic for it. If each service culled for itself, an individual's case could
stay readable in cases while their meeting registrations were gone from
escalation, four services would each need an erasure event of their own, and
partners would have four streams to follow. One decision, made where erasure
is made, keeps "culled" meaning the same everywhere.

What counts as activity. The retention runs from the *last entry* about the
individual anywhere on the platform (SoL 12:1 counts from the last entry in
the file; see services.consent.domain.erasure for the periods assumed).
Consent therefore listens to every other service's topic as well as to its
own records:

- its own records count at their own time: a consent given, changed or
  withdrawn, a refusal, a disclosure decided. Expiries do not: a consent
  running out is the absence of activity, not an entry.
- every public event about the individual from cases, escalation and
  reporting (each carries the subject id) counts when consent receives it,
  on consent's clock: the consumer sees the event within moments of its
  making, and a message delivered twice or replayed can only postpone
  culling, never bring it forward.

An individual who was erased (on request or culled) is not culled again.

This read model lives in consent's own database: one row per individual
with their last activity, kept current from both sources, each with its own
tracking records (the own log by a Follower, each upstream partition by the
tracked consumer).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from contracts import IntegrationEvent
from services.consent.domain import (
    Consent,
    ConsentRefusal,
    EmergencyDisclosure,
    SubjectErasure,
    UnbornChildDisclosure,
)
from services.runtime.kernel.clock import Clock
from services.runtime.messaging.consumer import TrackedTarget
from services.runtime.store.read_models import SqlReadModel, instant, micros, sql_read_model

_TABLES = [
    "CREATE TABLE IF NOT EXISTS {subject_activity} (subject_id TEXT PRIMARY KEY, "
    "last_active BIGINT NOT NULL, erased BIGINT)",
    "CREATE INDEX IF NOT EXISTS {subject_activity_idle} ON {subject_activity} (last_active)",
    "CREATE TABLE IF NOT EXISTS {activity_basis} (basis_id TEXT PRIMARY KEY, "
    "subject_id TEXT NOT NULL)",
]

_ACTIVE = (
    "INSERT INTO {subject_activity} AS a (subject_id, last_active) VALUES (?, ?) "
    "ON CONFLICT (subject_id) DO UPDATE SET last_active = CASE "
    "WHEN excluded.last_active > a.last_active THEN excluded.last_active ELSE a.last_active END"
)
_ERASED = (
    "INSERT INTO {subject_activity} AS a (subject_id, last_active, erased) VALUES (?, ?, ?) "
    "ON CONFLICT (subject_id) DO UPDATE SET erased = excluded.erased"
)
_BASIS = "INSERT INTO {activity_basis} (basis_id, subject_id) VALUES (?, ?) ON CONFLICT DO NOTHING"

Operations = list[tuple[str, tuple[Any, ...]]]


class ActivityView(SqlReadModel):
    """Each individual's last activity on the platform, and whether they were erased."""

    TABLES = _TABLES
    NAMES = ("subject_activity", "activity_basis")
    INDEXES = ("subject_activity_idle",)

    def idle_before(self, before: datetime, limit: int) -> list[tuple[str, datetime]]:
        """Individuals not erased whose last activity is before `before`, longest idle first."""
        rows = self.select(
            "SELECT subject_id, last_active FROM {subject_activity} "
            "WHERE erased IS NULL AND last_active < ? ORDER BY last_active LIMIT ?",
            (micros(before), limit),
        )
        return [(subject_id, _instant(us)) for subject_id, us in rows]

    def last_activity(self, subject_id: str) -> datetime | None:
        rows = self.select(
            "SELECT last_active FROM {subject_activity} WHERE subject_id = ?", (subject_id,)
        )
        return instant(rows[0][0]) if rows else None

    def subject_of(self, basis_id: UUID) -> str | None:
        rows = self.select(
            "SELECT subject_id FROM {activity_basis} WHERE basis_id = ?", (str(basis_id),)
        )
        return str(rows[0][0]) if rows else None


def _instant(us: int) -> datetime:
    at = instant(us)
    assert at is not None
    return at


def activity_view(application: Application[Any]) -> ActivityView:
    """The read model on the consent application's own database."""
    return sql_read_model(ActivityView, application)  # type: ignore[type-abstract]


def active(subject_id: str, at: datetime) -> tuple[str, tuple[Any, ...]]:
    return _ACTIVE, (subject_id, micros(at))


class OwnActivity(Projection[ActivityView]):
    """Consent's own records → activity, at the time each was made."""

    name = "activity"

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        """Expiries and anything else that is not an entry about the individual."""
        self.view.apply([], tracking)

    def _made(self, basis_id: UUID, subject_id: str, at: datetime, tracking: Tracking) -> None:
        self.view.apply([(_BASIS, (str(basis_id), subject_id)), active(subject_id, at)], tracking)

    def _changed(self, basis_id: UUID, at: datetime, tracking: Tracking) -> None:
        subject_id = self.view.subject_of(basis_id)
        self.view.apply([active(subject_id, at)] if subject_id else [], tracking)

    @process_event.register
    def _(self, e: Consent.Given, tracking: Tracking) -> None:
        self._made(e.originator_id, e.subject_id, e.given_at, tracking)

    @process_event.register
    def _(self, e: Consent.ScopeChanged, tracking: Tracking) -> None:
        self._changed(e.originator_id, e.changed_at, tracking)

    @process_event.register
    def _(self, e: Consent.Withdrawn, tracking: Tracking) -> None:
        self._changed(e.originator_id, e.withdrawn_at, tracking)

    @process_event.register
    def _(self, e: ConsentRefusal.Refused, tracking: Tracking) -> None:
        self._made(e.originator_id, e.subject_id, e.refused_at, tracking)

    @process_event.register
    def _(self, e: EmergencyDisclosure.Decided, tracking: Tracking) -> None:
        self._made(e.originator_id, e.subject_id, e.decided_at, tracking)

    @process_event.register
    def _(self, e: UnbornChildDisclosure.Decided, tracking: Tracking) -> None:
        self._made(e.originator_id, e.subject_id, e.decided_at, tracking)

    @process_event.register
    def _(self, e: SubjectErasure.Erased, tracking: Tracking) -> None:
        at = micros(e.erased_at)
        self.view.apply([(_ERASED, (e.subject_id, at, at))], tracking)


class UpstreamActivity:
    """Every other service's public events about an individual → activity, on consent's
    clock when the event arrives (the tracked consumer's target)."""

    def __init__(self, view: ActivityView, clock: Clock) -> None:
        self.view = view
        self.clock = clock

    def process_event(self, event: IntegrationEvent, tracking: Tracking) -> None:
        subject_id = event.subject()
        operations = [active(subject_id, self.clock.now())] if subject_id else []
        self.view.apply(operations, tracking)

    def target(self) -> TrackedTarget:
        return TrackedTarget(
            self.process_event, self.view.max_tracking_id, self.view.insert_tracking
        )
