"""K-5, C-8 (seed 003): handing a case over to another unit. The sending unit requests it
with every mandatory part and the individual's consent, the receiving unit
acknowledges it and names its caseworker, and responsibility moves only on an
explicit transfer after that. Plans change (W-2): the receiving unit may decline it
before acknowledging, the sending unit withdraw it before the transfer, each with a
reason; the case stays with the sending unit, which may hand it over anew. What a
handover carries and where it stands: `handover`; its acknowledgement deadline passing:
`case_deadlines`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from services.cases.domain.case_state import CaseState
from services.cases.domain.dates import end_of_day
from services.cases.domain.errors import (
    HandoverConflict,
    HandoverIncomplete,
    HandoverWithoutConsent,
    NotInvolved,
)
from services.cases.domain.handover import Handover, HandoverContent, HandoverNotFound
from services.cases.domain.reasons import reason_given
from services.cases.domain.units import Unit
from services.runtime.kernel.personal import Personal


class CaseHandovers:
    """The case's handovers: part of `Case`."""

    @property
    def open_handover(self: CaseState) -> Handover | None:
        return next((h for h in self.handovers.values() if h.open), None)

    def handover(self: CaseState, handover_id: UUID) -> Handover:
        found = self.handovers.get(handover_id)
        if found is None:
            raise HandoverNotFound(f"case {self.id} has no handover {handover_id}")
        return found

    def request_handover(
        self: CaseState,
        *,
        unit: str,
        to_unit: Unit,
        content: HandoverContent,
        consent_id: UUID | None,
        at: datetime,
        by: str,
        acknowledge_by: date,
    ) -> UUID:
        """K-5, C-8 (seed 003): hand the case to another unit.

        The sending unit must hold the case; every mandatory part is filled
        in; the individual consented to a `case_handover` between both units
        before contact is initiated. The receiving unit acknowledges by the
        end of `acknowledge_by`.
        """
        self._require_open()
        self._require_responsible(unit, "hand it over", "K-5")
        if to_unit.hsa_id == self.unit:
            raise HandoverIncomplete(
                "hand the case over to another unit than the one holding it", field="body.to_unit"
            )
        missing = content.missing()
        if missing:
            raise HandoverIncomplete(
                f"mandatory handover part(s) missing: {', '.join(missing)}",
                field=f"body.content.{missing[0]}",
            )
        if self.open_handover is not None:
            raise HandoverConflict("the case already has a handover in progress")
        if consent_id is None:
            raise HandoverWithoutConsent(
                f"no active consent for case_handover between {self.unit} and {to_unit.hsa_id}; "
                "ask the individual before contact is initiated"
            )
        handover_id = uuid4()
        self._handover_requested(
            subject_id=self.subject_id,
            handover_id=handover_id,
            from_unit=self.unit,
            to_unit=to_unit.hsa_id,
            to_unit_kind=to_unit.kind.value,
            consent_id=consent_id,
            content=content.as_record(self.subject_id),
            requested_at=at,
            requested_by=by,
            acknowledge_by=acknowledge_by,
            overdue_at=end_of_day(acknowledge_by),
        )
        return handover_id

    def acknowledge_handover(
        self: CaseState,
        handover_id: UUID,
        *,
        unit: str,
        receiving_caseworker: str,
        at: datetime,
        by: str,
    ) -> None:
        """K-5: the receiving unit confirms receipt and names the caseworker it appointed."""
        handover = self.handover(handover_id)
        if unit != handover.to_unit:
            raise NotInvolved("only the receiving unit acknowledges a handover", rule="K-5")
        if handover.status != "requested":
            raise HandoverConflict(f"the handover is already {handover.status}")
        self._handover_acknowledged(
            subject_id=self.subject_id,
            handover_id=handover_id,
            to_unit=unit,
            receiving_caseworker=receiving_caseworker,
            acknowledged_at=at,
            acknowledged_by=by,
        )

    def transfer_responsibility(
        self: CaseState, handover_id: UUID, *, unit: str, at: datetime, by: str
    ) -> None:
        """K-5: responsibility moves only on this explicit step, after acknowledgement.

        Either unit records it (it is agreed between them); from then on the
        receiving unit holds the case and its appointed caseworker handles it.
        """
        handover = self.handover(handover_id)
        if unit not in (handover.from_unit, handover.to_unit):
            raise NotInvolved("only the sending or receiving unit transfers", rule="K-5")
        if handover.status != "acknowledged":
            raise HandoverConflict(
                "responsibility transfers only after the receiving unit acknowledged receipt"
                if handover.status == "requested"
                else f"the handover is already {handover.status}"
            )
        assert handover.receiving_caseworker is not None
        self._responsibility_transferred(
            subject_id=self.subject_id,
            handover_id=handover_id,
            from_unit=handover.from_unit,
            to_unit=handover.to_unit,
            to_unit_kind=handover.to_unit_kind,
            caseworker=handover.receiving_caseworker,
            transferred_at=at,
            transferred_by=by,
        )

    def decline_handover(
        self: CaseState, handover_id: UUID, *, unit: str, reason: str, at: datetime, by: str
    ) -> None:
        """W-2, K-5: the receiving unit declines the handover, with the reason, instead of
        acknowledging it: only before it acknowledged. The case stays with the sending
        unit, which may hand it over anew (to the same unit, or another)."""
        handover = self.handover(handover_id)
        if unit != handover.to_unit:
            raise NotInvolved("only the receiving unit declines a handover", rule="K-5")
        if handover.status != "requested":
            raise HandoverConflict(
                f"a handover is declined before it is acknowledged (W-2); "
                f"this one is already {handover.status}"
            )
        self._handover_declined(
            subject_id=self.subject_id,
            handover_id=handover_id,
            from_unit=handover.from_unit,
            to_unit=handover.to_unit,
            still_involved=_involved_beyond(self, handover),
            reason=reason_given(self.subject_id, reason),
            declined_at=at,
            declined_by=by,
        )

    def withdraw_handover(
        self: CaseState, handover_id: UUID, *, unit: str, reason: str, at: datetime, by: str
    ) -> None:
        """W-2, K-5: the sending unit withdraws the handover, with the reason, acknowledged
        or not: only before responsibility transferred. The case stays with it."""
        handover = self.handover(handover_id)
        if unit != handover.from_unit:
            raise NotInvolved("only the sending unit withdraws a handover", rule="K-5")
        if not handover.open:
            raise HandoverConflict(
                f"a handover is withdrawn before responsibility transfers (W-2); "
                f"this one is already {handover.status}"
            )
        self._handover_withdrawn(
            subject_id=self.subject_id,
            handover_id=handover_id,
            from_unit=handover.from_unit,
            to_unit=handover.to_unit,
            still_involved=_involved_beyond(self, handover),
            reason=reason_given(self.subject_id, reason),
            withdrawn_at=at,
            withdrawn_by=by,
        )


