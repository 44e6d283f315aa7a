"""A unit's calendar feed (W-1): its meetings in the staff's own calendars, by one secret URL.

A calendar program subscribes to a URL and fetches it every so often; it sends
no bearer token. So the feed is protected by the URL itself: a random token,
issued to a member of staff for their own unit, of which only a keyed hash is
kept. Issuing a new token revokes the old one at once (a URL that leaked is
dead the moment someone at the unit asks for a new one).

Pure domain: the token is made and hashed by the caller; no I/O, no clock.
"""

from __future__ import annotations

import hmac
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from services.runtime.kernel.aggregate import Aggregate, event


def calendar_feed_id(unit: str) -> UUID:
    """One feed per organisation unit, found by the unit's HSA-id."""
    return uuid5(NAMESPACE_URL, f"samverkan:escalation:calendar-feed:{unit}")


class CalendarFeed(Aggregate):
    """The unit's feed: the hash of the one token that opens it now."""

    class Issued(Aggregate.Event):
        unit: str
        token_hash: str
        issued_by: str
        issued_at: datetime

    @classmethod
    def create(cls, unit: str) -> CalendarFeed:
        feed: CalendarFeed = cls._create(cls.Started, id=calendar_feed_id(unit), unit=unit)
        return feed

    class Started(Aggregate.Created):
        unit: str

    @event(Started)
    def __init__(self, *, unit: str) -> None:
        self.unit = unit
        self.token_hash: str | None = None
        self.issued_by: str | None = None
        self.issued_at: datetime | None = None

    def issue(self, *, token_hash: str, by: str, at: datetime) -> None:
        """A new token; the one before stops opening the feed."""
        self._issued(unit=self.unit, token_hash=token_hash, issued_by=by, issued_at=at)

    @event(Issued)
    def _issued(self, *, unit: str, token_hash: str, issued_by: str, issued_at: datetime) -> None:
        self.token_hash = token_hash
        self.issued_by = issued_by
        self.issued_at = issued_at

    def opens_with(self, token_hash: str) -> bool:
        """Whether the token whose hash is given is the feed's current one (in constant
        time, so the answer's timing says nothing of how close a guess came)."""
        return self.token_hash is not None and hmac.compare_digest(self.token_hash, token_hash)
