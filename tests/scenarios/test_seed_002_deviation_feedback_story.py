"""Seed 002 and 003, a deviation's feedback and its keeping, as the people in it work (W-1).

Health care's deputy unit manager reports two deviations naming the municipality's
social services (D-2). Each waits on social services' list with its feedback deadline,
ten Swedish working days away (D-3, "skyndsamt"). The first is solved in time: a
summary proposed and countersigned, feedback to every party, and the filled-in report
waits on the controller's list to be filed; the controller prints it as the
municipality's form and files it (D-8). The second is left: past its deadline it is
overdue on social services' list, becomes a "routines not followed" deviation of its
own (D-7), and the controller lists it and prints its form. Another municipality's
controller sees none of it.

Reporting runs in this process on one clock the test moves and learns of its own
overdue events from its topic, as it learns of everyone's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.reporting.service import Settings as ReportingSettings
from tests.reporting_examples import SOCIAL_MANAGER, deviation_body
from tests.support import (
    CONTROLLER,
    HEALTH,
    OTHER_CONTROLLER,
    SOCIAL,
    InProcessService,
    MovableClock,
    call,
    wait_for,
)

START = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
"""A Monday."""
DUE = "2027-03-15T23:00:00Z"
"""Ten Swedish working days after Monday 1 March 2027: the end of Monday 15 March."""
SIGNED = {"signer_name": "Prova Provsson", "signer_title": "Biträdande enhetschef"}


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(START)


@pytest.fixture
def reporting(start_in_process: Callable[..., InProcessService]) -> InProcessService:
    return start_in_process("reporting", ReportingSettings(overdue_check_seconds=0.1))


def work(reporting: InProcessService, actor: Any, **query: Any) -> list[dict[str, Any]]:
    answer = call(reporting, actor, "GET", "/v1/work-items", params=query)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def waiting(reporting: InProcessService, actor: Any, item_id: str, **query: Any) -> Any:
    def found() -> Any:
        return next((i for i in work(reporting, actor, **query) if i["item_id"] == item_id), None)

    return wait_for(found, timeout=30)


def test_seed_002_d3_d8_feedback_in_time_or_overdue_and_the_controller_keeps_the_form(
    reporting: InProcessService, clock: MovableClock
) -> None:
    # D-2: health care reports two deviations naming social services.
    solved, left = (
        call(reporting, HEALTH, "POST", "/v1/deviations", json=deviation_body()).json()["id"]
        for _ in range(2)
    )

    # D-3: each waits on social services' list, due ten working days on.
    for deviation_id in (solved, left):
        item = waiting(reporting, SOCIAL_MANAGER, deviation_id, kind="deviation_to_summarise")
        assert item["due_at"] == DUE
        assert item["overdue"] is False

    # The first is solved in time: proposed, countersigned, feedback to every party.
    href = f"/v1/deviations/{solved}"
    proposed = call(
        reporting,
        SOCIAL_MANAGER,
        "PUT",
        f"{href}/summary",
        json={"solution": "Gemensam rutin.", "remaining_problems": "Inga.", **SIGNED},
    )
    assert proposed.status_code == 204, proposed.text
    signed = call(reporting, HEALTH, "POST", f"{href}/summary/countersignature", json=SIGNED)
    assert signed.status_code == 200, signed.text
    assert signed.json()["feedback_sent_to"] == [HEALTH.org_id, SOCIAL.org_id]

    # D-8: the filled-in report waits on the controller's list; the controller prints it ...
    to_file = waiting(reporting, CONTROLLER, solved, kind="deviation_to_file")
    form = call(reporting, CONTROLLER, "GET", to_file["href"])
    assert form.status_code == 200, form.text
    assert form.headers["content-type"].startswith("text/html")
    assert "Blankett för avvikelserapport" in form.text
    assert "Kommunikation och information" in form.text
    assert "Gemensam rutin." in form.text
    # ... and files it: off the list.
    filed = call(reporting, CONTROLLER, "POST", f"{href}/filing")
    assert filed.status_code == 204, filed.text
    assert [i for i in work(reporting, CONTROLLER) if i["item_id"] == solved] == []

    # D-3: the second is left past its deadline: overdue on social services' list ...
    clock.advance(timedelta(days=15))
    late = waiting(reporting, SOCIAL_MANAGER, left, kind="deviation_to_summarise", overdue=True)
    assert late["due_at"] == DUE
    # ... and itself a missed routine (D-7) naming both parties.
    detected = wait_for(
        lambda: (
            [
                i
                for i in work(reporting, SOCIAL_MANAGER, state="detected")
                if i["item_id"] not in (solved, left)
            ]
            or None
        ),
        timeout=30,
    )
    (routine,) = detected
    read = call(reporting, SOCIAL_MANAGER, "GET", routine["href"])
    assert read.status_code == 200, read.text
    assert read.json()["source"]["rule"] == "D-3"
    assert read.json()["affected_orgs"] == [HEALTH.org_id, SOCIAL.org_id]

    # D-8: the controller lists every deviation of the municipality, the late one as late,
    # and prints its form; another municipality's controller sees none of it.
    listed = call(reporting, CONTROLLER, "GET", "/v1/deviations")
    assert listed.status_code == 200, listed.text
    by_id = {d["id"]: d for d in listed.json()["items"]}
    assert {solved, left, routine["item_id"]} <= set(by_id)
    assert by_id[left]["feedback_overdue"] is True
    assert by_id[solved]["status"] == "filed"
    late_form = call(reporting, CONTROLLER, "GET", by_id[left]["form"])
    assert late_form.status_code == 200, late_form.text
    assert "Återkoppling försenad" in late_form.text

    assert call(reporting, OTHER_CONTROLLER, "GET", "/v1/deviations").json()["items"] == []
    refused = call(reporting, OTHER_CONTROLLER, "GET", by_id[left]["form"])
    assert refused.status_code in (403, 404), refused.text
