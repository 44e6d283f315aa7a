"""Each unit's calendar feed (W-1): issued to its staff, opened by its secret URL."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from services.escalation.application.base import EscalationBase
from services.escalation.domain import CalendarFeed, calendar_feed_id
from services.escalation.domain.errors import UnknownCalendarFeed
from services.escalation.views.calendar import CalendarEntry
from services.runtime.kernel.actor import Actor
from services.runtime.store.changes import retrying

FEED_LOOKS_BACK = timedelta(days=30)
"""How far back a feed lists meetings: the recent past stays in the calendar."""


def token_hash(token: str) -> str:
    """What is kept of a token: its SHA-256. The token is 256 random bits, so the hash
    cannot be turned back by guessing, and a copy of the store opens no feed."""
    return hashlib.sha256(token.encode()).hexdigest()


class Calendars(EscalationBase):
    """Issuing a unit's feed, and reading it by its token."""

    def issue_calendar_feed(self, actor: Actor, *, at: datetime) -> str:
        """A new secret token for the actor's unit's feed; the one before stops working."""
        token = secrets.token_urlsafe(32)

        def issue() -> None:
            feed = self.find(calendar_feed_id(actor.org_id), CalendarFeed)
            feed = feed or CalendarFeed.create(actor.org_id)
            feed.issue(token_hash=token_hash(token), by=actor.hsa_id, at=at)
            self.save(feed)

        retrying(issue)
        return token

    def calendar_feed(self, unit: str, token: str, now: datetime) -> list[CalendarEntry]:
        """The unit's meetings from a month back on, if `token` is the feed's current one."""
        feed = self.find(calendar_feed_id(unit), CalendarFeed)
        if feed is None or not feed.opens_with(token_hash(token)):
            raise UnknownCalendarFeed("no calendar feed opens with this address")
        self._calendar_follower.catch_up()
        return self.calendars.of_unit(unit, now - FEED_LOOKS_BACK)
