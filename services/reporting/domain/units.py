"""Who signs a deviation or publishes a report: an organisation unit, named by its HSA-id.

What the unit writes goes on public events, which name organisations only by
HSA-id; a token whose ``org_id`` is something else (a test token, a system
account) may read but not report, sign or publish.
"""

from __future__ import annotations

import re

from contracts import HSA_ID_PATTERN
from services.reporting.domain.errors import NotAnOrganisationUnit
from services.runtime.kernel.actor import Actor


def require_unit(actor: Actor) -> None:
    """Refuse an actor whose organisation is not an organisation unit HSA-id (D-2)."""
    if not re.fullmatch(HSA_ID_PATTERN, actor.org_id):
        raise NotAnOrganisationUnit("your token's org_id is not an organisation unit HSA-id")
