"""Loggkontroll: the access log read back per individual and per member of staff, in every
service, by the people the law gives that follow-up to (services.runtime.http.access_log).

Each service runs with its real store and the shared routes; the records followed up are
written through the service's own access log.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from eventsourcing.application import Application
from pydantic import SecretStr

from contracts import OrgType, Role
from services.runtime.http.access_log import FOLLOW_UP
from services.runtime.kernel.actor import Actor
from services.runtime.kernel.identity import SubjectIdFactory, parse_personnummer
from services.runtime.messaging.embedded_broker import free_port
from services.runtime.settings import RuntimeSettings
from services.runtime.store.audit import AccessAudit, AccessRecord, Action, chain_key
from services.runtime.store.database import store_env
from tests.integration.in_process import InProcessApp, built, serving
from tests.integration.test_access_audit import write_unkeyed_log
from tests.support import (
    IOF,
    IOF_CASEWORKER,
    IOF_DEPUTY,
    made_up_personnummer,
)

NOW = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
PSY = "SE2321000016-PSY1"
# Administrators act for their own organisation (the HSA-id part before the "-").
ADMIN = Actor("SE2321000016-A001", "SE2321000016-IT01", OrgType.HEALTH_CARE, Role.ADMIN)
MUNICIPALITY_ADMIN = Actor(
    "SE2120000001-A001", "SE2120000001-IT01", OrgType.SOCIAL_SERVICES, Role.ADMIN
)
IOF_MANAGER = Actor("SE2120000001-E001", IOF, OrgType.SOCIAL_SERVICES, Role.UNIT_MANAGER)
PSY_NURSE = Actor("SE2321000016-P201", PSY, OrgType.PSYCHIATRY, Role.CASEWORKER)
PERSON = made_up_personnummer("19800101", "123")
OTHER = "cd" * 32

SERVICES = ("consent", "cases", "escalation", "reporting")


class Service(InProcessApp):
    """A service's app in-process, with its access log's routes and a read written to it."""

    def about(self, actor: Actor, **body: Any) -> httpx.Response:
        return self.call(actor, "POST", "/v1/access-log/subject", json=body)

    def by(self, actor: Actor, **body: Any) -> httpx.Response:
        return self.call(actor, "POST", "/v1/access-log/actor", json=body)

    def read(self, actor: Actor, subject_id: str, minutes: int) -> None:
        """A read of personal data, written to the service's log as a route writes it."""
        record = AccessRecord(
            at=NOW + timedelta(minutes=minutes),
            actor_hsa_id=actor.hsa_id,
            actor_org_id=actor.org_id,
            actor_org_type=actor.org_type.value,
            subject_id=subject_id,
            action=Action.READ,
            purpose="case follow-up",
            resource="GET /v1/cases/{case_id}",
        )
        self.audit.record(record).result(10)

    def reads(self, *reads: tuple[Actor, str]) -> None:
        """Reads by these staff about these subjects, in this order, a minute apart."""
        for minutes, (actor, subject_id) in enumerate(reads, start=1):
            self.read(actor, subject_id, minutes)


@pytest.fixture(params=sorted(SERVICES))
def service(request: pytest.FixtureRequest, runtime_settings: RuntimeSettings) -> Iterator[Service]:
    yield from serving(Service, request.param, runtime_settings, NOW + timedelta(days=1))


def subject_of(settings: RuntimeSettings, personnummer: str) -> str:
    number = parse_personnummer(personnummer, today=NOW.date())
    return SubjectIdFactory(settings.resolved_subject_key()).subject_id(number)


def test_loggkontroll_an_administrator_reads_who_of_their_organisation_looked_at_an_individual(
    service: Service,
) -> None:
    subject_id = subject_of(service.settings, PERSON)
    service.reads((IOF_CASEWORKER, subject_id), (PSY_NURSE, subject_id), (PSY_NURSE, OTHER))

    extract = service.about(ADMIN, personnummer=PERSON)
    assert extract.status_code == 200, extract.text
    body = extract.json()
    assert body["scope"] == "organisation"
    assert body["org_id"] == "SE2321000016"
    # The region's administrator sees the region's staff, not the municipality's.
    assert [e["actor_hsa_id"] for e in body["entries"]] == [PSY_NURSE.hsa_id]
    assert {e["subject_id"] for e in body["entries"]} == {subject_id}
    municipality = service.about(MUNICIPALITY_ADMIN, personnummer=PERSON).json()
    assert (municipality["scope"], municipality["org_id"]) == ("organisation", "SE2120000001")
    assert [e["actor_hsa_id"] for e in municipality["entries"]] == [IOF_CASEWORKER.hsa_id]

    # Reading the log is itself in the log: the individual's next extract shows who pulled it.
    again = service.about(ADMIN, subject_id=subject_id).json()["entries"]
    assert len(again) == 2
    assert again[-1]["actor_hsa_id"] == ADMIN.hsa_id
    assert again[-1]["purpose"] == FOLLOW_UP
    assert again[-1]["resource"].endswith("/access-log/subject")
    assert again[-1]["previous_hash"] != again[-1]["hash"]


