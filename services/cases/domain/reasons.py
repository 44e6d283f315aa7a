"""W-2: a plan that changes says why, and so does a fact corrected; what it says is about
the individual, so it is theirs, sealed at rest, and never put on a topic."""

from __future__ import annotations

from services.cases.domain.errors import ReasonRequired
from services.runtime.kernel.personal import Personal


def reason_given(owner: str, reason: str) -> Personal:
    """The reason, in `owner`'s keeping; refused blank (W-2)."""
    text = reason.strip()
    if not text:
        raise ReasonRequired("say why: reason must not be blank", field="body.reason")
    return Personal(owner, text)
