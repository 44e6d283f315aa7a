"""What waits for whom (W-1) and what is kept about whom (W-3), read for the acting member of
staff: their unit's items and records, and what their unit reads as the municipality's IOF
unit or on an individual's consent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from contracts import Purpose, UnitKind
from services.cases.application.base import CasesBase
from services.cases.views.subject_records import handover_consent
from services.cases.views.work_kinds import child_and_youth_unit
from services.runtime.kernel.actor import Actor
from services.runtime.kernel.stockholm_time import stockholm_date
from services.runtime.store.subject_records import RecordPage, RecordQuery
from services.runtime.store.work_items import Reader, WorkPage, WorkQuery


class Work(CasesBase):
    """The work list and the records by individual."""

    def work_list(self, actor: Actor, query: WorkQuery, now: datetime) -> WorkPage:
        self._work_follower.catch_up()
        return self.work_items.page(Reader(self._reaches(actor), actor.role.value), query, now)

    def records_of(
        self, actor: Actor, subject_ids: Sequence[str], query: RecordQuery, now: datetime
    ) -> RecordPage:
        """The records about the individual that the actor's unit may read where they point
        (W-3): also the handovers to it that the individual's consent lets it read today
        (C-8, C-9), as `read_handover` decides."""
        parties = self._reaches(actor) + self._handovers_on_consent(actor, subject_ids, now)
        self._records_follower.catch_up()
        return self.subject_records.page(subject_ids, parties, query)

    def _reaches(self, actor: Actor) -> list[str]:
        """Whom the actor reads for: their unit, and for the unit the directory names as its
        municipality's IOF unit (as configured now) the child-welfare reports made there
        (K-10)."""
        addressees = [actor.org_id]
        unit = self.units.get(actor.org_id)
        if unit is not None and unit.kind is UnitKind.IOF:
            addressees.append(child_and_youth_unit(unit.municipality_code))
        return addressees

    def _handovers_on_consent(
        self, actor: Actor, subject_ids: Sequence[str], now: datetime
    ) -> list[str]:
        """C-8, C-9: the handovers to the actor's unit from each unit that a `case_handover`
        consent of the individual's, holding today, names beside it."""
        today = stockholm_date(now)
        parties: list[str] = []
        for subject_id in subject_ids:
            consents = self.consents_of(subject_id)
            if consents is None:
                continue
            for consent in consents.consents.values():
                if consent.covers([actor.org_id], Purpose.CASE_HANDOVER.value, today):
                    parties += [
                        handover_consent(subject_id, unit, actor.org_id) for unit in consent.parties
                    ]
        return list(dict.fromkeys(parties))
