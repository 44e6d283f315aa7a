"""Which municipalities each coordination office serves (E-3).

A red thread belongs to the municipality it was pulled in (its
``municipality_code``). The coordinator who convenes its meeting works at the
coordination office (Närvårdskontoret) that serves that municipality, and no
other: an office's coordinators neither read nor run the red threads of
municipalities it does not serve, and a thread is handed on only within the
office that holds it. Without this, any coordinator anywhere could read a
thread and hand it to an arbitrary HSA-id, locking out the office responsible.

Pure domain: no I/O, no clock. The mapping itself is configuration
(``SAMVERKAN_ESCALATION_COORDINATION_OFFICES``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from contracts.base import HSA_ID_PATTERN
from contracts.escalation import MUNICIPALITY_CODE_PATTERN


@dataclass(frozen=True)
class CoordinationOffices:
    """Office HSA-id → the municipality codes (kommunkod) it serves."""

    served: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def serves(self, office: str, municipality_code: str) -> bool:
        """E-3: the office's coordinators act for the red threads of this municipality."""
        return municipality_code in self.served.get(office, frozenset())

    @classmethod
    def parse(cls, text: str) -> CoordinationOffices:
        """From JSON: ``{"SE2321000016-NVK1": ["0180", "0114"]}``. Raises ValueError naming
        what is wrong, so a misconfigured service refuses to start."""
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as error:
            msg = f"coordination offices must be a JSON object: {error}"
            raise ValueError(msg) from None
        if not isinstance(raw, dict):
            msg = "coordination offices must be a JSON object: office HSA-id -> municipality codes"
            raise ValueError(msg)
        served: dict[str, frozenset[str]] = {}
        for office, codes in raw.items():
            if not re.fullmatch(HSA_ID_PATTERN, office):
                msg = f"coordination office {office!r} is not an HSA-id"
                raise ValueError(msg)
            if not isinstance(codes, list) or not all(
                isinstance(code, str) and re.fullmatch(MUNICIPALITY_CODE_PATTERN, code)
                for code in codes
            ):
                msg = f"coordination office {office}: give a list of four-digit municipality codes"
                raise ValueError(msg)
            served[office] = frozenset(codes)
        return cls(served)