# --- how each of their events changes the case (Case binds each to its event) ----------


def handover_requested(
    self: CaseState,
    *,
    subject_id: str,
    handover_id: UUID,
    from_unit: str,
    to_unit: str,
    to_unit_kind: str,
    consent_id: UUID,
    content: dict[str, Any],
    requested_at: datetime,
    requested_by: str,
    acknowledge_by: date,
    overdue_at: datetime,
) -> None:
    self.handovers[handover_id] = Handover(
        handover_id,
        from_unit,
        to_unit,
        to_unit_kind,
        consent_id,
        content,
        requested_at,
        requested_by,
        acknowledge_by,
        overdue_at,
    )
    if to_unit not in self.involved_units:
        self.involved_units.append(to_unit)


def handover_acknowledged(
    self: CaseState,
    *,
    subject_id: str,
    handover_id: UUID,
    to_unit: str,
    receiving_caseworker: str,
    acknowledged_at: datetime,
    acknowledged_by: str,
) -> None:
    handover = self.handovers[handover_id]
    handover.acknowledged_at = acknowledged_at
    handover.acknowledged_by = acknowledged_by
    handover.receiving_caseworker = receiving_caseworker


def responsibility_transferred(
    self: CaseState,
    *,
    subject_id: str,
    handover_id: UUID,
    from_unit: str,
    to_unit: str,
    to_unit_kind: str,
    caseworker: str,
    transferred_at: datetime,
    transferred_by: str,
) -> None:
    self.handovers[handover_id].transferred_at = transferred_at
    self.unit = to_unit
    self.unit_kind = to_unit_kind
    self.caseworker = caseworker


def handover_declined(
    self: CaseState,
    *,
    subject_id: str,
    handover_id: UUID,
    from_unit: str,
    to_unit: str,
    still_involved: bool,
    reason: Personal,
    declined_at: datetime,
    declined_by: str,
) -> None:
    self.handovers[handover_id].declined_at = declined_at
    _ended(self, handover_id, to_unit, still_involved=still_involved, reason=reason)


def handover_withdrawn(
    self: CaseState,
    *,
    subject_id: str,
    handover_id: UUID,
    from_unit: str,
    to_unit: str,
    still_involved: bool,
    reason: Personal,
    withdrawn_at: datetime,
    withdrawn_by: str,
) -> None:
    self.handovers[handover_id].withdrawn_at = withdrawn_at
    _ended(self, handover_id, to_unit, still_involved=still_involved, reason=reason)


def _ended(
    self: CaseState, handover_id: UUID, to_unit: str, *, still_involved: bool, reason: Personal
) -> None:
    """A handover declined or withdrawn (W-2): its reason kept; a unit only offered the case
    no longer among those involved (K-3)."""
    self.handovers[handover_id].reason = reason
    if not still_involved and to_unit in self.involved_units:
        self.involved_units.remove(to_unit)


def _involved_beyond(self: CaseState, ending: Handover) -> bool:
    """K-3 after W-2: whether the unit offered the case in `ending` still reads the case
    once that handover is declined or withdrawn: it holds the case, or took part in another
    handover of it that did not end so. A unit only offered the case, and not getting it,
    reads it no more; what it received it reads as the handover's receiving unit, while
    the consent holds (C-9)."""
    unit = ending.to_unit
    if unit == self.announced_to and self.continued_support_needed:
        return True  # K-4: the unit the age transition was announced to reads it still
    return unit == self.unit or any(
        unit in (h.from_unit, h.to_unit) and h.status not in ("declined", "withdrawn")
        for h in self.handovers.values()
        if h.id != ending.id
    )
