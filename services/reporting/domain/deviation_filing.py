"""D-8 (seed 003): "Ifylld avvikelserapport sänds till verksamhetscontroller IoF för
förvaring": a deviation's report, once filled in, is kept by the municipality's controller.

Readings, written down:

- Filled in means both steps (D-2): the joint summary is countersigned. A report closed
  early (W-2) or past its feedback deadline (D-3) is read and printed by the controller
  too, but only a summarised one waits on the controller's work list to be filed.
- The controller files it once, having printed or archived the form
  (``GET /v1/deviations/{id}/form``); which controller keeps which municipality's
  reports is the application's (`Controllers`), not this rule's.

Declared here with how it changes the deviation (`apply`) and named on `Deviation`
(``Filed = deviation_filing.Filed``), like closing early.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from services.reporting.domain.errors import DeviationAlreadyFiled, DeviationNotFilledIn
from services.runtime.kernel.aggregate import Aggregate


class _Deviation(Protocol):
    summarised_at: datetime | None
    filed_at: datetime | None
    subject_id: str | None

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None: ...


class Filed(Aggregate.Event):
    """D-8: the controller filed the filled-in report."""

    filed_by: str
    filed_by_org: str
    filed_at: datetime
    subject_id: str | None

    def apply(self, aggregate: Any) -> None:
        aggregate.filed_at = self.filed_at


class DeviationFiling:
    """Filing with the controller: part of `Deviation`."""

    filed_at: datetime | None = None
    """When the controller filed the report (D-8); None until then."""

    def file(self: _Deviation, *, by: str, by_org: str, at: datetime) -> None:
        """D-8: once, after both steps are signed."""
        if self.summarised_at is None:
            raise DeviationNotFilledIn(
                "the report is filed once both steps are signed: the joint summary is "
                "not countersigned yet"
            )
        if self.filed_at is not None:
            raise DeviationAlreadyFiled("the report is already filed")
        self.trigger_event(
            type(self).Filed,  # type: ignore[attr-defined]
            filed_by=by,
            filed_by_org=by_org,
            filed_at=at,
            subject_id=self.subject_id,
        )
