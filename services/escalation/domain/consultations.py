"""Outside the monthly agenda: acute matters (E-8) and consultations (E-9), seed 003.

E-8: "ärenden som är akuta och inte kan vänta till nästa möte" go straight to
the other unit's deputy unit manager — no registration, no cutoff.

E-9: "Den enhet där den enskilde är aktuell kan anonymt eller namngivet
konsultera kring ett ärende." An anonymous consultation has no subject at
all, so nothing about it can be linked to the individual, here or on a topic;
a named one is about a subject. Either way the meeting decides together how
the matter is handled from now on.

Pure domain: no I/O, no clock.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID, uuid4

from contracts import ConsultationOutcome, Role
from services.escalation.domain.errors import (
    AcuteMatterAlreadyAcknowledged,
    AcuteMatterInvalid,
    AcuteMatterNotYours,
    ConsultationInvalid,
)
from services.escalation.domain.owners import OwnedByRecordOrSubject, record_owner
from services.runtime.kernel.aggregate import Aggregate, event
from services.runtime.kernel.personal import Personal


class AcuteMatter(Aggregate):
    """E-8: an acute matter, sent straight to the other unit's deputy unit manager."""

    class Raised(OwnedByRecordOrSubject, Aggregate.Created):
        subject_id: str | None
        from_org: str
        to_org: str
        raised_by: str
        question: Personal
        raised_at: datetime

        legacy_personal: ClassVar[tuple[str, ...]] = ("question",)

    class Taken(Aggregate.Event):
        """Names the matter's individual (v2), so its public form is keyed as the raising
        was and a partner reads the two in order; None before v2 and for a matter about
        no one."""

        class_version = 2

        subject_id: str | None
        taken_by: str
        taken_at: datetime

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            state["subject_id"] = None

    @classmethod
    def raise_matter(
        cls,
        *,
        subject_id: str | None,
        from_org: str,
        to_org: str,
        raised_by: str,
        question: str,
        at: datetime,
        record_id: UUID | None = None,
    ) -> AcuteMatter:
        """E-8. `record_id`: the id it is stored under, chosen by the caller when what is
        said in it must be sealed with a key of the record's own before it exists."""
        if to_org == from_org:
            raise AcuteMatterInvalid("an acute matter goes to another unit's deputy unit manager")
        if not question.strip():
            raise AcuteMatterInvalid("say what is acute and what is asked")
        record_id = record_id or uuid4()
        matter: AcuteMatter = cls._create(
            cls.Raised,
            id=record_id,
            subject_id=subject_id,
            from_org=from_org,
            to_org=to_org,
            raised_by=raised_by,
            question=Personal(record_owner(subject_id, record_id), question.strip()),
            raised_at=at,
        )
        return matter

    @event(Raised)
    def __init__(
        self,
        *,
        subject_id: str | None,
        from_org: str,
        to_org: str,
        raised_by: str,
        question: Personal,
        raised_at: datetime,
    ) -> None:
        self.subject_id = subject_id
        self.from_org = from_org
        self.to_org = to_org
        self.raised_by = raised_by
        self.question = question
        self.raised_at = raised_at
        self.taken_by: str | None = None
        self.taken_at: datetime | None = None

    def take(self, *, by: str, by_org: str, by_role: Role, at: datetime) -> None:
        """E-8: the deputy unit manager of the unit it was sent to takes it."""
        if by_org != self.to_org or by_role is not Role.DEPUTY_UNIT_MANAGER:
            raise AcuteMatterNotYours(
                f"the acute matter was sent to the deputy unit manager of {self.to_org}"
            )
        if self.taken_by is not None:
            raise AcuteMatterAlreadyAcknowledged(f"already taken by {self.taken_by}")
        self._taken(subject_id=self.subject_id, taken_by=by, taken_at=at)

    @event(Taken)
    def _taken(self, *, subject_id: str | None, taken_by: str, taken_at: datetime) -> None:
        self.taken_by = taken_by
        self.taken_at = taken_at


class Consultation(Aggregate):
    """E-9: one consultation, anonymous (no subject) or named."""

    class Held(OwnedByRecordOrSubject, Aggregate.Created):
        subject_id: str | None
        consulting_org: str
        consulted_orgs: list[str]
        meeting_id: UUID | None
        outcome: str
        notes: Personal
        recorded_by: str
        held_at: datetime

        legacy_personal: ClassVar[tuple[str, ...]] = ("notes",)

    @classmethod
    def hold(
        cls,
        *,
        subject_id: str | None,
        consulting_org: str,
        consulted_orgs: list[str],
        meeting_id: UUID | None,
        outcome: ConsultationOutcome,
        notes: str,
        recorded_by: str,
        at: datetime,
        record_id: UUID | None = None,
    ) -> Consultation:
        """E-9. `record_id` as for an acute matter: the notes may be sealed to the record."""
        consulted = [org for org in dict.fromkeys(consulted_orgs) if org != consulting_org]
        if not consulted:
            raise ConsultationInvalid("a consultation asks at least one other unit")
        record_id = record_id or uuid4()
        consultation: Consultation = cls._create(
            cls.Held,
            id=record_id,
            subject_id=subject_id,
            consulting_org=consulting_org,
            consulted_orgs=consulted,
            meeting_id=meeting_id,
            outcome=outcome.value,
            notes=Personal(record_owner(subject_id, record_id), notes.strip()),
            recorded_by=recorded_by,
            held_at=at,
        )
        return consultation

    @event(Held)
    def __init__(
        self,
        *,
        subject_id: str | None,
        consulting_org: str,
        consulted_orgs: list[str],
        meeting_id: UUID | None,
        outcome: str,
        notes: Personal,
        recorded_by: str,
        held_at: datetime,
    ) -> None:
        self.subject_id = subject_id
        self.consulting_org = consulting_org
        self.consulted_orgs = consulted_orgs
        self.meeting_id = meeting_id
        self.outcome = ConsultationOutcome(outcome)
        self.notes = notes
        self.recorded_by = recorded_by
        self.held_at = held_at

    @property
    def anonymous(self) -> bool:
        return self.subject_id is None
