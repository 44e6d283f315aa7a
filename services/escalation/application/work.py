"""What waits for whom (W-1) and what is kept about whom (W-3), read for the acting member of
staff: their unit's items and records, and a coordinator's office's municipalities'."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from contracts import Role
from services.escalation.application.base import EscalationBase
from services.escalation.views.work_items import municipality
from services.runtime.kernel.actor import Actor
from services.runtime.store.subject_records import RecordPage, RecordQuery
from services.runtime.store.work_items import Reader, WorkPage, WorkQuery


class Work(EscalationBase):
    """The work list and the records by individual."""

    def work_list(self, actor: Actor, query: WorkQuery, now: datetime) -> WorkPage:
        self._work_follower.catch_up()
        return self.work_items.page(Reader(self._reaches(actor), actor.role.value), query, now)

    def records_of(
        self,
        actor: Actor,
        subject_ids: Sequence[str],
        query: RecordQuery,
        now: datetime | None = None,
    ) -> RecordPage:
        """The records about the individual the actor's unit is party to (W-3); who is party
        to an escalation record does not depend on the day, so `now` is not asked."""
        self._records_follower.catch_up()
        return self.subject_records.page(subject_ids, self._reaches(actor), query)

    def _reaches(self, actor: Actor) -> list[str]:
        """Whom the actor reads for: their unit, and for a coordinator the municipalities
        their office serves as configured now (E-3)."""
        addressees = [actor.org_id]
        if actor.role is Role.COORDINATOR:
            served = self.offices.served.get(actor.org_id, frozenset())
            addressees += [municipality(code) for code in sorted(served)]
        return addressees
