"""Publishing the annual report (D-5, issue #7): a manager's explicit command records the
publication and the outbox relay publishes `AnnualReportPublished` with the year's
disclosure-controlled counts — by target group (D-6) — and nothing about anyone.

The facts arrive as the cases service would publish them, on its topic; the service
runs in this process so the test holds its clock.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from contracts import encode, events_topic
from contracts.reporting import AnnualReportPublished
from services.reporting.application import ReportingApplication
from services.reporting.domain import PlannedAction
from services.reporting.domain.annual_report import annual_report
from services.reporting.domain.publication import publication_id
from services.reporting.translate import to_integration_event
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from tests.support import (
    APPROVED_ACTIONS,
    HEALTH,
    SOCIAL,
    InProcessService,
    MovableClock,
    approve_annual_review,
    on_store,
    produce_raw,
    read_topic,
    wait_for,
)
from tests.unit.test_reporting_indicators import (
    counted,
    events_of,
    known_population,
    subject_id,
)

PUBLISHED = "se.samverkan.reporting.AnnualReportPublished.v1"


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(datetime(2027, 1, 20, 9, 0, tzinfo=UTC))


@pytest.fixture
def reporting(start_in_process: Callable[..., InProcessService]) -> InProcessService:
    return start_in_process("reporting")


async def publish_population(kafka: EmbeddedBroker, topic_prefix: str) -> None:
    """The known population's events on the cases topic, in order on one partition."""
    messages = []
    for sequence, event in enumerate(events_of(known_population()), start=1):
        at = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
        message = encode(
            event, event_id=f"c-{sequence}", time=at, sequence=sequence, prev_sequence=sequence - 1
        )
        messages.append((b"one-partition", message.value, message.headers))
    await produce_raw(kafka.bootstrap, events_topic("cases", prefix=topic_prefix), messages)


def published(kafka: EmbeddedBroker, topic_prefix: str) -> list[Any]:
    records = read_topic(kafka.bootstrap, events_topic("reporting", prefix=topic_prefix))
    return [r for r in records if dict(r.headers)["ce_type"].decode() == PUBLISHED]


async def test_d5_a_manager_publishes_the_annual_report_and_only_counts_go_out(
    reporting: InProcessService, kafka: EmbeddedBroker, topic_prefix: str
) -> None:
    await publish_population(kafka, topic_prefix)

    with reporting.client(HEALTH) as manager:

        def reached() -> dict[str, Any] | None:
            totals = manager.get("/v1/statistics").json()["totals"]
            margins = totals.get("target_groups_reached", {}).get("by_dimension", [])
            counts = {m["key"]: m["count"] for m in margins}
            return counts if counts.get("co_morbidity") == 57 else None

        wait_for(reached, timeout=60)

        approve_annual_review(manager, 2026)  # D-5: only an approved report is published
        first = manager.post("/v1/annual-reports", json={"year": 2026, "area": "all"})
        assert first.status_code == 201, first.text
        assert first.json()["revision"] == 1
        assert first.headers["Location"] == "/v1/annual-reports/2026"  # all: no area (W-3)
        assert manager.get(first.headers["Location"]).status_code == 200
        again = manager.post("/v1/annual-reports", json={"year": 2026, "area": "all"})
        assert again.status_code == 201
        assert again.json()["revision"] == 2
        assert again.json()["publication_id"] == first.json()["publication_id"]

        # Bad input: a problem naming the field or the rule, and nothing published.
        future = manager.post("/v1/annual-reports", json={"year": 2028, "area": "all"})
        assert future.status_code == 422
        assert future.json()["rule"] == "D-5"
        bad_area = manager.post("/v1/annual-reports", json={"year": 2026, "area": "Sundsvall"})
        assert bad_area.status_code == 422
        assert [e["field"] for e in bad_area.json()["errors"]] == ["body.area"]
        unknown = manager.post("/v1/annual-reports", json={"year": 2026, "note": "Testa"})
        assert [e["field"] for e in unknown.json()["errors"]] == ["body.note"]

        page = manager.get("/v1/annual-reports/2026", params={"format": "html"}).text
        assert "Kvalitet" in page
        assert "Förebyggande arbete" in page

    with reporting.client(SOCIAL) as caseworker:
        refused = caseworker.post("/v1/annual-reports", json={"year": 2026, "area": "all"})
    assert refused.status_code == 403
    assert refused.json()["rule"] == "D-5"

    records = wait_for(
        lambda: (found := published(kafka, topic_prefix)) and len(found) >= 2 and found
    )
    assert len(records) == 2
    publication_id = first.json()["publication_id"]
    for revision, record in enumerate(records, start=1):
        headers = {name: value.decode() for name, value in record.headers}
        assert "ce_subject" not in headers
        assert record.key == publication_id.encode()
        payload = json.loads(record.value)
        assert payload["revision"] == revision
        assert (payload["year"], payload["area"]) == (2026, "all")
        assert payload["published_by_org"] == HEALTH.org_id
        assert payload["deviations"] == 0
        counts = [i["count"] for i in payload["indicators"]] + [
            c["count"] for c in payload["deviations_by_category"]
        ]
        assert all(n is None or n == 0 or n >= 5 for n in counts)
        cells = {(i["measure"], i["row"], i["column"]): i["count"] for i in payload["indicators"]}
        decisions = "decisions_child_perspective_by_target_group"
        assert cells[(decisions, "co_morbidity", "considered")] == 20
        assert cells[(decisions, "exposed_to_violence", "not_considered")] is None
        assert {i["indicator"] for i in payload["indicators"]} == {
            "coordination",
            "accessibility",
            "quality",
            "prevention",
        }
        for n in range(len(known_population())):
            assert subject_id(n).encode() not in record.value


