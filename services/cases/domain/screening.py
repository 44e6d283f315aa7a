"""Screenings for alcohol and drug use (D-6 prevention; seed 004).

The indicator asks how often AUDIT or DUDIT is offered at a new visit and how
often that is followed over time, so a screening records the fact: which
instrument, at which kind of visit, done or declined, on which day, by which
kind of organisation, and — for a follow-up — the new-visit screening it
follows. The score, if the organisation keeps one, is personal data: it is
the individual's (a `Personal` value the store seals) and never leaves the
service. Pure domain: no I/O, no clock.

K-15 (seed 004: "rådgivning erbjudas. Vid upptäckt ska det finnas rutiner för
en sammanlänkning av andra mer kvalificerade … insatser"): a screening at or
above the risk threshold (`at_risk`) records whether brief advice was offered
and whether the individual was referred on, as its own fact (`AdviceRecorded`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar
from uuid import UUID

from contracts.vocabulary import (
    OrgType,
    Role,
    ScreeningInstrument,
    ScreeningOccasion,
    ScreeningOutcome,
)
from services.cases.domain.errors import CaseForbidden, CaseNotFound, CaseRuleViolation
from services.cases.domain.target_groups import CASE_STAFF, target_group_set
from services.runtime.kernel.aggregate import Aggregate, event
from services.runtime.kernel.personal import OwnedBySubject, Personal
from services.runtime.kernel.stockholm_time import stockholm_date

SCREENING_ORG_TYPES = frozenset(
    {OrgType.HEALTH_CARE, OrgType.PSYCHIATRY, OrgType.SOCIAL_SERVICES, OrgType.PRIVATE_CARE}
)
"""The organisations whose visits screen for risky use (health care, psychiatry, social
services and private care providers doing their work)."""

SCORE_RANGE = {ScreeningInstrument.AUDIT: range(41), ScreeningInstrument.DUDIT: range(45)}
"""The instruments' scales: AUDIT 0 to 40 (ten items), DUDIT 0 to 44 (eleven), each item 0 to 4."""

RISK_THRESHOLD = {ScreeningInstrument.AUDIT: 6, ScreeningInstrument.DUDIT: 2}
"""K-15: the lowest score that indicates risky use (riskbruk). The instruments' cut-offs
are lower for women (AUDIT 6, DUDIT 2) than for men (8 and 6); the service does not
know the individual's sex, so it asks for advice and referral from the lower one."""


class ScreeningInvalid(CaseRuleViolation):
    """D-6: a screening the indicator cannot count as given."""

    rule = "D-6"


class AdviceAndReferralRequired(CaseRuleViolation):
    """K-15: a screening at risk says whether advice was offered and whether the individual
    was referred to more qualified interventions."""

    rule = "K-15"


def at_risk(instrument: ScreeningInstrument, score: int | None, risk_found: bool | None) -> bool:
    """K-15 (seed 004, "vid upptäckt"): the screening found risky use, by the recorder's
    judgement or by a kept score at or above the instrument's `RISK_THRESHOLD`."""
    return bool(risk_found) or (score is not None and score >= RISK_THRESHOLD[instrument])


def require_advice_answers(
    outcome: ScreeningOutcome,
    risk: bool,
    advice_offered: bool | None,
    referred: bool | None,
) -> None:
    """K-15: both questions are answered for a screening at risk; a declined one found
    nothing, so it cannot be at risk."""
    if not risk:
        return
    if outcome is ScreeningOutcome.DECLINED:
        raise AdviceAndReferralRequired(
            "a declined screening found nothing; it cannot be at risk", field="body.risk_found"
        )
    for name, answer in (("advice_offered", advice_offered), ("referred", referred)):
        if answer is None:
            raise AdviceAndReferralRequired(
                "a screening at or above the risk threshold says whether brief advice was "
                "offered and whether the individual was referred to more qualified "
                "interventions",
                field=f"body.{name}",
            )


class ScreeningNotAllowed(CaseForbidden):
    """D-6: screenings are recorded by the staff of the organisations that screen."""

    rule = "D-6"


class ScreeningNotFound(CaseNotFound):
    rule = "D-6"


