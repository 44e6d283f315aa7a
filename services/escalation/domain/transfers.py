"""Upcoming transfers between units, for the termly inventory (E-7, K-4, seed 003).

"En gång per termin ska detta forum innehålla en inventering av antal kommande
kända individöverföringar och dess behov." The cases service reminds the youth
unit of each transfer ahead of its six-month announcement date
(`AgeTransitionDue`, K-4) and publishes the announcement itself, made early or
late, with the unit taking over (`AgeTransitionAnnounced`); escalation keeps
them per sending unit and term of the transfer, so a meeting's inventory reads
a handful of small aggregates rather than every case. A case announced as
needing no support after the birthday transfers nothing and leaves the list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from services.escalation.domain.terms import next_term, term_of
from services.runtime.kernel.aggregate import Aggregate, event


def transfers_id(unit: str, term: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"samverkan:escalation:transfers:{unit}:{term}")


@dataclass(frozen=True)
class Transfer:
    case_id: UUID
    subject_id: str
    unit: str
    transition_on: date
    announce_by: date | None
    to_unit: str | None = None
    """The unit taking over, once the case is announced (K-4)."""
    announced_at: datetime | None = None


class UpcomingTransfers(Aggregate):
    """Known transfers out of one unit whose date falls in one term."""

    class Opened(Aggregate.Created):
        unit: str
        term: str

    class TransferNoted(Aggregate.Event):
        case_id: UUID
        subject_id: str
        transition_on: date
        announce_by: date
        noted_at: datetime

    class TransferAnnounced(Aggregate.Event):
        """K-4: announced to `to_unit`; with no continued support nothing transfers."""

        case_id: UUID
        subject_id: str
        transition_on: date
        to_unit: str
        continued_support_needed: bool
        announced_at: datetime

    @staticmethod
    def create_id(unit: str, term: str) -> UUID:
        return transfers_id(unit, term)

    @event(Opened)
    def __init__(self, *, unit: str, term: str) -> None:
        self.unit = unit
        self.term = term
        self.transfers: dict[UUID, Transfer] = {}
        self.withdrawn: set[UUID] = set()

    def note(
        self,
        *,
        case_id: UUID,
        subject_id: str,
        transition_on: date,
        announce_by: date,
        at: datetime,
    ) -> None:
        """The same case announced again (a redelivery, a corrected date) replaces the entry."""
        known = self.transfers.get(case_id)
        if case_id in self.withdrawn or (
            known is not None and known.transition_on == transition_on
        ):
            return
        self._noted(
            case_id=case_id,
            subject_id=subject_id,
            transition_on=transition_on,
            announce_by=announce_by,
            noted_at=at,
        )

    @event(TransferNoted)
    def _noted(
        self,
        *,
        case_id: UUID,
        subject_id: str,
        transition_on: date,
        announce_by: date,
        noted_at: datetime,
    ) -> None:
        if case_id in self.withdrawn:
            return  # K-4: announced as needing no support: nothing transfers
        known = self.transfers.get(case_id)
        self.transfers[case_id] = Transfer(
            case_id,
            subject_id,
            self.unit,
            transition_on,
            announce_by,
            known.to_unit if known is not None else None,
            known.announced_at if known is not None else None,
        )

    def note_announcement(
        self,
        *,
        case_id: UUID,
        subject_id: str,
        transition_on: date,
        to_unit: str,
        continued_support_needed: bool,
        at: datetime,
    ) -> None:
        """K-4: the announcement names the unit taking over; once only (a redelivery)."""
        known = self.transfers.get(case_id)
        if known is not None and known.announced_at is not None:
            return
        self._announced(
            case_id=case_id,
            subject_id=subject_id,
            transition_on=transition_on,
            to_unit=to_unit,
            continued_support_needed=continued_support_needed,
            announced_at=at,
        )

    @event(TransferAnnounced)
    def _announced(
        self,
        *,
        case_id: UUID,
        subject_id: str,
        transition_on: date,
        to_unit: str,
        continued_support_needed: bool,
        announced_at: datetime,
    ) -> None:
        if not continued_support_needed:
            self.transfers.pop(case_id, None)
            self.withdrawn.add(case_id)
            return
        known = self.transfers.get(case_id)
        announce_by = known.announce_by if known is not None else None
        self.transfers[case_id] = Transfer(
            case_id, subject_id, self.unit, transition_on, announce_by, to_unit, announced_at
        )


def inventory_terms(on: date) -> list[str]:
    """K-4 announces six months ahead, so what is known on a day falls in its term or the next."""
    return [term_of(on), next_term(term_of(on))]


def upcoming(transfers: list[Transfer], on: date) -> list[Transfer]:
    """E-7: the inventory lists transfers from the meeting's day on, soonest first."""
    return sorted(
        (t for t in transfers if t.transition_on >= on),
        key=lambda t: (t.transition_on, str(t.case_id)),
    )
