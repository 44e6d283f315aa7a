"""Loggkontroll in the reporting service: every route that discloses personal data about an
individual writes an access record, found from the route table itself, so a new such
route without one fails."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from services.runtime.kernel.actor import Actor
from services.runtime.settings import RuntimeSettings
from tests.integration.in_process import InProcessApp, serving
from tests.integration.route_table import personal, reads_by_id
from tests.reporting_examples import deviation_body
from tests.support import CONTROLLER, HEALTH, PLATFORM_ADMIN, SOCIAL, TEST_PERSONNUMMER

NOW = datetime(2026, 11, 3, 10, 15, tzinfo=UTC)
NOT_PERSONAL: set[str] = set()
"""Reads about something with an id that disclose nothing personal (none today)."""


@pytest.fixture
def reporting(runtime_settings: RuntimeSettings) -> Iterator[InProcessApp]:
    yield from serving(InProcessApp, "reporting", runtime_settings, NOW)


def test_every_read_about_an_individual_is_marked_as_personal_data(
    reporting: InProcessApp,
) -> None:
    marked = personal(reporting.app)
    reads_about_someone = reads_by_id(reporting.app, NOT_PERSONAL)
    assert reads_about_someone <= marked, f"unmarked: {reads_about_someone - marked}"
    assert ("POST", "/v1/access-log/subject") in marked


def test_every_personal_data_route_writes_an_access_record(reporting: InProcessApp) -> None:
    created = reporting.call(HEALTH, "POST", "/v1/deviations", json=deviation_body())
    assert created.status_code == 201, created.text
    deviation_id, subject_id = created.json()["id"], created.json()["subject_id"]
    # The write answers with the subject id of the number sent: a record, as a change.
    [reported] = reporting.audit.about_subject(subject_id)
    assert (reported["resource"], reported["action"]) == ("POST /v1/deviations", "changed")
    written = {("POST", "/v1/deviations")}

    requests: dict[tuple[str, str], tuple[Actor, dict[str, Any], str]] = {
        ("GET", "/v1/deviations/{deviation_id}"): (HEALTH, {}, "read"),
        ("GET", "/v1/deviations/{deviation_id}/export"): (HEALTH, {}, "exported"),
        # D-8: the municipality's controller lists its deviations and prints one.
        ("GET", "/v1/deviations"): (CONTROLLER, {}, "read"),
        ("GET", "/v1/deviations/{deviation_id}/form"): (CONTROLLER, {}, "read"),
        # W-1: the affected unit finds the deviation on its work list.
        ("GET", "/v1/work-items"): (SOCIAL, {}, "read"),
        # The review shows the deviations' free text, scrubbed: a read about each person.
        ("GET", "/v1/annual-reports/{year}"): (HEALTH, {}, "read"),
        # The log about the log (loggkontroll): reading who looked is a read about them too.
        ("POST", "/v1/access-log/subject"): (
            PLATFORM_ADMIN,
            {"json": {"personnummer": TEST_PERSONNUMMER}},
            "read",
        ),
        ("POST", "/v1/access-log/actor"): (
            PLATFORM_ADMIN,
            {"json": {"hsa_id": HEALTH.hsa_id}},
            "read",
        ),
    }
    for method, path in personal(reporting.app) - written:
        assert (method, path) in requests, f"no test request for {method} {path}"

    for (method, path), (actor, kwargs, action) in requests.items():
        before = len(reporting.audit.about_subject(subject_id))
        url = path.format(deviation_id=deviation_id, year=NOW.year)
        response = reporting.call(actor, method, url, **kwargs)
        assert response.status_code == 200, (path, response.text)
        log = reporting.audit.about_subject(subject_id)
        assert len(log) == before + 1, path
        assert log[-1]["actor_hsa_id"] == actor.hsa_id
        assert log[-1]["actor_org_id"] == actor.org_id
        assert log[-1]["resource"] == f"{method} {path}"
        assert log[-1]["action"] == action
    assert reporting.audit.verify() is None
