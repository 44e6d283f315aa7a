"""Screenings for alcohol and drug use (D-6 prevention), with the advice and referral that
follow one at risk (K-15), and the violence question (K-16): recorded by the organisations
that screen and ask, read back (with the score, if kept) by the one that recorded it.

The score is sealed to the individual before it is stored; the topic gets the
fact of the screening and never the score.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from uuid import UUID

from contracts.vocabulary import (
    ScreeningInstrument,
    ScreeningOccasion,
    ScreeningOutcome,
    ViolenceExposure,
)
from services.cases.application.base import CasesBase
from services.cases.domain import Screening, ViolenceQuestion
from services.cases.domain.parties import require_question_recorder, require_recorder
from services.runtime.kernel.actor import Actor
from services.runtime.kernel.commands import arguments


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
    risk_found: bool | None = None
    """K-15: the recorder found risky use (a kept score at the threshold says so too)."""
    advice_offered: bool | None = None
    referred: bool | None = None


@dataclass(frozen=True)
class RecordViolenceQuestion:
    """K-16: at a contact, whether the violence question was asked, and the answers'
    categories for the adult and for children, and whether support was offered."""

    subject_id: str
    contact_on: date
    asked: bool
    adult_exposure: ViolenceExposure | None
    children_exposure: ViolenceExposure | None
    support_offered: bool | None


class Screenings(CasesBase):
    """AUDIT and DUDIT screenings."""

    def record_screening(
        self, actor: Actor, command: RecordScreening, *, at: datetime
    ) -> Screening:
        """D-6 prevention: the fact of a screening, recorded by the actor's organisation
        (the screening checks its type and the actor's role); its score, if kept, sealed
        to the individual before it is stored; at risk, the advice and referral (K-15)."""
        return self._created(
            Screening.record(
                **arguments(command),
                followed=self.find(command.follows_up, Screening) if command.follows_up else None,
                org_id=actor.org_id,
                org_type=actor.org_type,
                role=actor.role,
                target_groups=self.target_groups_of(command.subject_id),
                at=at,
                by=actor.hsa_id,
            )
        )

    def read_screening(self, actor: Actor, screening_id: UUID) -> Screening:
        """The screening, for the organisation unit that recorded it (D-6)."""
        return self._load_checked(Screening, screening_id, partial(require_recorder, actor))

    def screening_score(self, screening: Screening) -> int | str | None:
        """The score as recorded, `[erased]` once the individual is erased, None if none
        was kept."""
        if screening.score is None:
            return None
        score = screening.score.text
        return int(score) if score.isdigit() else score

    def record_violence_question(
        self, actor: Actor, command: RecordViolenceQuestion, *, at: datetime
    ) -> ViolenceQuestion:
        """K-16: the violence question at a contact, recorded by the actor's organisation,
        under the individual's open cases' target groups (D-6)."""
        return self._created(
            ViolenceQuestion.record(
                **arguments(command),
                org_id=actor.org_id,
                org_type=actor.org_type,
                role=actor.role,
                target_groups=self.target_groups_of(command.subject_id),
                at=at,
                by=actor.hsa_id,
            )
        )

    def read_violence_question(self, actor: Actor, question_id: UUID) -> ViolenceQuestion:
        """The record, for the organisation unit that made it (K-16)."""
        return self._load_checked(
            ViolenceQuestion, question_id, partial(require_question_recorder, actor)
        )
