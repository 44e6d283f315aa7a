"""Plans change (W-2): a deviation closed early, before its joint summary is countersigned
(D-2 step 2), with the reason why (the failure was a misunderstanding, or is handled in
another forum).

Readings, written down:

- Who: a manager (deputy unit manager or above, D-2) of one of its parties — the
  reporting unit or an affected organisation — the same people who would sign the joint
  summary; a detected deviation (D-7) naming no organisation, a manager of any unit.
- It stays a deviation that happened: both steps as far as they went are kept, and the
  statistics (D-5, D-6) count it as reported or detected, as before.
- The reason is free text, sealed like the rest of the deviation (`deviation_owner`),
  and never published: `DeviationClosed` carries codes only.
- Once closed, no summary is proposed or countersigned; once countersigned, it is not
  closed early (both steps stay as stored).

The event is declared here with how it changes the deviation (`apply`) and named on
`Deviation` (``Closed = deviation_closing.Closed``), which makes it the aggregate's own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from contracts.vocabulary import Role
from services.reporting.domain.errors import (
    AlreadySummarised,
    DeviationAlreadyClosed,
    DeviationReasonRequired,
    NotASideOfTheDeviation,
    OnlyDeputyUnitManagerOrAboveMayReport,
)
from services.reporting.domain.signatures import may_report_deviation
from services.runtime.kernel.aggregate import Aggregate
from services.runtime.kernel.personal import Personal


class _Deviation(Protocol):
    """What the rule reads of `Deviation`."""

    category: str
    subject_id: str | None
    summarised_at: datetime | None
    closed_at: datetime | None

    @property
    def owner(self) -> str: ...

    def parties(self) -> list[str]: ...

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None: ...


class Closed(Aggregate.Event):
    """W-2: closed before its joint summary was countersigned, with the reason (sealed)."""

    closed_by: str
    closed_by_org: str
    reason: Personal
    closed_at: datetime
    category: str
    subject_id: str | None

    def apply(self, aggregate: Any) -> None:
        aggregate.closed_at, aggregate.closing_reason = self.closed_at, self.reason


class DeviationClosing:
    """Closing early: part of `Deviation`."""

    closed_at: datetime | None = None
    """When it was closed early (W-2); None while it is open or once summarised."""
    closing_reason: Personal | None = None

    def _check_not_closed(self) -> None:
        if self.closed_at is not None:
            raise DeviationAlreadyClosed("the deviation was closed early; nothing more is signed")

    def close_early(
        self: _Deviation, *, role: Role, by: str, by_org: str, reason: str, at: datetime
    ) -> None:
        """W-2: by a manager of one of its parties (D-2), before it is countersigned."""
        if not may_report_deviation(role):
            raise OnlyDeputyUnitManagerOrAboveMayReport(
                f"a {role} may not close a deviation; it is closed at the level that "
                "reports and signs it (deputy unit manager or above)"
            )
        parties = self.parties()
        if parties and by_org not in parties:
            raise NotASideOfTheDeviation(
                "a deviation is closed by a manager of the reporting unit or an affected "
                "organisation"
            )
        if self.summarised_at is not None:
            raise AlreadySummarised("the joint summary is signed; both steps stay as stored")
        if self.closed_at is not None:
            raise DeviationAlreadyClosed("the deviation was already closed early")
        text = reason.strip()
        if not text:
            raise DeviationReasonRequired("say why it is closed early: reason must not be blank")
        self.trigger_event(
            type(self).Closed,  # type: ignore[attr-defined]
            closed_by=by,
            closed_by_org=by_org,
            reason=Personal(self.owner, text),
            closed_at=at,
            category=self.category,
            subject_id=self.subject_id,
        )
