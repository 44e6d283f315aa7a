"""Who acts, and the object-level rule every service applies where it loads an object.

The actor is a plain value (no web framework): applications take it with every
use case and decide there, where they load the object, whether the caller's
organisation unit may see or change *this* one (OWASP API1). A route never
loads an object twice to check it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from contracts import OrgType, Role
from services.runtime.kernel.rules import Forbidden


@dataclass(frozen=True, slots=True)
class Actor:
    """The authenticated member of staff, as far as authorisation rules need to know."""

    hsa_id: str
    """The person's HSA-id."""
    org_id: str
    """HSA-id of the organisation unit the person acts for."""
    org_type: OrgType
    role: Role


class NotAParty(Forbidden):
    """The caller's organisation unit is not a party to the object (API1)."""


def require_party(actor: Actor, parties: Collection[str], *, what: str, rule: str) -> None:
    """Object level: the actor's organisation unit must be one of the object's parties.

    ``what`` names the object for the caller ("this red thread"); the rule is the
    one that makes them parties (C-3 for a consent's scope, K-6 for a plan, …).
    """
    if actor.org_id not in parties:
        raise not_a_party(what, rule=rule)


def not_a_party(what: str, *, rule: str) -> NotAParty:
    """The object-level refusal, for a domain that answers "is this unit a party?" itself."""
    return NotAParty(f"your organisation unit is not a party to {what}", rule=rule)
