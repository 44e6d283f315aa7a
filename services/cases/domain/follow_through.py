"""K-12 (seed 003): a handover followed through at the receiving unit.

"Biträdande enhetschef på mottagande enhet ansvarar för att hålla ett gemensamt
tjänstemannamöte och att klienten därefter informeras om ärendets gång. Om det finns
andra vårdgivare eller/och förvaltare/godemän skall även dessa vara med."

Once responsibility has transferred (K-5), the receiving unit's deputy unit manager books
a joint officials' meeting (gemensamt tjänstemannamöte) with the officials' units and the
other care providers, and with the trustee (förvaltare/god man) or guardian where the
handover records one (its "ev. förmyndare"); records it held, with the new plan it made;
and then records that the client was told how the case goes on. The meeting shares the
individual's data between its units, so it needs a basis (C-11), a consent or an
emergency disclosure naming every unit: the application finds it, this module refuses a
meeting without one. One follow-through per handover, at an id
the handover names (`follow_through_id`). Pure domain: no I/O, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from contracts import InformedManner, LegalBasis, Role
from services.cases.domain.errors import (
    CaseConflict,
    CaseForbidden,
    CaseNotFound,
    CaseRuleViolation,
)
from services.cases.domain.handover import Handover
from services.cases.domain.meeting_occasions import check_time
from services.runtime.kernel.aggregate import Aggregate, event
from services.runtime.kernel.personal import OwnedBySubject, Personal


class FollowThroughNotFound(CaseNotFound):
    rule = "K-12"


class FollowThroughInvalid(CaseRuleViolation):
    rule = "K-12"


class FollowThroughConflict(CaseConflict):
    """K-12: the follow-through is not at a step that allows this one."""

    rule = "K-12"


class NotTheReceivingDeputy(CaseForbidden):
    """K-12: the receiving unit's deputy unit manager holds the meeting."""

    rule = "K-12"


class FollowThroughWithoutBasis(CaseConflict):
    """C-11: no consent (`case_handover` or `information_sharing`) names every unit that
    meets."""

    rule = "C-11"


def follow_through_id(handover_id: UUID) -> UUID:
    """The one follow-through of a handover, addressable by the handover alone."""
    return uuid5(NAMESPACE_URL, f"samverkan:cases:follow-through:{handover_id}")


@dataclass(frozen=True)
class Basis:
    """C-11: what the meeting shares on: a consent, or an emergency disclosure (C-5)."""

    legal_basis: LegalBasis
    id: UUID


def require_basis(basis: Basis | None, units: list[str]) -> Basis:
    """C-11: the meeting shares the individual's data between `units` only on a basis."""
    if basis is None:
        raise FollowThroughWithoutBasis(
            "no active consent for case_handover or information_sharing, and no emergency "
            f"disclosure, names every unit that meets ({', '.join(units)}); ask the "
            "individual first"
        )
    return basis


