"""What several tests of the escalation service send it, in one place: the individual
they follow and the parties of the red-thread meeting, the caseworker who raises
escalations and acute matters, and request bodies (a red thread's pull, a
case registered for a monthly meeting, a step up the ladder, a named consultation);
the actions a red-thread meeting agrees on and their evaluation (E-10); and the events of
the red thread's whole story they walk."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from eventsourcing.persistence import Tracking

from contracts import ConsentForm, ConsentGiven, OrgType, Purpose, Role
from services.runtime.kernel.actor import Actor
from services.runtime.kernel.identity import parse_personnummer
from services.runtime.kernel.stockholm_time import stockholm_date
from tests.support import AOF, HEALTH, IOF, POLICE, SOCIAL, made_up_personnummer

INDIVIDUAL = made_up_personnummer("19870412", "345")
"""The individual whose red thread, escalation and consultation the tests follow."""
PARTIES = [POLICE.org_id, SOCIAL.org_id, HEALTH.org_id]
"""Whom a consent to a red-thread meeting names: police, social services, health care."""

IOF_CASEWORKER = Actor("SE2120000001-S010", IOF, OrgType.SOCIAL_SERVICES, Role.CASEWORKER)
"""A caseworker in individual and family care (E-6, E-8)."""


SHARING_SINCE = datetime(2020, 1, 1, tzinfo=UTC)


def sharing_consent(subject_id: str, parties: Sequence[str]) -> ConsentGiven:
    """C-11: the individual's written consent to information sharing between `parties`, as
    consent's topic carries it (given long before, valid until withdrawn)."""
    return ConsentGiven(
        subject_id=subject_id,
        consent_id=uuid4(),
        purpose=Purpose.INFORMATION_SHARING,
        parties=tuple(dict.fromkeys(parties)),
        form=ConsentForm.WRITTEN,
        recorded_by=IOF_CASEWORKER.hsa_id,
        informed=True,
        given_at=SHARING_SINCE,
    )


def sharing_allowed(service: Any, personnummer: str, parties: Sequence[str] = (IOF, AOF)) -> str:
    """C-11: escalation running in this process (an InProcessService, or a test's service
    with its FastAPI `app`) learns, as its consent consumer would, that the individual
    consented to information sharing between `parties` (IoF and ÄoF unless said); their
    subject id there."""
    server = getattr(service, "server", None)
    app = server.config.app if server is not None else getattr(service, "app", service)
    today = stockholm_date(app.state.clock.now())
    subject_id: str = app.state.subject_ids.subject_id(
        parse_personnummer(personnummer, today=today)
    )
    application = app.state.application
    position = (application.recorder.max_tracking_id(CONSENT_TOPIC) or 0) + 1
    application.process_event(
        sharing_consent(subject_id, parties), Tracking(CONSENT_TOPIC, position)
    )
    return subject_id


CONSENT_TOPIC = "/samverkan/consent#0"


def red_thread_pull(
    personnummer: str,
    burdened_orgs: Sequence[str] = (POLICE.org_id, SOCIAL.org_id),
    **changes: Any,
) -> dict[str, Any]:
    """A red thread pulled (E-1, E-2) for someone a SIP was tried for, in municipality
    0180, burdening police and social services unless said otherwise."""
    body = {
        "personnummer": personnummer,
        "measures_tried": ["sip"],
        "individual_harmed": True,
        "burdened_orgs": list(burdened_orgs),
        "municipality_code": "0180",
    }
    return body | changes


def agreed_actions(
    responsible_org: str, meeting_at: datetime, due_in: timedelta = timedelta(days=7)
) -> list[dict[str, Any]]:
    """E-10: what a meeting that agreed on solutions records: one action, due a week on
    unless said otherwise (past its day unevaluated, it is overdue: E-11)."""
    due_on = (meeting_at + due_in).date()
    return [{"responsible_org": responsible_org, "what": "Boendestöd.", "due_on": str(due_on)}]


def all_done(red_thread: dict[str, Any]) -> list[dict[str, Any]]:
    """E-10: the follow-up's evaluation of every action of the thread (its answer): done."""
    return [{"action_id": action["id"], "status": "done"} for action in red_thread["actions"]]


def meeting_registration(**changes: Any) -> dict[str, Any]:
    """A case registered for a monthly meeting's agenda (E-7), every field filled in, naming
    INDIVIDUAL (C-11: the basis for sharing the name is checked by the personnummer)."""
    body: dict[str, Any] = {
        "personnummer": INDIVIDUAL,
        "name": "Testa Testsson",
        "age": 18,
        "background": "Känd inom barn och unga; utredd för NPF.",
        "current_situation": "Familjehemsplacerad; insatser till 19 år.",
        "problem_and_question": "Fortsatt stöd efter 19 år: överföring till ÄoF?",
    }
    return body | changes


RED_THREAD_PUT_ON_HOLD_AND_RESUMED = [
    "RedThreadPulled",
    "CoordinatorAssigned",
    "MeetingScheduled",
    "MeetingHeld",
    "MeetingAbsenceRecorded",
    "RedThreadActionAgreed",
    "FollowUpBooked",
    "MeetingPutOnHold",
    "MeetingResumed",
    "FollowUpEvaluated",
    "RedThreadActionEvaluated",
    "RedThreadClosed",
]
"""A red thread's events from the pull to the closing (E-1..E-5) when one invited
organisation stays away from the meeting and the follow-up waits for a new legal
basis (E-4)."""


STEP_UP = {
    "to_level": "unit_manager",
    "reason": "Olöst.",
    "written_summary": "Underlag.",
    "agreed_by_orgs": [IOF, AOF],
}
"""Both units lift an escalation to the unit managers (E-6)."""


def named_consultation(personnummer: str, **changes: Any) -> dict[str, Any]:
    """Individual and family care consults adult care about a named person (E-9)."""
    body = {
        "anonymous": False,
        "personnummer": personnummer,
        "consulted_orgs": [AOF],
        "outcome": "parallel_investigation",
    }
    return body | changes
