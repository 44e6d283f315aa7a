"""K-16: the violence question at a contact: asked or not, both parts answered by category,
support offered where anyone is exposed; recorded by the organisations that ask."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from contracts import OrgType, Role
from contracts.vocabulary import ViolenceExposure
from services.cases.domain import (
    ViolenceQuestion,
    ViolenceQuestionInvalid,
    ViolenceQuestionNotAllowed,
)

SUBJECT = "5e" * 32
AT = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # already 2 March in Sweden
TODAY = date(2026, 3, 2)
SOCIAL_SERVICES = "SE2321000016-IOF1"
EXPOSED, NOT_EXPOSED = ViolenceExposure.EXPOSED, ViolenceExposure.NOT_EXPOSED


def record(**changes: Any) -> ViolenceQuestion:
    arguments: dict[str, Any] = {
        "subject_id": SUBJECT,
        "contact_on": TODAY,
        "asked": True,
        "adult_exposure": NOT_EXPOSED,
        "children_exposure": ViolenceExposure.NO_CHILDREN,
        "support_offered": None,
        "org_id": SOCIAL_SERVICES,
        "org_type": OrgType.SOCIAL_SERVICES,
        "role": Role.CASEWORKER,
        "target_groups": [],
        "at": AT,
        "by": "SE2321000016-H001",
    }
    return ViolenceQuestion.record(**(arguments | changes))


def test_k16_asked_records_the_categories_of_both_answers_and_the_support_offered() -> None:
    question = record(
        adult_exposure=EXPOSED,
        children_exposure=EXPOSED,
        support_offered=True,
        target_groups=["exposed_to_violence"],
    )

    (recorded,) = question.collect_events()
    assert isinstance(recorded, ViolenceQuestion.Recorded)
    assert (recorded.asked, recorded.adult_exposure, recorded.children_exposure) == (
        True,
        "exposed",
        "exposed",
    )
    assert (recorded.support_offered, recorded.target_groups) == (True, ["exposed_to_violence"])
    assert (recorded.org_type, recorded.contact_on) == ("social_services", TODAY)


def test_k16_a_contact_where_it_was_not_asked_is_recorded_too_without_answers() -> None:
    question = record(asked=False, adult_exposure=None, children_exposure=None)

    assert (question.asked, question.adult_exposure, question.support_offered) == (
        False,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"adult_exposure": None}, "body.adult_exposure"),
        ({"children_exposure": None}, "body.children_exposure"),
        ({"adult_exposure": EXPOSED}, "body.support_offered"),
        ({"children_exposure": EXPOSED}, "body.support_offered"),
        ({"adult_exposure": ViolenceExposure.NO_CHILDREN}, "body.adult_exposure"),
        ({"asked": False, "children_exposure": None}, "body.adult_exposure"),
        (
            {
                "asked": False,
                "adult_exposure": None,
                "children_exposure": None,
                "support_offered": True,
            },
            "body.support_offered",
        ),
        ({"contact_on": date(2026, 3, 3)}, "body.contact_on"),
    ],
)
def test_k16_a_record_that_does_not_hold_together_is_refused_naming_the_field(
    changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(ViolenceQuestionInvalid) as error:
        record(**changes)
    assert (error.value.rule, error.value.status, error.value.field) == ("K-16", 422, field)


def test_k16_declining_to_answer_needs_no_support_answer_but_may_carry_one() -> None:
    declined = ViolenceExposure.DECLINED_TO_ANSWER
    assert record(adult_exposure=declined).support_offered is None
    assert record(adult_exposure=declined, support_offered=True).support_offered is True


@pytest.mark.parametrize(
    ("org_type", "role"),
    [
        (OrgType.POLICE, Role.CASEWORKER),
        (OrgType.SCHOOL, Role.CASEWORKER),
        (OrgType.HEALTH_CARE, Role.COORDINATOR),
    ],
)
def test_k16_only_staff_of_health_care_and_social_services_record_it(
    org_type: OrgType, role: Role
) -> None:
    with pytest.raises(ViolenceQuestionNotAllowed) as error:
        record(org_type=org_type, role=role)
    assert (error.value.rule, error.value.status) == ("K-16", 403)
