"""The coordinated individual plan (SIP): K-6 parts and participants, K-7 follow-ups,
revisions and the overdue follow-up, C-7 consent for adults. Pure domain."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from contracts import SipProposer
from services.cases.domain import (
    NotInSip,
    Participants,
    ReasonRequired,
    Responsibility,
    Sip,
    SipAlreadyClosed,
    SipConflict,
    SipFollowUpInvalid,
    SipIncomplete,
    SipPlan,
    SipWithoutConsent,
)
from services.runtime.kernel.personal import in_clear

SUBJECT = "f" * 64
MUNICIPALITY = "SE2120000001-AOF1"
REGION = "SE2321000016-PSY1"
OUTSIDER = "SE2321000016-HC01"
STAFF = "SE2120000001-S201"
COORDINATOR = "SE2120000001-S205"
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CONSENT = UUID("0b8e7a55-61f6-4d7e-9a57-0b5b1c4f3a10")
ADULT_FROM = date(2000, 1, 1)

PLAN = SipPlan(
    what_matters="Att få bo kvar i min lägenhet och träffa min dotter.",
    own_goals="Vara nykter till sommaren; ha något att göra på dagarna.",
    problem="Missbruk och psykisk ohälsa; riskerar att förlora bostaden.",
    short_term_goals_and_interventions="Abstinensbehandling; boendestöd.",
    long_term_goals_and_interventions="Egen bostad; sysselsättning.",
    responsibilities=(
        Responsibility(MUNICIPALITY, "Boendestöd, öppenvård."),
        Responsibility(REGION, "Abstinensbehandling, läkemedel."),
    ),
    measures_by_others="Inga.",
    overall_responsibility=REGION,
    follow_up_by=COORDINATOR,
)
EVERYONE = Participants(individual=True, relatives=True, individual_objects_to_relatives=False)


def propose(**changes: Any) -> Sip:
    arguments: dict[str, Any] = {
        "subject_id": SUBJECT,
        "proposed_by": SipProposer.REGION,
        "units": [MUNICIPALITY, REGION],
        "proposer_unit": MUNICIPALITY,
        "adult_from": ADULT_FROM,
        "consent_id": CONSENT,
        "at": AT,
        "by": STAFF,
    }
    arguments.update(changes)
    return Sip.propose(**arguments)


def establish(sip: Sip, **changes: Any) -> None:
    arguments: dict[str, Any] = {
        "plan": PLAN,
        "participants": EVERYONE,
        "complex_case": False,
        "coordinator": None,
        "follow_up_every_days": 30,
        "first_follow_up_on": date(2026, 4, 1),
        "consent_id": CONSENT,
        "unit": MUNICIPALITY,
        "at": AT,
        "by": STAFF,
    }
    arguments.update(changes)
    sip.establish(**arguments)


def follow_up(
    sip: Sip, held_on: date, outcome: str, *, at: datetime, next_on: date | None = None
) -> date:
    """The region records a follow-up held on `held_on` (K-7); the next one's date."""
    return sip.record_follow_up(
        held_on=held_on, outcome=outcome, next_follow_up_on=next_on, unit=REGION, at=at, by=STAFF
    )


@pytest.mark.parametrize("proposer", list(SipProposer))
def test_k6_the_individual_a_guardian_school_region_or_municipality_may_propose(
    proposer: SipProposer,
) -> None:
    assert propose(proposed_by=proposer).proposed_by == proposer.value


def test_k6_a_sip_is_made_between_at_least_two_units_including_the_recorder() -> None:
    with pytest.raises(SipIncomplete, match="two units") as error:
        propose(units=[MUNICIPALITY, MUNICIPALITY])
    assert error.value.field == "body.units"
    with pytest.raises(SipIncomplete, match="takes part"):
        propose(proposer_unit=OUTSIDER)


def test_c7_an_adults_sip_cannot_be_proposed_or_made_without_consent() -> None:
    with pytest.raises(SipWithoutConsent) as error:
        propose(consent_id=None)
    assert (error.value.rule, error.value.status) == ("C-7", 409)

    sip = propose()
    with pytest.raises(SipWithoutConsent):
        establish(sip, consent_id=None)
    assert sip.established_at is None


