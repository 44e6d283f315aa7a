"""Which principal (huvudman) a unit answers to, and the SIP rule that both take part (K-13).

A unit's HSA-id begins with the organisation number of the organisation it belongs to
(``SE`` + ten digits, then ``-`` and the unit's own part). Swedish municipalities have
organisation numbers beginning 212000 and regions 232100 (SCB's series for kommuner and
regioner), so a municipality's social services and school and a region's health care and
psychiatry are told apart by the HSA-id alone; anyone else (a private care provider, a
police authority) is neither. A private provider acting for a principal takes part beside
that principal's own unit, not in its stead: seed 004 asks for both principals themselves.
Pure domain: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from services.cases.domain.errors import CaseRuleViolation


class Principal(StrEnum):
    """The two principals of a SIP (huvudmän, seed 004)."""

    MUNICIPALITY = "municipality"
    REGION = "region"


_PREFIXES = {"SE212000": Principal.MUNICIPALITY, "SE232100": Principal.REGION}


def principal_of(hsa_id: str) -> Principal | None:
    """The principal whose organisation number the HSA-id carries, or None for any other."""
    return _PREFIXES.get(hsa_id[:8].upper())


def principals_of(units: Iterable[str]) -> set[Principal]:
    return {p for p in map(principal_of, units) if p is not None}


class SipWithoutBothPrincipals(CaseRuleViolation):
    """K-13 (seed 004): region and municipality both take part in every SIP."""

    rule = "K-13"


def require_both_principals(units: Iterable[str], *, field: str = "body.units") -> None:
    """K-13 (seed 004, "båda huvudmännen"): a SIP is the region's and the municipality's
    together; a plan without a unit of each is refused, naming the one missing."""
    missing = sorted(set(Principal) - principals_of(units))
    if missing:
        raise SipWithoutBothPrincipals(
            f"both principals take part in a SIP: no {' or '.join(missing)} unit among the units",
            field=field,
        )