def test_d5_publishing_again_is_a_new_revision_stored_and_published_whole(
    store_backend: str, pg_schema_prefix: str, tmp_path: Path
) -> None:
    """On both stores: the same year and area twice is one publication with two revisions,
    each carrying the whole set of counts as published (suppressed ones as None)."""
    settings = on_store(RuntimeSettings(var_dir=tmp_path / "var"), store_backend, pg_schema_prefix)
    application = ReportingApplication(env=store_env(settings, "reporting"))
    try:
        view = counted(known_population()[:40], tmp_path)  # co-morbidity and violence decisions
        report = annual_report(2026, "SE2321000016", [], indicators=view.counts())
        view.datastore.close()
        at = datetime(2027, 1, 20, 9, 0, tzinfo=UTC)
        area = "SE2321000016"
        application.draft_annual_review(HEALTH, 2026, area, at=at)
        application.analyse_annual_review(HEALTH, 2026, area, "Inga avvikelser i år.", at=at)
        actions = [PlannedAction.from_dict(a) for a in APPROVED_ACTIONS]
        application.approve_annual_review(
            HEALTH, 2026, area, approver_name="A", approver_title="B", actions=actions, at=at
        )
        first = application.publish_annual_report(
            HEALTH, report, disclosure_method="suppression", at=at
        )
        again = application.publish_annual_report(
            HEALTH, report, disclosure_method="suppression", at=at
        )
        assert (first.id, first.revision, again.revision) == (again.id, 1, 2)
        assert first.id == publication_id(2026, "SE2321000016")

        stored = list(application.events.get(first.id))
        public = [to_integration_event(e) for e in stored]
        assert [type(p).__name__ for p in public] == ["AnnualReportPublished"] * 2
        for revision, event in enumerate(public, start=1):
            assert isinstance(event, AnnualReportPublished)
            assert event.revision == revision
            assert event.subject() is None
            assert event.partition_key() == str(first.id)
            cells = {(i.measure, i.row, i.column): i.count for i in event.indicators}
            decisions = "decisions_child_perspective_by_target_group"
            assert cells[(decisions, "co_morbidity", "considered")] == 20
            assert cells[(decisions, "exposed_to_violence", "not_considered")] is None
            assert all(i.count is None or i.count == 0 or i.count >= 5 for i in event.indicators)
    finally:
        application.close()
