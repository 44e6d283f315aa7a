"""Reporting's work lists (W-1): a deviation finds the units that must summarise and
countersign it, on real stores (SQLite and PostgreSQL) and over HTTP.

Each test lets one unit act and another find what waits for it only from its own
work list; the item's link reads the deviation back for that unit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from contracts import (
    CaseMeetingOverdue,
    OrgType,
    RedThreadActionOverdue,
    RedThreadMeetingNotRecorded,
    RedThreadMeetingOverdue,
    Role,
    SipFollowUpOverdue,
)
from contracts.examples import ADULT_UNIT as EXAMPLE_ADULT_UNIT
from contracts.examples import EXAMPLES
from contracts.examples import POLICE as EXAMPLE_POLICE
from contracts.examples import SOCIAL_SERVICES as EXAMPLE_SOCIAL
from services.reporting.application import CountersignSummary, ReportingApplication
from services.reporting.domain import feedback_due
from services.reporting.service import Settings as ReportingSettings
from services.reporting.views.work_items import TO_COUNTERSIGN, TO_SUMMARISE
from services.runtime.kernel.actor import Actor
from services.runtime.store.work_items import WorkItem, WorkQuery
from tests.integration.test_reporting_deviations import (
    AT,
    HEALTH_MANAGER,
    SOCIAL_MANAGER,
    SUBJECT,
    manager,
    step_one,
    summary,
)
from tests.reporting_examples import deviation_body
from tests.support import HEALTH as REPORTER
from tests.support import SOCIAL as SOCIAL_CASEWORKER
from tests.support import InProcessService, call
from tests.unit.units import HEALTH_UNIT, IOF, SOCIAL_UNIT

IOF_MANAGER = manager(IOF, "SE2120000001-I009")


def staff(org: str, role: Role = Role.UNIT_MANAGER) -> Actor:
    """A member of staff at `org` (the examples' units, which missed a deadline)."""
    return Actor(f"{org[:13]}W001", org, OrgType.SOCIAL_SERVICES, role)


def listed(
    application: ReportingApplication, actor: Actor, now: datetime = AT, **query: object
) -> list[WorkItem]:
    """Everything on `actor`'s list, every page."""
    items: list[WorkItem] = []
    after = None
    while True:
        page = application.work_list(
            actor,
            WorkQuery(after=after, **query),  # type: ignore[arg-type]
            now,
        )
        items += page.items
        if page.next is None:
            return items
        after = page.next


def kinds_of(items: list[WorkItem]) -> list[tuple[str, str, UUID]]:
    return [(i.kind, i.state, i.item_id) for i in items]


def countersign(application: ReportingApplication, actor: Actor, deviation_id: UUID) -> None:
    command = CountersignSummary(deviation_id, "Testa Testsson", "Enhetschef")
    application.countersign_summary(actor, command, at=AT)


# --- on the stores ---------------------------------------------------------------------


def test_w1_d2_d3_a_reported_deviation_waits_at_every_affected_unit_to_be_summarised(
    reporting_application: ReportingApplication,
) -> None:
    deviation_id = reporting_application.report_deviation(
        REPORTER, step_one(affected_orgs=[SOCIAL_UNIT, IOF]), at=AT
    )

    for reader in (SOCIAL_MANAGER, SOCIAL_CASEWORKER, IOF_MANAGER):
        (item,) = listed(reporting_application, reader)
        assert kinds_of([item]) == [(TO_SUMMARISE, "reported", deviation_id)]
        assert item.href == f"/v1/deviations/{deviation_id}"
        # D-3: "skyndsamt" is the setting's ten Swedish working days from the report.
        assert (item.subject_id, item.role, item.due_at) == (SUBJECT, None, feedback_due(AT, 10))
        assert not item.is_overdue(AT)
    assert listed(reporting_application, HEALTH_MANAGER) == []  # the reporter has acted


def test_w1_d2_a_proposed_summary_waits_for_the_other_side_until_countersigned(
    reporting_application: ReportingApplication,
) -> None:
    deviation_id = reporting_application.report_deviation(
        REPORTER, step_one(affected_orgs=[SOCIAL_UNIT, IOF]), at=AT
    )

    reporting_application.propose_summary(SOCIAL_MANAGER, summary(deviation_id), at=AT)
    assert kinds_of(listed(reporting_application, HEALTH_MANAGER)) == [
        (TO_COUNTERSIGN, "proposed", deviation_id)
    ]
    # The proposing side, and the affected unit that is on its side, wait for nothing.
    assert listed(reporting_application, SOCIAL_MANAGER) == []
    assert listed(reporting_application, IOF_MANAGER) == []

    # A new proposal from the other side replaces it: now the affected units countersign.
    reporting_application.propose_summary(HEALTH_MANAGER, summary(deviation_id, "Ny"), at=AT)
    assert listed(reporting_application, HEALTH_MANAGER) == []
    for reader in (SOCIAL_MANAGER, IOF_MANAGER):
        (item,) = listed(reporting_application, reader)
        assert (item.kind, item.subject_id) == (TO_COUNTERSIGN, SUBJECT)

    countersign(reporting_application, IOF_MANAGER, deviation_id)
    for reader in (HEALTH_MANAGER, SOCIAL_MANAGER, IOF_MANAGER):
        assert listed(reporting_application, reader) == []  # D-3: feedback sent, all done


def test_w1_d7_a_detected_deviation_waits_at_the_organisations_that_missed_the_deadline(
    reporting_application: ReportingApplication,
) -> None:
    overdue = EXAMPLES[RedThreadMeetingOverdue]
    deviation_id = reporting_application.detect_missed_routine(overdue)
    assert deviation_id is not None

    for org in (EXAMPLE_POLICE, EXAMPLE_SOCIAL):
        (item,) = listed(reporting_application, staff(org, Role.CASEWORKER))
        assert kinds_of([item]) == [(TO_SUMMARISE, "detected", deviation_id)]
        assert item.subject_id == overdue.subject_id
    assert listed(reporting_application, SOCIAL_MANAGER) == []

    reporting_application.propose_summary(staff(EXAMPLE_POLICE), summary(deviation_id), at=AT)
    assert kinds_of(listed(reporting_application, staff(EXAMPLE_SOCIAL))) == [
        (TO_COUNTERSIGN, "proposed", deviation_id)
    ]
    assert listed(reporting_application, staff(EXAMPLE_POLICE)) == []


def test_e11_d7_a_meeting_not_recorded_as_held_waits_at_the_meetings_units(
    reporting_application: ReportingApplication,
) -> None:
    """E-11: the deviation a `CaseMeetingOverdue` becomes concerns the meeting's units, and
    waits on their lists to be summarised together (D-2, D-7)."""
    overdue = EXAMPLES[CaseMeetingOverdue]
    deviation_id = reporting_application.detect_missed_routine(overdue)
    assert deviation_id is not None

    for org in (EXAMPLE_SOCIAL, EXAMPLE_ADULT_UNIT):
        (item,) = listed(reporting_application, staff(org, Role.CASEWORKER))
        assert kinds_of([item]) == [(TO_SUMMARISE, "detected", deviation_id)]
        assert item.subject_id == overdue.subject_id
    assert listed(reporting_application, staff(EXAMPLE_POLICE, Role.CASEWORKER)) == []


def test_e11_d7_a_red_thread_meeting_not_recorded_waits_at_everyone_concerned(
    reporting_application: ReportingApplication,
) -> None:
    """E-11: `RedThreadMeetingNotRecorded` becomes a deviation for every organisation the
    red thread concerns, on each one's list to be summarised (D-2, D-7)."""
    stalled = EXAMPLES[RedThreadMeetingNotRecorded]
    deviation_id = reporting_application.detect_missed_routine(stalled)
    assert deviation_id is not None

    for org in (EXAMPLE_POLICE, EXAMPLE_SOCIAL):
        (item,) = listed(reporting_application, staff(org, Role.CASEWORKER))
        assert kinds_of([item]) == [(TO_SUMMARISE, "detected", deviation_id)]
        assert item.subject_id == stalled.subject_id


def test_e11_d7_an_action_overdue_waits_at_the_responsible_organisation_only(
    reporting_application: ReportingApplication,
) -> None:
    """E-11: `RedThreadActionOverdue` is the responsible organisation's missed routine."""
    overdue = EXAMPLES[RedThreadActionOverdue]
    deviation_id = reporting_application.detect_missed_routine(overdue)
    assert deviation_id is not None
    assert reporting_application.detect_missed_routine(overdue) == deviation_id  # once

    (item,) = listed(reporting_application, staff(EXAMPLE_SOCIAL, Role.CASEWORKER))
    assert kinds_of([item]) == [(TO_SUMMARISE, "detected", deviation_id)]
    assert listed(reporting_application, staff(EXAMPLE_POLICE, Role.CASEWORKER)) == []


def test_w1_d7_a_missed_sip_follow_up_waits_at_the_plans_units(
    reporting_application: ReportingApplication,
) -> None:
    """K-7, D-7: the overdue event names the plan's units, so its deviation concerns them
    and waits on their lists."""
    overdue: Any = EXAMPLES[SipFollowUpOverdue]
    deviation_id = reporting_application.detect_missed_routine(overdue)
    assert deviation_id is not None
    assert reporting_application.get_deviation(deviation_id).parties() == list(overdue.units)
    (item,) = listed(reporting_application, staff(EXAMPLE_SOCIAL, Role.CASEWORKER))
    assert kinds_of([item]) == [(TO_SUMMARISE, "detected", deviation_id)]


def test_w1_d7_a_missed_sip_follow_up_of_before_names_no_organisation_so_waits_nowhere(
    reporting_application: ReportingApplication,
) -> None:
    """A K-7 overdue event published before its units were names no unit: the deviation
    concerns, and waits at, no one (nobody could read it back where an item would point)."""
    legacy = EXAMPLES[SipFollowUpOverdue].model_copy(update={"units": None})
    deviation_id = reporting_application.detect_missed_routine(legacy)
    assert deviation_id is not None
    assert reporting_application.get_deviation(deviation_id).parties() == []
    reporting_application.work_list(SOCIAL_MANAGER, WorkQuery(), AT)  # caught up
    rows = reporting_application.work_items.select(
        "SELECT item_id FROM {work_item} WHERE item_id = ?", (str(deviation_id),)
    )
    assert rows == []
    positions = reporting_application.work_items.max_tracking_id("work_items")
    assert positions == reporting_application.recorder.max_notification_id()


def test_w1_d3_past_its_feedback_deadline_a_deviation_is_raised_overdue_once_on_the_store(
    reporting_application: ReportingApplication,
) -> None:
    """D-3 on SQLite and PostgreSQL: the work list says which deviations are due, each is
    raised overdue once, and its item is overdue on the affected unit's list."""
    deviation_id = reporting_application.report_deviation(REPORTER, step_one(), at=AT)
    due = feedback_due(AT, 10)
    assert reporting_application.raise_feedback_overdue(due - timedelta(microseconds=1)) == 0
    assert reporting_application.raise_feedback_overdue(due) == 1
    assert reporting_application.raise_feedback_overdue(due + timedelta(days=1)) == 0
    (item,) = listed(reporting_application, SOCIAL_MANAGER, now=due, overdue=True)
    assert (item.item_id, item.kind, item.overdue) == (deviation_id, TO_SUMMARISE, True)
    assert reporting_application.work_items.due([TO_SUMMARISE], due + timedelta(days=1)) == []


def test_w1_the_deviation_list_filters_by_kind_and_state_and_pages_cover_it_once(
    reporting_application: ReportingApplication,
) -> None:
    reported = [
        reporting_application.report_deviation(REPORTER, step_one(), at=AT) for _ in range(3)
    ]
    reporting_application.propose_summary(HEALTH_MANAGER, summary(reported[0]), at=AT)

    one_by_one = listed(reporting_application, SOCIAL_MANAGER, limit=1)
    assert sorted(i.item_id for i in one_by_one) == sorted(reported)
    (to_sign,) = listed(reporting_application, SOCIAL_MANAGER, kinds=[TO_COUNTERSIGN])
    assert to_sign.item_id == reported[0]
    to_summarise = listed(reporting_application, SOCIAL_MANAGER, states=["reported"])
    assert sorted(i.item_id for i in to_summarise) == sorted(reported[1:])
    assert listed(reporting_application, SOCIAL_MANAGER, overdue=True) == []


# --- over HTTP -------------------------------------------------------------------------


@pytest.fixture
def reporting(start_in_process: Callable[..., InProcessService]) -> InProcessService:
    return start_in_process("reporting", ReportingSettings())


def test_w1_w3_d2_the_affected_unit_finds_the_deviation_and_reads_it_where_it_points(
    reporting: InProcessService,
) -> None:
    created = call(reporting, REPORTER, "POST", "/v1/deviations", json=deviation_body())
    assert created.status_code == 201, created.text
    deviation_id = created.json()["id"]

    answer = call(reporting, SOCIAL_CASEWORKER, "GET", "/v1/work-items")

    assert answer.status_code == 200, answer.text
    (item,) = answer.json()["items"]
    assert (item["item_id"], item["kind"], item["state"], item["rule"]) == (
        deviation_id,
        "deviation_to_summarise",
        "reported",
        "D-2",
    )
    assert (item["addressed_to"], item["role"]) == (SOCIAL_UNIT, None)
    read = call(reporting, SOCIAL_CASEWORKER, "GET", item["href"])
    assert read.status_code == 200, read.text
    reported_at = datetime.fromisoformat(read.json()["reported_at"])
    assert datetime.fromisoformat(item["due_at"]) == feedback_due(reported_at, 10)  # D-3
    assert read.json()["id"] == deviation_id
    assert call(reporting, REPORTER, "GET", "/v1/work-items").json()["items"] == []


def test_w1_w3_d2_the_reporter_finds_the_summary_to_countersign_and_reads_it(
    reporting: InProcessService,
) -> None:
    created = call(reporting, REPORTER, "POST", "/v1/deviations", json=deviation_body())
    deviation_id = created.json()["id"]
    proposed = call(
        reporting,
        SOCIAL_MANAGER,
        "PUT",
        f"/v1/deviations/{deviation_id}/summary",
        json={
            "solution": "Gemensam rutin.",
            "remaining_problems": "Helger.",
            "signer_name": "Testa Testsson",
            "signer_title": "Enhetschef",
        },
    )
    assert proposed.status_code == 204, proposed.text

    answer = call(reporting, REPORTER, "GET", "/v1/work-items?kind=summary_to_countersign")

    (item,) = answer.json()["items"]
    assert (item["item_id"], item["state"], item["addressed_to"]) == (
        deviation_id,
        "proposed",
        HEALTH_UNIT,
    )
    assert call(reporting, REPORTER, "GET", item["href"]).status_code == 200
    assert call(reporting, SOCIAL_CASEWORKER, "GET", "/v1/work-items").json()["items"] == []


def test_w1_an_escalation_kind_is_a_422_naming_the_field_in_reporting(
    reporting: InProcessService,
) -> None:
    answer = call(reporting, SOCIAL_CASEWORKER, "GET", "/v1/work-items?kind=red_thread_meeting")

    assert answer.status_code == 422, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == ["query.kind"]


def test_w2_d2_a_deviation_closed_early_leaves_every_list_and_reads_back_closed(
    reporting: InProcessService,
) -> None:
    """W-2: closed by the affected side's manager with a reason; nothing waits any more,
    the deviation reads back closed with its reason, and it is not closed twice."""
    created = call(reporting, REPORTER, "POST", "/v1/deviations", json=deviation_body())
    path = f"/v1/deviations/{created.json()['id']}"
    assert call(reporting, SOCIAL_CASEWORKER, "GET", "/v1/work-items").json()["items"] != []

    blank = call(reporting, SOCIAL_MANAGER, "POST", f"{path}/closure", json={"reason": " "})
    assert blank.status_code == 422, blank.text
    assert blank.json()["rule"] == "W-2"
    by_a_caseworker = {"reason": "Missförstånd."}
    refused = call(reporting, SOCIAL_CASEWORKER, "POST", f"{path}/closure", json=by_a_caseworker)
    assert (refused.status_code, refused.json()["rule"]) == (403, "D-2")

    closed = call(reporting, SOCIAL_MANAGER, "POST", f"{path}/closure", json=by_a_caseworker)

    assert closed.status_code == 204, closed.text
    assert call(reporting, SOCIAL_CASEWORKER, "GET", "/v1/work-items").json()["items"] == []
    read = call(reporting, REPORTER, "GET", path).json()
    assert read["closed_at"] is not None
    assert read["closing_reason"] == "Missförstånd."
    again = call(reporting, REPORTER, "POST", f"{path}/closure", json=by_a_caseworker)
    assert (again.status_code, again.json()["rule"]) == (409, "W-2")
