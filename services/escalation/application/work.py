"""What waits for whom (W-1): the escalation work list, read for the acting member of staff."""

from __future__ import annotations

from datetime import datetime

from contracts import Role
from services.escalation.application.base import EscalationBase
from services.escalation.views.work_items import municipality
from services.runtime.kernel.actor import Actor
from services.runtime.store.work_items import Reader, WorkPage, WorkQuery


class Work(EscalationBase):
    """The work list: the caller's unit's items, and a coordinator's office's municipalities'."""

    def work_list(self, actor: Actor, query: WorkQuery, now: datetime) -> WorkPage:
        """E-3: a coordinator also sees the red threads pulled in the municipalities their
        office serves as configured now; everyone sees their own unit's items."""
        addressees = [actor.org_id]
        if actor.role is Role.COORDINATOR:
            served = self.offices.served.get(actor.org_id, frozenset())
            addressees += [municipality(code) for code in sorted(served)]
        self._work_follower.catch_up()
        return self.work_items.page(Reader(addressees, actor.role.value), query, now)
