"""What several tests of the consent service send it besides a consent itself (that is
:func:`tests.support.consent_body`): a refusal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def refusal_body(personnummer: str, purpose: str, parties: Sequence[str]) -> dict[str, Any]:
    """What a unit posts to record that the individual, informed, refused to consent to
    sharing for `purpose` between `parties` (C-4)."""
    return {
        "personnummer": personnummer,
        "purpose": purpose,
        "parties": list(parties),
        "informed": True,
    }