def test_loggkontroll_a_unit_manager_follows_up_their_own_units_staff_only(
    service: Service,
) -> None:
    subject_id = subject_of(service.settings, PERSON)
    service.reads((IOF_CASEWORKER, subject_id), (IOF_CASEWORKER, OTHER), (PSY_NURSE, subject_id))

    about = service.about(IOF_MANAGER, personnummer=PERSON).json()
    assert about["scope"] == "unit"
    assert about["org_id"] == IOF
    # Psychiatry's access would tell social services the individual is in psychiatric care.
    assert [e["actor_hsa_id"] for e in about["entries"]] == [IOF_CASEWORKER.hsa_id]

    by_caseworker = service.by(IOF_MANAGER, hsa_id=IOF_CASEWORKER.hsa_id).json()["entries"]
    assert [e["subject_id"] for e in by_caseworker] == [subject_id, OTHER]
    assert service.by(IOF_MANAGER, hsa_id=PSY_NURSE.hsa_id).json()["entries"] == []

    # The per-staff read disclosed two individuals: one record each.
    about_other = service.audit.about_subject(OTHER)
    assert [r["actor_hsa_id"] for r in about_other][-1] == IOF_MANAGER.hsa_id
    assert about_other[-1]["purpose"] == FOLLOW_UP
    assert service.audit.verify() is None


def test_loggkontroll_staff_who_follow_up_no_one_are_refused(service: Service) -> None:
    subject_id = subject_of(service.settings, PERSON)
    service.read(IOF_CASEWORKER, subject_id, 1)
    before = len(service.audit.about_subject(subject_id))
    for actor in (IOF_CASEWORKER, IOF_DEPUTY, PSY_NURSE):
        assert service.about(actor, personnummer=PERSON).status_code == 403
        assert service.by(actor, hsa_id=IOF_CASEWORKER.hsa_id).status_code == 403
        assert service.call(actor, "GET", "/v1/access-log/verify").status_code == 403
    assert service.call(IOF_MANAGER, "GET", "/v1/access-log/verify").status_code == 403
    assert len(service.audit.about_subject(subject_id)) == before  # nothing was disclosed


