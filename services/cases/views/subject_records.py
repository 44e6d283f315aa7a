"""The cases service's records by individual (W-3): the cases, handovers, SIPs, meetings,
screenings, violence questions and child-welfare reports about one person, for the units
that may read each.

The parties are exactly those the record's own read admits where its href points
(services.cases.domain.parties, applied by the application when it loads it):

- a case: the unit holding it and every unit a handover of it went to (K-3), but for
  one only offered it that declined it or saw it withdrawn (W-2), and the unit its age
  transition was announced to, needing continued support (K-4);
- a handover: its sending unit; its receiving unit once responsibility has
  transferred, and before that only while the individual's `case_handover` consent
  covers both units (C-8, C-9). That part is a name resolved for the reader when
  the list is read, as the read asks the consent then (`handover_consent`);
- a SIP: the units it is made between (K-6);
- a meeting: the units that meet, growing as it is booked (K-8, K-9);
- a handover's follow-through, the joint officials' meeting: the units invited (K-12);
- a screening: the organisation unit that recorded it (D-6);
- the violence question at a contact: the organisation unit that recorded it (K-16);
- a pregnant woman's referral: the discovering unit and both recipients (K-14);
- a child-welfare report about a known child: the reporting unit and the
  municipality's IOF unit, addressed ``municipality:<kod>:IOF`` and resolved to the
  unit the directory names for it when the list is read, as the report's read
  resolves it (K-10). A report about a child unknown by number is about no one here.

Each record's state is in its kind's own words, moved on by its events. Fed by the
service's own events (eventsourcing `Projection`, tracked in the same transaction).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from contracts import MeetingKind
from services.cases.domain import (
    Case,
    ChildWelfareReport,
    Meeting,
    PregnancyReferral,
    Screening,
    Sip,
    ViolenceQuestion,
)
from services.cases.domain.follow_through import FollowThrough
from services.cases.domain.principal_contact import PrincipalContact
from services.cases.views.work_kinds import child_and_youth_unit
from services.runtime.store.subject_records import (
    SubjectRecordView,
    joined,
    parted,
    recorded,
    restated,
)

CASE = "case"
HANDOVER = "handover"
SIP = "sip"
THREE_PARTY_MEETING = "three_party_meeting"
CARE_PLANNING_MEETING = "care_planning_meeting"
FOLLOW_THROUGH = "handover_follow_through"
SCREENING = "screening"
VIOLENCE_QUESTION = "violence_question"
CHILD_WELFARE_REPORT = "child_welfare_report"
PRINCIPAL_CONTACT = "other_principal_contact"
PREGNANCY_REFERRAL = "pregnancy_referral"

RECORD_KINDS = {
    CASE: "a case at a unit of social services (K-1..K-5)",
    HANDOVER: "a case handed over from one unit to another (K-5)",
    SIP: "a coordinated individual plan (K-6, K-7)",
    THREE_PARTY_MEETING: "a three-party meeting (K-8)",
    CARE_PLANNING_MEETING: "a care-planning meeting and its follow-up (K-9)",
    FOLLOW_THROUGH: "the joint officials' meeting after a handover, and the client told (K-12)",
    SCREENING: "an AUDIT or DUDIT screening (D-6)",
    VIOLENCE_QUESTION: "the violence question at a contact (K-16)",
    CHILD_WELFARE_REPORT: "a child-welfare report about a child known by number (K-10)",
    PRINCIPAL_CONTACT: "contact with the other principal, leading to a SIP (K-17)",
    PREGNANCY_REFERRAL: "a pregnant woman's referral to social services and maternity care (K-14)",
}

_MEETING_KIND = {
    MeetingKind.THREE_PARTY.value: THREE_PARTY_MEETING,
    MeetingKind.CARE_PLANNING.value: CARE_PLANNING_MEETING,
    MeetingKind.CARE_PLANNING_FOLLOW_UP.value: CARE_PLANNING_MEETING,
}
"""A meeting's record kind, from its own kind or the kind of an occasion booked for it."""

_SIP_STATE: dict[type[Any], str] = {
    Sip.Established: "established",
    Sip.FollowUpRecorded: "followed_up",
    Sip.Revised: "revised",
    Sip.FollowUpOverdueRaised: "follow_up_overdue",
    Sip.EstablishmentOverdueRaised: "establishment_overdue",
    Sip.Closed: "closed",
}

