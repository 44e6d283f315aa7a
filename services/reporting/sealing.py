"""A deviation's free text and staff names, sealed at rest (crypto-shredding).

What happened and how it was perceived, the proposal, the joint summary, and
the names and titles of the staff who reported and signed are sealed before
they enter an event (services.runtime.store.privacy), so neither a copy of the store
nor its backups show them. The key is the individual's when the deviation is
about one, so erasing or culling them reaches it; a deviation about no one
has a key of its own record (``record:<deviation id>``), so destroying that
one key culls the record's text without rewriting history. What reads
"[erased]" afterwards is the text; the deviation's codes, dates, HSA-ids and
counts stay.

Records written before sealing hold plain text: it passes through on read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from uuid import UUID

from services.reporting.domain.deviation import Deviation, Signature
from services.runtime.store.privacy import Sealer

RECORD_KEY = "record:"
"""Prefix of a key that belongs to one deviation, not to an individual."""


def key_id(deviation_id: UUID, subject_id: str | None) -> str:
    """Whose key seals a deviation's text: the individual's, else the record's own."""
    return subject_id or f"{RECORD_KEY}{deviation_id}"


@dataclass(frozen=True)
class DeviationText:
    """A deviation's sealed parts in clear (or "[erased]"), for the parties who read it."""

    what_happened: str
    perceived_as: str
    improvement_proposal: str
    reporter_name: str
    reporter_title: str
    solution: str | None
    remaining_problems: str | None
    proposed_by: Signature | None
    countersigned_by: Signature | None


class DeviationSealer:
    """Seals a deviation's text on the way in and opens it on the way out: the one place
    that knows which parts are sealed and with whose key."""

    def __init__(self, sealer: Sealer) -> None:
        self._sealer = sealer

    def seal(self, key: str, text: str) -> str:
        """Blank text is nobody's data and stays blank (detected deviations have no
        reporter), so the domain's own checks still see what is missing."""
        text = text.strip()
        return self._sealer.seal(key, text) if text else text

    def seal_signature(self, key: str, signature: Signature) -> Signature:
        return replace(
            signature,
            name=self.seal(key, signature.name),
            title=self.seal(key, signature.title),
        )

    def read(self, deviation: Deviation) -> DeviationText:
        key = key_id(deviation.id, deviation.subject_id)

        def clear(text: str | None) -> str | None:
            return self._sealer.unseal(key, text)

        def signature(signed: Signature | None) -> Signature | None:
            if signed is None:
                return None
            return replace(signed, name=clear(signed.name) or "", title=clear(signed.title) or "")

        return DeviationText(
            what_happened=clear(deviation.what_happened) or "",
            perceived_as=clear(deviation.perceived_as) or "",
            improvement_proposal=clear(deviation.improvement_proposal) or "",
            reporter_name=clear(deviation.reporter_name) or "",
            reporter_title=clear(deviation.reporter_title) or "",
            solution=clear(deviation.solution),
            remaining_problems=clear(deviation.remaining_problems),
            proposed_by=signature(deviation.proposed_by),
            countersigned_by=signature(deviation.countersigned_by),
        )
