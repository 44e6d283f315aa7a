"""The violence question at a contact or visit (K-16; seed 004).

"Personer som kommer i kontakt med hälso- och sjukvården och socialtjänsten
ska rutinmässigt tillfrågas om både vuxnas och barns våldutsatthet": each
contact records whether the question was asked; if it was, the answer's
category for the adult's own exposure and for children's (`ViolenceExposure`,
never what happened); and, where anyone is exposed, whether support was
offered. A contact where it was not asked is recorded too, so the indicator
(D-6) can tell how routinely it is asked. Pure domain: no I/O, no clock.
"""

from __future__ import annotations

from datetime import date, datetime

from contracts.vocabulary import OrgType, Role, ViolenceExposure
from services.cases.domain.errors import CaseForbidden, CaseNotFound, CaseRuleViolation
from services.cases.domain.screening import SCREENING_ORG_TYPES
from services.cases.domain.target_groups import CASE_STAFF, target_group_set
from services.runtime.kernel.aggregate import Aggregate, event
from services.runtime.kernel.stockholm_time import stockholm_date


class ViolenceQuestionInvalid(CaseRuleViolation):
    """K-16: a record of the violence question that does not hold together."""

    rule = "K-16"


class ViolenceQuestionNotAllowed(CaseForbidden):
    """K-16: the question is recorded by the staff of health care and social services."""

    rule = "K-16"


class ViolenceQuestionNotFound(CaseNotFound):
    rule = "K-16"


def someone_exposed(adult: ViolenceExposure | None, children: ViolenceExposure | None) -> bool:
    """K-16: the adult or children are exposed, by the person's answer."""
    return ViolenceExposure.EXPOSED in (adult, children)


def require_answers(
    asked: bool,
    adult_exposure: ViolenceExposure | None,
    children_exposure: ViolenceExposure | None,
    support_offered: bool | None,
) -> None:
    """K-16: asked, both parts are answered (the adult's own exposure and children's); not
    asked, there is nothing to answer; anyone exposed, whether support was offered."""
    answers = (("adult_exposure", adult_exposure), ("children_exposure", children_exposure))
    if not asked:
        for name, answer in (*answers, ("support_offered", support_offered)):
            if answer is not None:
                raise ViolenceQuestionInvalid(
                    "the question was not asked, so there is no answer; leave it out",
                    field=f"body.{name}",
                )
        return
    for name, answer in answers:
        if answer is None:
            raise ViolenceQuestionInvalid(
                "the question is about both the adult's and children's exposure to "
                "violence: record the answer's category for each",
                field=f"body.{name}",
            )
    if adult_exposure is ViolenceExposure.NO_CHILDREN:
        raise ViolenceQuestionInvalid(
            "no_children answers only the children's part", field="body.adult_exposure"
        )
    if someone_exposed(adult_exposure, children_exposure) and support_offered is None:
        raise ViolenceQuestionInvalid(
            "someone is exposed to violence: record whether support was offered",
            field="body.support_offered",
        )


class ViolenceQuestion(Aggregate):
    """One contact's record of the violence question for one individual (K-16)."""

    class Recorded(Aggregate.Created):
        subject_id: str
        contact_on: date
        asked: bool
        adult_exposure: str | None
        children_exposure: str | None
        support_offered: bool | None
        org_id: str
        org_type: str
        target_groups: list[str]
        recorded_at: datetime
        recorded_by: str

    @classmethod
    def record(
        cls,
        *,
        subject_id: str,
        contact_on: date,
        asked: bool,
        adult_exposure: ViolenceExposure | None,
        children_exposure: ViolenceExposure | None,
        support_offered: bool | None,
        org_id: str,
        org_type: OrgType,
        role: Role,
        target_groups: list[str],
        at: datetime,
        by: str,
    ) -> ViolenceQuestion:
        """K-16: record the question at a contact; `target_groups` are the individual's
        open cases' groups, which the indicator breaks down by."""
        if org_type not in SCREENING_ORG_TYPES or role not in CASE_STAFF:
            raise ViolenceQuestionNotAllowed(
                "the violence question is recorded by caseworkers (or their managers) in "
                "health care, psychiatry, social services or private care"
            )
        if contact_on > stockholm_date(at):
            raise ViolenceQuestionInvalid(
                "a contact cannot be recorded before the day it happens",
                field="body.contact_on",
            )
        require_answers(asked, adult_exposure, children_exposure, support_offered)
        question: ViolenceQuestion = cls(
            subject_id=subject_id,
            contact_on=contact_on,
            asked=asked,
            adult_exposure=adult_exposure.value if adult_exposure else None,
            children_exposure=children_exposure.value if children_exposure else None,
            support_offered=support_offered,
            org_id=org_id,
            org_type=org_type.value,
            target_groups=target_group_set(target_groups),
            recorded_at=at,
            recorded_by=by,
        )
        return question

    @event(Recorded)
    def __init__(
        self,
        *,
        subject_id: str,
        contact_on: date,
        asked: bool,
        adult_exposure: str | None,
        children_exposure: str | None,
        support_offered: bool | None,
        org_id: str,
        org_type: str,
        target_groups: list[str],
        recorded_at: datetime,
        recorded_by: str,
    ) -> None:
        self.subject_id = subject_id
        self.contact_on = contact_on
        self.asked = asked
        self.adult_exposure = adult_exposure
        self.children_exposure = children_exposure
        self.support_offered = support_offered
        self.org_id = org_id
        self.org_type = org_type
        self.target_groups = list(target_groups)
        self.recorded_at = recorded_at
        self.recorded_by = recorded_by
