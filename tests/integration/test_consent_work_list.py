"""Consent's work list (W-1): the day to ask again after a refusal waits at the unit that
recorded it (C-12), on real stores (SQLite and PostgreSQL) and over HTTP; and the OSL 26:9
disclosure's answer to whether consent was sought (C-6) as the API takes it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from contracts import OrgType, Role
from services.consent.application import (
    ConsentApplication,
    DecideUnbornChildDisclosure,
    GiveConsent,
    RefuseConsent,
)
from services.consent.domain import end_of_day
from services.consent.service import Settings as ConsentSettings
from services.consent.views.work_items import ASK_AGAIN
from services.runtime.kernel.actor import Actor
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from services.runtime.store.work_items import WorkItem, WorkQuery
from tests.consent_examples import refusal_body
from tests.support import HEALTH, PLATFORM_ADMIN, POLICE, SOCIAL, InProcessService, call
from tests.support import made_up_personnummer as made_up
from tests.unit.units import HEALTH_UNIT, SCHOOL_UNIT, SOCIAL_UNIT

SUBJECT = "c1" * 32
OTHER_SUBJECT = "c2" * 32
STAFF = "SE2120000001-K012"
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ASK_ON = date(2026, 4, 1)


def at_unit(org_id: str) -> Actor:
    return Actor(STAFF, org_id, OrgType.SOCIAL_SERVICES, Role.CASEWORKER)


AT_SOCIAL, AT_HEALTH, AT_SCHOOL = (at_unit(u) for u in (SOCIAL_UNIT, HEALTH_UNIT, SCHOOL_UNIT))


@pytest.fixture
def application(backend_settings: RuntimeSettings) -> ConsentApplication:
    return ConsentApplication(
        env=store_env(backend_settings, "consent"),
        longest_emergency_disclosure=timedelta(hours=72),
        erasure_unit=PLATFORM_ADMIN.org_id,
    )


def listed(
    app: ConsentApplication, actor: Actor, now: datetime = AT, **query: Any
) -> list[WorkItem]:
    return app.work_list(actor, WorkQuery(**query), now).items


def refuse(app: ConsentApplication, subject_id: str = SUBJECT, **fields: Any) -> UUID:
    command = RefuseConsent(subject_id, "sip", [SOCIAL_UNIT, HEALTH_UNIT], True, **fields)
    return app.refuse_consent(AT_SOCIAL, command, at=AT)


def give(
    app: ConsentApplication, actor: Actor, parties: list[str], subject_id: str = SUBJECT
) -> None:
    command = GiveConsent(subject_id, "sip", parties, "oral", True, None)
    app.give_consent(actor, command, at=AT + timedelta(days=30), today=date(2026, 4, 1))


def test_c12_w1_a_day_to_ask_again_waits_at_the_recording_unit_only(
    application: ConsentApplication,
) -> None:
    refusal_id = refuse(application, ask_again_on=ASK_ON, motivational_work="MI-samtal.")
    refuse(application, OTHER_SUBJECT)  # no day to ask again: nothing waits

    (item,) = listed(application, AT_SOCIAL)
    assert (item.item_id, item.kind, item.state, item.subject_id) == (
        refusal_id,
        ASK_AGAIN,
        "refused",
        SUBJECT,
    )
    assert (item.addressee, item.role, item.href) == (
        SOCIAL_UNIT,
        None,
        f"/v1/consent-refusals/{refusal_id}",
    )
    assert item.due_at == end_of_day(ASK_ON)
    assert not item.is_overdue(end_of_day(ASK_ON) - timedelta(seconds=1))
    assert item.is_overdue(end_of_day(ASK_ON))
    assert listed(application, AT_HEALTH) == []  # named in it, but did not record it


def test_c12_a_consent_naming_the_unit_ends_the_wait_another_does_not(
    application: ConsentApplication,
) -> None:
    refuse(application, ask_again_on=ASK_ON)
    give(application, AT_SOCIAL, [SOCIAL_UNIT, HEALTH_UNIT], OTHER_SUBJECT)  # someone else
    give(application, AT_HEALTH, [HEALTH_UNIT, SCHOOL_UNIT])  # not the recording unit's
    assert len(listed(application, AT_SOCIAL)) == 1

    give(application, AT_HEALTH, [HEALTH_UNIT, SOCIAL_UNIT])  # asked again: yes

    assert listed(application, AT_SOCIAL) == []


def test_c12_gdpr17_an_erased_individual_is_on_no_work_list(
    application: ConsentApplication,
) -> None:
    refuse(application, ask_again_on=ASK_ON)
    refuse(application, OTHER_SUBJECT, ask_again_on=ASK_ON)

    application.erase_subject(PLATFORM_ADMIN, SUBJECT, at=AT + timedelta(days=1))

    assert [item.subject_id for item in listed(application, AT_SOCIAL)] == [OTHER_SUBJECT]


def test_c6_c12_the_free_text_about_her_is_sealed_at_rest_and_erased_with_her(
    application: ConsentApplication, backend_settings: RuntimeSettings, store_backend: str
) -> None:
    """The motivational work planned (C-12) and why consent was not sought (C-6) are about
    the individual: sealed with her key, so erasure reaches them (GDPR art. 17)."""
    plan, why_not = "Plan-7f3e: MI-samtal.", "Skal-7f3e: hon avvek."
    refusal_id = refuse(application, ask_again_on=ASK_ON, motivational_work=plan)
    command = DecideUnbornChildDisclosure(
        SUBJECT,
        [HEALTH_UNIT, SOCIAL_UNIT],
        "Gravid med missbruk.",
        timedelta(days=30),
        False,
        why_not,
    )
    disclosure_id = application.decide_unborn_child_disclosure(AT_HEALTH, command, at=AT)
    database = backend_settings.var_dir / "consent.db"
    at_rest = b"".join(
        Path(f"{database}{suffix}").read_bytes()
        for suffix in ("", "-wal")
        if Path(f"{database}{suffix}").exists()
    )
    assert bool(at_rest) == (store_backend == "sqlite"), database
    assert b"7f3e" not in at_rest

    application.erase_subject(PLATFORM_ADMIN, SUBJECT, at=AT + timedelta(days=1))

    refusal = application.read_refusal(AT_SOCIAL, refusal_id)
    disclosure = application.read_unborn_child_disclosure(AT_SOCIAL, disclosure_id)
    assert refusal.motivational_work is not None
    assert refusal.motivational_work.erased
    assert disclosure.consent_not_sought_reason is not None
    assert disclosure.consent_not_sought_reason.erased


# --- over HTTP -------------------------------------------------------------------------


@pytest.fixture
def consent(start_in_process: Callable[..., InProcessService]) -> InProcessService:
    return start_in_process("consent", ConsentSettings())


WOMAN = made_up("19900101", "123")
JUSTIFICATION = "Missbruk under graviditet; barnets skydd går före."


def test_c12_w1_w3_the_recording_unit_finds_the_day_and_reads_the_refusal_where_it_points(
    consent: InProcessService,
) -> None:
    body = refusal_body(WOMAN, "sip", [SOCIAL.org_id, HEALTH.org_id])
    plan = {"ask_again_on": "2027-06-01", "motivational_work": "MI-samtal varannan vecka."}
    created = call(consent, SOCIAL, "POST", "/v1/consent-refusals", json=body | plan)
    assert created.status_code == 201, created.text

    answer = call(consent, SOCIAL, "GET", "/v1/work-items", params={"kind": "ask_again"})

    assert answer.status_code == 200, answer.text
    (item,) = answer.json()["items"]
    assert (item["item_id"], item["kind"], item["rule"], item["addressed_to"]) == (
        created.json()["id"],
        "ask_again",
        "C-12",
        SOCIAL.org_id,
    )
    assert datetime.fromisoformat(item["due_at"]) == end_of_day(date(2027, 6, 1))
    read = call(consent, SOCIAL, "GET", item["href"])
    assert read.status_code == 200, read.text
    assert (read.json()["ask_again_on"], read.json()["motivational_work"]) == (
        "2027-06-01",
        "MI-samtal varannan vecka.",
    )
    assert call(consent, HEALTH, "GET", "/v1/work-items").json()["items"] == []


@pytest.mark.parametrize(
    ("plan", "field"),
    [
        ({"ask_again_on": "2020-01-01"}, "body.ask_again_on"),
        ({"ask_again_on": "inte ett datum"}, "body.ask_again_on"),
        ({"ask_again_on": "2030-01-01", "motivational_work": "   "}, "body.motivational_work"),
    ],
)
def test_c12_a_day_to_ask_again_before_the_refusal_or_a_blank_plan_is_a_422_naming_the_field(
    consent: InProcessService, plan: dict[str, str], field: str
) -> None:
    body = refusal_body(WOMAN, "sip", [SOCIAL.org_id, HEALTH.org_id]) | plan
    answer = call(consent, SOCIAL, "POST", "/v1/consent-refusals", json=body)

    assert answer.status_code == 422, answer.text
    assert [(e["field"], e.get("rule")) for e in answer.json()["errors"]] == [(field, "C-12")]
    assert call(consent, SOCIAL, "GET", "/v1/work-items").json()["items"] == []


def unborn(**answer: Any) -> dict[str, Any]:
    return {
        "personnummer": WOMAN,
        "parties": [HEALTH.org_id, SOCIAL.org_id],
        "justification": JUSTIFICATION,
    } | answer


@pytest.mark.parametrize(
    ("answer", "field"),
    [
        ({}, "body.consent_sought"),
        ({"consent_sought": None}, "body.consent_sought"),
        ({"consent_sought": "yes"}, "body.consent_sought"),
        ({"consent_sought": False}, "body.consent_not_sought_reason"),
        (
            {"consent_sought": False, "consent_not_sought_reason": " "},
            "body.consent_not_sought_reason",
        ),
        (
            {"consent_sought": True, "consent_not_sought_reason": "Hann inte."},
            "body.consent_not_sought_reason",
        ),
    ],
)
def test_c6_consent_sought_is_answered_and_not_sought_says_why_or_it_is_a_422(
    consent: InProcessService, answer: dict[str, Any], field: str
) -> None:
    refused = call(consent, HEALTH, "POST", "/v1/unborn-child-disclosures", json=unborn(**answer))

    assert refused.status_code == 422, refused.text
    assert [(e["field"], e.get("rule")) for e in refused.json()["errors"]] == [(field, "C-6")]


def test_c6_health_care_records_an_osl_26_9_disclosure_police_may_not(
    consent: InProcessService,
) -> None:
    answer = {"consent_sought": False, "consent_not_sought_reason": "Kvinnan gick inte att nå."}
    refused = call(consent, POLICE, "POST", "/v1/unborn-child-disclosures", json=unborn(**answer))
    assert refused.status_code == 403
    assert refused.json()["rule"] == "C-6"

    recorded = call(consent, HEALTH, "POST", "/v1/unborn-child-disclosures", json=unborn(**answer))

    assert recorded.status_code == 201, recorded.text
    read = call(consent, SOCIAL, "GET", recorded.headers["location"])
    assert read.status_code == 200, read.text
    assert (read.json()["consent_sought"], read.json()["consent_not_sought_reason"]) == (
        False,
        "Kvinnan gick inte att nå.",
    )
