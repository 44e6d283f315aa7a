"""The reporting service as a process: report a deviation, see it published and counted."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from contracts import SUBJECT_ID_PATTERN, events_topic
from services.runtime.broker import EmbeddedBroker
from services.runtime.settings import RuntimeSettings
from services.runtime.time import STOCKHOLM
from tests.support import (
    HEALTH,
    PG_URL,
    POLICE,
    SOCIAL,
    TEST_PERSONNUMMER,
    read_topic,
    wait_for,
)

FREE_TEXT = {
    "what_happened": "Utskrivningsmeddelandet kom aldrig fram till socialtjänsten.",
    "perceived_as": "Den enskilde skrevs ut utan stöd i hemmet.",
    "improvement_proposal": "Skicka meddelandet via den gemensamma rutinen.",
    "reporter_name": "Testa Testsson",
    "reporter_title": "Biträdande enhetschef",
}


def deviation_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "category": "communication",
        "affected_orgs": [SOCIAL.org_id],
        **FREE_TEXT,
        "personnummer": TEST_PERSONNUMMER,
    }
    body.update(changes)
    return body


def test_report_a_deviation_publish_it_and_count_it_suppressed(
    start_service: Any,
    kafka: EmbeddedBroker,
    topic_prefix: str,
    runtime_settings: RuntimeSettings,
    store_backend: str,
    pg_schema_prefix: str,
) -> None:
    if store_backend == "postgres":
        runtime_settings = runtime_settings.model_copy(
            update={"database_url": PG_URL, "database_schema_prefix": pg_schema_prefix}
        )
    service = start_service("reporting", runtime_settings)
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
        assert set(report["measures"]) == {
            "red_threads",
            "meetings_scheduled",
            "deviations",
            "consents_given",
        }

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
