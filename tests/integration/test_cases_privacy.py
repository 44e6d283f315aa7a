"""Personal data at rest in cases: a handover's texts and the SIP's plan and follow-ups are
sealed to the individual in the store, read back in clear by the units entitled to them,
and read as erased once consent's `SubjectErased` has been applied (crypto-shredding)."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

from eventsourcing.persistence import Tracking

from contracts import ErasureReason, Purpose, SubjectErased, SubjectErasedV2
from services.runtime.store.privacy import ERASED
from tests.cases_examples import CONTENT, ESTABLISHMENT, PLAN, PSYCHIATRY, sip_proposal
from tests.integration.test_cases_api import (
    ADULT,
    NOW,
    YOUTH,
    Api,
    api,  # noqa: F401  (the fixture)
    booked_three_party,
)
from tests.support import AOF, AOF_MANAGER, IOF, IOF_CASEWORKER

CLEAR_TEXT = [
    b"Bor med mamma",
    b"autism 2021",
    b"Kontaktfamilj varannan helg",
    b"Abstinensbehandling",
    b"Egen bostad",
    b"Motiverad till behandling",
]
FOLLOW_UP = "Motiverad till behandling; bor kvar."


def store_bytes(service: Api) -> bytes:
    return b"".join(p.read_bytes() for p in service.settings.var_dir.glob("cases.db*"))


def apply(service: Api, event: SubjectErased | SubjectErasedV2) -> Tracking:
    """Apply an erasure from consent's topic the way the consumer does; where it was read."""
    name = "/samverkan/consent#0"
    tracking = Tracking(name, (service.application.recorder.max_tracking_id(name) or 0) + 1)
    service.application.process_event(event, tracking)
    return tracking


def erase(service: Api, subject_id: str) -> Tracking:
    """Apply consent's SubjectErased the way the consumer does."""
    erased = SubjectErased(
        subject_id=subject_id,
        erasure_id=uuid4(),
        erased_at=NOW + timedelta(hours=1),
        erased_by="SE2321000016-A001",
    )
    return apply(service, erased)


def youth_handed_over(service: Api) -> tuple[str, str, str]:
    """A youth's child-welfare case (K-1), handed over to adult care with CONTENT on the
    youth's consent (K-5): the subject id, the case's path and the handover's."""
    youth = service.register(YOUTH, ["child_welfare"]).json()
    case_path = f"/v1/cases/{youth['cases'][0]['id']}"
    service.consent(youth["subject_id"], [IOF, AOF])
    handover = service.call(
        IOF_CASEWORKER, "POST", f"{case_path}/handovers", json={"to_unit": AOF, "content": CONTENT}
    ).json()
    return youth["subject_id"], case_path, f"{case_path}/handovers/{handover['id']}"


def test_personal_data_is_sealed_at_rest_and_reads_as_erased_after_subject_erased(
    api: Api,  # noqa: F811
) -> None:
    youth, case_path, handover_path = youth_handed_over(api)

    adult = api.register(ADULT, ["mental_illness"]).json()
    api.consent(adult["subject_id"], [AOF, PSYCHIATRY.org_id], Purpose.SIP)
    proposal = sip_proposal(ADULT)
    sip_path = f"/v1/sips/{api.call(AOF_MANAGER, 'POST', '/v1/sips', json=proposal).json()['id']}"
    assert api.call(AOF_MANAGER, "POST", f"{sip_path}/establishment", json=ESTABLISHMENT).is_success
    follow_up = {"held_on": "2026-03-02", "outcome": FOLLOW_UP}
    assert api.call(PSYCHIATRY, "POST", f"{sip_path}/follow-ups", json=follow_up).is_success

    # Read back in clear by the units entitled to it...
    assert api.call(AOF_MANAGER, "GET", handover_path).json()["content"] == CONTENT
    sip = api.call(AOF_MANAGER, "GET", sip_path).json()
    assert sip["versions"][0]["plan"] == PLAN
    assert [f["outcome"] for f in sip["follow_ups"]] == [FOLLOW_UP]
    # ...but nowhere in the store's files (the unit ids beside them are: the search sees).
    stored = store_bytes(api)
    assert AOF.encode() in stored
    for text in CLEAR_TEXT:
        assert text not in stored, text

    tracking = erase(api, youth)
    erase(api, adult["subject_id"])
    # Recorded as applied, so a redelivery is skipped; the key stays destroyed.
    assert api.application.recorder.has_tracking_id(
        tracking.application_name, tracking.notification_id
    )

    content = api.call(AOF_MANAGER, "GET", handover_path).json()["content"]
    assert content == {k: (None if v is None else ERASED) for k, v in CONTENT.items()}
    sip = api.call(AOF_MANAGER, "GET", sip_path).json()
    plan = sip["versions"][0]["plan"]
    assert plan["problem"] == plan["measures_by_others"] == ERASED
    assert {r["interventions"] for r in plan["responsibilities"]} == {ERASED}
    assert plan["overall_responsibility"] == PSYCHIATRY.org_id  # the facts stay
    assert [f["outcome"] for f in sip["follow_ups"]] == [ERASED]
    case = api.call(IOF_CASEWORKER, "GET", case_path).json()
    assert case["needs"] == ["child_welfare"]
    assert case["handovers"][0]["status"] == "requested"


