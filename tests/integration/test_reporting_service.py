"""The reporting service as a process: report a deviation, see it published and counted."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, datetime
from typing import Any

from fastapi.routing import APIRoute

from contracts import (
    SUBJECT_ID_PATTERN,
    OrgType,
    RedThreadMeetingOverdue,
    Role,
    encode,
    events_topic,
)
from contracts.examples import EXAMPLES
from services.reporting.api import router
from services.runtime.kernel.actor import Actor
from services.runtime.kernel.stockholm_time import STOCKHOLM
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.settings import RuntimeSettings
from tests.reporting_examples import FREE_TEXT, SOCIAL_MANAGER, deviation_body
from tests.support import (
    HEALTH,
    POLICE,
    SOCIAL,
    TEST_PERSONNUMMER,
    applied_by,
    eventually,
    produce_raw,
    read_topic,
    wait_for,
)


def test_report_a_deviation_publish_it_and_count_it_suppressed(
    start_service: Any,
    kafka: EmbeddedBroker,
    topic_prefix: str,
    backend_settings: RuntimeSettings,
) -> None:
    service = start_service("reporting", backend_settings)
    this_month = datetime.now(UTC).astimezone(STOCKHOLM).strftime("%Y-%m")

    with service.client(HEALTH) as health:
        created = health.post("/v1/deviations", json=deviation_body())
        assert created.status_code == 201, created.text
        deviation_id = created.json()["id"]
        assert created.headers["Location"] == f"/v1/deviations/{deviation_id}"
        subject_id = created.json()["subject_id"]
        assert re.fullmatch(SUBJECT_ID_PATTERN, subject_id)

        read = health.get(f"/v1/deviations/{deviation_id}")
        assert read.status_code == 200
        assert read.json()["reporting_org"] == HEALTH.org_id
        assert read.json()["what_happened"] == FREE_TEXT["what_happened"]

        def deviations_counted() -> list[dict[str, Any]]:
            report = health.get("/v1/statistics").json()
            cells: list[dict[str, Any]] = report["measures"]["deviations"]
            return cells

        cells = wait_for(deviations_counted)
        assert cells == [
            {"month": this_month, "dimension": "communication", "count": None, "suppressed": True}
        ]
        report = health.get("/v1/statistics").json()
        assert report["suppression"] == "counts 1-4 are shown as null with suppressed=true (D-5)"
        assert {"red_threads", "meetings_scheduled", "deviations", "consents_given"} <= set(
            report["measures"]
        )
        # One deviation: the cell, its month and dimension totals and the grand total
        # are all 1, all suppressed, and so none can be worked out from another.
        assert report["totals"]["deviations"]["all"] == {
            "key": "total",
            "count": None,
            "suppressed": True,
        }
        csv_text = health.get("/v1/statistics.csv").text
        assert csv_text == health.get("/v1/statistics", params={"format": "csv"}).text
        assert csv_text.splitlines()[0] == "measure,month,dimension,count,suppressed"
        assert f"deviations,{this_month},communication,,True" in csv_text.splitlines()

    # The affected organisation may read it; an organisation it does not concern may not.
    with service.client(SOCIAL) as social:
        assert social.get(f"/v1/deviations/{deviation_id}").status_code == 200
    with service.client(POLICE) as police:
        forbidden = police.get(f"/v1/deviations/{deviation_id}")
        assert forbidden.status_code == 403
        assert forbidden.headers["content-type"] == "application/problem+json"

    records = read_topic(kafka.bootstrap, events_topic("reporting", prefix=topic_prefix))
    assert len(records) == 1
    record = records[0]
    headers = {name: value.decode() for name, value in record.headers}
    assert headers["ce_type"] == "se.samverkan.reporting.DeviationReported.v1"
    assert headers["ce_subject"] == subject_id
    value = record.value.decode()
    assert deviation_id in value
    for text in [*FREE_TEXT.values(), TEST_PERSONNUMMER]:
        assert text not in value


def test_d2_a_caseworker_may_not_report_a_deviation(start_service: Any) -> None:
    service = start_service("reporting")
    with service.client(SOCIAL) as social:
        response = social.post("/v1/deviations", json=deviation_body(affected_orgs=[HEALTH.org_id]))
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["rule"] == "D-2"


def test_d1_an_unknown_category_is_a_problem_naming_the_field(start_service: Any) -> None:
    service = start_service("reporting")
    with service.client(HEALTH) as health:
        bad_category = health.post("/v1/deviations", json=deviation_body(category="weather"))
        unknown_field = health.post("/v1/deviations", json=deviation_body(severity="high"))
        too_long = health.post("/v1/deviations", json=deviation_body(what_happened="x" * 4001))
        own_unit = health.post("/v1/deviations", json=deviation_body(affected_orgs=[HEALTH.org_id]))
        no_token = service.client().get("/v1/statistics")

    assert bad_category.status_code == 422
    assert bad_category.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in bad_category.json()["errors"]] == ["body.category"]
    assert unknown_field.status_code == 422
    assert [e["field"] for e in unknown_field.json()["errors"]] == ["body.severity"]
    assert too_long.status_code == 422
    assert [e["field"] for e in too_long.json()["errors"]] == ["body.what_happened"]
    assert own_unit.status_code == 422
    assert own_unit.json()["rule"] == "D-2"
    assert no_token.status_code == 401


SUMMARY = {
    "solution": "Meddelandet skickas via den gemensamma rutinen.",
    "remaining_problems": "Helgutskrivningar är inte lösta.",
    "signer_name": "Testa Testsson",
    "signer_title": "Biträdande enhetschef",
}
SIGNATURE = {"signer_name": "Prova Provsson", "signer_title": "Enhetschef"}


def audited_reads(runtime_settings: RuntimeSettings) -> list[tuple[str, str]]:
    with sqlite3.connect(runtime_settings.var_dir / "reporting.db") as db:
        rows = db.execute("SELECT actor_hsa_id, resource FROM access_audit ORDER BY seq")
        return [(actor, resource) for actor, resource in rows]


def test_d2_step_two_joint_summary_signed_by_both_sides_with_feedback_to_every_party(
    start_service: Any, kafka: EmbeddedBroker, topic_prefix: str, runtime_settings: RuntimeSettings
) -> None:
    service = start_service("reporting")
    with service.client(HEALTH) as health, service.client(SOCIAL_MANAGER) as social:
        deviation_id = health.post("/v1/deviations", json=deviation_body()).json()["id"]
        summary = f"/v1/deviations/{deviation_id}/summary"

        early = social.post(f"{summary}/countersignature", json=SIGNATURE)
        assert early.status_code == 409
        assert early.json()["rule"] == "D-2"

        assert health.put(summary, json=SUMMARY).status_code == 204
        alone = health.post(f"{summary}/countersignature", json=SIGNATURE)
        assert alone.status_code == 409
        assert alone.json()["rule"] == "D-2"

        signed = social.post(f"{summary}/countersignature", json=SIGNATURE)
        assert signed.status_code == 200, signed.text
        assert signed.json() == {"feedback_sent_to": [HEALTH.org_id, SOCIAL.org_id]}
        again = health.put(summary, json=SUMMARY)
        assert again.status_code == 409

        read = social.get(f"/v1/deviations/{deviation_id}").json()
        assert read["what_happened"] == FREE_TEXT["what_happened"]
        assert read["summary"]["solution"] == SUMMARY["solution"]
        assert read["summary"]["proposed_by"]["org_id"] == HEALTH.org_id
        assert read["summary"]["countersigned_by"]["hsa_id"] == SOCIAL_MANAGER.hsa_id
        assert read["feedback_sent_to"] == [HEALTH.org_id, SOCIAL.org_id]

        # D-4: each organisation exports it to its own incident system, as JSON or CSV.
        exported = social.get(f"/v1/deviations/{deviation_id}/export")
        assert exported.status_code == 200
        document = exported.json()
        assert document["schema_id"] == "https://samverkan.se/schemas/deviation-export/v1"
        assert "does not replace" in document["note"]
        assert document["exported_for_org"] == SOCIAL.org_id
        assert document["deviation"]["summary"]["solution"] == SUMMARY["solution"]
        as_csv = social.get(f"/v1/deviations/{deviation_id}/export", params={"format": "csv"})
        assert as_csv.headers["content-type"].startswith("text/csv")
        lines = as_csv.text.splitlines()
        assert lines[0] == "field,value"
        assert f"deviation.id,{deviation_id}" in lines
        assert "deviation.summary.countersigned_by.org_id,SE2120000001-SOC1" in lines

    with service.client(POLICE) as police:
        assert police.put(summary, json=SUMMARY).status_code == 403
        assert police.get(f"/v1/deviations/{deviation_id}/export").status_code == 403

    # Loggkontroll: the read of the individual's deviation is in the access log.
    audited = audited_reads(runtime_settings)
    assert (SOCIAL_MANAGER.hsa_id, "GET /v1/deviations/{deviation_id}") in audited
    assert (SOCIAL_MANAGER.hsa_id, "GET /v1/deviations/{deviation_id}/export") in audited

    def published() -> list[str]:
        records = read_topic(kafka.bootstrap, events_topic("reporting", prefix=topic_prefix))
        return [dict(r.headers)["ce_type"].decode().split(".")[3] for r in records]

    assert wait_for(lambda: len(published()) == 4 and published()) == [
        "DeviationReported",
        "DeviationSummarised",
        "DeviationFeedbackSent",
        "DeviationFeedbackSent",
    ]
    for record in read_topic(kafka.bootstrap, events_topic("reporting", prefix=topic_prefix)):
        for text in [*SUMMARY.values(), *SIGNATURE.values()]:
            assert text.encode() not in record.value


def test_every_read_of_a_deviation_is_marked_as_personal_data() -> None:
    marked = {
        r.path
        for r in router.routes
        if isinstance(r, APIRoute) and (r.openapi_extra or {}).get("x-personal-data")
    }
    reads = {
        r.path
        for r in router.routes
        if isinstance(r, APIRoute) and "GET" in r.methods and "{deviation_id}" in r.path
    }
    assert reads <= marked


async def test_d7_an_overdue_event_on_the_bus_becomes_one_routines_deviation(
    start_service: Any, kafka: EmbeddedBroker, topic_prefix: str
) -> None:
    service = start_service("reporting")
    overdue = EXAMPLES[RedThreadMeetingOverdue]
    topic = events_topic("escalation", prefix=topic_prefix)
    at = datetime(2026, 3, 17, 23, 0, tzinfo=UTC)
    first = encode(overdue, event_id="e-1", time=at, sequence=1, prev_sequence=0)
    # Delivered twice, then republished at a later position by a relay that lost track.
    republished = encode(overdue, event_id="e-1", time=at, sequence=2, prev_sequence=1)
    await produce_raw(
        kafka.bootstrap,
        topic,
        [(m.key, m.value, m.headers) for m in (first, first, republished)],
    )

    def detected() -> list[dict[str, Any]]:
        records = read_topic(kafka.bootstrap, events_topic("reporting", prefix=topic_prefix))
        return [json.loads(r.value) for r in records]

    [deviation] = await eventually(detected)
    assert deviation["category"] == "routines"
    assert deviation["rule"] == "E-3"
    assert deviation["source_type"] == "se.samverkan.escalation.RedThreadMeetingOverdue.v1"
    await eventually(lambda: applied_by(service, "escalation") >= 1)
    await eventually(lambda: applied_by(service, "reporting") >= 1)
    assert len(detected()) == 1

    org: str = overdue.concerned_orgs[0]  # type: ignore[attr-defined]
    concerned = Actor("SE2321000016-Z001", org, OrgType.PSYCHIATRY, Role.UNIT_MANAGER)
    with service.client(concerned) as client:
        read = client.get(f"/v1/deviations/{deviation['deviation_id']}").json()
        assert read["detected"] is True
        assert read["source"]["rule"] == "E-3"
        cells = client.get("/v1/statistics").json()["measures"]["deviations"]
        assert cells == [
            {"month": "2026-03", "dimension": "routines", "count": None, "suppressed": True}
        ]


def test_d5_the_cell_key_method_is_chosen_by_a_setting(start_service: Any) -> None:
    service = start_service("reporting", SAMVERKAN_REPORTING_DISCLOSURE_METHOD="cell_key")
    with service.client(HEALTH) as health:
        assert health.post("/v1/deviations", json=deviation_body()).status_code == 201

        # Counted once reporting's consumer has applied its own DeviationReported.
        wait_for(lambda: applied_by(service, "reporting") >= 1)
        report: dict[str, Any] = health.get("/v1/statistics").json()
        assert report["suppression"].startswith("Cell Key Method")
        # One deviation is published as 0 or 5, never as 1, and the same every time.
        grand_total = report["totals"]["deviations"]["all"]["count"]
        assert grand_total in (0, 5)
        assert health.get("/v1/statistics").json() == report