class FollowThrough(Aggregate):
    """The joint officials' meeting after one handover, and the client told (K-12)."""

    class Scheduled(OwnedBySubject, Aggregate.Created):
        subject_id: str
        case_id: UUID
        handover_id: UUID
        unit: str
        units: list[str]
        trustee_expected: bool
        trustee_invited: bool
        legal_basis: str
        basis_id: UUID
        starts_at: datetime
        ends_at: datetime
        location: Personal
        scheduled_at: datetime
        scheduled_by: str

    class Held(Aggregate.Event):
        subject_id: str
        case_id: UUID
        handover_id: UUID
        unit: str
        attended_units: list[str]
        trustee_attended: bool
        legal_basis: str
        basis_id: UUID
        plan: Personal
        held_at: datetime
        recorded_at: datetime
        recorded_by: str

    class ClientInformed(Aggregate.Event):
        subject_id: str
        case_id: UUID
        handover_id: UUID
        unit: str
        informed_at: datetime
        manner: str
        recorded_at: datetime
        recorded_by: str

    @classmethod
    def schedule(
        cls,
        *,
        subject_id: str,
        case_id: UUID,
        handover: Handover,
        unit: str,
        role: Role,
        other_units: list[str],
        trustee_invited: bool,
        starts_at: datetime,
        ends_at: datetime,
        location: str,
        basis: Basis | None,
        at: datetime,
        by: str,
    ) -> FollowThrough:
        """K-12: after the transfer, the receiving unit's deputy unit manager books the
        meeting with the other officials and care providers (`other_units`), inviting
        the trustee or guardian where the handover records one; on a basis (C-11)."""
        _require_receiving_deputy(handover.to_unit, unit, role)
        if handover.status != "transferred":
            raise FollowThroughConflict(
                "the joint officials' meeting follows the transfer of responsibility; "
                f"this handover is {handover.status}"
            )
        trustee_expected = handover.content.get("guardian") is not None
        if trustee_expected and not trustee_invited:
            raise FollowThroughInvalid(
                "the case records a trustee or guardian (förvaltare/god man); invite them",
                field="body.trustee_invited",
            )
        check_time(starts_at, ends_at, at, field="body", rule="K-12")
        if not location.strip():
            raise FollowThroughInvalid("say where the meeting is held", field="body.location")
        units = list(dict.fromkeys([unit, *other_units]))
        shared_on = require_basis(basis, units)
        follow_through: FollowThrough = cls(
            subject_id=subject_id,
            case_id=case_id,
            handover_id=handover.id,
            unit=unit,
            units=units,
            trustee_expected=trustee_expected,
            trustee_invited=trustee_invited,
            legal_basis=shared_on.legal_basis.value,
            basis_id=shared_on.id,
            starts_at=starts_at,
            ends_at=ends_at,
            location=Personal(subject_id, location.strip()),
            scheduled_at=at,
            scheduled_by=by,
        )
        return follow_through

    @staticmethod
    def create_id(handover_id: UUID) -> UUID:
        return follow_through_id(handover_id)

    @event(Scheduled)
    def __init__(
        self,
        *,
        subject_id: str,
        case_id: UUID,
        handover_id: UUID,
        unit: str,
        units: list[str],
        trustee_expected: bool,
        trustee_invited: bool,
        legal_basis: str,
        basis_id: UUID,
        starts_at: datetime,
        ends_at: datetime,
        location: Personal,
        scheduled_at: datetime,
        scheduled_by: str,
    ) -> None:
        self.subject_id = subject_id
        self.case_id = case_id
        self.handover_id = handover_id
        self.unit = unit
        self.units = list(units)
        self.trustee_expected = trustee_expected
        self.trustee_invited = trustee_invited
        self.legal_basis = legal_basis
        self.basis_id = basis_id
        self.starts_at = starts_at
        self.ends_at = ends_at
        self.location = location
        self.scheduled_at = scheduled_at
        self.scheduled_by = scheduled_by
        self.held_at: datetime | None = None
        self.attended_units: list[str] = []
        self.trustee_attended: bool | None = None
        self.plan: Personal | None = None
        self.informed_at: datetime | None = None
        self.informed_how: str | None = None

    @property
    def status(self) -> str:
        if self.informed_at is not None:
            return "client_informed"
        if self.held_at is not None:
            return "held"
        return "scheduled"

    def record_held(
        self,
        *,
        unit: str,
        role: Role,
        attended_units: list[str],
        trustee_attended: bool,
        plan: str,
        basis: Basis | None,
        at: datetime,
        by: str,
    ) -> None:
        """K-12: the meeting held, with whom, and the new plan it made. Where the handover
        records a trustee or guardian, the meeting is not held without them; the units
        that met share on a basis (C-11)."""
        _require_receiving_deputy(self.unit, unit, role)
        if self.held_at is not None:
            raise FollowThroughConflict("the meeting is already recorded as held")
        if at < self.starts_at:
            raise FollowThroughConflict("record the meeting as held once it has started")
        if self.trustee_expected and not trustee_attended:
            raise FollowThroughInvalid(
                "the case records a trustee or guardian (förvaltare/god man); the joint "
                "officials' meeting is held with them",
                field="body.trustee_attended",
            )
        if not plan.strip():
            raise FollowThroughInvalid("the meeting makes a new plan; write it", field="body.plan")
        attended = list(dict.fromkeys([unit, *attended_units]))
        shared_on = require_basis(basis, attended)
        self._held(
            subject_id=self.subject_id,
            case_id=self.case_id,
            handover_id=self.handover_id,
            unit=unit,
            attended_units=attended,
            trustee_attended=trustee_attended,
            legal_basis=shared_on.legal_basis.value,
            basis_id=shared_on.id,
            plan=Personal(self.subject_id, plan.strip()),
            held_at=self.starts_at,
            recorded_at=at,
            recorded_by=by,
        )

    @event(Held)
    def _held(
        self,
        *,
        subject_id: str,
        case_id: UUID,
        handover_id: UUID,
        unit: str,
        attended_units: list[str],
        trustee_attended: bool,
        legal_basis: str,
        basis_id: UUID,
        plan: Personal,
        held_at: datetime,
        recorded_at: datetime,
        recorded_by: str,
    ) -> None:
        self.held_at = held_at
        self.attended_units = list(attended_units)
        self.trustee_attended = trustee_attended
        self.plan = plan

    def record_client_informed(
        self,
        *,
        unit: str,
        role: Role,
        informed_at: datetime,
        manner: InformedManner,
        at: datetime,
        by: str,
    ) -> None:
        """K-12: "att klienten därefter informeras om ärendets gång": after the meeting, the
        receiving unit records when and how the client was told; once."""
        _require_receiving_deputy(self.unit, unit, role)
        if self.held_at is None:
            raise FollowThroughConflict(
                "the client is told how the case goes on after the joint officials' meeting; "
                "record the meeting as held first"
            )
        if self.informed_at is not None:
            raise FollowThroughConflict("the client was already told")
        if not self.held_at <= informed_at <= at:
            raise FollowThroughInvalid(
                "the client is told after the meeting and no later than now",
                field="body.informed_at",
            )
        self._client_informed(
            subject_id=self.subject_id,
            case_id=self.case_id,
            handover_id=self.handover_id,
            unit=unit,
            informed_at=informed_at,
            manner=manner.value,
            recorded_at=at,
            recorded_by=by,
        )

    @event(ClientInformed)
    def _client_informed(
        self,
        *,
        subject_id: str,
        case_id: UUID,
        handover_id: UUID,
        unit: str,
        informed_at: datetime,
        manner: str,
        recorded_at: datetime,
        recorded_by: str,
    ) -> None:
        self.informed_at = informed_at
        self.informed_how = manner


def _require_receiving_deputy(receiving_unit: str, unit: str, role: Role) -> None:
    if unit != receiving_unit or role is not Role.DEPUTY_UNIT_MANAGER:
        raise NotTheReceivingDeputy(
            "the receiving unit's deputy unit manager holds the joint officials' meeting "
            "and has the client told"
        )
