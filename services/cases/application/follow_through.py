"""A handover followed through at the receiving unit (K-12) on a basis to share (C-11).

After the transfer, the receiving unit's deputy unit manager books the joint officials'
meeting, records it as held with the new plan, and records that the client was told; the
follow-through checks each step against the actor's unit and role. The units that meet
share the individual's data, so each booking and each meeting held needs a consent to
`case_handover` or `information_sharing` naming every one of them, or an emergency
disclosure that does (C-11, C-5), found here as the handover's own consent is (C-8).
Read by the units invited, decided where it is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from contracts import InformedManner, LegalBasis, Purpose
from services.cases.application.base import CasesBase
from services.cases.domain import Case
from services.cases.domain.follow_through import (
    Basis,
    FollowThrough,
    FollowThroughConflict,
    FollowThroughNotFound,
    follow_through_id,
)
from services.runtime.kernel.actor import Actor, require_party
from services.runtime.kernel.commands import arguments

BASES = (Purpose.CASE_HANDOVER, Purpose.INFORMATION_SHARING)
"""C-11: the purposes a consent may name for the joint officials' meeting to share on."""


@dataclass(frozen=True)
class ScheduleFollowThrough:
    """K-12: the joint officials' meeting, with the other officials' and care providers'
    units, and whether the trustee or guardian (förvaltare/god man) is invited."""

    other_units: list[str]
    trustee_invited: bool
    starts_at: datetime
    ends_at: datetime
    location: str


@dataclass(frozen=True)
class RecordFollowThroughHeld:
    """K-12: who met, whether the trustee or guardian was there, and the new plan."""

    attended_units: list[str]
    trustee_attended: bool
    plan: str


class FollowThroughs(CasesBase):
    """Book, hold and inform: the receiving unit's deputy unit manager (K-12)."""

    def schedule_follow_through(
        self,
        actor: Actor,
        case_id: UUID,
        handover_id: UUID,
        command: ScheduleFollowThrough,
        *,
        at: datetime,
    ) -> FollowThrough:
        """K-12: once per handover, after the transfer (the follow-through checks), on a
        consent naming every unit invited (C-11)."""
        case = self._load(Case, case_id)
        handover = case.handover(handover_id)
        if self.find(follow_through_id(handover_id), FollowThrough) is not None:
            raise FollowThroughConflict("the joint officials' meeting is already booked")
        units = list(dict.fromkeys([actor.org_id, *command.other_units]))
        return self._created(
            FollowThrough.schedule(
                subject_id=case.subject_id,
                case_id=case.id,
                handover=handover,
                unit=actor.org_id,
                role=actor.role,
                **arguments(command),
                basis=self._basis(case.subject_id, units, at),
                at=at,
                by=actor.hsa_id,
            )
        )

    def record_follow_through_held(
        self,
        actor: Actor,
        case_id: UUID,
        handover_id: UUID,
        command: RecordFollowThroughHeld,
        *,
        at: datetime,
    ) -> FollowThrough:
        """K-12: with the trustee or guardian where the handover records one (the
        follow-through checks), on a consent naming every unit that met (C-11)."""

        def hold(follow_through: FollowThrough) -> None:
            units = list(dict.fromkeys([actor.org_id, *command.attended_units]))
            follow_through.record_held(
                **arguments(command),
                unit=actor.org_id,
                role=actor.role,
                basis=self._basis(follow_through.subject_id, units, at),
                at=at,
                by=actor.hsa_id,
            )

        return self._changing(lambda: self._follow_through(case_id, handover_id), hold)

    def record_client_informed(
        self,
        actor: Actor,
        case_id: UUID,
        handover_id: UUID,
        *,
        informed_at: datetime,
        manner: InformedManner,
        at: datetime,
    ) -> FollowThrough:
        """K-12: after the meeting (the follow-through checks)."""
        return self._changing(
            lambda: self._follow_through(case_id, handover_id),
            lambda follow_through: follow_through.record_client_informed(
                unit=actor.org_id,
                role=actor.role,
                informed_at=informed_at,
                manner=manner,
                at=at,
                by=actor.hsa_id,
            ),
        )

    def read_follow_through(self, actor: Actor, case_id: UUID, handover_id: UUID) -> FollowThrough:
        """K-12: for the units invited to the meeting."""
        follow_through = self._follow_through(case_id, handover_id)
        require_party(actor, follow_through.units, what="this follow-through", rule="K-12")
        return follow_through

    def _follow_through(self, case_id: UUID, handover_id: UUID) -> FollowThrough:
        found = self.find(follow_through_id(handover_id), FollowThrough)
        if found is None or found.case_id != case_id:
            raise FollowThroughNotFound(
                f"case {case_id} has no follow-through of handover {handover_id}"
            )
        return found

    def _basis(self, subject_id: str, units: list[str], at: datetime) -> Basis | None:
        """C-11: a consent to share for the handover, or for information sharing, naming
        every one of `units` today; else an emergency disclosure naming them now (C-5);
        None without either (the follow-through refuses)."""
        return self._basis_for(subject_id, units, at, BASES, LegalBasis.EMERGENCY_DISCLOSURE)
