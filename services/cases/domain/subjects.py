"""Every case an individual has had, by unit: what K-2 and K-3 look up.

K-2 asks whether a child & youth case was known before; K-3 asks which other
units have an open case for the individual. One small aggregate per subject,
saved with the case it changes, answers both without a query over all cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import NAMESPACE_URL, UUID, uuid5

from services.runtime.kernel.aggregate import Aggregate, event


def subject_cases_id(subject_id: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"samverkan:cases:subject-cases:{subject_id}")


@dataclass
class CaseEntry:
    case_id: UUID
    unit: str
    unit_kind: str
    child_and_youth: bool
    open: bool = True


class SubjectCases(Aggregate):
    """The cases of one individual, open and closed."""

    class Started(Aggregate.Created):
        subject_id: str

    class CaseNoted(Aggregate.Event):
        case_id: UUID
        unit: str
        unit_kind: str
        child_and_youth: bool

    class CaseMoved(Aggregate.Event):
        case_id: UUID
        unit: str
        unit_kind: str

    class CaseEnded(Aggregate.Event):
        case_id: UUID

    @staticmethod
    def create_id(subject_id: str) -> UUID:
        return subject_cases_id(subject_id)

    @event(Started)
    def __init__(self, *, subject_id: str) -> None:
        self.subject_id = subject_id
        self.cases: dict[UUID, CaseEntry] = {}

    @event(CaseNoted)
    def note(self, *, case_id: UUID, unit: str, unit_kind: str, child_and_youth: bool) -> None:
        self.cases[case_id] = CaseEntry(case_id, unit, unit_kind, child_and_youth)

    @event(CaseMoved)
    def move(self, *, case_id: UUID, unit: str, unit_kind: str) -> None:
        entry = self.cases[case_id]
        entry.unit, entry.unit_kind = unit, unit_kind

    @event(CaseEnded)
    def end(self, *, case_id: UUID) -> None:
        self.cases[case_id].open = False

    @property
    def known_child_case(self) -> bool:
        """K-2: a child & youth case was known for the individual, open or closed."""
        return any(entry.child_and_youth for entry in self.cases.values())

    def open_case_at(self, unit: str) -> UUID | None:
        """K-1: the individual's case open at `unit`, which a new report there joins."""
        return next(
            (entry.case_id for entry in self.cases.values() if entry.open and entry.unit == unit),
            None,
        )

    def open_units(self, *, except_case: UUID | None = None) -> list[str]:
        """K-3: the units holding an open case for the individual, in the order opened."""
        units = [
            entry.unit
            for entry in self.cases.values()
            if entry.open and entry.case_id != except_case
        ]
        return list(dict.fromkeys(units))
