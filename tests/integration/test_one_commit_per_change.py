"""Every route that changes records about individuals stores the change and the access
records of its answer in ONE transaction (#24, loggkontroll), on both stores.

Most write routes learn whom a change is about only from the record the use case
returns; they used to write the access records in a commit of their own after the
events': two commits in series per command, and a failure between them kept a change
whose answer was never logged. `one_commit` (services.runtime.http.identification)
holds the use case's saves until the route has named its records, then stores both.
A route that would still write a change's records on their own fails (the walk in
tests/security/test_every_read_is_logged.py exercises every write route)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from starlette.requests import Request
from starlette.responses import Response

from contracts.vocabulary import TargetGroup
from services.cases.application import CasesApplication
from services.runtime.http.caller import Caller
from services.runtime.http.idempotency.store import IdempotencyStore
from services.runtime.http.identification import log_change, one_commit
from services.runtime.http.lanes import LaneRoute
from services.runtime.settings import RuntimeSettings
from services.runtime.store.audit import AccessAudit, Action
from tests.cases_examples import registration
from tests.integration.in_process import InProcessApp, access_log_broken, serving
from tests.support import HEALTH, IOF, IOF_CASEWORKER, auth, made_up_personnummer

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
ADULT = made_up_personnummer("19850505", "123")


@pytest.fixture
def cases(backend_settings: RuntimeSettings) -> Iterator[InProcessApp]:
    yield from serving(InProcessApp, "cases", backend_settings, NOW)


@pytest.fixture
def reporting(backend_settings: RuntimeSettings) -> Iterator[InProcessApp]:
    yield from serving(InProcessApp, "reporting", backend_settings, NOW)


def deviation_about(personnummer: str) -> dict[str, Any]:
    return {
        "category": "communication",
        "affected_orgs": [IOF],
        "what_happened": "Kallelsen kom aldrig fram.",
        "perceived_as": "Allvarligt",
        "improvement_proposal": "Gemensam rutin",
        "reporter_name": "Rapportör Testsson",
        "reporter_title": "Biträdande enhetschef",
        "personnummer": personnummer,
    }


def registered_case(cases: InProcessApp) -> dict[str, Any]:
    registered = cases.call(
        IOF_CASEWORKER, "POST", "/v1/cases", json=registration(ADULT, ["substance_misuse"])
    )
    assert registered.status_code == 201, registered.text
    answer: dict[str, Any] = registered.json()
    return answer


def caller_of(served: InProcessApp, method: str, path: str) -> Caller:
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "headers": [],
        "app": served.app,
        "route": LaneRoute(path),
    }
    return Caller(IOF_CASEWORKER, Request(scope), Response())


def test_a_case_registration_whose_access_record_cannot_be_written_is_not_kept_either(
    cases: InProcessApp,
) -> None:
    """In two commits, the case was kept and its answer failed unlogged."""
    before = cases.stored_events

    with access_log_broken():
        body = registration(ADULT, ["substance_misuse"])
        registered = cases.call(IOF_CASEWORKER, "POST", "/v1/cases", json=body)

    assert registered.status_code == 500
    assert cases.stored_events == before
    assert cases.audit.query(actor_hsa_id=IOF_CASEWORKER.hsa_id) == []


def test_a_change_to_a_case_whose_access_record_cannot_be_written_is_not_kept_either(
    cases: InProcessApp,
) -> None:
    """A change to a record that is there (whom it is about known from the record)."""
    case_id = registered_case(cases)["cases"][0]["id"]
    before = cases.stored_events
    logged = len(cases.audit.query(actor_hsa_id=IOF_CASEWORKER.hsa_id))

    with access_log_broken():
        path = f"/v1/cases/{case_id}/target-groups"
        changed = cases.call(IOF_CASEWORKER, "PUT", path, json={"target_groups": ["co_morbidity"]})

    assert changed.status_code == 500
    assert cases.stored_events == before
    assert len(cases.audit.query(actor_hsa_id=IOF_CASEWORKER.hsa_id)) == logged


def test_a_deviation_whose_access_record_cannot_be_written_is_not_kept_either(
    reporting: InProcessApp,
) -> None:
    before = reporting.stored_events

    with access_log_broken():
        reported = reporting.call(HEALTH, "POST", "/v1/deviations", json=deviation_about(ADULT))

    assert reported.status_code == 500
    assert reporting.stored_events == before
    assert reporting.audit.query(actor_hsa_id=HEALTH.hsa_id) == []


def test_a_write_answers_after_one_commit_with_its_access_record_in_it(
    cases: InProcessApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No access record of a change goes to the log's own writer (a commit of its own)."""
    alone: list[Any] = []
    record = AccessAudit.record

    def counted(self: AccessAudit, *args: Any, **kwargs: Any) -> Any:
        alone.append(args[0])
        return record(self, *args, **kwargs)

    monkeypatch.setattr(AccessAudit, "record", counted)
    registered = registered_case(cases)
    case_id = registered["cases"][0]["id"]
    path = f"/v1/cases/{case_id}/target-groups"
    changed = cases.call(IOF_CASEWORKER, "PUT", path, json={"target_groups": ["co_morbidity"]})

    assert changed.status_code == 200, changed.text
    assert alone == []
    records = cases.audit.about_subject(registered["subject_id"])
    assert [(r["action"], r["resource"]) for r in records] == [
        (Action.CHANGED.value, "POST /v1/cases"),
        (Action.CHANGED.value, "PUT /v1/cases/{case_id}/target-groups"),
    ]
    assert cases.audit.verify() is None


