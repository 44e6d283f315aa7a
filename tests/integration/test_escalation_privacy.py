"""Personal data at rest in escalation: the name and story on a case registration, the
reasons on the ladder, an acute matter's question and a consultation's notes are sealed
to the individual in the store, read back in clear by those entitled to them, and read as
erased once consent's `SubjectErased` has been applied (crypto-shredding)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

from eventsourcing.persistence import Tracking

from contracts import ErasureReason, MeetingOutcome, SubjectErased, SubjectErasedV2
from services.escalation.application import EscalationApplication, RecordMeetingHeld
from services.escalation.domain import AgreedAction
from services.runtime.kernel.personal import ERASED, Personal, text_of
from tests.escalation_examples import IOF_CASEWORKER, meeting_registration, sharing_allowed
from tests.integration.test_escalation_api import (
    START,
    call,
    clock,  # noqa: F401  (a fixture)
    escalation,  # noqa: F401  (a fixture)
    recorded_about,
)
from tests.integration.test_escalation_application import (
    COORDINATING,
    INVITED,
    MEETING_AT,
    SUBJECT,
    Upstream,
    application,  # noqa: F401  (a fixture: SQLite and PostgreSQL)
    consent,
    pull,
    schedule,
)
from tests.steps import forum
from tests.support import IOF, IOF_DEPUTY, InProcessService, made_up_personnummer

PERSON = made_up_personnummer("20080301", "456")
REASON = "Oenighet om boendestod efter 19 ar."
QUESTION = "Utskrivning i dag utan boende."
NOTES = "Samsjuklighet och hemloshet."
CLEAR_TEXT = [
    b"Testa Testsson",
    b"utredd f",
    b"Familjehemsplacerad",
    REASON.encode(),
    b"Utskrivning i dag",
    b"hemloshet",
]


def application_of(service: InProcessService) -> EscalationApplication:
    assert service.server is not None
    app: EscalationApplication = service.server.config.app.state.application
    return app


def store_bytes(service: InProcessService) -> bytes:
    return b"".join(p.read_bytes() for p in service.settings.var_dir.glob("escalation.db*"))


def recorded(service: InProcessService) -> dict[str, Any]:
    """A registration, an escalation, an acute matter and a consultation about PERSON."""
    answers = recorded_about(service, PERSON, reason=REASON, question=QUESTION, notes=NOTES)
    return {
        "subject_id": answers["escalation"]["subject_id"],
        "meeting": f"/v1/monthly-meetings/{answers['meeting']['id']}",
        "escalation": f"/v1/escalations/{answers['escalation']['id']}",
        "matter": f"/v1/acute-matters/{answers['matter']['id']}",
        "consultation": f"/v1/consultations/{answers['consultation']['id']}",
    }


def read(service: InProcessService, paths: dict[str, Any]) -> dict[str, Any]:
    agenda = call(service, IOF_DEPUTY, "GET", paths["meeting"]).json()["agenda"][0]
    return {
        "name": agenda["name"],
        "age": agenda["age"],
        "background": agenda["background"],
        "reason": call(service, IOF_CASEWORKER, "GET", paths["escalation"]).json()["steps"][0][
            "reason"
        ],
        "question": call(service, IOF_CASEWORKER, "GET", paths["matter"]).json()["question"],
        "notes": call(service, IOF_DEPUTY, "GET", paths["consultation"]).json()["notes"],
    }


def test_personal_data_is_sealed_at_rest_and_reads_as_erased_after_subject_erased(
    escalation: InProcessService,  # noqa: F811
) -> None:
    paths = recorded(escalation)
    assert read(escalation, paths) == {
        "name": "Testa Testsson",
        "age": 18,
        "background": meeting_registration()["background"],
        "reason": REASON,
        "question": QUESTION,
        "notes": NOTES,
    }
    stored = store_bytes(escalation)
    assert IOF.encode() in stored  # the search sees what is stored in clear
    for text in CLEAR_TEXT:
        assert text not in stored, text
    assert b'"age":18' not in stored, "E-7: the age is sealed"
    assert b'"age": 18' not in stored, "E-7: the age is sealed"

    app = application_of(escalation)
    name = "/samverkan/consent#0"
    tracking = Tracking(name, (app.recorder.max_tracking_id(name) or 0) + 1)
    erased = SubjectErased(
        subject_id=paths["subject_id"],
        erasure_id=uuid4(),
        erased_at=START + timedelta(hours=1),
        erased_by="SE2321000016-A001",
    )
    app.process_event(erased, tracking)
    assert app.recorder.has_tracking_id(name, tracking.notification_id)  # redelivery is skipped

    assert read(escalation, paths) == {
        "name": ERASED,
        "age": None,  # E-7: sealed as the name is, so erased with it
        "background": ERASED,
        "reason": ERASED,
        "question": ERASED,
        "notes": ERASED,
    }
    # The facts stay: the matter is still on the ladder, at its level.
    ladder = call(escalation, IOF_CASEWORKER, "GET", paths["escalation"]).json()
    assert ladder["level"] == "deputy_unit_manager"


def test_red_thread_meeting_notes_are_sealed_in_the_events_and_erased_with_the_key(
    application: EscalationApplication,  # noqa: F811
) -> None:
    """On both stores: the notes, and what an agreed action is (E-10), are in the events
    only sealed; read back through the application until SubjectErased arrives, then as
    erased."""
    upstream = Upstream(application)
    upstream.deliver(consent())
    red_thread_id = pull(application)
    schedule(application, red_thread_id)
    notes = "Testa Testsson bor hos sin mamma; ring 070-123 45 67."
    what = "Testa Testsson får boendestöd hos mamman."
    action = AgreedAction(INVITED[1], what, (MEETING_AT + timedelta(days=7)).date())
    held = application.record_meeting_held(
        COORDINATING,
        RecordMeetingHeld(red_thread_id, INVITED, MeetingOutcome.SOLUTIONS_AGREED, notes, [action]),
        at=MEETING_AT + timedelta(hours=2),
    )

    stored = application.recorder.select_events(red_thread_id)
    assert len([e for e in stored if b"notes" in e.state]) == 1
    assert all(b"Testsson" not in e.state for e in stored)  # in the events only sealed
    assert held.outcome_notes == Personal(SUBJECT, notes)
    assert held.actions[0].what == Personal(SUBJECT, what)

    erasure = SubjectErased(
        subject_id=SUBJECT,
        erasure_id=uuid4(),
        erased_at=MEETING_AT + timedelta(days=1),
        erased_by="SE2321000016-A001",
    )
    tracking = upstream.deliver(erasure)
    assert application.recorder.has_tracking_id(tracking.application_name, tracking.notification_id)
    red_thread = application.read_red_thread(COORDINATING, red_thread_id)
    assert text_of(red_thread.outcome_notes) == ERASED
    assert text_of(red_thread.actions[0].what) == ERASED
    assert red_thread.meeting_held  # the facts stay


def test_e7_minutes_are_sealed_per_case_and_erasing_one_individual_erases_their_part_only(
    escalation: InProcessService,  # noqa: F811
    clock: Any,  # noqa: F811
) -> None:
    """Minutes concern several people: each registered case's part is sealed to that
    individual, so one erasure takes their part and leaves the others' and the forum's."""
    starts_at = START + timedelta(days=10)
    meeting = call(
        escalation,
        IOF_DEPUTY,
        "POST",
        f"/v1/meeting-series/{forum(escalation)}/meetings",
        {"starts_at": starts_at.isoformat()},
    ).json()
    path = f"/v1/monthly-meetings/{meeting['id']}"
    other = made_up_personnummer("20071111", "789")
    for who in (PERSON, other):
        sharing_allowed(escalation, who)  # C-11: the agenda goes to ÄoF
    agenda = {
        who: call(
            escalation,
            IOF_DEPUTY,
            "POST",
            f"{path}/registrations",
            meeting_registration(personnummer=who, name=name),
        ).json()
        for who, name in ((PERSON, "Testa Testsson"), (other, "Prova Provsson"))
    }
    minutes = {
        PERSON: "Testa flyttar till boendestöd i ÄoF från 1 april.",
        other: "Prova Provsson: parallell utredning, återkoppling i maj.",
    }
    general = "Rutinen för utskrivning ses över till nästa avstämningsmöte."
    clock.advance(timedelta(days=10))
    body = {
        "text": general,
        "cases": [
            {"registration_id": agenda[who]["id"], "text": text} for who, text in minutes.items()
        ],
    }
    twice = {**body, "cases": body["cases"] * 2}
    assert call(escalation, IOF_DEPUTY, "POST", f"{path}/minutes", twice).status_code == 422
    stranger = {**body, "cases": [{"registration_id": str(uuid4()), "text": "Vem?"}]}
    refused = call(escalation, IOF_DEPUTY, "POST", f"{path}/minutes", stranger)
    assert refused.status_code == 422, refused.text
    assert refused.json()["rule"] == "E-7"
    recorded_minutes = call(escalation, IOF_DEPUTY, "POST", f"{path}/minutes", body)
    assert recorded_minutes.status_code == 200, recorded_minutes.text

    def read_minutes() -> tuple[str, dict[str, str]]:
        view = call(escalation, IOF_DEPUTY, "GET", path).json()
        return view["minutes"], {r["subject_id"]: r["minutes"] for r in view["agenda"]}

    person_id, other_id = agenda[PERSON]["subject_id"], agenda[other]["subject_id"]
    assert read_minutes() == (general, {person_id: minutes[PERSON], other_id: minutes[other]})
    stored = store_bytes(escalation)
    for text in (general, *minutes.values()):
        assert text.encode() not in stored, text

    app = application_of(escalation)
    name = "/samverkan/consent#0"
    erased = SubjectErasedV2(  # statutory culling: version 2 says why
        subject_id=person_id,
        erasure_id=uuid4(),
        erased_at=starts_at + timedelta(hours=3),
        reason=ErasureReason.CULLING,
    )
    app.process_event(erased, Tracking(name, (app.recorder.max_tracking_id(name) or 0) + 1))

    assert read_minutes() == (general, {person_id: ERASED, other_id: minutes[other]})
