"""Seed 003's path through the platform, with the cases service's clock in the test's hand.

A 19-year-old with misuse and social-psychiatry needs gets parallel
investigations at IOF and AOF (K-1). A youth at child & youth is announced six
months before turning 19 (K-4) — the reminder arrives on the topic at the
start of the announcement day — and, on the individual's consent given at the
consent service and learnt over Kafka (C-8), handed over to AOF, acknowledged
and transferred (K-5). Another youth is never announced, and one handover is
never acknowledged: both become overdue events on the topic (K-4, K-5, D-7).
Seed 004's facts follow the same way: target groups, the child perspective on
a decision, and a screening (D-6).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from contracts import (
    AgeTransitionDue,
    AgeTransitionOverdue,
    CaseDecisionRecorded,
    CaseOpened,
    CaseRouted,
    CaseTargetGroupsChanged,
    HandoverAcknowledged,
    HandoverAcknowledgementOverdue,
    HandoverRequested,
    IntegrationEvent,
    OrgType,
    ParallelInvestigationOpened,
    ResponsibilityTransferred,
    Role,
    ScreeningRecorded,
    decode,
    events_topic,
)
from contracts.vocabulary import TargetGroup
from services.cases.service import Settings
from services.runtime.kernel.actor import Actor
from services.runtime.settings import RuntimeSettings
from tests.steps import handover_consent_given
from tests.support import (
    AOF,
    AOF_CASEWORKER,
    AOF_MANAGER,
    IOF,
    IOF_CASEWORKER,
    InProcessService,
    MovableClock,
    ServiceProcess,
    made_up_personnummer,
    read_topic,
    wait_for,
)

HEALTH_CENTRE = Actor(
    hsa_id="SE2321000016-H101",
    org_id="SE2321000016-HC01",
    org_type=OrgType.HEALTH_CARE,
    role=Role.CASEWORKER,
)

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
ADULT = made_up_personnummer("20070115", "234")  # 19 on START
YOUTH = made_up_personnummer("20071015", "234")  # 19 on 15 Oct 2026: announce by 15 Apr
UNANNOUNCED = made_up_personnummer("20071020", "234")  # announce by 20 Apr 2026

HANDOVER = {
    "background_and_family": "Bor med mamma och en lillebror.",
    "guardian": None,
    "current_situation": "Sista året på gymnasiet; vill flytta hemifrån.",
    "problems_and_earlier_investigations": "Autism, utredd 2021.",
    "ongoing_interventions_and_planning": "Kontaktfamilj varannan helg.",
}


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(START)


@pytest.fixture
def cases(start_in_process: Callable[..., InProcessService]) -> InProcessService:
    return start_in_process("cases", Settings(deadline_check_seconds=0.1))


@pytest.fixture
def consent(start_service: Callable[..., ServiceProcess]) -> ServiceProcess:
    return start_service("consent")


@pytest.fixture
def reporting(start_service: Callable[..., ServiceProcess]) -> ServiceProcess:
    return start_service("reporting")


def post(service: Any, actor: Actor, path: str, body: dict[str, Any] | None = None) -> Any:
    with service.client(actor) as client:
        response: httpx.Response = client.post(path, json=body)
    assert response.status_code in (200, 201), f"{path}: {response.text}"
    return response.json()


def on_topic(settings: RuntimeSettings) -> list[IntegrationEvent]:
    topic = events_topic("cases", prefix=settings.topic_prefix)
    records = read_topic(settings.kafka_bootstrap, topic)
    return [decode(r.value, r.headers).event for r in records]


def published(settings: RuntimeSettings, kind: type[Any], case_id: str) -> Any:
    """The event of that kind about that case, once the relay has published it."""

    def found() -> Any:
        matches = [
            e for e in on_topic(settings) if isinstance(e, kind) and str(e.case_id) == case_id
        ]
        return matches[0] if matches else None

    return wait_for(found, timeout=20, interval=0.2)


def move_to(clock: MovableClock, instant: datetime) -> None:
    clock.advance(instant - clock.now())


def cases_knows_consent(cases: InProcessService, personnummer: str) -> bool:
    view = post(cases, IOF_CASEWORKER, "/v1/consent-view/lookup", {"personnummer": personnummer})
    return any(c["purpose"] == "case_handover" for c in view["consents"])


def handed_over_with_consent(
    consent: ServiceProcess, cases: InProcessService, personnummer: str, case_id: str
) -> Any:
    """The person consents to the handover (C-8); once cases has heard of it from consent's
    topic, IOF hands the case over to AOF (K-5). The handover as cases answers it."""
    handover_consent_given(consent, personnummer)
    wait_for(lambda: cases_knows_consent(cases, personnummer), timeout=20)
    return post(
        cases,
        IOF_CASEWORKER,
        f"/v1/cases/{case_id}/handovers",
        {"to_unit": AOF, "content": HANDOVER},
    )


def test_seed_003_routing_age_transition_handover_and_missed_deadlines(
    cases: InProcessService,
    consent: ServiceProcess,
    reporting: ServiceProcess,
    clock: MovableClock,
    runtime_settings: RuntimeSettings,
) -> None:
    report = {"municipality_code": "0180"}

    # 1. A 19-year-old with misuse and social psychiatry needs: parallel investigations (K-1).
    adult = post(
        cases,
        IOF_CASEWORKER,
        "/v1/cases",
        {**report, "personnummer": ADULT, "needs": ["substance_misuse", "mental_illness"]},
    )
    at_iof, at_aof = (case["id"] for case in adult["cases"])
    routed = published(runtime_settings, CaseRouted, at_iof)
    assert (routed.rule, routed.reason.value, routed.unit_kind.value) == (
        "K-1",
        "adult_iof_need",
        "IOF",
    )
    parallel = published(runtime_settings, ParallelInvestigationOpened, at_aof)
    assert (str(parallel.parallel_to), parallel.unit) == (at_iof, AOF)

    # 2. Two youths at child & youth; the receiving unit sees what is coming (K-4, E-7).
    youth = post(
        cases,
        IOF_CASEWORKER,
        "/v1/cases",
        {**report, "personnummer": YOUTH, "needs": ["child_welfare"]},
    )["cases"][0]["id"]
    unannounced = post(
        cases,
        IOF_CASEWORKER,
        "/v1/cases",
        {**report, "personnummer": UNANNOUNCED, "needs": ["child_welfare"]},
    )["cases"][0]["id"]
    assert published(runtime_settings, CaseOpened, youth).child_and_youth
    with cases.client(AOF_MANAGER) as client:
        upcoming = client.get(f"/v1/units/{IOF}/age-transitions").json()
    assert [(t["case_id"], t["announce_by"]) for t in upcoming] == [
        (youth, "2026-04-15"),
        (unannounced, "2026-04-20"),
    ]

    # 3. Thirty days (the default lead) before the announcement date, six months before
    #    the 19th birthday, at 00:00 in Stockholm (23:00 UTC, winter time), the reminder
    #    is on the topic (K-4).
    move_to(clock, datetime(2026, 3, 15, 23, 0, tzinfo=UTC))
    due = published(runtime_settings, AgeTransitionDue, youth)
    assert (due.announce_by.isoformat(), due.transition_on.isoformat()) == (
        "2026-04-15",
        "2026-10-15",
    )
    assert due.due_at == datetime(2026, 3, 15, 23, 0, tzinfo=UTC)

    # 4. Announced that day; the individual consents to the handover (C-8), which
    #    cases learns over Kafka; handed over, acknowledged, transferred (K-5).
    move_to(clock, datetime(2026, 4, 15, 9, 0, tzinfo=UTC))
    post(
        cases,
        IOF_CASEWORKER,
        f"/v1/cases/{youth}/age-transition/announcement",
        {"to_unit": AOF, "continued_support_needed": True},
    )
    handover = handed_over_with_consent(consent, cases, YOUTH, youth)
    assert handover["acknowledge_by"] == "2026-04-20"  # Wed + 3 working days
    post(
        cases,
        AOF_MANAGER,
        f"/v1/cases/{youth}/handovers/{handover['id']}/acknowledgement",
        {"receiving_caseworker": AOF_CASEWORKER},
    )
    post(cases, IOF_CASEWORKER, f"/v1/cases/{youth}/handovers/{handover['id']}/transfer")
    requested = published(runtime_settings, HandoverRequested, youth)
    acknowledged = published(runtime_settings, HandoverAcknowledged, youth)
    transferred = published(runtime_settings, ResponsibilityTransferred, youth)
    assert requested.handover_id == acknowledged.handover_id == transferred.handover_id
    assert (transferred.from_unit, transferred.to_unit) == (IOF, AOF)
    assert acknowledged.receiving_caseworker == AOF_CASEWORKER

    # 5. The adult's misuse case is handed to AOF too, but nobody acknowledges it.
    missed = handed_over_with_consent(consent, cases, ADULT, at_iof)

    # 6. A week on: the acknowledgement is overdue, and the other youth was never
    #    announced. Both are facts on the topic (D-7); the announced youth is not.
    move_to(clock, datetime(2026, 4, 22, 9, 0, tzinfo=UTC))
    overdue = published(runtime_settings, HandoverAcknowledgementOverdue, at_iof)
    assert (str(overdue.handover_id), overdue.acknowledge_by.isoformat()) == (
        missed["id"],
        "2026-04-20",
    )
    not_announced = published(runtime_settings, AgeTransitionOverdue, unannounced)
    assert not_announced.announce_by.isoformat() == "2026-04-20"
    overdue_cases = {
        str(e.case_id)
        for e in on_topic(runtime_settings)
        if isinstance(e, AgeTransitionOverdue | HandoverAcknowledgementOverdue)
    }
    assert overdue_cases == {at_iof, unannounced}

    # D-7: reporting counts each missed deadline as a routines deviation of its own,
    # naming the rule it broke (K-5 acknowledgement, K-4 announcement).
    reporting_topic = events_topic("reporting", prefix=runtime_settings.topic_prefix)

    def detected_rules() -> list[str]:
        records = read_topic(runtime_settings.kafka_bootstrap, reporting_topic)
        events = [decode(r.value, r.headers).event for r in records]
        return sorted(
            e.rule  # type: ignore[attr-defined]
            for e in events
            if type(e).__name__ == "DeviationDetected"
        )

    assert wait_for(lambda: len(rules := detected_rules()) >= 2 and rules, timeout=30) == [
        "K-4",
        "K-5",
    ]


def test_d6_target_groups_child_perspective_and_screenings_reach_the_topic(
    cases: InProcessService, runtime_settings: RuntimeSettings
) -> None:
    """Seed 004's facts, published by the running service's own relay: a youth's case
    opens in children and youth, a caseworker adds exposure to violence, the decision
    answers the child perspective, and a screening at a health centre is published
    as a fact with the youth's target groups — never with its score."""
    youth = post(
        cases,
        IOF_CASEWORKER,
        "/v1/cases",
        {"municipality_code": "0180", "personnummer": YOUTH, "needs": ["child_welfare"]},
    )["cases"][0]["id"]
    with cases.client(IOF_CASEWORKER) as client:
        changed = client.put(
            f"/v1/cases/{youth}/target-groups",
            json={"target_groups": ["exposed_to_violence", "children_and_youth"]},
        )
    assert changed.status_code == 200, changed.text
    post(
        cases,
        IOF_CASEWORKER,
        f"/v1/cases/{youth}/decisions",
        {"decision": "investigation_opened", "child_perspective_considered": True},
    )
    screening = post(
        cases,
        HEALTH_CENTRE,
        "/v1/screenings",
        {
            "personnummer": YOUTH,
            "instrument": "AUDIT",
            "occasion": "new_visit",
            "outcome": "done",
            "screened_on": "2026-03-02",
            "score": 7,
            "advice_offered": True,
            "referred": False,
        },
    )

    both = (TargetGroup.CHILDREN_AND_YOUTH, TargetGroup.EXPOSED_TO_VIOLENCE)
    decision = published(runtime_settings, CaseDecisionRecorded, youth)
    assert decision.child_perspective_considered is True
    assert decision.children_in_household is None
    assert decision.target_groups == both

    def screened() -> Any:
        found = [e for e in on_topic(runtime_settings) if isinstance(e, ScreeningRecorded)]
        return found[0] if found else None

    recorded = wait_for(screened, timeout=20, interval=0.2)
    assert str(recorded.screening_id) == screening["id"]
    assert (recorded.org_type, recorded.target_groups) == (OrgType.HEALTH_CARE, both)
    changes = [
        e.target_groups
        for e in on_topic(runtime_settings)
        if isinstance(e, CaseTargetGroupsChanged) and str(e.case_id) == youth
    ]
    assert changes == [(TargetGroup.CHILDREN_AND_YOUTH,), both]
