"""D-6 prevention on the Screening aggregate: who records, the Swedish day, the follow-up
of a new-visit screening, and the score (in the instrument's range, the individual's
personal data)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from contracts import OrgType, Role
from contracts.vocabulary import ScreeningInstrument, ScreeningOccasion, ScreeningOutcome
from services.cases.domain import (
    RISK_THRESHOLD,
    AdviceAndReferralRequired,
    Screening,
    ScreeningInvalid,
    ScreeningNotAllowed,
)
from services.runtime.kernel.personal import Personal, text_of

SUBJECT = "f" * 64
OTHER_SUBJECT = "a" * 64
AT = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # already 2 March in Stockholm
TODAY = date(2026, 3, 2)
HEALTH_CENTRE = "SE2321000016-HC01"
AUDIT, DUDIT = ScreeningInstrument.AUDIT, ScreeningInstrument.DUDIT
NEW_VISIT, FOLLOW_UP = ScreeningOccasion.NEW_VISIT, ScreeningOccasion.FOLLOW_UP


def record(**changes: Any) -> Screening:
    arguments: dict[str, Any] = {
        "subject_id": SUBJECT,
        "instrument": AUDIT,
        "occasion": NEW_VISIT,
        "outcome": ScreeningOutcome.DONE,
        "screened_on": TODAY,
        "follows_up": None,
        "followed": None,
        "score": None,
        "org_id": HEALTH_CENTRE,
        "org_type": OrgType.HEALTH_CARE,
        "role": Role.CASEWORKER,
        "target_groups": [],
        "at": AT,
        "by": "SE2321000016-H001",
    }
    arguments.update(changes)
    return Screening.record(**arguments)


ANSWERED: dict[str, Any] = {"advice_offered": True, "referred": False}
"""K-15's two answers, for a screening at risk."""


def follow_up(new_visit: Screening, **changes: Any) -> Screening:
    arguments: dict[str, Any] = {
        "occasion": FOLLOW_UP,
        "follows_up": new_visit.id,
        "followed": new_visit,
    }
    return record(**(arguments | changes))


def invalid(field: str, **changes: Any) -> None:
    with pytest.raises(ScreeningInvalid) as error:
        record(**changes)
    assert (error.value.rule, error.value.status, error.value.field) == ("D-6", 422, field)


def test_d6_a_new_visit_screening_records_the_fact_with_the_score_sealed() -> None:
    screening = record(score=5, target_groups=["exposed_to_violence", "co_morbidity"])

    (recorded,) = screening.collect_events()
    assert isinstance(recorded, Screening.Recorded)
    assert (recorded.instrument, recorded.occasion, recorded.outcome) == (
        "AUDIT",
        "new_visit",
        "done",
    )
    assert (recorded.org_id, recorded.org_type, recorded.screened_on) == (
        HEALTH_CENTRE,
        "health_care",
        TODAY,
    )
    assert recorded.score == Personal(recorded.subject_id, "5")  # the individual's
    assert recorded.target_groups == ["co_morbidity", "exposed_to_violence"]
    assert record(outcome=ScreeningOutcome.DECLINED).score is None


def test_d6_a_follow_up_follows_a_new_visit_screening_of_the_same_individual_and_instrument() -> (
    None
):
    new_visit = record(screened_on=date(2026, 1, 10))

    followed = follow_up(new_visit, outcome=ScreeningOutcome.DECLINED)
    assert followed.follows_up == new_visit.id

    for wrong in (
        record(subject_id=OTHER_SUBJECT),  # someone else's
        record(instrument=DUDIT),  # another instrument
        followed,  # a follow-up, not a new visit
    ):
        with pytest.raises(ScreeningInvalid) as error:
            follow_up(wrong, follows_up=wrong.id)
        assert error.value.field == "body.follows_up"
    with pytest.raises(ScreeningInvalid, match="no new-visit AUDIT screening"):
        follow_up(new_visit, follows_up=uuid4(), followed=None)  # none by that id
    with pytest.raises(ScreeningInvalid) as early:
        follow_up(new_visit, screened_on=date(2026, 1, 9))
    assert early.value.field == "body.screened_on"