def test_loggkontroll_a_period_narrows_the_extract(service: Service) -> None:
    subject_id = subject_of(service.settings, PERSON)
    for minutes in (1, 10, 20):
        service.read(IOF_CASEWORKER, subject_id, minutes)
    window = {
        "since": (NOW + timedelta(minutes=10)).isoformat(),
        "until": (NOW + timedelta(minutes=20)).isoformat(),
    }
    entries = service.about(MUNICIPALITY_ADMIN, subject_id=subject_id, **window).json()["entries"]
    assert [datetime.fromisoformat(e["at"]) for e in entries] == [NOW + timedelta(minutes=10)]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body.personnummer"),
        ({"personnummer": PERSON, "subject_id": OTHER}, "body.personnummer"),
        ({"personnummer": "19800101-1234"}, "body.personnummer"),
        ({"subject_id": "not-an-id"}, "body.subject_id"),
        ({"subject_id": OTHER, "since": NOW.isoformat(), "until": NOW.isoformat()}, "body.until"),
        ({"subject_id": OTHER, "since": "2027-02-01T09:00:00"}, "body.since"),  # no zone
        ({"subject_id": OTHER, "name": "Testa"}, "body.name"),  # unknown: refused, not dropped
    ],
)
def test_loggkontroll_a_bad_query_is_a_problem_naming_the_field(
    service: Service, body: dict[str, Any], field: str
) -> None:
    before = len(service.audit.query())
    response = service.about(ADMIN, **body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [error["field"] for error in response.json()["errors"]], response.json()
    assert len(service.audit.query()) == before


def test_loggkontroll_verify_finds_a_changed_record(service: Service) -> None:
    subject_id = subject_of(service.settings, PERSON)
    for minutes in range(3):
        service.read(IOF_CASEWORKER, subject_id, minutes)
    verdict = service.call(ADMIN, "GET", "/v1/access-log/verify").json()
    assert (verdict["intact"], verdict["first_broken_record"]) == (True, None), verdict
    victim = service.audit.about_subject(subject_id)[1]["seq"]
    datastore: Any = service.app.state.application.recorder.datastore
    placeholder = "%s" if "Postgres" in type(datastore).__name__ else "?"
    with datastore.transaction(commit=True) as cursor:
        cursor.execute(
            f"UPDATE access_audit SET purpose = {placeholder} WHERE seq = {placeholder}",  # noqa: S608
            ("nothing to see", victim),
        )
    verdict = service.call(ADMIN, "GET", "/v1/access-log/verify").json()
    assert (verdict["intact"], verdict["first_broken_record"]) == (False, victim), verdict
    assert "audit chain key" in verdict["problem"]


def test_loggkontroll_an_extract_by_personnummer_spans_a_rotation_of_the_subject_id_key(
    runtime_settings: RuntimeSettings,
) -> None:
    """The individual's right to know does not end at a key rotation: reads that start from
    the personnummer look under the previous key too."""
    runtime_settings.var_dir.mkdir(parents=True, exist_ok=True)
    old = runtime_settings.model_copy(update={"subject_key": SecretStr("o" * 32)})
    rotated = runtime_settings.model_copy(
        update={"subject_key": SecretStr("n" * 32), "subject_key_previous": SecretStr("o" * 32)}
    )
    before = Service(built("cases", old, NOW + timedelta(days=1)), old)
    old_id = subject_of(old, PERSON)
    before.read(IOF_CASEWORKER, old_id, 1)
    before.close()

    after = Service(built("cases", rotated, NOW + timedelta(days=1)), rotated)
    try:
        new_id = subject_of(rotated, PERSON)
        assert new_id != old_id
        after.read(IOF_DEPUTY, new_id, 2)
        extract = after.about(MUNICIPALITY_ADMIN, personnummer=PERSON).json()["entries"]
        assert [(e["subject_id"], e["actor_hsa_id"]) for e in extract] == [
            (old_id, IOF_CASEWORKER.hsa_id),
            (new_id, IOF_DEPUTY.hsa_id),
        ]
        # By subject id, only that id: the URL names one pseudonym.
        by_id = after.about(MUNICIPALITY_ADMIN, subject_id=new_id).json()["entries"]
        assert len(by_id) == 2  # + the read
        # The extract is itself logged, under both ids.
        assert after.audit.about_subject(old_id)[-1]["actor_hsa_id"] == MUNICIPALITY_ADMIN.hsa_id
        assert after.audit.verify() is None
    finally:
        after.close()


def test_a_make_run_store_with_an_unkeyed_log_is_rechained_when_the_service_starts(
    runtime_settings: RuntimeSettings,
) -> None:
    """Logs written before the chain was keyed keep verifying in development: the service
    checks their old chain and re-chains them under the key at start
    (services.runtime.store.audit)."""
    runtime_settings.var_dir.mkdir(parents=True, exist_ok=True)
    application = Application(env=store_env(runtime_settings, "cases"))
    datastore = application.recorder.datastore  # type: ignore[attr-defined]
    AccessAudit(datastore, "cases", chain_key(runtime_settings)).close()
    old = [
        AccessRecord(
            NOW + timedelta(minutes=n),
            IOF_CASEWORKER.hsa_id,
            IOF_CASEWORKER.org_id,
            IOF_CASEWORKER.org_type.value,
            OTHER,
            Action.READ,
            "case follow-up",
            "GET /v1/cases/{case_id}",
        )
        for n in range(2)
    ]
    write_unkeyed_log(datastore, old)
    application.close()

    service = Service(built("cases", runtime_settings, NOW), runtime_settings)
    try:
        assert service.audit.verify() is None
        service.read(IOF_DEPUTY, OTHER, 5)
        assert [r["seq"] for r in service.audit.about_subject(OTHER)] == [1, 2, 3]
        assert service.audit.verify() is None
    finally:
        service.close()


def test_loggkontroll_verify_without_the_anchor_is_a_problem_not_a_pass(
    runtime_settings: RuntimeSettings,
) -> None:
    """Without the anchor a cut tail cannot be ruled out: 503, never "intact"."""
    unreachable = runtime_settings.model_copy(
        update={"kafka_bootstrap": f"127.0.0.1:{free_port()}"}
    )
    service = Service(built("cases", unreachable, NOW), unreachable)
    try:
        response = service.call(ADMIN, "GET", "/v1/access-log/verify")
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert "anchor" in response.json()["detail"]
    finally:
        service.close()
