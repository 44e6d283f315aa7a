"""What several tests of the cases service send it, in one place: the psychiatry
caseworker who is a SIP's other party, request bodies (a registration, a handover's
content, a SIP's proposal, plan and establishment, an AUDIT screening), and consent
taught to the application the way its consumer applies it from consent's topic, for
tests that run the application without a broker."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import uuid4

from eventsourcing.persistence import Tracking

from contracts import ConsentForm, ConsentGiven, OrgType, Purpose, Role
from services.cases.application import CasesApplication
from services.runtime.kernel.actor import Actor
from tests.support import AOF, AOF_CASEWORKER

PSYCHIATRY = Actor(
    hsa_id="SE2321000016-P201",
    org_id="SE2321000016-PSY1",
    org_type=OrgType.PSYCHIATRY,
    role=Role.CASEWORKER,
)

CONTENT = {
    "background_and_family": "Bor med mamma och en lillebror.",
    "guardian": None,
    "current_situation": "Går sista året på gymnasiet.",
    "problems_and_earlier_investigations": "Utredd för autism 2021.",
    "ongoing_interventions_and_planning": "Kontaktfamilj varannan helg.",
}
"""A handover's documentation (K-5), every part filled in."""

PLAN = {
    "what_matters": "Att få bo kvar i min lägenhet och träffa min dotter.",
    "own_goals": "Vara nykter till sommaren.",
    "problem": "Missbruk och psykisk ohälsa; riskerar att förlora bostaden.",
    "short_term_goals_and_interventions": "Abstinensbehandling; boendestöd.",
    "long_term_goals_and_interventions": "Egen bostad; sysselsättning.",
    "responsibilities": [
        {"unit": AOF, "interventions": "Boendestöd."},
        {"unit": PSYCHIATRY.org_id, "interventions": "Abstinensbehandling."},
    ],
    "measures_by_others": "Inga.",
    "overall_responsibility": PSYCHIATRY.org_id,
    "follow_up_by": AOF,
}
"""A SIP's plan between adult social care and psychiatry: the person's own words (K-13)
and all of its parts (K-6)."""

ESTABLISHMENT = {
    "plan": PLAN,
    "participants": {
        "individual": True,
        "relatives": True,
        "individual_objects_to_relatives": False,
    },
    "complex_case": True,
    "coordinator": AOF_CASEWORKER,
    "follow_up_every_days": 60,
    "first_follow_up_on": "2026-04-01",
}
"""Establishing the SIP of :data:`PLAN` (K-6, K-7): a complex case, so with a
coordinator; its first follow-up in April 2026."""


def registration(personnummer: str, needs: list[str], **extra: Any) -> dict[str, Any]:
    """A report to register (K-1) in municipality 0180, with whatever else is given."""
    return {"personnummer": personnummer, "municipality_code": "0180", "needs": needs} | extra


def sip_proposal(personnummer: str) -> dict[str, Any]:
    """The region proposes a SIP between adult social care and psychiatry (K-6)."""
    return {
        "personnummer": personnummer,
        "proposed_by": "region",
        "units": [AOF, PSYCHIATRY.org_id],
    }


def audit_screening(personnummer: str, screened_on: date, **changes: Any) -> dict[str, Any]:
    """An AUDIT screening done at a new visit (D-6), with the changes given; a score at
    the risk threshold (6) or above answers K-15 (advice offered, not referred) unless
    the changes answer it."""
    body: dict[str, Any] = {
        "personnummer": personnummer,
        "instrument": "AUDIT",
        "occasion": "new_visit",
        "outcome": "done",
        "screened_on": screened_on.isoformat(),
    }
    if (changes.get("score") or 0) >= AUDIT_RISK_THRESHOLD:
        body |= {"advice_offered": True, "referred": False}
    return body | changes


AUDIT_RISK_THRESHOLD = 6
"""K-15: an AUDIT score from which advice and referral are asked for."""


CONSENT_TOPIC = "/samverkan/consent#0"
"""The tracking name of consent's topic, as the cases consumer records its position."""


def written_consent(
    subject_id: str,
    parties: Sequence[str],
    purpose: Purpose = Purpose.CASE_HANDOVER,
    *,
    recorded_by: str,
    given_at: datetime,
) -> ConsentGiven:
    """A written, informed consent as consent's topic carries it (C-1..C-3)."""
    return ConsentGiven(
        subject_id=subject_id,
        consent_id=uuid4(),
        purpose=purpose,
        parties=tuple(parties),
        form=ConsentForm.WRITTEN,
        recorded_by=recorded_by,
        informed=True,
        given_at=given_at,
    )


def learn(application: CasesApplication, event: Any) -> None:
    """As if the cases consumer had applied the next message on consent's topic."""
    position = (application.recorder.max_tracking_id(CONSENT_TOPIC) or 0) + 1
    application.process_event(event, Tracking(CONSENT_TOPIC, position))