def test_c7_a_childs_sip_needs_consent_once_the_child_comes_of_age() -> None:
    eighteenth_birthday = date(2026, 3, 10)
    sip = propose(adult_from=eighteenth_birthday, consent_id=None)  # a child on AT

    establish(sip, consent_id=None)  # still a child
    follow_up(sip, date(2026, 3, 20), "Uppföljt.", at=datetime(2026, 3, 20, 12, tzinfo=UTC))
    with pytest.raises(SipWithoutConsent):
        sip.revise(
            plan=PLAN,
            consent_id=None,
            unit=REGION,
            at=datetime(2026, 3, 20, 13, tzinfo=UTC),
            by=STAFF,
        )


@pytest.mark.parametrize(
    "part",
    [
        "problem",
        "short_term_goals_and_interventions",
        "long_term_goals_and_interventions",
        "measures_by_others",
    ],
)
def test_k6_every_part_of_the_plan_is_mandatory(part: str) -> None:
    sip = propose()
    with pytest.raises(SipIncomplete) as error:
        establish(sip, plan=dataclasses.replace(PLAN, **{part: " "}))

    assert (error.value.field, error.value.rule) == (f"body.plan.{part}", "K-6")
    assert sip.versions == []


def test_k6_responsibilities_and_overall_responsibility_lie_with_the_plans_units() -> None:
    sip = propose()
    with pytest.raises(SipIncomplete) as none_given:
        establish(sip, plan=dataclasses.replace(PLAN, responsibilities=()))
    assert none_given.value.field == "body.plan.responsibilities"
    outsider = (Responsibility(OUTSIDER, "Något."),)
    with pytest.raises(SipIncomplete) as outside:
        establish(sip, plan=dataclasses.replace(PLAN, responsibilities=outsider))
    assert outside.value.field == "body.plan.responsibilities.0"
    with pytest.raises(SipIncomplete) as overall:
        establish(sip, plan=dataclasses.replace(PLAN, overall_responsibility=OUTSIDER))
    assert overall.value.field == "body.plan.overall_responsibility"


def test_k6_relatives_take_part_only_if_the_individual_does_not_object() -> None:
    sip = propose()
    objected = Participants(individual=True, relatives=True, individual_objects_to_relatives=True)
    with pytest.raises(SipIncomplete) as error:
        establish(sip, participants=objected)
    assert error.value.field == "body.participants.relatives"

    without = Participants(individual=True, relatives=False, individual_objects_to_relatives=True)
    establish(sip, participants=without)
    assert sip.participants == {
        "individual": True,
        "relatives": False,
        "individual_objects_to_relatives": True,
    }


def test_k7_a_complex_case_gets_a_named_coordinator() -> None:
    sip = propose()
    with pytest.raises(SipIncomplete) as error:
        establish(sip, complex_case=True, coordinator=None)
    assert (error.value.field, error.value.rule) == ("body.coordinator", "K-7")

    establish(sip, complex_case=True, coordinator=COORDINATOR)
    assert sip.coordinator == COORDINATOR


def test_k7_a_follow_up_date_before_the_plans_date_is_refused() -> None:
    sip = propose()
    with pytest.raises(SipFollowUpInvalid) as error:
        establish(sip, first_follow_up_on=date(2026, 3, 1))
    assert (error.value.field, error.value.rule) == ("body.first_follow_up_on", "K-7")

    establish(sip, first_follow_up_on=date(2026, 3, 2))  # the plan's own day is fine
    with pytest.raises(SipFollowUpInvalid) as held:
        follow_up(sip, date(2026, 3, 1), "Uppföljt.", at=AT)
    assert held.value.field == "body.held_on"


