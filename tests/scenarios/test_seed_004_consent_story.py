"""Seed 004's consent step for a pregnant woman with misuse (C-6): information may go
"från socialtjänsten eller från hälso- och sjukvården" to protect the expected child, and
consent "ska i möjligaste mån eftersträvas".

Specialist maternity care (a region's health-care unit) finds that a pregnant patient
uses drugs, and the expected child needs protecting. It decides a disclosure to social
services under OSL 26:9 — health care may, not only social services; police may not.
Whether consent was sought must be answered, not left out, and when it was not, why:
she left the clinic before she could be asked. Social services, named, reads the
decision with that reason, and its question whether health care may share with it is
answered yes on that basis (C-9).

Each actor uses only its own answers. Consent runs in this process on a clock the test
holds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from services.consent.service import Settings as ConsentSettings
from tests.support import (
    HEALTH,
    POLICE,
    SOCIAL,
    InProcessService,
    MovableClock,
    call,
    decision,
    made_up_personnummer,
)

START = datetime(2027, 9, 6, 8, 0, tzinfo=UTC)
WOMAN = made_up_personnummer("19950614", "246")
WHY_NOT = "Kvinnan lämnade mottagningen innan frågan om samtycke kunde ställas."


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(START)


@pytest.fixture
def consent(start_in_process: Callable[..., InProcessService]) -> InProcessService:
    return start_in_process("consent", ConsentSettings())


def test_seed_004_c6_health_care_discloses_to_protect_the_expected_child_saying_why_unasked(
    consent: InProcessService,
) -> None:
    decided = {
        "personnummer": WOMAN,
        "parties": [HEALTH.org_id, SOCIAL.org_id],
        "justification": "Gravid i vecka 20 med pågående opioidbruk; barnet behöver skydd.",
        "valid_days": 120,
    }
    path = "/v1/unborn-child-disclosures"

    # C-6: whether consent was sought is answered, never left out, and a "no" says why.
    for unanswered, field in (
        ({}, "body.consent_sought"),
        ({"consent_sought": False}, "body.consent_not_sought_reason"),
    ):
        refused = call(consent, HEALTH, "POST", path, json=decided | unanswered)
        assert refused.status_code == 422, refused.text
        assert [(e["field"], e["rule"]) for e in refused.json()["errors"]] == [(field, "C-6")]

    # Police is not the authority whose secrecy OSL 26:9 lifts.
    answer = {"consent_sought": False, "consent_not_sought_reason": WHY_NOT}
    by_police = call(
        consent,
        POLICE,
        "POST",
        path,
        json=decided | answer | {"parties": [POLICE.org_id, SOCIAL.org_id]},
    )
    assert (by_police.status_code, by_police.json()["rule"]) == (403, "C-6")

    # Specialist maternity care decides it.
    recorded = call(consent, HEALTH, "POST", path, json=decided | answer)
    assert recorded.status_code == 201, recorded.text
    disclosure_id, subject_id = recorded.json()["id"], recorded.json()["subject_id"]

    # Social services, named, reads the decision where it points, with the reason.
    read = call(consent, SOCIAL, "GET", recorded.headers["location"])
    assert read.status_code == 200, read.text
    assert (read.json()["decided_by"], read.json()["consent_sought"]) == (HEALTH.hsa_id, False)
    assert read.json()["consent_not_sought_reason"] == WHY_NOT
    history = call(consent, SOCIAL, "GET", f"/v1/subjects/{subject_id}/history").json()
    assert [e["details"].get("consent_not_sought_reason") for e in history["events"]] == [WHY_NOT]

    # C-9: health care may share with social services on that basis.
    asked = decision(
        consent,
        subject_id,
        "information_sharing",
        by=SOCIAL,
        from_org=HEALTH.org_id,
        to_org=SOCIAL.org_id,
    ).json()
    assert (asked["allowed"], asked["basis"]) == (True, {"kind": "osl_26_9", "id": disclosure_id})