def test_culling_reaches_cases_subject_erased_v2_destroys_the_key_here_too(
    api: Api,  # noqa: F811
) -> None:
    youth, _, handover_path = youth_handed_over(api)
    culled = SubjectErasedV2(
        subject_id=youth,
        erasure_id=uuid4(),
        erased_at=NOW + timedelta(days=5 * 366),
        reason=ErasureReason.CULLING,
    )
    apply(api, culled)

    content = api.call(AOF_MANAGER, "GET", handover_path).json()
    assert set(content["content"].values()) - {None} == {ERASED}  # None: not given


def test_w2_why_a_plan_changed_is_sealed_at_rest_and_erased_with_the_individual(
    api: Api,  # noqa: F811
) -> None:
    """W-2: a reason is free text about the individual, like the handover's own texts."""
    youth, case_path, handover_path = youth_handed_over(api)
    declined = "Pappan har redan kontakt med oss om missbruket."
    assert api.call(
        AOF_MANAGER, "POST", f"{handover_path}/declination", json={"reason": declined}
    ).is_success
    corrected = "Det kom fram i samtalet med den som anmalde."  # ASCII: as stored
    fix = {"personnummer": YOUTH, "needs": ["child_welfare", "relationship_violence"]}
    assert api.call(
        IOF_CASEWORKER, "POST", f"{case_path}/correction", json={**fix, "reason": corrected}
    ).is_success
    assert api.call(IOF_CASEWORKER, "GET", handover_path).json()["reason"] == declined

    stored = store_bytes(api)
    for text in (declined, corrected):
        assert text.encode() not in stored, text

    erase(api, youth)
    assert api.call(IOF_CASEWORKER, "GET", handover_path).json()["reason"] == ERASED
    case = api.call(IOF_CASEWORKER, "GET", case_path).json()
    assert case["corrections"][0]["reason"] == ERASED
    assert case["corrections"][0]["previous_needs"] == ["child_welfare"]  # the facts stay


def test_w2_a_meetings_reason_and_minutes_are_sealed_and_erased_with_the_individual(
    api: Api,  # noqa: F811
) -> None:
    """Why a meeting moved and what its minutes say are about the individual (W-2, K-8):
    sealed at rest, in clear for the units that meet, "[erased]" after SubjectErased."""
    path = booked_three_party(api)
    starts = NOW + timedelta(days=8)
    move = {
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=1)).isoformat(),
        "reason": "Sjukhusvistelse vecka 11",
    }
    assert api.call(IOF_CASEWORKER, "POST", f"{path}/move", json=move).is_success
    api.app.state.clock.advance(timedelta(days=8, hours=1))
    minutes = "Ansökte om boendestöd efter abstinensbehandling"
    held = {"outcome": "application_made", "minutes": minutes, "attended_units": [IOF, AOF]}
    assert api.call(AOF_MANAGER, "POST", f"{path}/held", json=held).is_success

    assert api.call(AOF_MANAGER, "GET", path).json()["occasions"][0]["held"]["minutes"] == minutes
    stored = store_bytes(api)
    assert b"Sjukhusvistelse" not in stored
    assert b"boendest" not in stored

    meeting_id = UUID(api.call(AOF_MANAGER, "GET", path).json()["id"])
    erase(api, api.application.read_meeting(AOF_MANAGER, meeting_id).subject_id)
    occasion = api.call(AOF_MANAGER, "GET", path).json()["occasions"][0]
    assert occasion["held"]["minutes"] == ERASED
    assert occasion["held"]["outcome"] == "application_made"  # the facts stay
