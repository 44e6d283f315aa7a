"""Steps the tests share, named as the stories tell them.

Several fault, integration and scenario tests begin the same way (a consent
recorded in consent's own store, a consent given over HTTP, a case opened);
one function per step keeps them telling the same story in the same words,
and a change to the step's command changes every test that relies on it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import httpx

from contracts import ConsentGiven, dlq_topic, encode, events_topic
from contracts.examples import EXAMPLES
from services.consent.application import ConsentApplication, GiveConsent
from services.runtime.kernel.actor import Actor
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from tests.support import (
    AOF,
    HEALTH,
    IOF,
    IOF_CASEWORKER,
    IOF_DEPUTY,
    SOCIAL,
    call,
    call_once_consent_known,
    consent_given,
    produce_raw,
    read_topic,
)

RED_THREAD_PARTIES = ("SE2321000016-POL1", "SE2120000001-SOC1")
"""Police and social services: the parties of a red-thread meeting."""
SIP_PARTIES = ("SE2120000001-SOC1", "SE2321000016-HC01")
"""Social services and health care: the parties of a SIP."""


def consent_store(
    settings: RuntimeSettings, longest_emergency_disclosure: timedelta = timedelta(hours=72)
) -> ConsentApplication:
    """Consent's application on the test's own store, without its HTTP layer, so a test
    can write events for the relay and consumers it runs itself."""
    return ConsentApplication(
        env=store_env(settings, "consent"),
        longest_emergency_disclosure=longest_emergency_disclosure,
    )


def record_consent(
    consent: ConsentApplication,
    subject_id: str,
    at: datetime,
    *,
    purpose: str = "red_thread_meeting",
    parties: Sequence[str] = RED_THREAD_PARTIES,
    form: str = "written",
) -> UUID:
    """An informed consent with no end date, recorded by social services at `at`: the
    one event most fault tests need on consent's topic."""
    return consent.give_consent(
        SOCIAL,
        GiveConsent(
            subject_id=subject_id,
            purpose=purpose,
            parties=list(parties),
            form=form,
            informed=True,
            valid_until=None,
        ),
        at=at,
        today=at.date(),
    )


def handover_consent_given(
    consent: Any, personnummer: str, guardian: str | None = None
) -> dict[str, Any]:
    """Individual and family care records a written consent to hand the case over to adult
    care (C-8), given by the person or, for a child, by the named `guardian` (C-1);
    consent's answer."""
    given_by = {} if guardian is None else {"given_by": "guardian", "guardian_name": guardian}
    return consent_given(
        consent,
        personnummer,
        by=IOF_CASEWORKER,
        purpose="case_handover",
        parties=[IOF, AOF],
        **given_by,
    )


def sharing_consent_given(
    consent: Any, personnummer: str, parties: Sequence[str] = (IOF, AOF)
) -> dict[str, Any]:
    """The individual consents to information sharing between `parties` (IoF and ÄoF unless
    said), as individual and family care records it: the basis escalation needs before a
    registration, a named consultation, an acute matter or an escalation naming them goes
    to those units (C-11); consent's answer."""
    return consent_given(
        consent,
        personnummer,
        by=IOF_CASEWORKER,
        purpose="information_sharing",
        parties=list(parties),
    )


def child_case_handed_over(cases: Any, personnummer: str, content: dict[str, Any]) -> str:
    """Individual and family care registers a child-welfare report (K-1) and hands the case
    over to adult care with `content` (K-5); the handover's path.

    Cases learns of the handover consent from consent's topic, so the first tries may come
    too early (409); the step asks again until it is known."""
    registered = call(
        cases,
        IOF_CASEWORKER,
        "POST",
        "/v1/cases",
        json={
            "personnummer": personnummer,
            "municipality_code": "0180",
            "needs": ["child_welfare"],
        },
    )
    assert registered.status_code == 201, registered.text
    case_id = registered.json()["cases"][0]["id"]

    handover = call_once_consent_known(
        cases,
        IOF_CASEWORKER,
        "POST",
        f"/v1/cases/{case_id}/handovers",
        json={"to_unit": AOF, "content": content},
    )
    assert handover.status_code == 201, handover.text
    return f"/v1/cases/{case_id}/handovers/{handover.json()['id']}"


