"""Events the cases service publishes about plans and meetings between units: the
coordinated individual plan (SIP, K-6, K-7) and the three-party and care-planning
meetings (K-8, K-9), with their changes (W-2) and missed deadlines (D-7, E-11).

Ids, codes, dates and organisation ids only: the plan's text, the minutes and
every reason stay in the cases service.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from contracts.base import HsaId, OrgIds
from contracts.cases import CaseMeetingOutcome, CasesEvent, MeetingKind, SipProposer


class SipProposed(CasesEvent):
    """A coordinated individual plan (SIP) was proposed (K-6); for an adult, on the
    individual's consent to `sip` between the units (C-7)."""

    version: ClassVar[int] = 1

    sip_id: UUID
    proposed_by: SipProposer
    units: OrgIds
    """HSA-ids of the units (region and municipality) taking part."""
    consent_id: UUID | None
    """The `sip` consent relied on; None only for a child."""
    proposed_at: AwareDatetime


class SipEstablished(CasesEvent):
    """The plan's first version was made with its five mandatory parts (K-6, K-7)."""

    version: ClassVar[int] = 1

    sip_id: UUID
    plan_version: Annotated[int, Field(ge=1)]
    overall_responsibility: HsaId
    """The unit whose principal has overall responsibility for the plan (K-6 part 4)."""
    coordinator: HsaId | None
    """Named coordinator (K-7), required for complex cases."""
    follow_up_every_days: Annotated[int, Field(ge=1)]
    next_follow_up_on: date
    established_at: AwareDatetime


class SipFollowUpRecorded(CasesEvent):
    """A planned follow-up of the plan was held and recorded (K-7)."""

    version: ClassVar[int] = 1

    sip_id: UUID
    held_on: date
    next_follow_up_on: date
    recorded_at: AwareDatetime


class SipRevised(CasesEvent):
    """A follow-up led to a new version of the plan; earlier versions are kept (K-7)."""

    version: ClassVar[int] = 1

    sip_id: UUID
    plan_version: Annotated[int, Field(ge=2)]
    overall_responsibility: HsaId
    revised_at: AwareDatetime


class SipFollowUpOverdue(CasesEvent):
    """A planned follow-up date passed without a recorded follow-up (K-7, D-7)."""

    version: ClassVar[int] = 1

    sip_id: UUID
    follow_up_on: date
    overdue_at: AwareDatetime
    units: OrgIds | None = None
    """HSA-ids of the plan's units (region and municipality), the organisations that
    missed the follow-up (D-7); None on events raised before it was published."""


class SipPlanPublished(CasesEvent):
    """A version of the plan was made (established or revised) and is the person's to read
    (K-13, seed 001: "läsbar på 1177.se"): what a 1177/Mina planer integration needs to
    fetch it. The plan's text is not here: the integration reads `document` through the
    cases API, which checks and logs the read. The person is `subject_id` (pseudonymous),
    as on every cases event."""

    version: ClassVar[int] = 1

    sip_id: UUID
    plan_version: Annotated[int, Field(ge=1)]
    units: OrgIds
    """The plan's units, region and municipality both (K-13)."""
    overall_responsibility: HsaId
    coordinator: HsaId | None
    next_follow_up_on: date
    document: Annotated[str, Field(pattern=r"^/v1/sips/[0-9a-f-]{36}/document$")]
    """Path of the person's plan document (Swedish HTML) in the cases API."""
    published_at: AwareDatetime


class SipEstablishmentOverdue(CasesEvent):
    """A proposed plan was not made by its day (K-13: "utan dröjsmål", K-6, D-7): `units`
    are the organisations concerned, the proposing one among them."""

    version: ClassVar[int] = 1

    sip_id: UUID
    units: OrgIds
    establish_by: date
    overdue_at: AwareDatetime


class OtherPrincipalContactRequested(CasesEvent):
    """The person needs interventions from both principals and only one knows them (K-17):
    the unit holding the case asks the other principal's unit to establish contact, by
    `contact_by`, leading to a SIP."""

    version: ClassVar[int] = 1

    contact_id: UUID
    case_id: UUID
    from_unit: HsaId
    to_unit: HsaId
    contact_by: date
    requested_at: AwareDatetime


class OtherPrincipalContactEstablished(CasesEvent):
    """Contact with the other principal was established (K-17): its unit acknowledged it,
    or a SIP with both was proposed (`sip_id`)."""

    version: ClassVar[int] = 1

    contact_id: UUID
    case_id: UUID
    from_unit: HsaId
    to_unit: HsaId
    how: Literal["acknowledged", "sip_proposed"]
    sip_id: UUID | None
    established_at: AwareDatetime


