"""D-6 through the cases HTTP API on real stores (SQLite and PostgreSQL), with the public
events read back from the real topic as a partner would: target groups (derived at
opening, set whole, published on each change), the child perspective on every decision,
and AUDIT/DUDIT screenings (the fact published, the score sealed and never on the topic).
Bad input is a problem naming field and rule, and changes nothing stored or published."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import Tracking

from contracts import (
    CaseDecisionNotified,
    CaseDecisionRecorded,
    CaseTargetGroupsChanged,
    Envelope,
    ScreeningRecorded,
    SubjectErased,
    decode,
    events_topic,
)
from contracts.vocabulary import (
    OrgType,
    ScreeningInstrument,
    ScreeningOccasion,
    ScreeningOutcome,
    TargetGroup,
)
from services.cases.domain import Screening
from services.runtime.kernel.personal import Personal
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.settings import RuntimeSettings
from services.runtime.store.privacy import ERASED
from tests.cases_examples import PSYCHIATRY, audit_screening
from tests.integration.in_process import serving
from tests.integration.test_cases_api import ADULT_D6, CHILD_D6, NOW, YOUTH, Api, problem
from tests.support import (
    AOF,
    AOF_MANAGER,
    HEALTH,
    IOF,
    IOF_CASEWORKER,
    POLICE,
    drain_relay,
    made_up_personnummer,
)
from tests.support import read_topic as read_records

ADULT = made_up_personnummer("19900101", "123")  # 36 on NOW
CHILD, VIOLENCE = TargetGroup.CHILDREN_AND_YOUTH, TargetGroup.EXPOSED_TO_VIOLENCE
CO_MORBIDITY = TargetGroup.CO_MORBIDITY
TODAY = NOW.date()


@pytest.fixture
def d6(backend_settings: RuntimeSettings) -> Iterator[Api]:
    yield from serving(Api, "cases", backend_settings, NOW)


def published(service: Api, kafka: EmbeddedBroker) -> list[Envelope]:
    """Relay everything stored to the cases topic, then read the topic back, in store order."""
    topic = events_topic("cases", prefix=service.settings.topic_prefix)
    asyncio.run(drain_relay(service.application, service.settings, topic))
    envelopes = [decode(r.value, r.headers) for r in read_records(kafka.bootstrap, topic)]
    return sorted(envelopes, key=lambda envelope: envelope.sequence)


def of_type(envelopes: list[Envelope], kind: type[Any]) -> list[Any]:
    return [e.event for e in envelopes if isinstance(e.event, kind)]


def put_groups(service: Api, case_id: str, groups: Any, actor: Any = IOF_CASEWORKER) -> Any:
    path = f"/v1/cases/{case_id}/target-groups"
    return service.call(actor, "PUT", path, json={"target_groups": groups})


def screen(service: Api, actor: Any = PSYCHIATRY, **changes: Any) -> Any:
    scored = {"score": changes["score"]} if "score" in changes else {}
    body = audit_screening(ADULT, TODAY, **scored) | changes  # at risk, K-15 answered
    return service.call(actor, "POST", "/v1/screenings", json=body)


# --- target groups -------------------------------------------------------------------------


def test_d6_target_groups_are_derived_then_set_whole_and_published_on_each_change(
    d6: Api, kafka: EmbeddedBroker
) -> None:
    youth = d6.register(YOUTH, ["child_welfare"]).json()  # 18 on arrival
    case_id = youth["cases"][0]["id"]
    case_path = f"/v1/cases/{case_id}"
    assert d6.call(IOF_CASEWORKER, "GET", case_path).json()["target_groups"] == [CHILD]

    before = d6.stored()
    problem(put_groups(d6, case_id, [VIOLENCE]), 422, "D-6", "body.target_groups")
    problem(put_groups(d6, case_id, [CHILD, "astrology"]), 422, "D-6", "body.target_groups.1")
    problem(put_groups(d6, case_id, CHILD), 422, "D-6", "body.target_groups")
    problem(put_groups(d6, case_id, [CHILD], actor=AOF_MANAGER), 403, "D-6", None)
    problem(
        d6.call(IOF_CASEWORKER, "PUT", f"{case_path}/target-groups", json={}),
        422,
        "D-6",
        "body.target_groups",
    )
    assert d6.stored() == before, "a refused change stores nothing"

    changed = put_groups(d6, case_id, [VIOLENCE, CHILD, VIOLENCE])
    assert changed.status_code == 200, changed.text
    assert changed.json() == {
        "case_id": case_id,
        "target_groups": [CHILD, VIOLENCE],
        "derived_from_age": [CHILD],
    }
    after = d6.stored()
    assert put_groups(d6, case_id, [CHILD, VIOLENCE]).status_code == 200
    assert d6.stored() == after, "the same set again is no change"
    assert d6.call(IOF_CASEWORKER, "GET", case_path).json()["target_groups"] == [CHILD, VIOLENCE]

    events = published(d6, kafka)
    changes = of_type(events, CaseTargetGroupsChanged)
    assert [c.target_groups for c in changes] == [(CHILD,), (CHILD, VIOLENCE)]
    assert {(str(c.case_id), c.unit, c.municipality_code) for c in changes} == {
        (case_id, IOF, "0180")
    }
    assert changes[1].changed_at == NOW
    assert [type(e.event).__name__ for e in events] == [
        "CaseOpened",
        "CaseRouted",
        "CaseTargetGroupsChanged",
        "CaseTargetGroupsChanged",
    ], "nothing refused, and nothing for the unchanged set, reached the topic"


def test_d6_an_adult_case_publishes_target_groups_only_once_set(
    d6: Api, kafka: EmbeddedBroker
) -> None:
    case_id = d6.register(ADULT, ["substance_misuse"]).json()["cases"][0]["id"]
    assert d6.call(IOF_CASEWORKER, "GET", f"/v1/cases/{case_id}").json()["target_groups"] == []
    assert of_type(published(d6, kafka), CaseTargetGroupsChanged) == []

    assert put_groups(d6, case_id, [CO_MORBIDITY]).status_code == 200
    assert put_groups(d6, case_id, []).json()["target_groups"] == []

    changes = of_type(published(d6, kafka), CaseTargetGroupsChanged)
    assert [c.target_groups for c in changes] == [(CO_MORBIDITY,), ()]


# --- the child perspective ---------------------------------------------------------------


def test_d6_every_decision_answers_the_child_perspective_and_is_published(
    d6: Api, kafka: EmbeddedBroker
) -> None:
    first, parallel = d6.register(ADULT, ["substance_misuse", "mental_illness"]).json()["cases"]
    youth_case = d6.register(YOUTH, ["child_welfare"]).json()["cases"][0]["id"]
    put_groups(d6, first["id"], [VIOLENCE])

    before = d6.stored()
    missing = d6.grant(first["id"], children_in_household=True)
    problem(missing, 422, "D-6", "body.child_perspective_considered")
    problem(
        d6.grant(first["id"], child_perspective_considered=True),
        422,
        "D-6",
        "body.children_in_household",
    )
    problem(
        d6.grant(first["id"], child_perspective_considered="perhaps", children_in_household=True),
        422,
        "D-6",
        "body.child_perspective_considered",
    )
    problem(
        d6.grant(youth_case, **CHILD_D6, children_in_household=False),
        422,
        "D-6",
        "body.children_in_household",
    )
    assert d6.stored() == before

    adult = d6.grant(first["id"], child_perspective_considered=False, children_in_household=True)
    assert adult.status_code == 201, adult.text
    assert adult.json()["decisions"][-1] | {"decided_at": None} == {
        "unit": IOF,
        "decision": "intervention_granted",
        "affects_planning": True,
        "decided_at": None,
        "notified_units": [AOF],
        "child_perspective_considered": False,
        "children_in_household": True,
        "told_at": None,
        "told_how": None,
    }
    assert d6.grant(youth_case, **CHILD_D6).status_code == 201
    assert d6.grant(parallel["id"], AOF_MANAGER, **ADULT_D6).status_code == 201

    events = published(d6, kafka)
    decisions = of_type(events, CaseDecisionRecorded)
    assert [
        (str(d.case_id), d.child_perspective_considered, d.children_in_household, d.target_groups)
        for d in decisions
    ] == [
        (first["id"], False, True, (VIOLENCE,)),
        (youth_case, True, None, (CHILD,)),
        (parallel["id"], True, False, ()),
    ]
    # K-3 as before: the units with another open case still hear of it, once each.
    notices = of_type(events, CaseDecisionNotified)
    assert [(str(n.case_id), n.notified_units) for n in notices] == [
        (first["id"], (AOF,)),
        (parallel["id"], (IOF,)),
    ]


# --- screenings ----------------------------------------------------------------------------


def test_d6_screenings_publish_the_fact_and_keep_the_score_to_the_recording_organisation(
    d6: Api, kafka: EmbeddedBroker
) -> None:
    case_id = d6.register(ADULT, ["substance_misuse"]).json()["cases"][0]["id"]
    put_groups(d6, case_id, [CO_MORBIDITY, VIOLENCE])

    new_visit = screen(d6, score=17, screened_on=(TODAY - timedelta(days=60)).isoformat())
    assert new_visit.status_code == 201, new_visit.text
    screening = new_visit.json()
    assert new_visit.headers["Location"] == f"/v1/screenings/{screening['id']}"
    assert "score" not in screening
    assert screening["score_kept"] is True
    assert screening["target_groups"] == [CO_MORBIDITY, VIOLENCE]
    assert (screening["org_id"], screening["org_type"]) == (PSYCHIATRY.org_id, "psychiatry")
    followed = screen(
        d6, HEALTH, occasion="follow_up", outcome="declined", follows_up=screening["id"]
    )
    assert followed.status_code == 201, followed.text
    assert followed.json()["score_kept"] is False

    read = d6.call(PSYCHIATRY, "GET", f"/v1/screenings/{screening['id']}")
    assert read.status_code == 200, read.text
    assert read.json()["score"] == 17
    problem(d6.call(HEALTH, "GET", f"/v1/screenings/{screening['id']}"), 403, "D-6", None)
    problem(d6.call(PSYCHIATRY, "GET", f"/v1/screenings/{uuid4()}"), 404, "D-6", None)

    events = published(d6, kafka)
    screenings = of_type(events, ScreeningRecorded)
    assert [
        (
            s.instrument,
            s.occasion,
            s.outcome,
            s.org_type,
            str(s.follows_up) if s.follows_up else None,
            s.target_groups,
        )
        for s in screenings
    ] == [
        (
            ScreeningInstrument.AUDIT,
            ScreeningOccasion.NEW_VISIT,
            ScreeningOutcome.DONE,
            OrgType.PSYCHIATRY,
            None,
            (CO_MORBIDITY, VIOLENCE),
        ),
        (
            ScreeningInstrument.AUDIT,
            ScreeningOccasion.FOLLOW_UP,
            ScreeningOutcome.DECLINED,
            OrgType.HEALTH_CARE,
            screening["id"],
            (CO_MORBIDITY, VIOLENCE),
        ),
    ]
    assert screenings[0].screened_on == TODAY - timedelta(days=60)
    for record in read_records(kafka.bootstrap, events_topic("cases", d6.settings.topic_prefix)):
        assert b"score" not in record.value


def test_d6_a_screening_without_open_cases_has_no_target_groups(
    d6: Api, kafka: EmbeddedBroker
) -> None:
    recorded = screen(d6, HEALTH, personnummer=made_up_personnummer("19800505", "123"))
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["target_groups"] == []
    (event,) = of_type(published(d6, kafka), ScreeningRecorded)
    assert event.target_groups == ()


def test_d6_bad_screenings_are_problems_naming_field_and_rule_and_store_nothing(
    d6: Api, kafka: EmbeddedBroker
) -> None:
    dudit = screen(d6, instrument="DUDIT").json()
    before = d6.stored()
    tomorrow = (TODAY + timedelta(days=1)).isoformat()

    problem(screen(d6, instrument="CAGE"), 422, "D-6", "body.instrument")
    problem(screen(d6, occasion="walk_in"), 422, "D-6", "body.occasion")
    problem(screen(d6, screened_on=tomorrow), 422, "D-6", "body.screened_on")
    problem(screen(d6, occasion="follow_up"), 422, "D-6", "body.follows_up")
    problem(screen(d6, follows_up=dudit["id"]), 422, "D-6", "body.follows_up")
    problem(  # a DUDIT screening does not follow up an AUDIT one
        screen(d6, occasion="follow_up", follows_up=dudit["id"]), 422, "D-6", "body.follows_up"
    )
    problem(screen(d6, score=41), 422, "D-6", "body.score")
    problem(screen(d6, outcome="declined", score=2), 422, "D-6", "body.score")
    problem(screen(d6, personnummer="19121212-1213"), 422, None, "body.personnummer")
    problem(screen(d6, POLICE), 403, "D-6", None)

    assert d6.stored() == before
    assert len(of_type(published(d6, kafka), ScreeningRecorded)) == 1


def test_d6_an_erased_individuals_screening_score_reads_as_erased(d6: Api) -> None:
    screening = screen(d6, instrument="DUDIT", score=30).json()
    path = f"/v1/screenings/{screening['id']}"
    stored = d6.application.read_screening(PSYCHIATRY, UUID(screening["id"]))
    assert isinstance(stored, Screening)
    assert stored.score == Personal(screening["subject_id"], "30")  # the individual's
    at_rest = d6.application.recorder.select_events(UUID(screening["id"]))
    assert all(b'"30"' not in e.state for e in at_rest), "the score is sealed at rest"

    d6.application.process_event(
        SubjectErased(
            subject_id=screening["subject_id"],
            erasure_id=uuid4(),
            erased_at=NOW + timedelta(hours=1),
            erased_by="SE2321000016-A001",
        ),
        _tracking(d6),
    )

    read = d6.call(PSYCHIATRY, "GET", path).json()
    assert read["score"] == ERASED
    assert (read["instrument"], read["screened_on"]) == ("DUDIT", TODAY.isoformat())


def _tracking(service: Api) -> Tracking:
    """The next position on consent's topic, as the consumer records it."""
    name = "/samverkan/consent#0"
    return Tracking(name, (service.application.recorder.max_tracking_id(name) or 0) + 1)


def test_d6_screened_on_counts_on_the_swedish_calendar(d6: Api) -> None:
    d6.client.app.state.clock.advance(timedelta(hours=14, minutes=30))  # type: ignore[attr-defined]
    swedish_tomorrow = date(2026, 3, 3)  # 23:30 UTC on the 2nd is the 3rd in Stockholm

    assert screen(d6, screened_on=swedish_tomorrow.isoformat()).status_code == 201
    problem(screen(d6, screened_on="2026-03-04"), 422, "D-6", "body.screened_on")
