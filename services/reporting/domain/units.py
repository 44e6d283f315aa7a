"""Who signs a deviation or publishes a report: an organisation unit, named by its HSA-id;
and which organisations' deviations a controller keeps (D-8).

What the unit writes goes on public events, which name organisations only by
HSA-id; a token whose ``org_id`` is something else (a test token, a system
account) may read but not report, sign or publish.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from contracts import HSA_ID_PATTERN
from services.reporting.domain.errors import NotAnOrganisationUnit
from services.runtime.kernel.actor import Actor


def require_unit(actor: Actor) -> None:
    """Refuse an actor whose organisation is not an organisation unit HSA-id (D-2)."""
    if not re.fullmatch(HSA_ID_PATTERN, actor.org_id):
        raise NotAnOrganisationUnit("your token's org_id is not an organisation unit HSA-id")


ORGANISATION_PATTERN = r"SE[0-9A-Z]{10}"
"""An organisation: "SE" and its organisation number, the part of an HSA-id before the ``-``."""


def organisation(org_id: str) -> str:
    """The organisation (municipality, region, authority) an organisation unit belongs to:
    its HSA-id before the ``-``, "SE" and the organisation number (``SE2120000001-IOF1`` →
    ``SE2120000001``)."""
    return org_id.split("-", 1)[0]


@dataclass(frozen=True)
class Controllers:
    """D-8 (seed 003): "Ifylld avvikelserapport sänds till verksamhetscontroller IoF för
    förvaring". Which organisations' deviations each controller's unit keeps: a controller
    sees every deviation one of whose parties belongs to them, and nothing else. A unit
    not listed keeps none."""

    organisations: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> Controllers:
        """From JSON: ``{"SE2120000001-CTL1": ["SE2120000001"]}``. Raises ValueError naming
        what is wrong, so a misconfigured service refuses to start."""
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"controllers must be a JSON object: {error}") from None
        if not isinstance(raw, dict):
            raise ValueError("controllers must be a JSON object: unit HSA-id -> organisations")
        kept: dict[str, frozenset[str]] = {}
        for unit, organisations in raw.items():
            if not re.fullmatch(HSA_ID_PATTERN, unit):
                raise ValueError(f"controller unit {unit!r} is not an HSA-id")
            if not isinstance(organisations, list) or not all(
                isinstance(o, str) and re.fullmatch(ORGANISATION_PATTERN, o) for o in organisations
            ):
                raise ValueError(
                    f"controller unit {unit}: give a list of organisations, each 'SE' and "
                    "its organisation number (the HSA-id before the '-')"
                )
            kept[unit] = frozenset(organisations)
        return cls(kept)

    def kept_by(self, controller_unit: str) -> frozenset[str]:
        """The organisations whose deviations `controller_unit` keeps."""
        return self.organisations.get(controller_unit, frozenset())

    def keeps(self, controller_unit: str, parties: Iterable[str]) -> bool:
        """Whether a deviation between `parties` is one `controller_unit` keeps (D-8)."""
        mine = self.kept_by(controller_unit)
        return any(organisation(party) in mine for party in parties)
