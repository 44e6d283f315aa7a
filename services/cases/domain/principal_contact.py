"""K-17 (seed 004, "kontakt med berörd huvudman upprättas"): the person needs interventions
from both principals and only one knows them. The unit holding the case asks the other
principal's unit to establish contact, by a configurable day; the contact is established
when that unit acknowledges it, or when a SIP with both units is proposed (the task
leads to a SIP, K-13). Not established by its day, it is overdue (D-7).

One contact per case and other unit: its id is derived from both, so a second request
finds the first. Pure domain: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from services.cases.domain.dates import end_of_day
from services.cases.domain.errors import (
    CaseConflict,
    CaseForbidden,
    CaseNotFound,
    CaseRuleViolation,
)
from services.cases.domain.principals import principal_of
from services.runtime.kernel.aggregate import Aggregate, event
from services.runtime.kernel.personal import OwnedBySubject
from services.runtime.kernel.stockholm_time import stockholm_date

CONTACT_WITHIN_DAYS = 14
"""K-17: calendar days the other principal's unit has to establish contact, unless the
service is set otherwise (`Settings.other_principal_contact_days`)."""


class PrincipalContactInvalid(CaseRuleViolation):
    rule = "K-17"


class NotInPrincipalContact(CaseForbidden):
    rule = "K-17"


class PrincipalContactConflict(CaseConflict):
    rule = "K-17"


class PrincipalContactNotFound(CaseNotFound):
    rule = "K-17"


def principal_contact_id(case_id: UUID, to_unit: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"samverkan:cases:principal-contact:{case_id}:{to_unit}")


class PrincipalContact(Aggregate):
    """Contact with the other principal, asked for on one case (K-17)."""

    class Requested(OwnedBySubject, Aggregate.Created):
        subject_id: str
        case_id: UUID
        from_unit: str
        to_unit: str
        contact_by: date
        requested_at: datetime
        requested_by: str

    class Established(Aggregate.Event):
        subject_id: str
        case_id: UUID
        from_unit: str
        to_unit: str
        how: str
        sip_id: UUID | None
        established_at: datetime
        established_by: str

    class OverdueRaised(Aggregate.Event):
        subject_id: str
        case_id: UUID
        from_unit: str
        to_unit: str
        contact_by: date
        overdue_at: datetime

    @staticmethod
    def create_id(case_id: UUID, to_unit: str, **_: object) -> UUID:
        return principal_contact_id(case_id, to_unit)

    @classmethod
    def request(
        cls,
        *,
        subject_id: str,
        case_id: UUID,
        case_unit: str,
        unit: str,
        to_unit: str,
        within_days: int,
        at: datetime,
        by: str,
    ) -> PrincipalContact:
        """K-17: the unit holding the case asks a unit of the other principal."""
        if unit != case_unit:
            raise NotInPrincipalContact("the unit holding the case asks the other principal")
        own, other = principal_of(unit), principal_of(to_unit)
        if other is None or other == own:
            raise PrincipalContactInvalid(
                "name a unit of the other principal (region or municipality) than the case's",
                field="body.to_unit",
            )
        contact: PrincipalContact = cls(
            subject_id=subject_id,
            case_id=case_id,
            from_unit=unit,
            to_unit=to_unit,
            contact_by=stockholm_date(at) + timedelta(days=within_days),
            requested_at=at,
            requested_by=by,
        )
        return contact

    @event(Requested)
    def __init__(
        self,
        *,
        subject_id: str,
        case_id: UUID,
        from_unit: str,
        to_unit: str,
        contact_by: date,
        requested_at: datetime,
        requested_by: str,
    ) -> None:
        self.subject_id = subject_id
        self.case_id = case_id
        self.from_unit = from_unit
        self.to_unit = to_unit
        self.contact_by = contact_by
        self.requested_at = requested_at
        self.established_at: datetime | None = None
        self.how: str | None = None
        self.sip_id: UUID | None = None
        self.overdue_raised = False

    @property
    def units(self) -> list[str]:
        return [self.from_unit, self.to_unit]

    @property
    def overdue_at(self) -> datetime:
        """Overdue once the day to establish contact by has passed."""
        return end_of_day(self.contact_by)

    def acknowledge(self, *, unit: str, at: datetime, by: str) -> None:
        """K-17: the other principal's unit has established contact with the person."""
        if unit != self.to_unit:
            raise NotInPrincipalContact("the unit asked acknowledges the contact")
        self._require_open()
        self._establish("acknowledged", None, at, by)

    def settle_by_sip(self, *, sip_id: UUID, units: Iterable[str], at: datetime, by: str) -> bool:
        """K-17: a SIP proposed with both units establishes the contact. Whether it did."""
        if self.established_at is not None or not set(self.units) <= set(units):
            return False
        self._establish("sip_proposed", sip_id, at, by)
        return True

    def _establish(
        self, how: Literal["acknowledged", "sip_proposed"], sip: UUID | None, at: datetime, by: str
    ) -> None:
        self._established(
            subject_id=self.subject_id,
            case_id=self.case_id,
            from_unit=self.from_unit,
            to_unit=self.to_unit,
            how=how,
            sip_id=sip,
            established_at=at,
            established_by=by,
        )

    @event(Established)
    def _established(
        self,
        *,
        subject_id: str,
        case_id: UUID,
        from_unit: str,
        to_unit: str,
        how: str,
        sip_id: UUID | None,
        established_at: datetime,
        established_by: str,
    ) -> None:
        self.established_at = established_at
        self.how = how
        self.sip_id = sip_id

    def raise_due(self, now: datetime) -> list[str]:
        """K-17, D-7: not established by the end of its day, raised once."""
        if self.established_at is not None or self.overdue_raised or self.overdue_at > now:
            return []
        self._overdue_raised(
            subject_id=self.subject_id,
            case_id=self.case_id,
            from_unit=self.from_unit,
            to_unit=self.to_unit,
            contact_by=self.contact_by,
            overdue_at=self.overdue_at,
        )
        return ["other_principal_contact_overdue"]

    @event(OverdueRaised)
    def _overdue_raised(
        self,
        *,
        subject_id: str,
        case_id: UUID,
        from_unit: str,
        to_unit: str,
        contact_by: date,
        overdue_at: datetime,
    ) -> None:
        self.overdue_raised = True

    def _require_open(self) -> None:
        if self.established_at is not None:
            raise PrincipalContactConflict(
                f"contact was established at {self.established_at.isoformat()}"
            )