def test_a_change_that_stores_no_events_logs_its_records_alone(cases: InProcessApp) -> None:
    """The same set of target groups again stores nothing (D-6); its answer is logged."""
    registered = registered_case(cases)
    case_id = registered["cases"][0]["id"]
    path = f"/v1/cases/{case_id}/target-groups"
    body = {"target_groups": ["co_morbidity"]}
    assert cases.call(IOF_CASEWORKER, "PUT", path, json=body).status_code == 200
    before = cases.stored_events

    again = cases.call(IOF_CASEWORKER, "PUT", path, json=body)

    assert again.status_code == 200, again.text
    assert cases.stored_events == before
    records = cases.audit.about_subject(registered["subject_id"])
    assert [r["resource"] for r in records].count("PUT /v1/cases/{case_id}/target-groups") == 2


def test_a_change_that_raises_stores_and_logs_nothing(cases: InProcessApp) -> None:
    registered = registered_case(cases)
    case_id = UUID(registered["cases"][0]["id"])
    application: CasesApplication = cases.app.state.application
    caller = caller_of(cases, "PUT", "/v1/cases/{case_id}/target-groups")
    before = cases.stored_events

    def change() -> None:
        application.set_target_groups(
            IOF_CASEWORKER, case_id, groups=[TargetGroup.CO_MORBIDITY], at=NOW
        )
        log_change(caller, registered["subject_id"], purpose="target groups (D-6)")
        raise LookupError

    with pytest.raises(LookupError):
        one_commit(caller, change)

    assert cases.stored_events == before
    assert len(cases.audit.about_subject(registered["subject_id"])) == 1  # the registration


def test_a_change_that_loses_a_race_runs_again_on_fresh_state_logged_once(
    cases: InProcessApp,
) -> None:
    """The conflict is found at the commit, after the use case returned: the whole change
    runs again, as the use cases' own `retrying` did (services.runtime.store.changes)."""
    registered = registered_case(cases)
    case_id = UUID(registered["cases"][0]["id"])
    application: CasesApplication = cases.app.state.application
    caller = caller_of(cases, "PUT", "/v1/cases/{case_id}/target-groups")
    attempts: list[list[TargetGroup]] = []

    def concurrently() -> None:  # another request's save: a thread of its own, not held
        application.set_target_groups(
            IOF_CASEWORKER, case_id, groups=[TargetGroup.EXPOSED_TO_VIOLENCE], at=NOW
        )

    def change() -> list[TargetGroup]:
        case = application.set_target_groups(
            IOF_CASEWORKER, case_id, groups=[TargetGroup.CO_MORBIDITY], at=NOW
        )
        attempts.append(list(case.target_groups))
        if len(attempts) == 1:
            racing = threading.Thread(target=concurrently)
            racing.start()
            racing.join()
        log_change(caller, case.subject_id, purpose="target groups (D-6)")
        return list(case.target_groups)

    answer = one_commit(caller, change)

    assert len(attempts) == 2
    assert answer == [TargetGroup.CO_MORBIDITY]
    stored = application.read_case(IOF_CASEWORKER, case_id)
    assert list(stored.target_groups) == [TargetGroup.CO_MORBIDITY]
    records = cases.audit.about_subject(registered["subject_id"])
    assert [r["purpose"] for r in records].count("target groups (D-6)") == 1
    assert cases.audit.verify() is None


def test_a_change_logged_outside_one_commit_is_refused(cases: InProcessApp) -> None:
    """The net under every write route: a change's access records written in a commit of
    their own (after the events') is a programming error, found by any test of the route."""
    caller = caller_of(cases, "PUT", "/v1/cases/{case_id}/target-groups")

    with pytest.raises(RuntimeError, match="one_commit"):
        log_change(caller, "ab" * 32, purpose="outside")

    assert cases.audit.about_subject("ab" * 32) == []


def test_a_keyed_deviation_keeps_its_answer_in_its_events_commit(
    reporting: InProcessApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A keyed write that makes one new record: its answer is kept with its events and
    its access record, and nothing is written after the commit; a retry is a replay."""
    answers_written: list[int] = []
    answering = IdempotencyStore.answering

    async def written(self: IdempotencyStore, *args: Any) -> None:
        answers_written.append(args[1])
        await answering(self, *args)

    monkeypatch.setattr(IdempotencyStore, "answering", written)
    headers = {**auth(reporting.settings, HEALTH), "Idempotency-Key": "deviation-1"}
    body = deviation_about(ADULT)

    first = reporting.client.post("/v1/deviations", json=body, headers=headers)
    events = reporting.stored_events
    again = reporting.client.post("/v1/deviations", json=body, headers=headers)

    assert first.status_code == 201, first.text
    assert answers_written == []
    assert again.status_code == 201, again.text
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["location"] == first.headers["location"]
    assert again.json()["id"] == first.json()["id"]
    assert reporting.stored_events == events
