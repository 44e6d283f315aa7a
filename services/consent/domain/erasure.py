"""Erasure of a subject's personal data (GDPR art. 17; statutory culling, gallring).

Recorded as a fact of its own, so every service and partner can act on it;
the destruction itself is the subject's data key (services.runtime.store.privacy).

Culling (gallring) is the same fact on a schedule: once the platform has
seen no activity about an individual for the retention period, their
personal data is destroyed. The retention assumed by default is five years
after the last entry, the rule for social services' records (SoL 12 kap.
1 §: "fem år efter det att sista anteckningen gjordes i akten"); health
care's patient records are kept at least ten years (PDL 3 kap. 17 §). The
period is a setting, so a region or municipality sets the one its records
management plan (dokumenthanteringsplan) decides; zero turns culling off,
for an organisation whose records are exempt (SoL 12 kap. 2 §: research
municipalities, some records about children). That it is the *platform's*
copy being culled, not the partners' own records, is why the published
fact carries the reason.

Pure domain: no I/O, no clock.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4, uuid5

from contracts import ErasureReason
from services.runtime.kernel.aggregate import Aggregate, event
from services.runtime.kernel.stockholm_time import stockholm_date


def culling_day(last_activity: datetime, retention_years: int) -> date:
    """The first day the records may be culled: `retention_years` after the day (in
    Stockholm) of the last activity. A last activity on 29 February counts as kept until
    28 February and culled from 1 March in a year without one."""
    day = stockholm_date(last_activity)
    try:
        return day.replace(year=day.year + retention_years)
    except ValueError:  # 29 February, into a common year
        return date(day.year + retention_years, 3, 1)


def is_due_for_culling(last_activity: datetime, today: date, retention_years: int) -> bool:
    """Gallring: the retention after the last activity has passed (0 years: never)."""
    return retention_years > 0 and today >= culling_day(last_activity, retention_years)


def idle_cutoff(now: datetime, retention_years: int) -> datetime:
    """An instant every due last activity lies before, for narrowing the search in a store
    (the exact test is `is_due_for_culling`): one day of slack covers the time zone."""
    return now - timedelta(days=365 * retention_years - 1)


def may_erase(unit: str, erasure_unit: str | None) -> bool:
    """GDPR art. 17: only the configured platform unit's administrators erase on request;
    with none configured, no one does (culling, on the platform's schedule, still runs)."""
    return erasure_unit is not None and unit == erasure_unit


_CULLING = UUID("5b1f0c3e-8d2a-4e6b-9f47-2c8e1a6d3b90")
"""Namespace of the ids of cullings (uuid5 of the subject id)."""


class SubjectErasure(Aggregate):
    """Who erased whose personal data, when, and why."""

    class Erased(Aggregate.Created):
        class_version = 2

        subject_id: str
        erased_at: datetime
        erased_by: str | None
        reason: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Before culling existed every erasure was on request, by an administrator."""
            state["reason"] = ErasureReason.REQUEST.value

    @staticmethod
    def create_id(subject_id: str, reason: str) -> UUID:
        """A culling's id follows from whom it culls: replicas running the same schedule
        cannot cull one individual twice. An erasure on request gets a fresh id."""
        if reason == ErasureReason.CULLING.value:
            return uuid5(_CULLING, subject_id)
        return uuid4()

    @event(Erased)
    def __init__(
        self,
        *,
        subject_id: str,
        erased_at: datetime,
        erased_by: str | None,
        reason: str,
    ) -> None:
        self.subject_id = subject_id
        self.erased_at = erased_at
        self.erased_by = erased_by
        self.reason = ErasureReason(reason)

    @classmethod
    def on_request(cls, *, subject_id: str, at: datetime, erased_by: str) -> SubjectErasure:
        """GDPR art. 17: an administrator erases the individual's personal data."""
        return cls._erased(subject_id, at, erased_by, ErasureReason.REQUEST)

    @classmethod
    def cull(cls, *, subject_id: str, at: datetime) -> SubjectErasure:
        """Statutory culling by the platform's schedule: no one erases, the retention did."""
        return cls._erased(subject_id, at, None, ErasureReason.CULLING)

    @classmethod
    def _erased(
        cls, subject_id: str, at: datetime, erased_by: str | None, reason: ErasureReason
    ) -> SubjectErasure:
        erasure: SubjectErasure = cls(
            subject_id=subject_id, erased_at=at, erased_by=erased_by, reason=reason.value
        )
        return erasure