def consultation_held(escalation: Any, personnummer: str, notes: str) -> str:
    """Individual and family care consults adult care about a named person (E-9) and
    notes what was said; the consultation's path. Escalation learns of the consent to
    share (C-11) from consent's topic, so the first tries may come too early (409)."""
    consultation = call_once_consent_known(
        escalation,
        IOF_DEPUTY,
        "POST",
        "/v1/consultations",
        json={
            "consulted_orgs": [AOF],
            "outcome": "parallel_investigation",
            "notes": notes,
            "anonymous": False,
            "personnummer": personnummer,
        },
    )
    assert consultation.status_code == 201, consultation.text
    return f"/v1/consultations/{consultation.json()['id']}"


def deviation_reported(
    reporting: Any, personnummer: str, *, affected: str, what_happened: str, perceived_as: str
) -> str:
    """Health care reports a communication deviation about a named person (D-1) against
    the `affected` unit; the deviation's path."""
    deviation = call(
        reporting,
        HEALTH,
        "POST",
        "/v1/deviations",
        json={
            "category": "communication",
            "affected_orgs": [affected],
            "what_happened": what_happened,
            "perceived_as": perceived_as,
            "improvement_proposal": "Gemensam rutin.",
            "reporter_name": "Rapportör Exempel",
            "reporter_title": "Biträdande enhetschef",
            "personnummer": personnummer,
        },
    )
    assert deviation.status_code == 201, deviation.text
    return f"/v1/deviations/{deviation.json()['id']}"


def forum(escalation: Any) -> str:
    """Individual and family care and adult care set up their monthly forum (E-7); its id."""
    created = call(
        escalation,
        IOF_DEPUTY,
        "POST",
        "/v1/meeting-series",
        json={"name": "Samverkan IoF och ÄoF", "members": [IOF, AOF]},
    )
    assert created.status_code == 201, created.text
    series_id: str = created.json()["id"]
    return series_id


def monthly_meeting_planned(escalation: Any, starts_at: datetime) -> dict[str, Any]:
    """The forum of IOF and AOF, with a monthly meeting its deputy plans at `starts_at`
    (E-7); the meeting as planned."""
    planned = call(
        escalation,
        IOF_DEPUTY,
        "POST",
        f"/v1/meeting-series/{forum(escalation)}/meetings",
        json={"starts_at": starts_at.isoformat()},
    )
    assert planned.status_code == 201, planned.text
    meeting: dict[str, Any] = planned.json()
    return meeting


def escalation_raised(escalation: Any, by: Actor, personnummer: str, reason: str) -> httpx.Response:
    """Individual and family care escalates a disagreement with adult care over a person's
    needs to the first step of the ladder (E-6); escalation's answer, whatever it is."""
    return call(
        escalation,
        by,
        "POST",
        "/v1/escalations",
        json={
            "track": "needs",
            "personnummer": personnummer,
            "responsible_org": IOF,
            "counterpart_orgs": [AOF],
            "reason": reason,
        },
    )


def consent_dead_lettered(
    settings: RuntimeSettings,
    kafka: EmbeddedBroker,
    consumer: str,
    *,
    event_id: str,
    at: datetime,
    copies: int = 1,
) -> list[str]:
    """The contract's ConsentGiven, fourth on consent's partition 0, dead-lettered by
    `consumer` after its handler failed, `copies` times (a consumer that rewound in between
    leaves the same value and headers again); the dead letters' ids on its DLQ."""
    message = encode(
        EXAMPLES[ConsentGiven], event_id=event_id, time=at, sequence=4, prev_sequence=0
    )
    prefix = settings.topic_prefix
    headers = [
        *message.headers,
        ("dlq.reason", b"handler-failed"),
        ("dlq.error", b"RuntimeError('a bug, since fixed')"),
        ("dlq.consumer", f"{prefix}.{consumer}".encode()),
        ("dlq.source.topic", events_topic("consent", prefix=prefix).encode()),
        ("dlq.source.partition", b"0"),
        ("dlq.source.offset", b"3"),
    ]
    dlq = dlq_topic(consumer, prefix=prefix)
    copy = (message.key, message.value, headers)
    asyncio.run(produce_raw(kafka.bootstrap, dlq, [copy] * copies))
    return [f"{r.partition}:{r.offset}" for r in read_topic(kafka.bootstrap, dlq)]
