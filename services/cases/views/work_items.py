"""The cases service's work lists (W-1): who must act on a handover, a report, a meeting or a
plan, next.

- The receiving unit acknowledges a handover within the configured working days, then
  records the transfer (K-5); it is overdue once the deadline passed or the schedule
  raised it so (D-7). Declined or withdrawn (W-2), nothing waits on it any more.
- The municipality's child & youth unit (IOF) acknowledges the child-welfare reports
  made about a child living there (K-10): addressed to ``municipality:<kod>:IOF`` and
  read by the unit the directory names for it when the list is read, as the report's
  own read is decided (services.cases.domain.parties.require_report_reader).
- Social services (the municipality's IOF unit) and specialist maternity care each
  acknowledge a pregnant woman's referral (K-14), one item each.
- The asked unit's deputy unit manager assigns a caseworker to a three-party meeting;
  then the meeting's two units hold the pre-meeting and book the meeting (K-8); the
  units that meet see each booked occasion (a care-planning meeting, and its follow-up
  apart) until it is recorded as held or cancelled (K-8, K-9, W-2), due by the end of
  the working day after its date and overdue after it (E-11).
- The units a SIP is made between establish it by the configured day after the proposal
  (K-6, K-13), then follow it up by its planned date (K-7), each overdue once its day
  passed or the schedule raised it so; closed (W-2), nothing waits on it any more.
- The other principal's unit asked to establish contact does so by its day (K-17): done
  when it acknowledges, or a SIP with both units is proposed.
- The unit holding a child & youth case announces its age transition once the reminder
  comes, overdue when the schedule says (K-4); the unit it is announced to, needing
  continued support, takes it over: it decides from the birthday (due then) until the
  case is handed over to it or closed.
- The unit that took a decision tells the individual of it, and records when and how
  (K-11): one item per decision (recorded before K-11, a decision has none).
- Once responsibility has transferred, the receiving unit's deputy unit manager books the
  joint officials' meeting, records it as held by the end of the working day after it,
  then has the client told (K-12).

An item's id is the object its link reads: the case for its handover and age transition
(a case has one open handover at a time, and closing it ends both), the report, the
meeting, the plan. Fed by the service's own events (eventsourcing `Projection`, tracked
in the same transaction), caught up before it is read.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from contracts import MeetingKind, Role, UnitKind
from services.cases.domain import (
    Case,
    ChildWelfareReport,
    Meeting,
    PregnancyReferral,
    Sip,
    announcement_overdue_at,
    end_of_day,
    meeting_record_overdue_at,
    start_of_day,
)
from services.cases.domain.follow_through import FollowThrough, follow_through_id
from services.cases.domain.principal_contact import PrincipalContact
from services.cases.views.work_kinds import (
    AGE_TRANSITION,
    AGE_TRANSITION_TAKEOVER,
    CHILD_WELFARE_REPORT,
    DECISION_TO_TELL,
    FOLLOW_THROUGH,
    HANDOVER,
    OTHER_PRINCIPAL_CONTACT,
    REFERRAL_KIND,
    REFERRAL_MATERNITY_CARE,
    REFERRAL_SOCIAL_SERVICES,
    SIP_ESTABLISHMENT,
    SIP_FOLLOW_UP,
    THREE_PARTY_PREPARATION,
    THREE_PARTY_REQUEST,
    TRANSFER,
    case_href,
    child_and_youth_unit,
    decision_item_id,
    follow_through_href,
    meeting_href,
    occasion_kind,
    sip_href,
)
from services.runtime.store.work_items import (
    Addressed,
    WorkListView,
    done,
    due_anew,
    moved_on,
    opened,
    raised_overdue,
    readdressed,
    succeeded_by,
)

_DEPUTY = Role.DEPUTY_UNIT_MANAGER.value


class CasesWork(Projection[WorkListView]):
    """The cases service's own domain events → work items on the lists of those who must act."""

    name = "work_items"

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.apply([], tracking)

    # --- the handover (K-5) -------------------------------------------------------------

    @process_event.register
    def _(self, e: Case.HandoverRequested, tracking: Tracking) -> None:
        """K-5: the receiving unit acknowledges by the end of the configured working days."""
        self.view.apply(
            opened(
                e.originator_id,
                HANDOVER,
                Addressed([e.to_unit]),
                state="requested",
                since=e.timestamp,
                href=f"{case_href(e.originator_id)}/handovers/{e.handover_id}",
                subject_id=e.subject_id,
                due_at=e.overdue_at,
            ),
            tracking,
        )

    @process_event.register
    def _(self, e: Case.HandoverAcknowledged, tracking: Tracking) -> None:
        """K-5: acknowledged, the receiving unit records the transfer when it is agreed."""
        self.view.apply(
            succeeded_by(
                e.originator_id, HANDOVER, TRANSFER, state="acknowledged", since=e.timestamp
            ),
            tracking,
        )

    @process_event.register
    def _(self, e: Case.HandoverAcknowledgementOverdueRaised, tracking: Tracking) -> None:
        self.view.apply(raised_overdue(e.originator_id, HANDOVER), tracking)

    @process_event.register
    def _(self, e: Case.ResponsibilityTransferred, tracking: Tracking) -> None:
        """K-5: transferred, the handover is done. K-4: a case moved to another IOF unit
        is that unit's to announce; moved on from IOF, it has nothing left to announce."""
        operations = done(e.originator_id, HANDOVER, TRANSFER, AGE_TRANSITION_TAKEOVER)
        if e.to_unit_kind == UnitKind.IOF.value:
            operations += readdressed(e.originator_id, AGE_TRANSITION, e.to_unit, None)
        else:
            operations += done(e.originator_id, AGE_TRANSITION)
        # K-12: the receiving unit's deputy unit manager follows the handover through.
        operations += opened(
            follow_through_id(e.handover_id),
            FOLLOW_THROUGH,
            Addressed([e.to_unit], _DEPUTY),
            state="to_book",
            since=e.timestamp,
            href=follow_through_href(e.originator_id, e.handover_id),
            subject_id=e.subject_id,
        )
        self.view.apply(operations, tracking)

    @process_event.register
    def _(self, e: Case.HandoverDeclined | Case.HandoverWithdrawn, tracking: Tracking) -> None:
        """W-2: declined or withdrawn, the receiving unit has nothing to acknowledge or
        transfer; the case's age transition stays where it is."""
        self.view.apply(done(e.originator_id, HANDOVER, TRANSFER), tracking)

    @process_event.register
    def _(self, e: Case.Closed, tracking: Tracking) -> None:
        """Closing the case ends its handover in progress and its age transition."""
        self.view.apply(done(e.originator_id), tracking)

    # --- the decision told (K-11) and the handover followed through (K-12) -------------

    @process_event.register
    def _(self, e: Case.DecisionRecorded, tracking: Tracking) -> None:
        """K-11: the deciding unit tells the person (decisions before K-11 have no number)."""
        if e.number is None:
            self.view.apply([], tracking)
            return
        self.view.apply(
            opened(
                decision_item_id(e.originator_id, e.number),
                DECISION_TO_TELL,
                Addressed([e.unit]),
                state="decided",
                since=e.timestamp,
                href=f"{case_href(e.originator_id)}/decisions/{e.number}",
                subject_id=e.subject_id,
            ),
            tracking,
        )

    @process_event.register
    def _(self, e: Case.DecisionTold, tracking: Tracking) -> None:
        self.view.apply(
            done(decision_item_id(e.originator_id, e.number), DECISION_TO_TELL), tracking
        )

    @process_event.register
    def _(self, e: FollowThrough.Scheduled, tracking: Tracking) -> None:
        """K-12, E-11: booked, recorded as held by the end of the working day after it."""
        due = meeting_record_overdue_at(e.starts_at)
        self.view.apply(
            due_anew(e.originator_id, FOLLOW_THROUGH, "booked", e.timestamp, due), tracking
        )

    @process_event.register
    def _(self, e: FollowThrough.Held, tracking: Tracking) -> None:
        """K-12: held, the client is told how the case goes on."""
        self.view.apply(
            due_anew(e.originator_id, FOLLOW_THROUGH, "client_to_inform", e.timestamp, None),
            tracking,
        )

    @process_event.register
    def _(self, e: FollowThrough.ClientInformed, tracking: Tracking) -> None:
        self.view.apply(done(e.originator_id, FOLLOW_THROUGH), tracking)

    # --- the age transition (K-4) -------------------------------------------------------

    @process_event.register
    def _(self, e: Case.AgeTransitionDueRaised, tracking: Tracking) -> None:
        """K-4: the reminder puts the announcement on the holding unit's list."""
        self.view.apply(
            opened(
                e.originator_id,
                AGE_TRANSITION,
                Addressed([e.unit]),
                state="due",
                since=e.timestamp,
                href=case_href(e.originator_id),
                subject_id=e.subject_id,
                due_at=announcement_overdue_at(e.transition_on, e.announce_by, e.due_at),
            ),
            tracking,
        )

    @process_event.register
    def _(self, e: Case.AgeTransitionOverdueRaised, tracking: Tracking) -> None:
        self.view.apply(raised_overdue(e.originator_id, AGE_TRANSITION), tracking)

    @process_event.register
    def _(self, e: Case.AgeTransitionScheduled, tracking: Tracking) -> None:
        """K-4: scheduled anew (a family care placement), the reminder for the new birthday
        comes in its own time."""
        self.view.apply(done(e.originator_id, AGE_TRANSITION), tracking)

    @process_event.register
    def _(self, e: Case.AgeTransitionAnnounced, tracking: Tracking) -> None:
        """K-4: announced, the holding unit has nothing left to announce; the unit taking
        over (continued support needed) sees it, due at the birthday, when it decides."""
        operations = done(e.originator_id, AGE_TRANSITION)
        if e.continued_support_needed and e.transition_on is not None:
            operations += opened(
                e.originator_id,
                AGE_TRANSITION_TAKEOVER,
                Addressed([e.to_unit]),
                state="announced",
                since=e.timestamp,
                href=case_href(e.originator_id),
                subject_id=e.subject_id,
                due_at=start_of_day(e.transition_on),
            )
        self.view.apply(operations, tracking)

    # --- the child-welfare report (K-10) ------------------------------------------------

    @process_event.register
    def _(self, e: ChildWelfareReport.Made, tracking: Tracking) -> None:
        """K-10: the report reaches the child & youth unit of the child's municipality."""
        self.view.apply(
            opened(
                e.originator_id,
                CHILD_WELFARE_REPORT,
                Addressed([child_and_youth_unit(e.municipality_code)]),
                state="made",
                since=e.timestamp,
                href=f"/v1/child-welfare-reports/{e.originator_id}",
                subject_id=e.subject_id,
            ),
            tracking,
        )

    @process_event.register
    def _(self, e: ChildWelfareReport.Acknowledged, tracking: Tracking) -> None:
        self.view.apply(done(e.originator_id, CHILD_WELFARE_REPORT), tracking)

    # --- the pregnant woman's referral (K-14) -------------------------------------------

    @process_event.register
    def _(self, e: PregnancyReferral.Made, tracking: Tracking) -> None:
        """K-14: one item for each recipient, each acknowledged on its own."""
        common: dict[str, Any] = {
            "state": "referred",
            "since": e.timestamp,
            "href": f"/v1/pregnancy-referrals/{e.originator_id}",
            "subject_id": e.subject_id,
        }
        self.view.apply(
            opened(
                e.originator_id,
                REFERRAL_SOCIAL_SERVICES,
                Addressed([e.social_services_unit]),
                **common,
            )
            + opened(
                e.originator_id, REFERRAL_MATERNITY_CARE, Addressed([e.maternity_unit]), **common
            ),
            tracking,
        )

    @process_event.register
    def _(self, e: PregnancyReferral.Acknowledged, tracking: Tracking) -> None:
        """K-14: the acknowledging recipient's item ends; the other's waits on."""
        self.view.apply(done(e.originator_id, REFERRAL_KIND[e.recipient]), tracking)

    # --- meetings (K-8, K-9) ------------------------------------------------------------

    @process_event.register
    def _(self, e: Meeting.Requested, tracking: Tracking) -> None:
        """K-8: the asked unit's deputy assigns a caseworker; the two units prepare the
        meeting from then on (the asking one sees it waiting for the assignment)."""
        if e.kind != MeetingKind.THREE_PARTY.value:
            self.view.apply([], tracking)  # K-9: booked at once; `Scheduled` lists it
            return
        common: dict[str, Any] = {
            "since": e.timestamp,
            "href": meeting_href(e.originator_id),
            "subject_id": e.subject_id,
        }
        self.view.apply(
            opened(
                e.originator_id,
                THREE_PARTY_REQUEST,
                Addressed([e.to_unit], _DEPUTY),
                state="requested",
                **common,
            )
            + opened(
                e.originator_id,
                THREE_PARTY_PREPARATION,
                Addressed([e.from_unit, e.to_unit]),
                state="caseworker_requested",
                **common,
            ),
            tracking,
        )

    @process_event.register
    def _(self, e: Meeting.CaseworkerAssigned, tracking: Tracking) -> None:
        item = e.originator_id
        self.view.apply(
            done(item, THREE_PARTY_REQUEST)
            + moved_on(item, THREE_PARTY_PREPARATION, "pre_meeting_to_hold", e.timestamp),
            tracking,
        )

    @process_event.register
    def _(self, e: Meeting.PreMeetingHeld, tracking: Tracking) -> None:
        self.view.apply(
            moved_on(e.originator_id, THREE_PARTY_PREPARATION, "to_book", e.timestamp), tracking
        )

    @process_event.register
    def _(self, e: Meeting.Scheduled, tracking: Tracking) -> None:
        """K-8, K-9: booked, the units that meet attend it and record it as held by the end
        of the working day after its date (E-11); a care-planning meeting's follow-up is
        an item of its own."""
        self.view.apply(
            done(e.originator_id, THREE_PARTY_PREPARATION)
            + opened(
                e.originator_id,
                occasion_kind(e.kind),
                Addressed(e.units),
                state="booked",
                since=e.timestamp,
                href=meeting_href(e.originator_id),
                subject_id=e.subject_id,
                due_at=meeting_record_overdue_at(e.starts_at),
            ),
            tracking,
        )

    @process_event.register
    def _(self, e: Meeting.Moved, tracking: Tracking) -> None:
        """W-2: moved, it is due after its new date, no longer overdue (E-11)."""
        due = meeting_record_overdue_at(e.starts_at)
        self.view.apply(
            due_anew(e.originator_id, occasion_kind(e.kind), "moved", e.timestamp, due),
            tracking,
        )

    @process_event.register
    def _(self, e: Meeting.Cancelled | Meeting.Held, tracking: Tracking) -> None:
        """W-2, K-8, K-9: cancelled or recorded as held, nothing waits."""
        self.view.apply(done(e.originator_id, occasion_kind(e.kind)), tracking)

    @process_event.register
    def _(self, e: Meeting.OverdueRaised, tracking: Tracking) -> None:
        self.view.apply(raised_overdue(e.originator_id, occasion_kind(e.kind)), tracking)

    # --- the SIP (K-6, K-7) -------------------------------------------------------------

    @process_event.register
    def _(self, e: Sip.Proposed, tracking: Tracking) -> None:
        """K-6, K-13: work starts without delay: the plan's units establish it by its day."""
        self.view.apply(
            opened(
                e.originator_id,
                SIP_ESTABLISHMENT,
                Addressed(e.units),
                state="proposed",
                since=e.timestamp,
                href=sip_href(e.originator_id),
                subject_id=e.subject_id,
                due_at=end_of_day(e.establish_by) if e.establish_by else None,
            ),
            tracking,
        )

    @process_event.register
    def _(self, e: Sip.EstablishmentOverdueRaised, tracking: Tracking) -> None:
        self.view.apply(raised_overdue(e.originator_id, SIP_ESTABLISHMENT), tracking)

    @process_event.register
    def _(self, e: Sip.Established, tracking: Tracking) -> None:
        """K-7: established, the plan's units follow it up by the first planned date."""
        self.view.apply(
            succeeded_by(
                e.originator_id,
                SIP_ESTABLISHMENT,
                SIP_FOLLOW_UP,
                state="established",
                since=e.timestamp,
                due_at=end_of_day(e.next_follow_up_on),
            ),
            tracking,
        )

    @process_event.register
    def _(self, e: Sip.FollowUpRecorded, tracking: Tracking) -> None:
        """K-7: followed up, the next planned date is the deadline, no longer overdue."""
        self.view.apply(
            due_anew(
                e.originator_id,
                SIP_FOLLOW_UP,
                "followed_up",
                e.timestamp,
                end_of_day(e.next_follow_up_on),
            ),
            tracking,
        )

    @process_event.register
    def _(self, e: Sip.Revised, tracking: Tracking) -> None:
        self.view.apply(moved_on(e.originator_id, SIP_FOLLOW_UP, "revised", e.timestamp), tracking)

    @process_event.register
    def _(self, e: Sip.FollowUpOverdueRaised, tracking: Tracking) -> None:
        self.view.apply(raised_overdue(e.originator_id, SIP_FOLLOW_UP), tracking)

    @process_event.register
    def _(self, e: Sip.Closed, tracking: Tracking) -> None:
        """W-2: closed, the plan is neither established nor followed up any more."""
        self.view.apply(done(e.originator_id), tracking)

    # --- contact with the other principal (K-17) ----------------------------------------

    @process_event.register
    def _(self, e: PrincipalContact.Requested, tracking: Tracking) -> None:
        """K-17: the other principal's unit establishes contact by its day."""
        self.view.apply(
            opened(
                e.originator_id,
                OTHER_PRINCIPAL_CONTACT,
                Addressed([e.to_unit]),
                state="requested",
                since=e.timestamp,
                href=f"/v1/principal-contacts/{e.originator_id}",
                subject_id=e.subject_id,
                due_at=end_of_day(e.contact_by),
            ),
            tracking,
        )

    @process_event.register
    def _(
        self, e: PrincipalContact.Established | PrincipalContact.OverdueRaised, tracking: Tracking
    ) -> None:
        late = isinstance(e, PrincipalContact.OverdueRaised)
        step = raised_overdue if late else done
        self.view.apply(step(e.originator_id, OTHER_PRINCIPAL_CONTACT), tracking)
