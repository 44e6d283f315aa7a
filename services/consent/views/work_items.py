"""The consent service's work list (W-1): what waits for a unit after a refusal (C-12).

- A refusal that carries a day to ask again (seed 000: "kan motivationsarbete …
  behövas") waits on the recording unit's list, due by the end of that day: the unit
  does the motivational work it planned and asks the individual again.
- It is done once a consent about the individual names that unit (the unit asked again
  and the individual said yes; a unit records only consents it is party to, C-3), or
  when the individual is erased or culled: no list names an erased person.

An item's id is the refusal's, where its link reads it back (W-3). Fed by the service's
own events (eventsourcing `Projection`, tracked in the same transaction), caught up
before it is read.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from services.consent.domain import Consent, ConsentRefusal, SubjectErasure, end_of_day
from services.runtime.http.work_list import WorkKind
from services.runtime.store.work_items import (
    Addressed,
    WorkListView,
    done_about,
    forgotten,
    opened,
)

ASK_AGAIN = "ask_again"

WORK_KINDS = {
    ASK_AGAIN: WorkKind("Ask the individual again for consent, the motivational work done", "C-12"),
}
"""What consent puts on work lists, and the rule each comes from."""


class ConsentWork(Projection[WorkListView]):
    """The consent service's own domain events → work items for the units that must act."""

    name = "work_items"

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.apply([], tracking)

    @process_event.register
    def _(self, e: ConsentRefusal.Refused, tracking: Tracking) -> None:
        """C-12: a day to ask again puts the refusal on the recording unit's list."""
        if e.ask_again_on is None or e.recording_unit is None:
            self.view.apply([], tracking)
            return
        self.view.apply(
            opened(
                e.originator_id,
                ASK_AGAIN,
                Addressed([e.recording_unit]),
                state="refused",
                since=e.timestamp,
                href=f"/v1/consent-refusals/{e.originator_id}",
                subject_id=e.subject_id,
                due_at=end_of_day(e.ask_again_on),
            ),
            tracking,
        )

    @process_event.register
    def _(self, e: Consent.Given, tracking: Tracking) -> None:
        """C-12: asked again, the individual consented: nothing waits at the units it names."""
        self.view.apply(done_about(e.subject_id, ASK_AGAIN, e.parties), tracking)

    @process_event.register
    def _(self, e: SubjectErasure.Erased, tracking: Tracking) -> None:
        """GDPR art. 17, culling: an erased individual is on no list."""
        self.view.apply(forgotten(e.subject_id), tracking)
