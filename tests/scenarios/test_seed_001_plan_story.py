"""Seed 001, the plan as the person's own (K-13), reached from one principal (K-17).

Adult social care (the municipality) knows the person; they need psychiatry (the region)
too. Adult care asks psychiatry to establish contact (K-17): it waits on psychiatry's
work list with its day. Psychiatry proposes a SIP with adult care on the person's
consent, which establishes the contact. A plan between two municipal units alone is
refused (K-13). The plan is not made within the days set: both units see it overdue,
the topic says so naming them, and reporting counts it as a routine not followed (D-7).
Then it is made, starting from what matters to the person and their own goals: the
person's document ("Min plan") reads in Swedish, and the topic tells a 1177/Mina planer
integration where to fetch it.

Consent, cases and reporting run in this process on one clock the test moves.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from contracts import (
    DeviationDetected,
    IntegrationEvent,
    OtherPrincipalContactEstablished,
    SipEstablishmentOverdue,
    SipPlanPublished,
    decode,
    events_topic,
)
from services.cases.service import Settings as CasesSettings
from services.consent.service import Settings as ConsentSettings
from services.reporting.service import Settings as ReportingSettings
from services.runtime.kernel.actor import Actor
from tests.cases_examples import ESTABLISHMENT, PLAN, PSYCHIATRY, registration, sip_proposal
from tests.support import (
    AOF,
    AOF_MANAGER,
    IOF,
    InProcessService,
    MovableClock,
    call,
    call_once_consent_known,
    consent_given,
    made_up_personnummer,
    read_topic,
    wait_for,
)

START = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
ADULT = made_up_personnummer("19820415", "345")
WHAT_MATTERS = "Att få bo kvar i min lägenhet och träffa min dotter varje vecka."
OWN_GOALS = "Sova bättre och ha något att göra på dagarna."


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(START)


@pytest.fixture
def platform(start_in_process: Callable[..., InProcessService]) -> dict[str, InProcessService]:
    return {
        "consent": start_in_process("consent", ConsentSettings()),
        "cases": start_in_process(
            "cases",
            CasesSettings(
                deadline_check_seconds=0.1,
                sip_establishment_days=14,
                other_principal_contact_days=7,
            ),
        ),
        "reporting": start_in_process("reporting", ReportingSettings()),
    }


def work(cases: InProcessService, actor: Actor, **query: Any) -> list[dict[str, Any]]:
    answer = call(cases, actor, "GET", "/v1/work-items", params=query)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def the_one(cases: InProcessService, actor: Actor, kind: str, **query: Any) -> Any:
    items = wait_for(lambda: work(cases, actor, kind=kind, **query) or None, timeout=30)
    assert len(items) == 1, items
    return items[0]


def on_topic(service: InProcessService, producer: str) -> list[IntegrationEvent]:
    settings = service.settings
    records = read_topic(
        settings.kafka_bootstrap, events_topic(producer, prefix=settings.topic_prefix)
    )
    return [decode(r.value, r.headers).event for r in records]


def published(service: InProcessService, producer: str, kind: type[Any]) -> Any:
    def found() -> Any:
        matches = [e for e in on_topic(service, producer) if isinstance(e, kind)]
        return matches or None

    return wait_for(found, timeout=30, interval=0.2)


def test_seed_001_k13_k17_the_persons_plan_reached_from_one_principal_late_then_readable(
    platform: dict[str, InProcessService], clock: MovableClock
) -> None:
    cases = platform["cases"]
    units = [AOF, PSYCHIATRY.org_id]

    # K-17: adult care knows the person; psychiatry is asked to establish contact by a day.
    registered = call(
        cases, AOF_MANAGER, "POST", "/v1/cases", json=registration(ADULT, ["mental_illness"])
    )
    assert registered.status_code == 201, registered.text
    (case,) = [c for c in registered.json()["cases"] if c["unit"] == AOF]
    asked = call(
        cases,
        AOF_MANAGER,
        "POST",
        f"/v1/cases/{case['id']}/other-principal-contacts",
        json={"to_unit": PSYCHIATRY.org_id},
    )
    assert asked.status_code == 201, asked.text
    contact = the_one(cases, PSYCHIATRY, "other_principal_contact")
    assert (contact["rule"], contact["overdue"]) == ("K-17", False)
    assert contact["due_at"].startswith("2027-03-08")

    # K-13: a plan between two municipal units alone is refused, naming the rule.
    consent_given(platform["consent"], ADULT, by=PSYCHIATRY, purpose="sip", parties=[*units, IOF])
    municipal_only = {**sip_proposal(ADULT), "proposed_by": "municipality", "units": [AOF, IOF]}
    refused = call_once_consent_known(cases, AOF_MANAGER, "POST", "/v1/sips", json=municipal_only)
    assert refused.status_code == 422, refused.text
    assert refused.json()["rule"] == "K-13"
    assert [e["field"] for e in refused.json()["errors"]] == ["body.units"]

    # K-6, K-13, K-17: psychiatry proposes the SIP with adult care: the contact is established.
    proposed = call_once_consent_known(
        cases, PSYCHIATRY, "POST", "/v1/sips", json=sip_proposal(ADULT)
    )
    assert proposed.status_code == 201, proposed.text
    sip_path = proposed.headers["location"]
    (established_contact,) = published(cases, "cases", OtherPrincipalContactEstablished)
    assert (established_contact.how, str(established_contact.sip_id)) == (
        "sip_proposed",
        proposed.json()["id"],
    )
    wait_for(lambda: work(cases, PSYCHIATRY, kind="other_principal_contact") == [], timeout=30)

    # K-13, D-7: fourteen days pass without the plan made: both units see it overdue, the
    # topic names them, and reporting counts a routine not followed.
    clock.advance(timedelta(days=15))
    for actor in (AOF_MANAGER, PSYCHIATRY):
        late = the_one(cases, actor, "sip_establishment", overdue="true")
        assert (late["href"], late["rule"]) == (sip_path, "K-6, K-13")
    (overdue,) = published(cases, "cases", SipEstablishmentOverdue)
    assert (set(overdue.units), overdue.establish_by.isoformat()) == (set(units), "2027-03-15")

    def detected() -> list[DeviationDetected] | None:
        found = [
            e
            for e in on_topic(cases, "reporting")
            if isinstance(e, DeviationDetected) and e.rule == "K-13"
        ]
        return found or None

    (deviation,) = wait_for(detected, timeout=30, interval=0.2)
    assert set(deviation.affected_orgs) == set(units)

    # K-13: the plan made from the person's own words; it leaves the list as overdue.
    plan = PLAN | {"what_matters": WHAT_MATTERS, "own_goals": OWN_GOALS}
    first_follow_up = (clock.now() + timedelta(days=30)).date()
    made = call(
        cases,
        AOF_MANAGER,
        "POST",
        f"{sip_path}/establishment",
        json=ESTABLISHMENT | {"plan": plan, "first_follow_up_on": first_follow_up.isoformat()},
    )
    assert made.status_code == 200, made.text
    assert work(cases, AOF_MANAGER, kind="sip_establishment") == []

    # K-13: the topic says where the person's plan is; the plan's units read it to hand over.
    (plan_published,) = published(cases, "cases", SipPlanPublished)
    assert plan_published.document == f"{sip_path}/document"
    assert (plan_published.plan_version, set(plan_published.units)) == (1, set(units))
    assert plan_published.next_follow_up_on == first_follow_up
    document = call(cases, PSYCHIATRY, "GET", plan_published.document)
    assert document.status_code == 200, document.text
    assert document.headers["content-type"].startswith("text/html")
    html = document.text
    for heading in ("Min plan", "Det här är viktigt för mig", "Mina mål", "Vem gör vad"):
        assert f">{heading}<" in html
    assert WHAT_MATTERS in html
    assert OWN_GOALS in html
    assert ">Nästa uppföljning<" in html
    assert f"<p>{first_follow_up.day} april 2027</p>" in html