class OtherPrincipalContactOverdue(CasesEvent):
    """Contact with the other principal was not established by its day (K-17, D-7)."""

    version: ClassVar[int] = 1

    contact_id: UUID
    case_id: UUID
    from_unit: HsaId
    to_unit: HsaId
    contact_by: date
    overdue_at: AwareDatetime


class SipClosed(CasesEvent):
    """The plan was closed before it ran its course (W-2): no more follow-ups or
    revisions, none overdue. Why is free text and stays in the cases service."""

    version: ClassVar[int] = 1

    sip_id: UUID
    units: OrgIds
    """The plan's units: they need not establish or follow it up any more."""
    established: bool
    """Whether the plan had been made (K-6) or was closed as a proposal."""
    closed_at: AwareDatetime
    closed_by: HsaId


class ThreePartyMeetingRequested(CasesEvent):
    """A caseworker sees needs belonging to another unit and asks that unit's deputy
    manager for a caseworker to a three-party meeting (K-8)."""

    version: ClassVar[int] = 1

    meeting_id: UUID
    case_id: UUID
    from_unit: HsaId
    to_unit: HsaId
    requested_at: AwareDatetime


class PreMeetingHeld(CasesEvent):
    """The two caseworkers held the professional pre-meeting, on an occasion of its own,
    before the individual comes (K-8)."""

    version: ClassVar[int] = 1

    meeting_id: UUID
    case_id: UUID
    held_at: AwareDatetime


class CaseMeetingScheduled(CasesEvent):
    """A meeting between units about the individual was booked (K-8, K-9)."""

    version: ClassVar[int] = 1

    meeting_id: UUID
    case_id: UUID
    kind: MeetingKind
    units: OrgIds
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    scheduled_at: AwareDatetime


class CaseMeetingMoved(CasesEvent):
    """A booked occasion (`kind`) of a meeting moved to a new time (W-2): calendars move
    the entry from `previous_starts_at`. Why is free text and stays in cases."""

    version: ClassVar[int] = 1

    meeting_id: UUID
    case_id: UUID
    kind: MeetingKind
    units: OrgIds
    """The units that meet: they attend at the new time."""
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    previous_starts_at: AwareDatetime
    moved_at: AwareDatetime


class CaseMeetingCancelled(CasesEvent):
    """A booked occasion (`kind`) of a meeting will not take place (W-2); cancelling a
    care-planning meeting cancels its follow-up too, each its own event. Why is free
    text and stays in cases."""

    version: ClassVar[int] = 1

    meeting_id: UUID
    case_id: UUID
    kind: MeetingKind
    units: OrgIds
    """The units that were to meet: they need not come."""
    starts_at: AwareDatetime
    cancelled_at: AwareDatetime


class CaseMeetingHeld(CasesEvent):
    """A booked occasion (`kind`) of a meeting was held and recorded (K-8, K-9): its
    outcome and who attended. The minutes are free text and stay in cases."""

    version: ClassVar[int] = 1

    meeting_id: UUID
    case_id: UUID
    kind: MeetingKind
    units: OrgIds
    outcome: CaseMeetingOutcome
    attended_units: OrgIds
    """The meeting's units that attended; every other one of `units` was absent."""
    starts_at: AwareDatetime
    recorded_at: AwareDatetime


class CaseMeetingOverdue(CasesEvent):
    """A booked occasion (`kind`) was not recorded as held by the end of the Swedish working
    day after its date (E-11, D-7): `units` are the organisations concerned."""

    version: ClassVar[int] = 1

    meeting_id: UUID
    case_id: UUID
    kind: MeetingKind
    units: OrgIds
    starts_at: AwareDatetime
    overdue_at: AwareDatetime


__all__ = [
    "CaseMeetingCancelled",
    "CaseMeetingHeld",
    "CaseMeetingMoved",
    "CaseMeetingOverdue",
    "CaseMeetingScheduled",
    "OtherPrincipalContactEstablished",
    "OtherPrincipalContactOverdue",
    "OtherPrincipalContactRequested",
    "PreMeetingHeld",
    "SipClosed",
    "SipEstablished",
    "SipEstablishmentOverdue",
    "SipFollowUpOverdue",
    "SipFollowUpRecorded",
    "SipPlanPublished",
    "SipProposed",
    "SipRevised",
    "ThreePartyMeetingRequested",
]
