"""The coordinated individual plan, SIP (samordnad individuell plan): K-6, K-7, K-13, C-7.

Seed 004 ("Samordnad Individuell Plan") names who may propose it and the five
things it states; seed 001 says follow-ups are planned, recorded and lead to
revisions at a frequency set by the individual's situation; seed 003 that an
adult's plan cannot be made without consent. K-13: the plan is the person's: both
principals take part, it starts from what matters to them and their own goals, it is
made within a set number of days of the proposal ("utan dröjsmål"), and every version
made is published for them to read. Plans change (W-2): a plan is closed before it has
run its course, with the reason, and is not worked on after that.
Pure domain: no I/O, no clock.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any, ClassVar
from uuid import UUID

from contracts import SipProposer
from services.cases.domain.dates import end_of_day
from services.cases.domain.errors import (
    SipConflict,
    SipFollowUpInvalid,
    SipIncomplete,
)
from services.cases.domain.principals import require_both_principals
from services.cases.domain.reasons import reason_given
from services.cases.domain.sip_plan import (
    PLAN_TEXTS,
    FollowUp,
    Participants,
    PlanVersion,
    SipParts,
    SipPlan,
    require_consent,
)
from services.runtime.kernel.aggregate import Aggregate, event
from services.runtime.kernel.personal import OwnedBySubject, Personal
from services.runtime.kernel.stockholm_time import stockholm_date

ADULT_AGE = 18
"""C-7 speaks of the adult (den vuxne): 18, the age of majority."""

ESTABLISH_WITHIN_DAYS = 14
"""K-13: "utan dröjsmål" (K-6) as calendar days from proposal to the plan made, unless the
service is set otherwise (`Settings.sip_establishment_days`)."""


class Sip(SipParts, Aggregate):
    """One coordinated individual plan, all its versions and follow-ups."""

    class Proposed(OwnedBySubject, Aggregate.Created):
        """Version 1 (before K-13) set no day to establish the plan by: read as None, such
        a proposal never falls overdue."""

        class_version = 2

        subject_id: str
        proposed_by: str
        units: list[str]
        adult_from: date
        consent_id: UUID | None
        proposed_at: datetime
        recorded_by: str
        establish_by: date | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["establish_by"] = None

    class Established(Aggregate.Event):
        subject_id: str
        plan: dict[str, Any]
        participants: dict[str, bool]
        complex: bool
        coordinator: str | None
        follow_up_every_days: int
        next_follow_up_on: date
        consent_id: UUID | None
        established_at: datetime
        established_by: str

        legacy_personal: ClassVar[tuple[str, ...]] = PLAN_TEXTS

    class FollowUpRecorded(Aggregate.Event):
        subject_id: str
        held_on: date
        outcome: Personal
        next_follow_up_on: date
        recorded_at: datetime
        recorded_by: str

        legacy_personal: ClassVar[tuple[str, ...]] = ("outcome",)

    class Revised(Aggregate.Event):
        subject_id: str
        plan_version: int
        plan: dict[str, Any]
        consent_id: UUID | None
        revised_at: datetime
        revised_by: str

        legacy_personal: ClassVar[tuple[str, ...]] = PLAN_TEXTS

    class PlanPublished(Aggregate.Event):
        """K-13: the plan, established or revised, is the person's to read (seed 001,
        "läsbar på 1177.se"): its own fact, so it is its own public event."""

        subject_id: str
        plan_version: int
        units: list[str]
        overall_responsibility: str
        coordinator: str | None
        next_follow_up_on: date
        published_at: datetime

    class EstablishmentOverdueRaised(Aggregate.Event):
        """K-13: "utan dröjsmål" (K-6) passed: the plan was not made by its day."""

        subject_id: str
        units: list[str]
        establish_by: date
        overdue_at: datetime

    class FollowUpOverdueRaised(Aggregate.Event):
        subject_id: str
        follow_up_on: date
        overdue_at: datetime
        # The plan's units, published so the deviation it becomes names them (D-7); None
        # on events stored before.
        units: list[str] | None = None

    class Closed(Aggregate.Event):
        """W-2: the plan closed before it ran its course, proposed or established."""

        subject_id: str
        units: list[str]
        established: bool
        reason: Personal
        closed_at: datetime
        closed_by: str

    @classmethod
    def propose(
        cls,
        *,
        subject_id: str,
        proposed_by: SipProposer,
        units: list[str],
        proposer_unit: str,
        adult_from: date,
        consent_id: UUID | None,
        at: datetime,
        by: str,
        establish_within_days: int = ESTABLISH_WITHIN_DAYS,
    ) -> Sip:
        """K-6: the individual, a guardian, the school, the region or the municipality
        may propose a plan; it is made between at least two units, and the one
        recording the proposal takes part. K-13: a unit of each principal among them.
        C-7: an adult's needs consent.

        `adult_from` is the 18th birthday: a child's plan needs consent too once
        the child has come of age. K-13: work starts "utan dröjsmål" (K-6), read as
        the plan made, at its first SIP meeting, within `establish_within_days`
        calendar days of the proposal, by the end of that Swedish day.
        """
        distinct = list(dict.fromkeys(units))
        if len(distinct) < 2:
            raise SipIncomplete("a SIP is made between at least two units", field="body.units")
        if proposer_unit not in distinct:
            raise SipIncomplete(
                "the unit recording the proposal takes part in the plan", field="body.units"
            )
        require_both_principals(distinct)
        require_consent(stockholm_date(at) >= adult_from, consent_id)
        sip: Sip = cls(
            subject_id=subject_id,
            proposed_by=proposed_by.value,
            units=distinct,
            adult_from=adult_from,
            consent_id=consent_id,
            proposed_at=at,
            recorded_by=by,
            establish_by=stockholm_date(at) + timedelta(days=establish_within_days),
        )
        return sip

    @event(Proposed)
    def __init__(
        self,
        *,
        subject_id: str,
        proposed_by: str,
        units: list[str],
        adult_from: date,
        consent_id: UUID | None,
        proposed_at: datetime,
        recorded_by: str,
        establish_by: date | None,
    ) -> None:
        self.subject_id = subject_id
        self.proposed_by = proposed_by
        self.units = list(units)
        self.adult_from = adult_from
        self.consent_id = consent_id
        self.proposed_at = proposed_at
        self.participants: dict[str, bool] = {}
        self.complex = False
        self.coordinator: str | None = None
        self.follow_up_every_days: int | None = None
        self.next_follow_up_on: date | None = None
        self.established_at: datetime | None = None
        self.versions: list[PlanVersion] = []
        self.follow_ups: list[FollowUp] = []
        self.overdue_raised_for: list[date] = []
        self.establish_by = establish_by
        self.establishment_overdue_raised = False
        self.closed_at: datetime | None = None
        self.closing_reason: Personal | None = None

    def establish(
        self,
        *,
        plan: SipPlan,
        participants: Participants,
        complex_case: bool,
        coordinator: str | None,
        follow_up_every_days: int,
        first_follow_up_on: date,
        consent_id: UUID | None,
        unit: str,
        at: datetime,
        by: str,
    ) -> None:
        """K-6, K-7: make the plan's first version with all five parts; set how often it
        is followed up and when first; a complex case names its coordinator."""
        self._require_party(unit)
        self._require_open()
        if self.established_at is not None:
            raise SipConflict("the plan is already established; revise it instead")
        require_both_principals(self.units)
        plan.check(self.units)
        participants.check()
        if complex_case and not coordinator:
            raise SipIncomplete(
                "a complex case gets a named coordinator", field="body.coordinator", rule="K-7"
            )
        if follow_up_every_days < 1:
            raise SipFollowUpInvalid("at least one day", field="body.follow_up_every_days")
        if first_follow_up_on < stockholm_date(at):
            raise SipFollowUpInvalid(
                "a follow-up cannot be planned before the plan's date",
                field="body.first_follow_up_on",
            )
        require_consent(self.adult_on(stockholm_date(at)), consent_id)
        self._established(
            subject_id=self.subject_id,
            plan=plan.as_record(self.subject_id),
            participants=asdict(participants),
            complex=complex_case,
            coordinator=coordinator,
            follow_up_every_days=follow_up_every_days,
            next_follow_up_on=first_follow_up_on,
            consent_id=consent_id,
            established_at=at,
            established_by=by,
        )
        self._publish(1, plan, at)

    @event(Established)
    def _established(
        self,
        *,
        subject_id: str,
        plan: dict[str, Any],
        participants: dict[str, bool],
        complex: bool,
        coordinator: str | None,
        follow_up_every_days: int,
        next_follow_up_on: date,
        consent_id: UUID | None,
        established_at: datetime,
        established_by: str,
    ) -> None:
        self.participants = participants
        self.complex = complex
        self.coordinator = coordinator
        self.follow_up_every_days = follow_up_every_days
        self.next_follow_up_on = next_follow_up_on
        self.established_at = established_at
        self.versions.append(PlanVersion(1, plan, established_at, established_by))

    def record_follow_up(
        self,
        *,
        held_on: date,
        outcome: str,
        next_follow_up_on: date | None,
        unit: str,
        at: datetime,
        by: str,
    ) -> date:
        """K-7: record a follow-up; the next one is planned at the plan's frequency
        unless a date is set. Returns the next follow-up date."""
        self._require_party(unit)
        self._require_open()
        plan_date, every = self.plan_date, self.follow_up_every_days
        if plan_date is None or every is None:
            raise SipConflict("establish the plan before following it up", rule="K-7")
        if held_on < plan_date:
            raise SipFollowUpInvalid(
                "a follow-up cannot be before the plan's date", field="body.held_on"
            )
        if held_on > stockholm_date(at):
            raise SipFollowUpInvalid("a follow-up is recorded once held", field="body.held_on")
        if not outcome.strip():
            raise SipFollowUpInvalid("record what the follow-up found", field="body.outcome")
        following = next_follow_up_on or held_on + timedelta(days=every)
        if following <= held_on:
            raise SipFollowUpInvalid(
                "the next follow-up comes after this one", field="body.next_follow_up_on"
            )
        self._follow_up_recorded(
            subject_id=self.subject_id,
            held_on=held_on,
            outcome=Personal(self.subject_id, outcome.strip()),
            next_follow_up_on=following,
            recorded_at=at,
            recorded_by=by,
        )
        return following

    @event(FollowUpRecorded)
    def _follow_up_recorded(
        self,
        *,
        subject_id: str,
        held_on: date,
        outcome: Personal,
        next_follow_up_on: date,
        recorded_at: datetime,
        recorded_by: str,
    ) -> None:
        self.follow_ups.append(FollowUp(held_on, outcome, recorded_at, recorded_by))
        self.next_follow_up_on = next_follow_up_on

    def revise(
        self, *, plan: SipPlan, consent_id: UUID | None, unit: str, at: datetime, by: str
    ) -> int:
        """K-7: a follow-up leads to a new version of the plan; the earlier ones stay.
        C-7 holds for every version. Returns the new version number."""
        self._require_party(unit)
        self._require_open()
        if not self.versions:
            raise SipConflict("establish the plan before revising it", rule="K-7")
        if not self.follow_ups or self.follow_ups[-1].recorded_at < self.versions[-1].made_at:
            raise SipConflict("a revision follows a recorded follow-up", rule="K-7")
        plan.check(self.units)
        require_consent(self.adult_on(stockholm_date(at)), consent_id)
        number = self.versions[-1].number + 1
        self._revised(
            subject_id=self.subject_id,
            plan_version=number,
            plan=plan.as_record(self.subject_id),
            consent_id=consent_id,
            revised_at=at,
            revised_by=by,
        )
        self._publish(number, plan, at)
        return number

    def _publish(self, number: int, plan: SipPlan, at: datetime) -> None:
        """K-13: each version made is the person's plan to read, through 1177/Mina planer."""
        assert self.next_follow_up_on is not None  # established: its first follow-up is set
        self._plan_published(
            subject_id=self.subject_id,
            plan_version=number,
            units=self.units,
            overall_responsibility=plan.overall_responsibility,
            coordinator=self.coordinator,
            next_follow_up_on=self.next_follow_up_on,
            published_at=at,
        )

    @event(PlanPublished)
    def _plan_published(
        self,
        *,
        subject_id: str,
        plan_version: int,
        units: list[str],
        overall_responsibility: str,
        coordinator: str | None,
        next_follow_up_on: date,
        published_at: datetime,
    ) -> None:
        """Nothing changes in the plan: the fact is for the person's reading of it."""

    @event(Revised)
    def _revised(
        self,
        *,
        subject_id: str,
        plan_version: int,
        plan: dict[str, Any],
        consent_id: UUID | None,
        revised_at: datetime,
        revised_by: str,
    ) -> None:
        after = self.follow_ups[-1].held_on if self.follow_ups else None
        self.versions.append(PlanVersion(plan_version, plan, revised_at, revised_by, after))

    def raise_due(self, now: datetime) -> list[str]:
        """K-7: a planned follow-up date that passed without a follow-up is raised, once.
        K-13: so is a proposal not made into a plan by the end of its day."""
        if self.closed_at is not None:
            return []
        if self.establish_by is not None and self.established_at is None:
            late_at = end_of_day(self.establish_by)
            if late_at > now or self.establishment_overdue_raised:
                return []
            self._establishment_overdue_raised(
                subject_id=self.subject_id,
                units=self.units,
                establish_by=self.establish_by,
                overdue_at=late_at,
            )
            return ["sip_establishment_overdue"]
        planned = self.next_follow_up_on
        overdue_at = self.follow_up_overdue_at()
        if planned is None or overdue_at is None or overdue_at > now:
            return []
        if planned in self.overdue_raised_for:
            return []
        self._follow_up_overdue_raised(
            subject_id=self.subject_id,
            follow_up_on=planned,
            overdue_at=overdue_at,
            units=list(self.units),
        )
        return ["sip_follow_up_overdue"]

    @event(EstablishmentOverdueRaised)
    def _establishment_overdue_raised(
        self, *, subject_id: str, units: list[str], establish_by: date, overdue_at: datetime
    ) -> None:
        self.establishment_overdue_raised = True

    @event(FollowUpOverdueRaised)
    def _follow_up_overdue_raised(
        self,
        *,
        subject_id: str,
        follow_up_on: date,
        overdue_at: datetime,
        units: list[str] | None = None,
    ) -> None:
        self.overdue_raised_for.append(follow_up_on)

    def close(self, *, reason: str, unit: str, at: datetime, by: str) -> None:
        """W-2: any of the plan's units closes it before it has run its course (the
        individual moved away, say), with the reason; proposed or established. Nothing
        is followed up or revised after that, and no follow-up falls overdue; the
        versions and follow-ups stay."""
        self._require_party(unit)
        self._require_open()
        why = reason_given(self.subject_id, reason)
        self._closed(
            subject_id=self.subject_id,
            units=self.units,
            established=self.established_at is not None,
            reason=why,
            closed_at=at,
            closed_by=by,
        )

    @event(Closed)
    def _closed(
        self,
        *,
        subject_id: str,
        units: list[str],
        established: bool,
        reason: Personal,
        closed_at: datetime,
        closed_by: str,
    ) -> None:
        self.closed_at = closed_at
        self.closing_reason = reason
