"""The escalation ladder (E-6): when coordination fails, a matter moves up one step at a time.

Two ladders, from two seeds:

- a question about the individual's needs (seed 003): caseworker → deputy
  unit manager (collaboration meeting) → unit manager (in writing; everyone
  agrees it is escalated) → department head, who settles cost questions
  ("Oklarheter avseende kostnader för insatser hanteras av avdelningschefer");
- a dispute over which organisation is responsible (seed 004): the line
  organisation → the nearest higher management level → the nearest
  collaboration body, local and then county (lokal samverkansgrupp, LokalKOLA).

Steps are not skipped. The one exception the routine makes: a cost question
is the department heads' to settle, so it may go to them from the deputy
unit managers directly; a question that is not about costs stops at the unit
managers. Every step records who took it, when and why. While a matter is
escalated, responsibility for ongoing interventions stays with the unit that
decided them (seed 003: "ansvaret för pågående insatser ... ligger kvar på
den enhet som fattade beslutet"); nothing here can move it.

Pure domain: no I/O, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, TypeAlias
from uuid import UUID, uuid4

from contracts import EscalationLevel, EscalationResolution, EscalationTrack, Role
from services.escalation.domain import cost_responsibility as cost
from services.escalation.domain.errors import (
    EscalationAlreadyResolved,
    EscalationNotAgreed,
    EscalationNotYours,
    EscalationStepInvalid,
    ReasonRequired,
)
from services.escalation.domain.owners import OwnedByRecordOrSubject, record_owner
from services.runtime.kernel.aggregate import Aggregate, event
from services.runtime.kernel.personal import Personal

L = EscalationLevel

LADDERS: dict[EscalationTrack, tuple[EscalationLevel, ...]] = {
    EscalationTrack.NEEDS: (
        L.CASEWORKER,
        L.DEPUTY_UNIT_MANAGER,
        L.UNIT_MANAGER,
        L.DEPARTMENT_HEAD,
    ),
    EscalationTrack.RESPONSIBILITY_DISPUTE: (
        L.LINE_ORGANISATION,
        L.HIGHER_MANAGEMENT,
        L.LOCAL_COLLABORATION_BODY,
        L.COUNTY_COLLABORATION_BODY,
    ),
}

FIRST_STEP = {
    EscalationTrack.NEEDS: L.DEPUTY_UNIT_MANAGER,
    EscalationTrack.RESPONSIBILITY_DISPUTE: L.LINE_ORGANISATION,
}
"""Where a raised matter lands: caseworkers take a question "i samförstånd" to their deputy
unit managers (seed 003); a dispute is first for the line organisation (seed 004)."""

NEEDS_ROLE = {
    L.CASEWORKER: Role.CASEWORKER,
    L.DEPUTY_UNIT_MANAGER: Role.DEPUTY_UNIT_MANAGER,
    L.UNIT_MANAGER: Role.UNIT_MANAGER,
    L.DEPARTMENT_HEAD: Role.DEPARTMENT_HEAD,
}
"""On the needs ladder each step is a role: whoever holds it acts on the matter there."""

MANAGERS = frozenset({Role.DEPUTY_UNIT_MANAGER, Role.UNIT_MANAGER, Role.DEPARTMENT_HEAD})


def allowed_next_steps(
    track: EscalationTrack, level: EscalationLevel, *, cost_question: bool
) -> tuple[EscalationLevel, ...]:
    """E-6: the steps the routine allows from `level` (seeds 003, 004)."""
    ladder = LADDERS[track]
    position = ladder.index(level)
    if track is EscalationTrack.NEEDS:
        if level is L.DEPUTY_UNIT_MANAGER:
            return (L.UNIT_MANAGER, L.DEPARTMENT_HEAD) if cost_question else (L.UNIT_MANAGER,)
        if level is L.UNIT_MANAGER:
            return (L.DEPARTMENT_HEAD,) if cost_question else ()
    return ladder[position + 1 : position + 2]


def may_act_at(track: EscalationTrack, level: EscalationLevel, role: Role) -> bool:
    """E-6: who acts on a matter at a step — the role of that step on the needs ladder
    (a caseworker raises to a deputy, a deputy to a unit manager, ...); a manager on
    the dispute ladder, whose upper steps are bodies, not roles."""
    if track is EscalationTrack.NEEDS:
        return NEEDS_ROLE[level] is role
    return role in MANAGERS


@dataclass(frozen=True)
class Step:
    """One rung climbed: who, when, why (E-6)."""

    level: EscalationLevel
    by: str
    by_org: str
    at: datetime
    reason: Personal
    written_summary: Personal | None
    agreed_by_orgs: list[str]


class Escalation(cost.CostResponsibilities, Aggregate):
    """One matter on one ladder, from being raised to being resolved; on a cost question,
    who pays (E-12: `cost_responsibility`)."""

    class Raised(OwnedByRecordOrSubject, Aggregate.Created):
        subject_id: str | None
        track: str
        level: str
        cost_question: bool
        raised_by: str
        raised_by_org: str
        responsible_org: str
        counterpart_orgs: list[str]
        reason: Personal
        raised_at: datetime

        legacy_personal: ClassVar[tuple[str, ...]] = ("reason",)

    class Escalated(Aggregate.Event):
        subject_id: str | None
        track: str
        step: int
        cost_question: bool
        responsible_org: str
        counterpart_orgs: list[str]
        level: str
        previous_level: str
        escalated_by: str
        escalated_by_org: str
        reason: Personal
        written_summary: Personal | None
        agreed_by_orgs: list[str]
        escalated_at: datetime

        legacy_personal: ClassVar[tuple[str, ...]] = ("reason", "written_summary")

    class AgreementRecorded(Aggregate.Event):
        """A party's own agreement that the matter goes further (E-6): each unit says so
        for itself, so no one can declare another unit's agreement."""

        level: str
        agreed_by: str
        agreed_by_org: str
        agreed_at: datetime

    class Resolved(Aggregate.Event):
        subject_id: str | None
        track: str
        level: str
        resolution: str
        notes: Personal
        resolved_by: str
        resolved_at: datetime

        legacy_personal: ClassVar[tuple[str, ...]] = ("notes",)

    CostSettled: TypeAlias = cost.CostSettled

    @classmethod
    def raise_matter(
        cls,
        *,
        track: EscalationTrack,
        subject_id: str | None,
        cost_question: bool,
        raised_by: str,
        raised_by_org: str,
        raised_by_role: Role,
        responsible_org: str,
        counterpart_orgs: list[str],
        reason: str,
        at: datetime,
        record_id: UUID | None = None,
    ) -> Escalation:
        """E-6: put a matter on the first step of its ladder. `record_id`: the id it is stored
        under, chosen by the caller so the reason can be sealed to the record beforehand."""
        counterparts = [org for org in dict.fromkeys(counterpart_orgs) if org != raised_by_org]
        if not counterparts:
            raise EscalationStepInvalid(
                "name the other organisation unit(s) the matter is with; "
                "a matter within one unit is not escalated between units"
            )
        parties = [raised_by_org, *counterparts]
        if responsible_org not in parties:
            raise EscalationStepInvalid(
                "responsible_org must be one of the parties: the unit that decided the "
                "ongoing interventions stays responsible for them while escalated"
            )
        if not reason.strip():
            raise EscalationStepInvalid("say why the matter is escalated")
        if track is EscalationTrack.NEEDS:
            if raised_by_role not in (Role.CASEWORKER, Role.DEPUTY_UNIT_MANAGER):
                raise EscalationNotYours(
                    "a question about the individual's needs is raised by the caseworkers "
                    "or their deputy unit managers (seed 003)"
                )
        elif raised_by_role not in (Role.CASEWORKER, *MANAGERS):
            raise EscalationNotYours("a dispute over responsibility is raised by staff of a party")
        record_id = record_id or uuid4()
        escalation: Escalation = cls._create(
            cls.Raised,
            id=record_id,
            subject_id=subject_id,
            track=track.value,
            level=FIRST_STEP[track].value,
            cost_question=cost_question,
            raised_by=raised_by,
            raised_by_org=raised_by_org,
            responsible_org=responsible_org,
            counterpart_orgs=counterparts,
            reason=Personal(record_owner(subject_id, record_id), reason.strip()),
            raised_at=at,
        )
        return escalation

    @event(Raised)
    def __init__(
        self,
        *,
        subject_id: str | None,
        track: str,
        level: str,
        cost_question: bool,
        raised_by: str,
        raised_by_org: str,
        responsible_org: str,
        counterpart_orgs: list[str],
        reason: Personal,
        raised_at: datetime,
    ) -> None:
        self.subject_id = subject_id
        self.track = EscalationTrack(track)
        self.cost_question = cost_question
        self.raised_by_org = raised_by_org
        self.responsible_org = responsible_org
        self.counterpart_orgs = counterpart_orgs
        self.steps = [
            Step(EscalationLevel(level), raised_by, raised_by_org, raised_at, reason, None, [])
        ]
        self.agreements: dict[str, str] = {}
        """The parties that agreed, for themselves, to take the matter further from the
        current step (unit HSA-id -> the member of staff who said so)."""
        self.resolution: EscalationResolution | None = None
        self.resolved_at: datetime | None = None
        self.resolved_by: str | None = None

    @property
    def level(self) -> EscalationLevel:
        return self.steps[-1].level

    @property
    def parties(self) -> list[str]:
        return [self.raised_by_org, *self.counterpart_orgs]

    def agree(self, *, by: str, by_org: str, by_role: Role, at: datetime) -> None:
        """E-6: a party records, for its own unit only, that it agrees the matter goes
        further ("alla är överens om att ärendet eskaleras", seed 003)."""
        if self.resolution is not None:
            raise EscalationAlreadyResolved(f"the matter was resolved ({self.resolution.value})")
        if by_org not in self.parties:
            raise EscalationNotYours("only the parties to the matter agree to escalate it")
        if not may_act_at(self.track, self.level, by_role):
            raise EscalationNotYours(
                f"the matter is with the {self.level.value.replace('_', ' ')}s; "
                f"they agree to take it further, not a {by_role.value.replace('_', ' ')}"
            )
        if by_org in self.agreements:
            return
        self._agreement_recorded(
            level=self.level.value, agreed_by=by, agreed_by_org=by_org, agreed_at=at
        )

    @event(AgreementRecorded)
    def _agreement_recorded(
        self, *, level: str, agreed_by: str, agreed_by_org: str, agreed_at: datetime
    ) -> None:
        self.agreements[agreed_by_org] = agreed_by

    @property
    def owner(self) -> str:
        """Whose key seals what is said on this matter (`record_owner`)."""
        return record_owner(self.subject_id, self.id)

    def escalate(
        self,
        *,
        to_level: EscalationLevel,
        by: str,
        by_org: str,
        by_role: Role,
        reason: str,
        written_summary: str | None,
        agreed_by_orgs: list[str],
        at: datetime,
    ) -> None:
        """E-6: one step up, as the routine allows, by someone at the current step."""
        if self.resolution is not None:
            raise EscalationAlreadyResolved(f"the matter was resolved ({self.resolution.value})")
        if by_org not in self.parties:
            raise EscalationNotYours("only the parties to the matter escalate it")
        if not may_act_at(self.track, self.level, by_role):
            raise EscalationNotYours(
                f"the matter is with the {self.level.value.replace('_', ' ')}s; "
                f"they take it further, not a {by_role.value.replace('_', ' ')}"
            )
        allowed = allowed_next_steps(self.track, self.level, cost_question=self.cost_question)
        if to_level not in allowed:
            raise EscalationStepInvalid(
                f"from {self.level.value} the routine allows "
                f"{', '.join(a.value for a in allowed) or 'no further step'}, "
                f"not {to_level.value}: steps are not skipped"
            )
        if not reason.strip():
            raise EscalationStepInvalid("say why the matter is escalated")
        # The escalating unit agrees by escalating; every other unit for itself
        # (agree): a unit named here that has not said so is not taken at its word.
        recorded = {by_org, *self.agreements}
        unconfirmed = [org for org in dict.fromkeys(agreed_by_orgs) if org not in recorded]
        if unconfirmed:
            raise EscalationNotAgreed(
                "a unit agrees for itself, through its own staff; not recorded by: "
                f"{', '.join(unconfirmed)}"
            )
        agreed = list(dict.fromkeys(agreed_by_orgs))
        if to_level is L.UNIT_MANAGER:
            if not (written_summary or "").strip():
                raise EscalationNotAgreed(
                    "the matter goes to the unit managers in writing: give a written summary"
                )
            missing = [org for org in self.parties if org not in recorded]
            if missing:
                raise EscalationNotAgreed(
                    "everyone must agree the matter is escalated to the unit managers, "
                    "each unit for itself (POST .../agreements); not yet agreed: "
                    f"{', '.join(missing)}"
                )
            agreed = [org for org in self.parties if org in recorded]
        self._escalated(
            subject_id=self.subject_id,
            track=self.track.value,
            step=len(self.steps) + 1,
            cost_question=self.cost_question,
            responsible_org=self.responsible_org,
            counterpart_orgs=self.counterpart_orgs,
            level=to_level.value,
            previous_level=self.level.value,
            escalated_by=by,
            escalated_by_org=by_org,
            reason=Personal(self.owner, reason.strip()),
            written_summary=Personal(self.owner, summary)
            if (summary := (written_summary or "").strip())
            else None,
            agreed_by_orgs=agreed,
            escalated_at=at,
        )

    @event(Escalated)
    def _escalated(
        self,
        *,
        subject_id: str | None,
        track: str,
        step: int,
        cost_question: bool,
        responsible_org: str,
        counterpart_orgs: list[str],
        level: str,
        previous_level: str,
        escalated_by: str,
        escalated_by_org: str,
        reason: Personal,
        written_summary: Personal | None,
        agreed_by_orgs: list[str],
        escalated_at: datetime,
    ) -> None:
        self.agreements = {}  # agreement is given for one step at a time
        self.steps.append(
            Step(
                EscalationLevel(level),
                escalated_by,
                escalated_by_org,
                escalated_at,
                reason,
                written_summary,
                agreed_by_orgs,
            )
        )

    def resolve(
        self,
        *,
        resolution: EscalationResolution,
        notes: str,
        by: str,
        by_org: str,
        by_role: Role,
        at: datetime,
    ) -> None:
        """E-6: settled at the current step, by someone there; or withdrawn by a party, which
        is the matter closed early (W-2), so it says why in `notes`."""
        if self.resolution is not None:
            raise EscalationAlreadyResolved(f"the matter was resolved ({self.resolution.value})")
        if by_org not in self.parties:
            raise EscalationNotYours("only the parties to the matter resolve it")
        if resolution is EscalationResolution.WITHDRAWN and not notes.strip():
            raise ReasonRequired(
                "a matter withdrawn says why: notes must not be blank", field="body.notes"
            )
        if resolution is not EscalationResolution.WITHDRAWN and not may_act_at(
            self.track, self.level, by_role
        ):
            raise EscalationNotYours(
                f"the matter is with the {self.level.value.replace('_', ' ')}s; they settle it"
            )
        self._resolved(
            subject_id=self.subject_id,
            track=self.track.value,
            level=self.level.value,
            resolution=resolution.value,
            notes=Personal(self.owner, notes.strip()),
            resolved_by=by,
            resolved_at=at,
        )

    @event(Resolved)
    def _resolved(
        self,
        *,
        subject_id: str | None,
        track: str,
        level: str,
        resolution: str,
        notes: Personal,
        resolved_by: str,
        resolved_at: datetime,
    ) -> None:
        self.resolution = EscalationResolution(resolution)
        self.resolved_at = resolved_at
        self.resolved_by = resolved_by