def test_d6_follows_up_is_required_for_a_follow_up_and_forbidden_at_a_new_visit() -> None:
    invalid("body.follows_up", occasion=FOLLOW_UP)
    invalid("body.follows_up", follows_up=UUID("6b4f3a2c-7d8e-4f9a-8b0c-2d3e4f5a6b7c"))


def test_d6_a_screening_day_in_the_future_is_refused_on_the_swedish_calendar() -> None:
    invalid("body.screened_on", screened_on=date(2026, 3, 3))
    assert record(screened_on=TODAY).screened_on == TODAY  # 23:30 UTC is already the 2nd


def test_d6_a_score_is_within_the_instruments_range_and_only_for_a_done_screening() -> None:
    assert text_of(record(score=0).score) == "0"
    assert text_of(record(score=40, **ANSWERED).score) == "40"
    assert text_of(record(instrument=DUDIT, score=44, **ANSWERED).score) == "44"
    invalid("body.score", score=41)
    invalid("body.score", score=-1)
    invalid("body.score", instrument=DUDIT, score=45)
    invalid("body.score", outcome=ScreeningOutcome.DECLINED, score=3)


@pytest.mark.parametrize(
    ("org_type", "role"),
    [
        (OrgType.POLICE, Role.CASEWORKER),
        (OrgType.SCHOOL, Role.CASEWORKER),
        (OrgType.HEALTH_CARE, Role.ADMIN),
        (OrgType.PSYCHIATRY, Role.COORDINATOR),
    ],
)
def test_d6_only_caseworkers_or_higher_of_the_screening_organisations_record(
    org_type: OrgType, role: Role
) -> None:
    with pytest.raises(ScreeningNotAllowed) as error:
        record(org_type=org_type, role=role)
    assert (error.value.rule, error.value.status) == ("D-6", 403)


@pytest.mark.parametrize(
    "org_type",
    [OrgType.HEALTH_CARE, OrgType.PSYCHIATRY, OrgType.SOCIAL_SERVICES, OrgType.PRIVATE_CARE],
)
def test_d6_health_care_psychiatry_social_services_and_private_care_record(
    org_type: OrgType,
) -> None:
    assert record(org_type=org_type, role=Role.DEPARTMENT_HEAD).org_type == org_type.value


# --- K-15: advice and referral after a screening at risk ---------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"score": RISK_THRESHOLD[AUDIT]}, "body.advice_offered"),
        ({"score": RISK_THRESHOLD[AUDIT], "advice_offered": True}, "body.referred"),
        ({"instrument": DUDIT, "score": RISK_THRESHOLD[DUDIT]}, "body.advice_offered"),
        ({"risk_found": True, "referred": False}, "body.advice_offered"),
        ({"risk_found": True, "outcome": ScreeningOutcome.DECLINED}, "body.risk_found"),
    ],
)
def test_k15_a_screening_at_risk_must_say_whether_advice_was_offered_and_a_referral_made(
    changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(AdviceAndReferralRequired) as error:
        record(**changes)
    assert (error.value.rule, error.value.status, error.value.field) == ("K-15", 422, field)


def test_k15_below_the_threshold_no_answer_is_needed_and_nothing_more_is_recorded() -> None:
    screening = record(score=RISK_THRESHOLD[AUDIT] - 1)

    assert [type(e) for e in screening.collect_events()] == [Screening.Recorded]
    assert not screening.at_risk


def test_k15_at_risk_the_advice_and_referral_are_their_own_fact_under_the_target_groups() -> None:
    screening = record(
        score=14, advice_offered=True, referred=True, target_groups=["pregnant_with_risky_use"]
    )

    _, advice = screening.collect_events()
    assert isinstance(advice, Screening.AdviceRecorded)
    assert (advice.at_risk, advice.advice_offered, advice.referred) == (True, True, True)
    assert (advice.instrument, advice.screened_on) == ("AUDIT", TODAY)
    assert advice.target_groups == ["pregnant_with_risky_use"]
    assert not hasattr(advice, "score")
    assert (screening.at_risk, screening.advice_offered, screening.referred) == (True, True, True)


def test_k15_the_recorders_judgement_puts_a_screening_without_a_kept_score_at_risk() -> None:
    screening = record(risk_found=True, advice_offered=False, referred=True)

    assert screening.at_risk
    assert (screening.advice_offered, screening.referred) == (False, True)