class Screening(Aggregate):
    """One AUDIT or DUDIT screening offered to one individual."""

    class Recorded(OwnedBySubject, Aggregate.Created):
        subject_id: str
        instrument: str
        occasion: str
        outcome: str
        screened_on: date
        follows_up: UUID | None
        score: Personal | None
        """The individual's personal data; None when no score was kept."""
        org_id: str
        org_type: str
        target_groups: list[str]
        recorded_at: datetime
        recorded_by: str

        legacy_personal: ClassVar[tuple[str, ...]] = ("score",)

    class AdviceRecorded(Aggregate.Event):
        """K-15: what followed the screening at the visit. Its own fact (the screening's
        `Recorded` is unchanged since before K-15), so old screenings load as they were."""

        subject_id: str
        instrument: str
        screened_on: date
        at_risk: bool
        advice_offered: bool | None
        referred: bool | None
        org_type: str
        target_groups: list[str]
        recorded_at: datetime

    @classmethod
    def record(
        cls,
        *,
        subject_id: str,
        instrument: ScreeningInstrument,
        occasion: ScreeningOccasion,
        outcome: ScreeningOutcome,
        screened_on: date,
        follows_up: UUID | None,
        followed: Screening | None,
        score: int | None,
        org_id: str,
        org_type: OrgType,
        role: Role,
        target_groups: list[str],
        at: datetime,
        by: str,
        risk_found: bool | None = None,
        advice_offered: bool | None = None,
        referred: bool | None = None,
    ) -> Screening:
        """D-6: record a screening. `followed` is the screening `follows_up` names, if
        the service has one by that id; `target_groups` are the individual's open
        cases' groups, which the indicator breaks down by."""
        if org_type not in SCREENING_ORG_TYPES or role not in CASE_STAFF:
            raise ScreeningNotAllowed(
                "screenings are recorded by caseworkers (or their managers) in health care, "
                "psychiatry, social services or private care"
            )
        if screened_on > stockholm_date(at):
            raise ScreeningInvalid(
                "a screening cannot be recorded before the day it happens",
                field="body.screened_on",
            )
        if occasion is ScreeningOccasion.NEW_VISIT and follows_up is not None:
            raise ScreeningInvalid(
                "a screening at a new visit follows up nothing; leave follows_up out",
                field="body.follows_up",
            )
        if occasion is ScreeningOccasion.FOLLOW_UP:
            if follows_up is None:
                raise ScreeningInvalid(
                    "a follow-up names the new-visit screening it follows up",
                    field="body.follows_up",
                )
            if (
                followed is None
                or followed.subject_id != subject_id
                or followed.instrument != instrument.value
                or followed.occasion != ScreeningOccasion.NEW_VISIT.value
            ):
                raise ScreeningInvalid(
                    f"no new-visit {instrument.value} screening {follows_up} of this individual",
                    field="body.follows_up",
                )
            if screened_on < followed.screened_on:
                raise ScreeningInvalid(
                    "a follow-up cannot be before the screening it follows up",
                    field="body.screened_on",
                )
        if score is not None:
            if outcome is ScreeningOutcome.DECLINED:
                raise ScreeningInvalid("a declined screening has no score", field="body.score")
            scale = SCORE_RANGE[instrument]
            if score not in scale:
                raise ScreeningInvalid(
                    f"{instrument.value} scores from {scale.start} to {scale.stop - 1}",
                    field="body.score",
                )
        risk = at_risk(instrument, score, risk_found)
        require_advice_answers(outcome, risk, advice_offered, referred)
        screening = cls(
            subject_id=subject_id,
            instrument=instrument.value,
            occasion=occasion.value,
            outcome=outcome.value,
            screened_on=screened_on,
            follows_up=follows_up,
            score=Personal(subject_id, str(score)) if score is not None else None,
            org_id=org_id,
            org_type=org_type.value,
            target_groups=target_group_set(target_groups),
            recorded_at=at,
            recorded_by=by,
        )
        if risk or advice_offered is not None or referred is not None:
            screening._record_advice(
                subject_id=subject_id,
                instrument=instrument.value,
                screened_on=screened_on,
                at_risk=risk,
                advice_offered=advice_offered,
                referred=referred,
                org_type=org_type.value,
                target_groups=screening.target_groups,
                recorded_at=at,
            )
        return screening

    @event(Recorded)
    def __init__(
        self,
        *,
        subject_id: str,
        instrument: str,
        occasion: str,
        outcome: str,
        screened_on: date,
        follows_up: UUID | None,
        score: Personal | None,
        org_id: str,
        org_type: str,
        target_groups: list[str],
        recorded_at: datetime,
        recorded_by: str,
    ) -> None:
        self.subject_id = subject_id
        self.instrument = instrument
        self.occasion = occasion
        self.outcome = outcome
        self.screened_on = screened_on
        self.follows_up = follows_up
        self.score = score
        self.org_id = org_id
        self.org_type = org_type
        self.target_groups = list(target_groups)
        self.recorded_at = recorded_at
        self.recorded_by = recorded_by
        self.at_risk = False
        self.advice_offered: bool | None = None
        self.referred: bool | None = None

    @event(AdviceRecorded)
    def _record_advice(
        self,
        *,
        subject_id: str,
        instrument: str,
        screened_on: date,
        at_risk: bool,
        advice_offered: bool | None,
        referred: bool | None,
        org_type: str,
        target_groups: list[str],
        recorded_at: datetime,
    ) -> None:
        self.at_risk = at_risk
        self.advice_offered = advice_offered
        self.referred = referred
