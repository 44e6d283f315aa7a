"""The organisation units cases routes to: one IOF and one AOF unit per municipality.

Seed 003 is one district administration's routine between its two
departments; the directory says which HSA-id is which department where, so
routing can name a real unit and a request naming an unknown unit is
refused (K-1, K-5).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from contracts import UnitKind
from services.cases.domain.errors import UnknownUnit


def others_than(unit: str, units: Iterable[str]) -> list[str]:
    """The units besides the one acting, each once, in the order named: whom a decision,
    a closing or a meeting reaches (K-3, K-9)."""
    return [other for other in dict.fromkeys(units) if other != unit]


@dataclass(frozen=True)
class Unit:
    hsa_id: str
    kind: UnitKind
    municipality_code: str


class UnitDirectory:
    """Known units by HSA-id, and each municipality's unit of each kind."""

    def __init__(self, units: Iterable[Unit]) -> None:
        self._by_id: dict[str, Unit] = {}
        self._by_kind: dict[tuple[str, UnitKind], Unit] = {}
        for unit in units:
            key = (unit.municipality_code, unit.kind)
            if unit.hsa_id in self._by_id or key in self._by_kind:
                msg = f"unit {unit.hsa_id} repeats an HSA-id or a municipality's {unit.kind}"
                raise ValueError(msg)
            self._by_id[unit.hsa_id] = unit
            self._by_kind[key] = unit

    def units(self) -> list[Unit]:
        return list(self._by_id.values())

    def get(self, hsa_id: str) -> Unit | None:
        return self._by_id.get(hsa_id)

    def require(self, hsa_id: str, *, field: str, rule: str = "K-5") -> Unit:
        unit = self._by_id.get(hsa_id)
        if unit is None:
            raise UnknownUnit(f"{hsa_id} is not a known unit", field=field, rule=rule)
        return unit

    def known_unit_of(self, municipality_code: str, kind: UnitKind) -> Unit | None:
        """The municipality's unit of this kind, if the directory knows one."""
        return self._by_kind.get((municipality_code, kind))

    def unit_of(self, municipality_code: str, kind: UnitKind, *, field: str) -> Unit:
        unit = self.known_unit_of(municipality_code, kind)
        if unit is None:
            raise UnknownUnit(
                f"no {kind} unit is known for municipality {municipality_code}",
                field=field,
                rule="K-1",
            )
        return unit
