"""E-3 configuration and records: which municipalities a coordination office serves, the
office kept with the coordinator, and the record ids free text is sealed to. Pure domain
and the store's mapper, no service running."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest
from pydantic import ValidationError

from contracts import ConsultationOutcome, EscalationTrack, Role
from services.escalation.application import EscalationApplication, record_owner
from services.escalation.domain import (
    AcuteMatter,
    Consultation,
    CoordinationOffices,
    Escalation,
    RedThread,
)
from services.escalation.service import DEVELOPMENT_COORDINATION_OFFICES, Settings
from services.runtime.http.permissions import organisation_of

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OFFICE = "SE2321000016-NVK1"


def test_e3_an_office_serves_only_the_municipalities_it_is_configured_for() -> None:
    offices = CoordinationOffices.parse(json.dumps({OFFICE: ["0180", "0114"]}))
    assert offices.serves(OFFICE, "0180")
    assert offices.serves(OFFICE, "0114")
    assert not offices.serves(OFFICE, "1490")
    assert not offices.serves("SE2321000016-NVK2", "0180")
    assert not CoordinationOffices().serves(OFFICE, "0180")


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        json.dumps({"nvk1": ["0180"]}),
        json.dumps({OFFICE: "0180"}),
        json.dumps({OFFICE: ["180"]}),
        json.dumps({OFFICE: [180]}),
    ],
)
def test_a_malformed_office_mapping_refuses_to_start(text: str) -> None:
    with pytest.raises(ValueError, match="coordination office"):
        CoordinationOffices.parse(text)
    with pytest.raises(ValidationError):
        Settings(coordination_offices=text)


def test_the_development_default_serves_the_development_coordinator() -> None:
    assert Settings().coordination_offices == DEVELOPMENT_COORDINATION_OFFICES
    assert Settings().offices().serves(OFFICE, "0180")


def test_e3_a_colleague_has_an_hsa_id_of_the_offices_organisation() -> None:
    assert organisation_of("SE2321000016-K001") == "SE2321000016"
    assert organisation_of(OFFICE) == organisation_of("SE2321000016-K002")
    assert organisation_of("SE5560000000-K002") != organisation_of(OFFICE)


def pulled() -> RedThread:
    return RedThread.pull(
        subject_id="c" * 64,
        pulled_at=AT,
        pulled_by="SE2321000016-P001",
        pulled_by_org="SE2321000016-POL1",
        pulled_by_org_type="police",
        measures_tried=["sip"],
        individual_harmed=True,
        burdened_orgs=["SE2321000016-POL1"],
        municipality_code="0180",
    )


def test_e3_the_coordinators_office_is_kept_and_a_hand_over_within_it_recorded() -> None:
    red_thread = pulled()
    red_thread.assign_coordinator(
        coordinator="SE2321000016-K001", assigned_by="SE2321000016-K001", at=AT, office=OFFICE
    )
    red_thread.assign_coordinator(
        coordinator="SE2321000016-K002", assigned_by="SE2321000016-K001", at=AT, office=OFFICE
    )
    assert (red_thread.coordinator, red_thread.coordinator_office) == (
        "SE2321000016-K002",
        OFFICE,
    )
    assigned = [
        e for e in red_thread.collect_events() if isinstance(e, RedThread.CoordinatorAssigned)
    ]
    assert [(e.coordinator, e.office) for e in assigned] == [
        ("SE2321000016-K001", OFFICE),
        ("SE2321000016-K002", OFFICE),
    ]


def test_a_coordinator_assigned_before_offices_were_kept_still_reads(tmp_path: Path) -> None:
    """Events stored as version 1 (no office) are upcast: the office is unknown (None)."""
    application = EscalationApplication(
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "e.db")}
    )
    red_thread = pulled()
    red_thread.assign_coordinator(
        coordinator="SE2321000016-K001", assigned_by="SE2321000016-K001", at=AT, office=OFFICE
    )
    event = red_thread.collect_events()[-1]
    stored = application.mapper.to_stored_event(event)
    state = application.mapper.transcoder.decode(stored.state)
    assert state.pop("office") == OFFICE
    state.pop("class_version", None)
    old = replace(stored, state=application.mapper.transcoder.encode(state))
    upcast = application.mapper.to_domain_event(old)
    assert isinstance(upcast, RedThread.CoordinatorAssigned)
    assert (upcast.coordinator, upcast.office) == ("SE2321000016-K001", None)
    application.close()


def test_an_acute_matter_taken_before_it_named_its_individual_still_reads(
    tmp_path: Path,
) -> None:
    """AcuteMatter.Taken stored as version 1 (no subject_id) is upcast with none."""
    application = EscalationApplication(
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "e.db")}
    )
    matter = AcuteMatter.raise_matter(
        subject_id="ab" * 32,
        from_org="SE2120000001-IOF1",
        to_org="SE2120000001-AOF1",
        raised_by="SE2120000001-S010",
        question="sealed:v1:…",
        at=AT,
    )
    matter.take(
        by="SE2120000001-D002", by_org="SE2120000001-AOF1", by_role=Role.DEPUTY_UNIT_MANAGER, at=AT
    )
    stored = application.mapper.to_stored_event(matter.collect_events()[-1])
    state = application.mapper.transcoder.decode(stored.state)
    assert state.pop("subject_id") == "ab" * 32
    state.pop("class_version", None)
    old = replace(stored, state=application.mapper.transcoder.encode(state))
    upcast = application.mapper.to_domain_event(old)
    assert isinstance(upcast, AcuteMatter.Taken)
    assert (upcast.subject_id, upcast.taken_by) == (None, "SE2120000001-D002")
    application.close()


def test_records_naming_no_one_are_created_under_the_id_their_text_is_sealed_to() -> None:
    ids = uuid4(), uuid4(), uuid4()
    matter = AcuteMatter.raise_matter(
        subject_id=None,
        from_org="SE2120000001-IOF1",
        to_org="SE2120000001-AOF1",
        raised_by="SE2120000001-S010",
        question="sealed:v1:…",
        at=AT,
        record_id=ids[0],
    )
    escalation = Escalation.raise_matter(
        track=EscalationTrack.NEEDS,
        subject_id=None,
        cost_question=False,
        raised_by="SE2120000001-S010",
        raised_by_org="SE2120000001-IOF1",
        raised_by_role=Role.CASEWORKER,
        responsible_org="SE2120000001-IOF1",
        counterpart_orgs=["SE2120000001-AOF1"],
        reason="sealed:v1:…",
        at=AT,
        record_id=ids[1],
    )
    consultation = Consultation.hold(
        subject_id=None,
        consulting_org="SE2120000001-IOF1",
        consulted_orgs=["SE2120000001-AOF1"],
        meeting_id=None,
        outcome=ConsultationOutcome.PARALLEL_INVESTIGATION,
        notes="",
        recorded_by="SE2120000001-D001",
        at=AT,
        record_id=ids[2],
    )
    assert (matter.id, escalation.id, consultation.id) == ids
    assert record_owner(None, ids[0]) == f"record:{ids[0]}"
    assert record_owner("c" * 64, ids[0]) == "c" * 64
