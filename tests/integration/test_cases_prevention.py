"""K-15 and K-16 through the cases HTTP API on real stores, with the public events read back
from the real topic as a partner would: the advice and referral after a screening at risk,
and the violence question at a contact (categories only). Bad input is a problem naming
field and rule, and changes nothing stored or published."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from contracts import ScreeningAdviceRecorded, ScreeningRecorded, ViolenceQuestionRecorded
from contracts.vocabulary import OrgType, ScreeningInstrument, ViolenceExposure
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from tests.cases_examples import PSYCHIATRY
from tests.integration.test_cases_api import Api, problem
from tests.integration.test_cases_d6 import (
    ADULT,
    CO_MORBIDITY,
    TODAY,
    VIOLENCE,
    d6,  # noqa: F401  (the fixture)
    of_type,
    published,
    put_groups,
    screen,
)
from tests.support import HEALTH, POLICE, made_up_personnummer


def ask(service: Api, actor: Any = HEALTH, **changes: Any) -> Any:
    body = {
        "personnummer": ADULT,
        "contact_on": TODAY.isoformat(),
        "asked": True,
        "adult_exposure": "exposed",
        "children_exposure": "not_exposed",
        "support_offered": True,
    }
    return service.call(actor, "POST", "/v1/violence-questions", json=body | changes)


# --- K-15 ----------------------------------------------------------------------------------


def test_k15_a_screening_at_risk_publishes_the_advice_and_referral_but_never_the_score(
    d6: Api,  # noqa: F811
    kafka: EmbeddedBroker,
) -> None:
    case_id = d6.register(ADULT, ["substance_misuse"]).json()["cases"][0]["id"]
    put_groups(d6, case_id, [CO_MORBIDITY])

    at_risk = screen(d6, score=23, advice_offered=True, referred=True)
    assert at_risk.status_code == 201, at_risk.text
    assert (at_risk.json()["at_risk"], at_risk.json()["referred"]) == (True, True)
    judged = screen(d6, risk_found=True, advice_offered=False, referred=False)
    assert judged.status_code == 201, judged.text
    low = screen(d6, score=2, advice_offered=True)  # advice below the threshold stays here
    assert low.status_code == 201, low.text
    assert low.json()["at_risk"] is False
    read = d6.call(PSYCHIATRY, "GET", f"/v1/screenings/{at_risk.json()['id']}").json()
    assert (read["advice_offered"], read["referred"], read["score"]) == (True, True, 23)

    events = published(d6, kafka)
    assert len(of_type(events, ScreeningRecorded)) == 3
    advice = of_type(events, ScreeningAdviceRecorded)
    assert [(str(a.screening_id), a.advice_offered, a.referred) for a in advice] == [
        (at_risk.json()["id"], True, True),
        (judged.json()["id"], False, False),
    ]
    assert advice[0].instrument is ScreeningInstrument.AUDIT
    assert (advice[0].org_type, advice[0].target_groups) == (OrgType.PSYCHIATRY, (CO_MORBIDITY,))
    assert "score" not in ScreeningAdviceRecorded.model_fields


def test_k15_a_screening_at_risk_without_both_answers_is_refused_and_stores_nothing(
    d6: Api,  # noqa: F811
    kafka: EmbeddedBroker,
) -> None:
    before = d6.stored()

    problem(screen(d6, score=9, advice_offered=None), 422, "K-15", "body.advice_offered")
    problem(screen(d6, score=9, referred=None), 422, "K-15", "body.referred")
    problem(screen(d6, instrument="DUDIT", score=2), 422, "K-15", "body.advice_offered")
    problem(screen(d6, risk_found=True), 422, "K-15", "body.advice_offered")
    problem(screen(d6, advice_offered="perhaps"), 422, "K-15", "body.advice_offered")

    assert d6.stored() == before
    assert of_type(published(d6, kafka), ScreeningRecorded) == []


# --- K-16 ----------------------------------------------------------------------------------


def test_k16_the_violence_question_is_recorded_read_back_and_published_as_categories(
    d6: Api,  # noqa: F811
    kafka: EmbeddedBroker,
) -> None:
    case_id = d6.register(ADULT, ["relationship_violence"]).json()["cases"][0]["id"]
    put_groups(d6, case_id, [VIOLENCE])

    asked = ask(d6)
    assert asked.status_code == 201, asked.text
    record = asked.json()
    assert asked.headers["Location"] == f"/v1/violence-questions/{record['id']}"
    assert (record["adult_exposure"], record["children_exposure"]) == ("exposed", "not_exposed")
    assert (record["support_offered"], record["target_groups"]) == (True, [VIOLENCE])
    not_asked = ask(
        d6,
        PSYCHIATRY,
        asked=False,
        adult_exposure=None,
        children_exposure=None,
        support_offered=None,
    )
    assert not_asked.status_code == 201, not_asked.text

    read = d6.call(HEALTH, "GET", f"/v1/violence-questions/{record['id']}")
    assert read.status_code == 200, read.text
    assert read.json() == record
    problem(d6.call(PSYCHIATRY, "GET", f"/v1/violence-questions/{record['id']}"), 403, "K-16", None)
    problem(d6.call(HEALTH, "GET", f"/v1/violence-questions/{uuid4()}"), 404, "K-16", None)

    questions = of_type(published(d6, kafka), ViolenceQuestionRecorded)
    assert [
        (q.asked, q.adult_exposure, q.children_exposure, q.support_offered) for q in questions
    ] == [
        (True, ViolenceExposure.EXPOSED, ViolenceExposure.NOT_EXPOSED, True),
        (False, None, None, None),
    ]
    assert (questions[0].org_type, questions[0].target_groups) == (OrgType.HEALTH_CARE, (VIOLENCE,))


def test_k16_bad_records_are_problems_naming_field_and_rule_and_store_nothing(
    d6: Api,  # noqa: F811
    kafka: EmbeddedBroker,
) -> None:
    before = d6.stored()
    tomorrow = TODAY.replace(day=TODAY.day + 1).isoformat() if TODAY.day < 28 else "2999-01-01"

    problem(ask(d6, adult_exposure=None), 422, "K-16", "body.adult_exposure")
    problem(ask(d6, children_exposure=None), 422, "K-16", "body.children_exposure")
    problem(ask(d6, support_offered=None), 422, "K-16", "body.support_offered")
    problem(ask(d6, adult_exposure="no_children"), 422, "K-16", "body.adult_exposure")
    problem(ask(d6, asked=False, children_exposure=None), 422, "K-16", "body.adult_exposure")
    problem(ask(d6, adult_exposure="beaten"), 422, "K-16", "body.adult_exposure")
    problem(ask(d6, contact_on=tomorrow), 422, "K-16", "body.contact_on")
    # the answer's category only: no room for what happened
    problem(ask(d6, details="what happened"), 422, None, "body.details")
    problem(ask(d6, POLICE), 403, "K-16", None)
    problem(
        ask(d6, personnummer=made_up_personnummer("19800505", "123")[:-1] + "x"),
        422,
        None,
        "body.personnummer",
    )

    assert d6.stored() == before
    assert of_type(published(d6, kafka), ViolenceQuestionRecorded) == []
