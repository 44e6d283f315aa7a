"""Cases use cases: one method per command or query, and the policy that keeps the
consent view current (eventsourcing Application + EventSourcedProjection).

What is written about an individual (a handover's texts, the SIP's plan and
follow-ups, a screening's score, where a meeting about them is held) is sealed to
them before it enters an event and unsealed on read (services.runtime.store.privacy);
`SubjectErased` from consent destroys their key here.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from functools import partial, singledispatchmethod
from typing import Any
from uuid import UUID

from eventsourcing.application import ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.projection import EventSourcedProjection

from contracts import (
    ConsentExpired,
    ConsentGiven,
    ConsentScopeChanged,
    ConsentWithdrawn,
    OrgType,
    Purpose,
    Role,
    SubjectErased,
    SubjectErasedV2,
)
from contracts.cases import CaseDecision, ClosingReason, SipProposer
from contracts.vocabulary import (
    ScreeningInstrument,
    ScreeningOccasion,
    ScreeningOutcome,
    TargetGroup,
)
from services.cases.domain import (
    ADULT_AGE,
    Case,
    ChildWelfareReport,
    Handover,
    HandoverContent,
    Meeting,
    MeetingNotFound,
    Need,
    Occasion,
    Participants,
    ReportInvalid,
    Routing,
    Screening,
    ScreeningNotFound,
    Sip,
    SipNotFound,
    SipPlan,
    SubjectCases,
    SubjectConsents,
    UnitDirectory,
    acknowledgement_deadline,
    birthday,
    consent_record_id,
    route,
    subject_cases_id,
    target_group_set,
)
from services.cases.views import (
    CaseProjection,
    CaseViews,
    UnitNotice,
    UpcomingTransition,
    case_views,
)
from services.runtime.kernel.rules import RuleViolation
from services.runtime.kernel.stockholm_time import stockholm_date
from services.runtime.store.application import OutboxApplication
from services.runtime.store.privacy import Sealer, SubjectKeys
from services.runtime.store.read_models import Follower

DEVELOPMENT_ONLY_MASTER_KEY = bytes(32)
"""For tests that build the application directly; the service passes the configured key."""


class UnknownCase(RuleViolation):
    rule = "K-3"
    status = 404


@dataclass(frozen=True)
class RegisterReport:
    """A report (anmälan) or application (ansökan) about an individual (K-1, K-2)."""

    subject_id: str
    birth_date: date
    municipality_code: str
    received_at: datetime
    needs: list[Need]
    registered_by: str
    previously_known_child_case: bool = False
    """A child & youth case known from before the platform's records began."""
    placed_by_family_care: bool = False


@dataclass(frozen=True)
class ProposeSip:
    """A proposal for a coordinated individual plan (K-6), recorded by `unit`."""

    subject_id: str
    birth_date: date
    proposed_by: SipProposer
    units: list[str]
    unit: str
    by: str


@dataclass(frozen=True)
class EstablishSip:
    """The plan's first version (K-6) and its follow-up rhythm (K-7)."""

    plan: SipPlan
    participants: Participants
    complex_case: bool
    coordinator: str | None
    follow_up_every_days: int
    first_follow_up_on: date
    unit: str
    by: str


@dataclass(frozen=True)
class RecordScreening:
    """An AUDIT or DUDIT screening offered at a new visit or its follow-up (D-6)."""

    subject_id: str
    instrument: ScreeningInstrument
    occasion: ScreeningOccasion
    outcome: ScreeningOutcome
    screened_on: date
    follows_up: UUID | None
    score: int | None
    org_id: str
    org_type: OrgType
    role: Role
    by: str


@dataclass(frozen=True)
class Registered:
    routing: Routing
    cases: list[Case]
    """The routed case first, then the parallel investigation if any."""


