"""What waits for whom (W-1): the cases work list, read for the acting member of staff."""

from __future__ import annotations

from datetime import datetime

from contracts.cases import UnitKind
from services.cases.application.base import CasesBase
from services.cases.views.work_items import child_and_youth_unit
from services.runtime.kernel.actor import Actor
from services.runtime.store.work_items import Reader, WorkPage, WorkQuery


class Work(CasesBase):
    """The work list: the caller's unit's items, and a child & youth unit's municipality's."""

    def work_list(self, actor: Actor, query: WorkQuery, now: datetime) -> WorkPage:
        """K-10: the unit the directory names as its municipality's IOF unit also sees the
        child-welfare reports made there, as it reads them (the directory as configured
        now); everyone sees their own unit's items."""
        addressees = [actor.org_id]
        unit = self.units.get(actor.org_id)
        if unit is not None and unit.kind is UnitKind.IOF:
            addressees.append(child_and_youth_unit(unit.municipality_code))
        self._work_follower.catch_up()
        return self.work_items.page(Reader(addressees, actor.role.value), query, now)
