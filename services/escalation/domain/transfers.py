"""Upcoming transfers between units, for the termly inventory (E-7, K-4, seed 003).

"En gång per termin ska detta forum innehålla en inventering av antal kommande
kända individöverföringar och dess behov." The cases service announces each
transfer six months ahead (`AgeTransitionDue`, K-4); escalation keeps them
per unit and term of the transfer, so a meeting's inventory reads a handful
of small aggregates rather than every case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.escalation.domain.terms import next_term, term_of


def transfers_id(unit: str, term: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"samverkan:escalation:transfers:{unit}:{term}")


@dataclass(frozen=True)
class Transfer:
    case_id: UUID
    subject_id: str
    unit: str
    transition_on: date
    announce_by: date


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

    @staticmethod
    def create_id(unit: str, term: str) -> UUID:
        return transfers_id(unit, term)

    @event(Opened)
    def __init__(self, *, unit: str, term: str) -> None:
        self.unit = unit
        self.term = term
        self.transfers: dict[UUID, Transfer] = {}

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
        if known is not None and known.transition_on == transition_on:
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
        self.transfers[case_id] = Transfer(
            case_id, subject_id, self.unit, transition_on, announce_by
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