def test_k7_the_next_follow_up_comes_at_the_plans_frequency() -> None:
    sip = propose()
    establish(sip, follow_up_every_days=45)

    following = follow_up(
        sip, date(2026, 4, 1), "Boendet fungerar.", at=datetime(2026, 4, 1, 14, tzinfo=UTC)
    )

    assert following == date(2026, 5, 16) == sip.next_follow_up_on
    with pytest.raises(SipFollowUpInvalid, match="next_follow_up_on"):
        follow_up(
            sip,
            date(2026, 4, 2),
            "Extra.",
            at=datetime(2026, 4, 2, 14, tzinfo=UTC),
            next_on=date(2026, 4, 2),
        )


def test_k7_revisions_follow_a_follow_up_and_keep_every_version() -> None:
    sip = propose()
    establish(sip)
    with pytest.raises(SipConflict, match="follow-up"):
        sip.revise(plan=PLAN, consent_id=CONSENT, unit=REGION, at=AT, by=STAFF)
    follow_up(
        sip, date(2026, 4, 1), "Behov av sysselsättning.", at=datetime(2026, 4, 1, 14, tzinfo=UTC)
    )

    revised = dataclasses.replace(PLAN, long_term_goals_and_interventions="Praktikplats.")
    number = sip.revise(
        plan=revised,
        consent_id=CONSENT,
        unit=REGION,
        at=datetime(2026, 4, 1, 15, tzinfo=UTC),
        by=STAFF,
    )

    assert number == 2
    assert [v.number for v in sip.versions] == [1, 2]
    first = in_clear(sip.versions[0].plan)
    assert isinstance(first, dict)
    assert first["long_term_goals_and_interventions"] == "Egen bostad; sysselsättning."
    assert sip.versions[1].after_follow_up_on == date(2026, 4, 1)


def test_k7_follow_up_overdue_once_the_planned_day_has_passed() -> None:
    sip = propose()
    establish(sip, first_follow_up_on=date(2026, 4, 1))
    end_of_day = datetime(2026, 4, 1, 22, 0, tzinfo=UTC)  # midnight, summer time

    assert sip.raise_due(end_of_day - timedelta(microseconds=1)) == []
    assert sip.raise_due(end_of_day) == ["sip_follow_up_overdue"]
    assert sip.raise_due(end_of_day + timedelta(days=3)) == []

    follow_up(sip, date(2026, 4, 5), "Sent, men hållet.", at=datetime(2026, 4, 5, 9, tzinfo=UTC))
    assert sip.raise_due(datetime(2026, 5, 5, 22, tzinfo=UTC)) == ["sip_follow_up_overdue"]


def test_k6_only_the_plans_units_work_on_it() -> None:
    sip = propose()
    with pytest.raises(NotInSip) as error:
        establish(sip, unit=OUTSIDER)
    assert error.value.status == 403
    establish(sip)
    with pytest.raises(SipConflict):
        establish(sip)


def test_w2_k7_a_closed_plan_raises_no_overdue_and_says_why() -> None:
    sip = propose()
    establish(sip, first_follow_up_on=date(2026, 4, 1))
    sip.close(reason=" Har flyttat. ", unit=REGION, at=AT, by=STAFF)

    assert sip.closed_at == AT
    assert sip.closing_reason is not None
    assert sip.closing_reason.text == "Har flyttat."
    assert sip.raise_due(datetime(2026, 5, 1, tzinfo=UTC)) == []
    assert [type(e).__name__ for e in sip.collect_events()][-1] == "Closed"


def test_w2_k6_a_plan_is_closed_by_its_units_only_with_a_reason_and_once() -> None:
    sip = propose()
    with pytest.raises(NotInSip):
        sip.close(reason="Inte vår.", unit=OUTSIDER, at=AT, by=STAFF)
    with pytest.raises(ReasonRequired):
        sip.close(reason="\n", unit=REGION, at=AT, by=STAFF)
    sip.close(reason="Individen vill inte.", unit=MUNICIPALITY, at=AT, by=STAFF)
    with pytest.raises(SipAlreadyClosed):
        sip.close(reason="Igen.", unit=REGION, at=AT, by=STAFF)
    with pytest.raises(SipAlreadyClosed):
        establish(sip)