class CasesApplication(OutboxApplication, EventSourcedProjection[UUID]):
    """Cases at the municipality's units, and what cases knows of consent."""

    name = "cases"

    def __init__(
        self,
        *,
        units: UnitDirectory,
        acknowledgement_working_days: int = 3,
        master_key: bytes = DEVELOPMENT_ONLY_MASTER_KEY,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sealer = Sealer(SubjectKeys(self.recorder.datastore, master_key))  # type: ignore[attr-defined]
        self.units = units
        self.acknowledgement_working_days = acknowledgement_working_days
        self.views: CaseViews = case_views(self)
        self._follower = Follower(self, CaseProjection(self.views), name=CaseProjection.name)

    # --- K-1, K-2: a new report or application -----------------------------------------

    def register_report(self, command: RegisterReport, *, at: datetime) -> Registered:
        """Route the report (K-1, K-2) and open the case, and a parallel one when the
        needs span both departments (K-1)."""
        if command.received_at > at:
            raise ReportInvalid("a report cannot arrive in the future", field="body.received_at")
        if not command.needs:
            raise ReportInvalid("name at least one need", field="body.needs")
        index = self._subject_cases(command.subject_id)
        routing = route(
            birth_date=command.birth_date,
            received_at=command.received_at,
            needs=command.needs,
            known_child_case=command.previously_known_child_case or index.known_child_case,
        )
        field = "body.municipality_code"
        unit = self.units.unit_of(command.municipality_code, routing.unit_kind, field=field)
        parallel_unit = (
            self.units.unit_of(command.municipality_code, routing.parallel, field=field)
            if routing.parallel is not None
            else None
        )
        opening = partial(
            Case.open,
            subject_id=command.subject_id,
            routing=routing,
            received_at=command.received_at,
            opened_at=at,
            opened_by=command.registered_by,
            birth_date=command.birth_date,
            placed_by_family_care=command.placed_by_family_care,
        )
        cases = [opening(unit=unit)]
        if parallel_unit is not None:
            cases.append(opening(unit=parallel_unit, parallel_to=cases[0].id))
        for case in cases:
            index.note(
                case_id=case.id,
                unit=case.unit,
                unit_kind=case.unit_kind,
                child_and_youth=case.child_and_youth,
            )
        self.save(*cases, index)
        return Registered(routing, cases)

    # --- K-3: decisions and closing ------------------------------------------------------

    def record_decision(
        self,
        case_id: UUID,
        *,
        unit: str,
        by: str,
        decision: CaseDecision,
        affects_planning: bool,
        child_perspective_considered: bool,
        children_in_household: bool | None,
        at: datetime,
        meeting_id: UUID | None = None,
    ) -> Case:
        """K-3 with the child perspective (D-6); a decision said to come from a
        care-planning meeting is refused (K-9)."""
        case = self.get_case(case_id)
        if meeting_id is not None:
            meeting = self.find(meeting_id, Meeting)
            if meeting is None or meeting.case_id != case.id:
                raise MeetingNotFound(f"case {case.id} has no meeting {meeting_id}")
            meeting.refuse_decisions()
        case.record_decision(
            unit=unit,
            decision=decision,
            affects_planning=affects_planning,
            child_perspective_considered=child_perspective_considered,
            children_in_household=children_in_household,
            at=at,
            by=by,
            notified_units=self._others_concerned(case),
        )
        self.save(case)
        return case

    # --- D-6: target groups and screenings ------------------------------------------------

    def set_target_groups(
        self,
        case_id: UUID,
        *,
        unit: str,
        role: Role,
        by: str,
        groups: list[TargetGroup],
        at: datetime,
    ) -> Case:
        """D-6: the case's whole set of target groups; the same set again stores nothing."""
        case = self.get_case(case_id)
        if case.set_target_groups(unit=unit, role=role, groups=groups, at=at, by=by):
            self.save(case)
        return case

    def target_groups_of(self, subject_id: str) -> list[str]:
        """The union of the target groups of the individual's open cases here (D-6)."""
        groups = [
            group
            for case in self.cases_of(subject_id)
            if case.is_open
            for group in case.target_groups
        ]
        return target_group_set(groups)

    def record_screening(self, command: RecordScreening, *, at: datetime) -> Screening:
        """D-6 prevention: the fact of a screening; its score, if kept, sealed to the
        individual before it is stored."""
        subject_id = command.subject_id
        screening = Screening.record(
            subject_id=subject_id,
            instrument=command.instrument,
            occasion=command.occasion,
            outcome=command.outcome,
            screened_on=command.screened_on,
            follows_up=command.follows_up,
            followed=self.find(command.follows_up, Screening) if command.follows_up else None,
            score=command.score,
            seal=partial(self.sealer.seal, subject_id),
            org_id=command.org_id,
            org_type=command.org_type,
            role=command.role,
            target_groups=self.target_groups_of(subject_id),
            at=at,
            by=command.by,
        )
        self.save(screening)
        return screening

    def get_screening(self, screening_id: UUID) -> Screening:
        screening = self.find(screening_id, Screening)
        if screening is None:
            raise ScreeningNotFound(f"no screening {screening_id}")
        return screening

    def screening_score(self, screening: Screening) -> int | str | None:
        """The score as recorded, `[erased]` once the individual is erased, None if none
        was kept."""
        if screening.score is None:
            return None
        score = self.sealer.unseal(screening.subject_id, screening.score)
        return int(score) if score is not None and score.isdigit() else score

    def close_case(
        self, case_id: UUID, *, unit: str, by: str, reason: ClosingReason, at: datetime
    ) -> Case:
        case = self.get_case(case_id)
        case.close(
            unit=unit, reason=reason, at=at, by=by, notified_units=self._others_concerned(case)
        )
        index = self._subject_cases(case.subject_id)
        index.end(case_id=case.id)
        self.save(case, index)
        return case

    # --- K-4: age transitions ------------------------------------------------------------

    def record_family_care_placement(
        self, case_id: UUID, *, unit: str, by: str, at: datetime
    ) -> Case:
        case = self.get_case(case_id)
        case.record_family_care_placement(unit=unit, at=at, by=by)
        self.save(case)
        return case

    def announce_age_transition(
        self,
        case_id: UUID,
        *,
        unit: str,
        by: str,
        to_unit: str,
        continued_support_needed: bool,
        at: datetime,
    ) -> Case:
        case = self.get_case(case_id)
        case.announce_age_transition(
            unit=unit,
            to_unit=self.units.require(to_unit, field="body.to_unit", rule="K-4"),
            continued_support_needed=continued_support_needed,
            at=at,
            by=by,
        )
        self.save(case)
        return case

    def upcoming_transitions(self, unit: str, until: date) -> list[UpcomingTransition]:
        """K-4, E-7: the unit's open child & youth cases that transition by `until`."""
        self._follower.catch_up()
        return self.views.upcoming_transitions(unit, until)

    # --- K-5, C-8: handover --------------------------------------------------------------

    def request_handover(
        self,
        case_id: UUID,
        *,
        unit: str,
        by: str,
        to_unit: str,
        content: HandoverContent,
        at: datetime,
    ) -> Handover:
        case = self.get_case(case_id)
        receiving = self.units.require(to_unit, field="body.to_unit", rule="K-5")
        consents = self.consents_of(case.subject_id)
        consent = (
            consents.consent_for(
                Purpose.CASE_HANDOVER.value, [case.unit, receiving.hsa_id], stockholm_date(at)
            )
            if consents is not None
            else None
        )
        handover_id = case.request_handover(
            unit=unit,
            to_unit=receiving,
            content=self._sealed_content(case.subject_id, content),
            consent_id=consent.consent_id if consent is not None else None,
            at=at,
            by=by,
            acknowledge_by=acknowledgement_deadline(at, self.acknowledgement_working_days),
        )
        self.save(case)
        return case.handover(handover_id)

    def acknowledge_handover(
        self,
        case_id: UUID,
        handover_id: UUID,
        *,
        unit: str,
        by: str,
        receiving_caseworker: str,
        at: datetime,
    ) -> Case:
        case = self.get_case(case_id)
        case.acknowledge_handover(
            handover_id, unit=unit, receiving_caseworker=receiving_caseworker, at=at, by=by
        )
        self.save(case)
        return case

    def transfer_responsibility(
        self, case_id: UUID, handover_id: UUID, *, unit: str, by: str, at: datetime
    ) -> Case:
        case = self.get_case(case_id)
        case.transfer_responsibility(handover_id, unit=unit, at=at, by=by)
        index = self._subject_cases(case.subject_id)
        index.move(case_id=case.id, unit=case.unit, unit_kind=case.unit_kind)
        self.save(case, index)
        return case

    # --- K-6, K-7, C-7: SIP ---------------------------------------------------------------

    def propose_sip(self, command: ProposeSip, *, at: datetime) -> Sip:
        sip = Sip.propose(
            subject_id=command.subject_id,
            proposed_by=command.proposed_by,
            units=command.units,
            proposer_unit=command.unit,
            adult_from=birthday(command.birth_date, ADULT_AGE),
            consent_id=self._sip_consent(command.subject_id, command.units, at),
            at=at,
            by=command.by,
        )
        self.save(sip)
        return sip

    def establish_sip(self, sip_id: UUID, command: EstablishSip, *, at: datetime) -> Sip:
        sip = self.get_sip(sip_id)
        sip.establish(
            plan=self._sealed_plan(sip.subject_id, command.plan),
            participants=command.participants,
            complex_case=command.complex_case,
            coordinator=command.coordinator,
            follow_up_every_days=command.follow_up_every_days,
            first_follow_up_on=command.first_follow_up_on,
            consent_id=self._sip_consent(sip.subject_id, sip.units, at),
            unit=command.unit,
            at=at,
            by=command.by,
        )
        self.save(sip)
        return sip

    def record_sip_follow_up(
        self,
        sip_id: UUID,
        *,
        held_on: date,
        outcome: str,
        next_follow_up_on: date | None,
        unit: str,
        by: str,
        at: datetime,
    ) -> Sip:
        sip = self.get_sip(sip_id)
        sip.record_follow_up(
            held_on=held_on,
            outcome=self._sealed(sip.subject_id, outcome),
            next_follow_up_on=next_follow_up_on,
            unit=unit,
            at=at,
            by=by,
        )
        self.save(sip)
        return sip

    def revise_sip(self, sip_id: UUID, *, plan: SipPlan, unit: str, by: str, at: datetime) -> Sip:
        sip = self.get_sip(sip_id)
        sip.revise(
            plan=self._sealed_plan(sip.subject_id, plan),
            consent_id=self._sip_consent(sip.subject_id, sip.units, at),
            unit=unit,
            at=at,
            by=by,
        )
        self.save(sip)
        return sip

    def get_sip(self, sip_id: UUID) -> Sip:
        sip = self.find(sip_id, Sip)
        if sip is None:
            raise SipNotFound(f"no SIP {sip_id}")
        return sip

    def _sip_consent(self, subject_id: str, units: list[str], at: datetime) -> UUID | None:
        """C-7: the consent to `sip` that covers every unit of the plan, if any."""
        consents = self.consents_of(subject_id)
        if consents is None:
            return None
        known = consents.consent_for(Purpose.SIP.value, units, stockholm_date(at))
        return known.consent_id if known is not None else None

    # --- K-8, K-9: meetings ---------------------------------------------------------------

    def request_three_party_meeting(
        self, case_id: UUID, *, unit: str, by: str, to_unit: str, at: datetime
    ) -> Meeting:
        case = self.get_case(case_id)
        meeting = Meeting.request_three_party(
            subject_id=case.subject_id,
            case_id=case.id,
            case_unit=case.unit,
            unit=unit,
            to_unit=self.units.require(to_unit, field="body.to_unit", rule="K-8").hsa_id,
            at=at,
            by=by,
        )
        self.save(meeting)
        return meeting

    def assign_meeting_caseworker(
        self, meeting_id: UUID, *, unit: str, role: Role, by: str, caseworker: str, at: datetime
    ) -> Meeting:
        meeting = self.get_meeting(meeting_id)
        meeting.assign_caseworker(unit=unit, role=role, caseworker=caseworker, at=at, by=by)
        self.save(meeting)
        return meeting

    def record_pre_meeting(
        self, meeting_id: UUID, *, unit: str, by: str, held_at: datetime, at: datetime
    ) -> Meeting:
        meeting = self.get_meeting(meeting_id)
        meeting.record_pre_meeting(unit=unit, held_at=held_at, at=at, by=by)
        self.save(meeting)
        return meeting

    def schedule_three_party_meeting(
        self,
        meeting_id: UUID,
        *,
        unit: str,
        by: str,
        starts_at: datetime,
        ends_at: datetime,
        location: str,
        at: datetime,
    ) -> Meeting:
        meeting = self.get_meeting(meeting_id)
        meeting.schedule_three_party(
            unit=unit,
            starts_at=starts_at,
            ends_at=ends_at,
            location=self._sealed(meeting.subject_id, location),
            at=at,
            by=by,
        )
        self.save(meeting)
        return meeting

    def plan_care_planning_meeting(
        self,
        case_id: UUID,
        *,
        unit: str,
        by: str,
        other_units: list[str],
        meeting: Occasion,
        follow_up: Occasion,
        at: datetime,
    ) -> Meeting:
        case = self.get_case(case_id)
        planned = Meeting.plan_care_planning(
            subject_id=case.subject_id,
            case_id=case.id,
            case_unit=case.unit,
            unit=unit,
            other_units=other_units,
            meeting=self._sealed_occasion(case.subject_id, meeting),
            follow_up=self._sealed_occasion(case.subject_id, follow_up),
            at=at,
            by=by,
        )
        self.save(planned)
        return planned

    def occasions_of(self, meeting: Meeting) -> list[Occasion]:
        """The meeting's booked occasions with their places in clear (or "[erased]")."""
        return [
            replace(o, location=self.sealer.unseal(meeting.subject_id, o.location) or "")
            for o in meeting.occasions
        ]

    def get_meeting(self, meeting_id: UUID) -> Meeting:
        meeting = self.find(meeting_id, Meeting)
        if meeting is None:
            raise MeetingNotFound(f"no meeting {meeting_id}")
        return meeting

    # --- K-10: child-welfare report --------------------------------------------------------

    def record_child_welfare_report(
        self,
        *,
        subject_id: str | None,
        birth_date: date | None,
        municipality_code: str,
        reporter_org_type: OrgType,
        reporter_unit: str,
        by: str,
        at: datetime,
    ) -> ChildWelfareReport:
        report = ChildWelfareReport.make(
            subject_id=subject_id,
            birth_date=birth_date,
            municipality_code=municipality_code,
            reporter_org_type=reporter_org_type,
            reporter_unit=reporter_unit,
            reported_by=by,
            at=at,
        )
        self.save(report)
        return report

    # --- deadlines (K-4, K-5, K-7) -------------------------------------------------------

    def raise_due(self, now: datetime) -> int:
        """Raise every age-transition reminder, overdue announcement, overdue
        acknowledgement and overdue SIP follow-up whose time has come; returns
        how many were raised.

        Run on a schedule with the service's clock: each becomes an event on
        the topic, so a missed deadline is visible to the other services (D-7).
        Only the cases and plans the deadline view names are loaded.
        """
        self._follower.catch_up()
        due = self.views.due(now)
        raised = 0
        for aggregate_id in due:
            aggregate = self.find(aggregate_id, Aggregate)
            if isinstance(aggregate, Case | Sip) and (kinds := aggregate.raise_due(now)):
                self.save(aggregate)
                raised += len(kinds)
        self._follower.catch_up()
        for aggregate_id in due:
            self.views.retire_due(aggregate_id, now)
        return raised

    # --- queries -------------------------------------------------------------------------

    def get_case(self, case_id: UUID) -> Case:
        case = self.find(case_id, Case)
        if case is None:
            raise UnknownCase(f"no case {case_id}")
        return case

    def cases_of(self, subject_id: str) -> list[Case]:
        index = self.find(subject_cases_id(subject_id), SubjectCases)
        if index is None:
            return []
        return [self.get_case(case_id) for case_id in index.cases]

    def notices(self, unit: str, since: datetime) -> list[UnitNotice]:
        """K-3: decisions and closings at other units that concern this unit's individuals."""
        self._follower.catch_up()
        return self.views.notices(unit, since)

    def handover_consent_holds(self, subject_id: str, units: list[str], at: datetime) -> bool:
        """C-8/C-9: whether the individual's `case_handover` consent still covers both
        units today (not withdrawn, narrowed or expired since the handover began)."""
        consents = self.consents_of(subject_id)
        return (
            consents is not None
            and consents.consent_for(Purpose.CASE_HANDOVER.value, units, stockholm_date(at))
            is not None
        )

    def consents_of(self, subject_id: str) -> SubjectConsents | None:
        return self.find(consent_record_id(subject_id), SubjectConsents)

    def _subject_cases(self, subject_id: str) -> SubjectCases:
        return self.find(subject_cases_id(subject_id), SubjectCases) or SubjectCases(
            subject_id=subject_id
        )

    def _others_concerned(self, case: Case) -> list[str]:
        """K-3: the units with another open case for the individual, and the other side
        of a handover in progress."""
        index = self._subject_cases(case.subject_id)
        units = index.open_units(except_case=case.id)
        handover = case.open_handover
        if handover is not None:
            units += [handover.from_unit, handover.to_unit]
        return list(dict.fromkeys(units))

    # --- personal data ------------------------------------------------------------------

    def _sealed(self, subject_id: str, text: str) -> str:
        """Free text about the individual, sealed to them. Blank text is no one's data and
        stays blank, so the domain's own check for a missing part still holds."""
        text = text.strip()
        return self.sealer.seal(subject_id, text) if text else text

    def _sealed_occasion(self, subject_id: str, occasion: Occasion) -> Occasion:
        """Where a meeting about the individual is held is free text, sealed like the rest."""
        return replace(occasion, location=self._sealed(subject_id, occasion.location))

    def _sealed_content(self, subject_id: str, content: HandoverContent) -> HandoverContent:
        texts = {
            f.name: self._sealed(subject_id, value)
            for f in fields(content)
            if isinstance(value := getattr(content, f.name), str)
        }
        return replace(content, **texts)

    def _sealed_plan(self, subject_id: str, plan: SipPlan) -> SipPlan:
        """The plan's texts sealed; unit ids and who follows up stay as they are."""
        texts = {part: self._sealed(subject_id, getattr(plan, part)) for part in plan.TEXTS}
        responsibilities = tuple(
            replace(r, interventions=self._sealed(subject_id, r.interventions))
            for r in plan.responsibilities
        )
        return replace(plan, responsibilities=responsibilities, **texts)

    def unseal(self, subject_id: str, sealed: Any) -> Any:
        """Personal data as stored (a text, or the texts inside a record), readable until
        the subject is erased; plain text from before sealing passes through."""
        if isinstance(sealed, str):
            return self.sealer.unseal(subject_id, sealed)
        if isinstance(sealed, dict):
            return {key: self.unseal(subject_id, value) for key, value in sealed.items()}
        if isinstance(sealed, list | tuple):
            return [self.unseal(subject_id, value) for value in sealed]
        return sealed

    def erase_subject(self, subject_id: str, at: datetime) -> None:
        """Destroy the subject's data key here (idempotent: erasing twice changes nothing)."""
        self.sealer.erase(subject_id, at)

    # --- policy: the consent view (C-7, C-8) ---------------------------------------------

    @singledispatchmethod
    def policy(self, domain_event: Any, processing_event: ProcessingEvent[UUID]) -> None:
        """Upstream events cases has no use for are tracked and otherwise ignored."""

    @policy.register
    def _(self, event: ConsentGiven, processing_event: ProcessingEvent[UUID]) -> None:
        record = self.consents_of(event.subject_id) or SubjectConsents(subject_id=event.subject_id)
        record.learn_consent(
            consent_id=event.consent_id,
            purpose=event.purpose.value,
            parties=list(event.parties),
            given_at=event.given_at,
            valid_until=event.valid_until,
        )
        processing_event.collect_events(record)

    @policy.register
    def _(self, event: ConsentWithdrawn, processing_event: ProcessingEvent[UUID]) -> None:
        record = self.consents_of(event.subject_id) or SubjectConsents(subject_id=event.subject_id)
        record.learn_withdrawal(consent_id=event.consent_id, withdrawn_at=event.withdrawn_at)
        processing_event.collect_events(record)

    @policy.register
    def _(self, event: ConsentScopeChanged, processing_event: ProcessingEvent[UUID]) -> None:
        record = self.consents_of(event.subject_id) or SubjectConsents(subject_id=event.subject_id)
        record.learn_scope_change(consent_id=event.consent_id, parties=list(event.parties))
        processing_event.collect_events(record)

    @policy.register
    def _(self, event: ConsentExpired, processing_event: ProcessingEvent[UUID]) -> None:
        record = self.consents_of(event.subject_id) or SubjectConsents(subject_id=event.subject_id)
        record.learn_expiry(consent_id=event.consent_id, expired_at=event.expired_at)
        processing_event.collect_events(record)

    @policy.register
    def _(self, event: SubjectErased, processing_event: ProcessingEvent[UUID]) -> None:
        """GDPR art. 17: what cases holds about the subject becomes unreadable; cases,
        decisions and counts stay. Only the tracking row is recorded, so a redelivered
        message is skipped, and erasing again would change nothing anyway."""
        self.erase_subject(event.subject_id, event.erased_at)

    @policy.register
    def _(self, event: SubjectErasedV2, processing_event: ProcessingEvent[UUID]) -> None:
        """Erasure on request or statutory culling: the same destruction of the key here."""
        self.erase_subject(event.subject_id, event.erased_at)
