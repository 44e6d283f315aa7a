"""C-9: "may A share with B about this individual for purpose P at time T?" — yes or no,
with the legal basis, so the answer can be checked (and recomputed) later.

Pure: the authorisations come in as values with their validity intervals,
so a question about the past gets the answer it would have got then.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from contracts import LegalBasis

BASIS_PREFERENCE = (LegalBasis.CONSENT, LegalBasis.EMERGENCY_DISCLOSURE, LegalBasis.OSL_26_9)
"""The individual's own consent first; the legal exceptions only where it is missing."""


@dataclass(frozen=True)
class Authorisation:
    """One interval during which a basis authorises sharing among `parties`.

    A consent whose scope changed is several authorisations, one per scope,
    so the past stays answerable. `purpose` None means every purpose (an
    emergency disclosure authorises the meeting and the exchange, C-5).
    """

    kind: LegalBasis
    basis_id: UUID
    purpose: str | None
    parties: frozenset[str]
    starts_at: datetime
    ends_at: datetime | None

    def covers(self, from_org: str, to_org: str, purpose: str, at: datetime) -> bool:
        return (
            from_org in self.parties
            and to_org in self.parties
            and (self.purpose is None or self.purpose == purpose)
            and self.starts_at <= at
            and (self.ends_at is None or at < self.ends_at)
        )


@dataclass(frozen=True)
class Decision:
    allowed: bool
    kind: LegalBasis | None
    basis_id: UUID | None
    valid_until: datetime | None
    """Until when the same answer holds at the latest (None: until something changes)."""


NO = Decision(allowed=False, kind=None, basis_id=None, valid_until=None)


def decide(
    authorisations: Iterable[Authorisation],
    *,
    from_org: str,
    to_org: str,
    purpose: str,
    at: datetime,
) -> Decision:
    """C-9, with C-3 (scope), C-4 (withdrawal ends an interval), C-5 and C-6."""
    covering = [a for a in authorisations if a.covers(from_org, to_org, purpose, at)]
    if not covering:
        return NO
    best = min(
        covering,
        key=lambda a: (
            BASIS_PREFERENCE.index(a.kind),
            # Among equals, the one that lasts longest answers for longest.
            -(a.ends_at.timestamp() if a.ends_at else float("inf")),
        ),
    )
    return Decision(allowed=True, kind=best.kind, basis_id=best.basis_id, valid_until=best.ends_at)