_MEETING_STATE: dict[type[Any], str] = {
    Meeting.Moved: "moved",
    Meeting.Cancelled: "cancelled",
    Meeting.Held: "held",
    Meeting.OverdueRaised: "overdue",
}

_ENDED_WITH_CASE = (
    "UPDATE {subject_record} SET state = 'ended', changed_at = ? "
    "WHERE kind = ? AND href LIKE ? AND state IN ('requested', 'acknowledged')"
)
"""K-5: closing a case ends its handover in progress (`Handover.status`, "ended")."""


def handover_consent(subject_id: str, from_unit: str, to_unit: str) -> str:
    """The party that reads a handover from `from_unit` at `to_unit` before the transfer:
    `to_unit`, while the individual's `case_handover` consent covers both (C-8, C-9)."""
    return f"consent:case_handover:{subject_id}:{from_unit}:{to_unit}"


def _us(at: datetime) -> int:
    """An instant as the index keeps it (microseconds since the epoch)."""
    return round(at.timestamp() * 1_000_000)


def _case(case_id: UUID) -> str:
    return f"/v1/cases/{case_id}"


class CasesRecords(Projection[SubjectRecordView]):
    """The cases service's own domain events → the index of its records by individual."""

    name = "subject_records"

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.apply([], tracking)

    # --- the case (K-1..K-5) ------------------------------------------------------------

    @process_event.register
    def _(self, e: Case.Opened, tracking: Tracking) -> None:
        self.view.apply(
            recorded(
                e.subject_id,
                CASE,
                e.originator_id,
                parties=[e.unit],
                state="open",
                at=e.opened_at,
                href=_case(e.originator_id),
            ),
            tracking,
        )

    @process_event.register
    def _(self, e: Case.DecisionRecorded, tracking: Tracking) -> None:
        self.view.apply(restated(CASE, e.originator_id, e.decision, e.decided_at), tracking)

    @process_event.register
    def _(self, e: Case.Closed, tracking: Tracking) -> None:
        """K-3: closed, with its reason; a handover still in progress ends with it (K-5)."""
        case = e.originator_id
        ended = (_us(e.closed_at), HANDOVER, f"{_case(case)}/handovers/%")
        self.view.apply(
            [*restated(CASE, case, f"closed_{e.reason}", e.closed_at), (_ENDED_WITH_CASE, ended)],
            tracking,
        )

    @process_event.register
    def _(self, e: Case.ReportJoined, tracking: Tracking) -> None:
        """K-1: a new report joined the open case."""
        self.view.apply(restated(CASE, e.originator_id, "report_joined", e.joined_at), tracking)

    @process_event.register
    def _(self, e: Case.AgeTransitionAnnounced, tracking: Tracking) -> None:
        """K-4: the unit the case is announced to, needing continued support, reads it from
        now on: it takes the case over and decides in it from the birthday."""
        taking_over = [e.to_unit] if e.continued_support_needed else []
        self.view.apply(
            joined(CASE, e.originator_id, taking_over)
            + restated(CASE, e.originator_id, "age_transition_announced", e.announced_at),
            tracking,
        )

    # --- the handover (K-5) -------------------------------------------------------------

    @process_event.register
    def _(self, e: Case.HandoverRequested, tracking: Tracking) -> None:
        """K-5: the receiving unit reads the case from now on (K-3) and the handover on the
        individual's consent until the transfer (C-8, C-9)."""
        receiving = handover_consent(e.subject_id, e.from_unit, e.to_unit)
        self.view.apply(
            joined(CASE, e.originator_id, [e.to_unit])
            + restated(CASE, e.originator_id, "handover_requested", e.requested_at)
            + recorded(
                e.subject_id,
                HANDOVER,
                e.handover_id,
                parties=[e.from_unit, receiving],
                state="requested",
                at=e.requested_at,
                href=f"{_case(e.originator_id)}/handovers/{e.handover_id}",
            ),
            tracking,
        )

    @process_event.register
    def _(self, e: Case.HandoverAcknowledged, tracking: Tracking) -> None:
        self.view.apply(
            restated(HANDOVER, e.handover_id, "acknowledged", e.acknowledged_at), tracking
        )

    @process_event.register
    def _(self, e: Case.ResponsibilityTransferred, tracking: Tracking) -> None:
        """K-5: transferred, the receiving unit holds the case and reads the handover
        whatever becomes of the consent."""
        self.view.apply(
            restated(HANDOVER, e.handover_id, "transferred", e.transferred_at)
            + joined(HANDOVER, e.handover_id, [e.to_unit])
            + restated(CASE, e.originator_id, "transferred", e.transferred_at),
            tracking,
        )

    @process_event.register
    def _(self, e: Case.HandoverDeclined | Case.HandoverWithdrawn, tracking: Tracking) -> None:
        """W-2: declined or withdrawn, the case stays where it is; a unit only offered it
        reads it no more (K-3), and what it received only while the consent holds (C-9)."""
        state, at = (
            ("declined", e.declined_at)
            if isinstance(e, Case.HandoverDeclined)
            else ("withdrawn", e.withdrawn_at)
        )
        left = [] if e.still_involved else parted(CASE, e.originator_id, [e.to_unit])
        self.view.apply(
            restated(HANDOVER, e.handover_id, state, at)
            + restated(CASE, e.originator_id, f"handover_{state}", at)
            + left,
            tracking,
        )

    # --- the SIP (K-6, K-7) -------------------------------------------------------------

    @process_event.register
    def _(self, e: Sip.Proposed, tracking: Tracking) -> None:
        self.view.apply(
            recorded(
                e.subject_id,
                SIP,
                e.originator_id,
                parties=e.units,
                state="proposed",
                at=e.proposed_at,
                href=f"/v1/sips/{e.originator_id}",
            ),
            tracking,
        )

    @process_event.register
    def _(
        self,
        e: Sip.Established
        | Sip.FollowUpRecorded
        | Sip.Revised
        | Sip.FollowUpOverdueRaised
        | Sip.EstablishmentOverdueRaised
        | Sip.Closed,
        tracking: Tracking,
    ) -> None:
        self.view.apply(restated(SIP, e.originator_id, _SIP_STATE[type(e)], e.timestamp), tracking)

    # --- contact with the other principal (K-17) ----------------------------------------

    @process_event.register
    def _(self, e: PrincipalContact.Requested, tracking: Tracking) -> None:
        self.view.apply(
            recorded(
                e.subject_id,
                PRINCIPAL_CONTACT,
                e.originator_id,
                parties=[e.from_unit, e.to_unit],
                state="requested",
                at=e.requested_at,
                href=f"/v1/principal-contacts/{e.originator_id}",
            ),
            tracking,
        )

    @process_event.register
    def _(
        self, e: PrincipalContact.Established | PrincipalContact.OverdueRaised, tracking: Tracking
    ) -> None:
        state = "overdue" if isinstance(e, PrincipalContact.OverdueRaised) else "established"
        self.view.apply(restated(PRINCIPAL_CONTACT, e.originator_id, state, e.timestamp), tracking)

    # --- meetings (K-8, K-9) ------------------------------------------------------------

    @process_event.register
    def _(self, e: Meeting.Requested, tracking: Tracking) -> None:
        self.view.apply(
            recorded(
                e.subject_id,
                _MEETING_KIND[e.kind],
                e.originator_id,
                parties=[e.from_unit, e.to_unit],
                state="requested",
                at=e.requested_at,
                href=f"/v1/meetings/{e.originator_id}",
            ),
            tracking,
        )

    @process_event.register
    def _(self, e: Meeting.CaseworkerAssigned, tracking: Tracking) -> None:
        state = "caseworker_assigned"
        self.view.apply(
            restated(THREE_PARTY_MEETING, e.originator_id, state, e.assigned_at), tracking
        )

    @process_event.register
    def _(self, e: Meeting.PreMeetingHeld, tracking: Tracking) -> None:
        state = "pre_meeting_held"
        self.view.apply(restated(THREE_PARTY_MEETING, e.originator_id, state, e.held_at), tracking)

    @process_event.register
    def _(self, e: Meeting.Scheduled, tracking: Tracking) -> None:
        """K-8, K-9: booked; the units that meet read it (a care-planning meeting's other
        units from its booking on)."""
        kind = _MEETING_KIND[e.kind]
        self.view.apply(
            restated(kind, e.originator_id, "booked", e.scheduled_at)
            + joined(kind, e.originator_id, e.units),
            tracking,
        )

    @process_event.register
    def _(
        self,
        e: Meeting.Moved | Meeting.Cancelled | Meeting.Held | Meeting.OverdueRaised,
        tracking: Tracking,
    ) -> None:
        """W-2, K-8, K-9, E-11: the meeting stands where its last occasion's step left it
        (a care-planning follow-up's told apart: ``follow_up_held``)."""
        state = _MEETING_STATE[type(e)]
        if e.kind == MeetingKind.CARE_PLANNING_FOLLOW_UP.value:
            state = f"follow_up_{state}"
        self.view.apply(
            restated(_MEETING_KIND[e.kind], e.originator_id, state, e.timestamp), tracking
        )

    # --- a handover followed through (K-12) ---------------------------------------------

    @process_event.register
    def _(self, e: FollowThrough.Scheduled, tracking: Tracking) -> None:
        href = f"/v1/cases/{e.case_id}/handovers/{e.handover_id}/follow-through"
        self.view.apply(
            recorded(
                e.subject_id,
                FOLLOW_THROUGH,
                e.originator_id,
                parties=e.units,
                state="booked",
                at=e.scheduled_at,
                href=href,
            ),
            tracking,
        )

    @process_event.register
    def _(self, e: FollowThrough.Held | FollowThrough.ClientInformed, tracking: Tracking) -> None:
        state = "held" if isinstance(e, FollowThrough.Held) else "client_informed"
        self.view.apply(restated(FOLLOW_THROUGH, e.originator_id, state, e.timestamp), tracking)

    # --- screenings (D-6) ---------------------------------------------------------------

    @process_event.register
    def _(self, e: Screening.Recorded, tracking: Tracking) -> None:
        self.view.apply(
            recorded(
                e.subject_id,
                SCREENING,
                e.originator_id,
                parties=[e.org_id],
                state=e.outcome,
                at=e.recorded_at,
                href=f"/v1/screenings/{e.originator_id}",
            ),
            tracking,
        )

    @process_event.register
    def _(self, e: ViolenceQuestion.Recorded, tracking: Tracking) -> None:
        """K-16: the state says only whether it was asked, never the answers."""
        self.view.apply(
            recorded(
                e.subject_id,
                VIOLENCE_QUESTION,
                e.originator_id,
                parties=[e.org_id],
                state="asked" if e.asked else "not_asked",
                at=e.recorded_at,
                href=f"/v1/violence-questions/{e.originator_id}",
            ),
            tracking,
        )

    # --- child-welfare reports (K-10) ---------------------------------------------------

    @process_event.register
    def _(self, e: ChildWelfareReport.Made, tracking: Tracking) -> None:
        self.view.apply(
            recorded(
                e.subject_id,
                CHILD_WELFARE_REPORT,
                e.originator_id,
                parties=[e.reporter_unit, child_and_youth_unit(e.municipality_code)],
                state="made",
                at=e.reported_at,
                href=f"/v1/child-welfare-reports/{e.originator_id}",
            ),
            tracking,
        )

    @process_event.register
    def _(self, e: ChildWelfareReport.Acknowledged, tracking: Tracking) -> None:
        state = "acknowledged"
        self.view.apply(
            restated(CHILD_WELFARE_REPORT, e.originator_id, state, e.acknowledged_at), tracking
        )

    # --- the pregnant woman's referral (K-14) -------------------------------------------

    @process_event.register
    def _(self, e: PregnancyReferral.Made, tracking: Tracking) -> None:
        parties = [e.discovered_by_unit, e.social_services_unit, e.maternity_unit]
        self.view.apply(
            recorded(
                e.subject_id,
                PREGNANCY_REFERRAL,
                e.originator_id,
                parties=list(dict.fromkeys(parties)),
                state="referred",
                at=e.referred_at,
                href=f"/v1/pregnancy-referrals/{e.originator_id}",
            ),
            tracking,
        )

    @process_event.register
    def _(self, e: PregnancyReferral.Acknowledged, tracking: Tracking) -> None:
        state = f"acknowledged_by_{e.recipient}"
        self.view.apply(
            restated(PREGNANCY_REFERRAL, e.originator_id, state, e.acknowledged_at), tracking
        )
