"""K-12 (seed 003): after a handover, the receiving unit's deputy unit manager holds a joint
officials' meeting, with the trustee or guardian where there is one, that makes a new plan,
and the client is told; on a basis to share (C-11)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from contracts import (
    ClientInformedOfCaseCourse,
    FollowThroughMeetingHeld,
    FollowThroughMeetingScheduled,
    InformedManner,
    LegalBasis,
    Role,
)
from services.cases.domain import Case
from services.cases.domain.follow_through import (
    Basis,
    FollowThrough,
    FollowThroughConflict,
    FollowThroughInvalid,
    FollowThroughWithoutBasis,
    NotTheReceivingDeputy,
    follow_through_id,
)
from services.cases.translate import to_integration_event
from services.runtime.kernel.personal import text_of
from tests.unit.test_cases_case import (
    AOF,
    CONSENT,
    IOF,
    OPENED,
    RECEIVER,
    acknowledge,
    content,
    hand_over,
    open_case,
)

STARTS = OPENED + timedelta(days=7)
DEPUTY = "SE2120000001-D002"


def transferred(**changes: Any) -> tuple[Case, UUID]:
    case = open_case()
    handover_id = hand_over(case, content=content(**changes))
    acknowledge(case, handover_id)
    case.transfer_responsibility(handover_id, unit=AOF.hsa_id, at=OPENED, by=RECEIVER)
    return case, handover_id


def schedule(case: Case, handover_id: UUID, **changes: Any) -> FollowThrough:
    arguments: dict[str, Any] = {
        "subject_id": case.subject_id,
        "case_id": case.id,
        "handover": case.handover(handover_id),
        "unit": AOF.hsa_id,
        "role": Role.DEPUTY_UNIT_MANAGER,
        "other_units": [IOF.hsa_id],
        "trustee_invited": False,
        "starts_at": STARTS,
        "ends_at": STARTS + timedelta(hours=1),
        "location": "Socialkontoret, rum 3",
        "basis": Basis(LegalBasis.CONSENT, CONSENT),
        "at": OPENED,
        "by": DEPUTY,
    }
    arguments.update(changes)
    return FollowThrough.schedule(**arguments)


def hold(follow_through: FollowThrough, **changes: Any) -> None:
    arguments: dict[str, Any] = {
        "unit": AOF.hsa_id,
        "role": Role.DEPUTY_UNIT_MANAGER,
        "attended_units": [IOF.hsa_id],
        "trustee_attended": False,
        "plan": "Boendestöd två gånger i veckan; uppföljning om en månad.",
        "basis": Basis(LegalBasis.CONSENT, CONSENT),
        "at": STARTS + timedelta(hours=2),
        "by": DEPUTY,
    }
    arguments.update(changes)
    follow_through.record_held(**arguments)


def inform(follow_through: FollowThrough, at: datetime, **changes: Any) -> None:
    arguments: dict[str, Any] = {
        "unit": AOF.hsa_id,
        "role": Role.DEPUTY_UNIT_MANAGER,
        "informed_at": at,
        "manner": InformedManner.IN_PERSON,
        "at": at,
        "by": DEPUTY,
    }
    arguments.update(changes)
    follow_through.record_client_informed(**arguments)


def test_k12_the_receiving_deputy_books_holds_and_has_the_client_told() -> None:
    case, handover_id = transferred()
    follow_through = schedule(case, handover_id)
    hold(follow_through)
    inform(follow_through, STARTS + timedelta(days=1))

    assert follow_through.id == follow_through_id(handover_id)
    assert follow_through.units == [AOF.hsa_id, IOF.hsa_id]
    assert follow_through.status == "client_informed"
    assert (
        text_of(follow_through.plan) == "Boendestöd två gånger i veckan; uppföljning om en månad."
    )
    assert [type(e).__qualname__ for e in follow_through.collect_events()] == [
        "FollowThrough.Scheduled",
        "FollowThrough.Held",
        "FollowThrough.ClientInformed",
    ]


def test_k12_the_meeting_follows_the_transfer_of_responsibility() -> None:
    case = open_case()
    handover_id = hand_over(case)
    acknowledge(case, handover_id)

    with pytest.raises(FollowThroughConflict) as refused:
        schedule(case, handover_id)
    assert refused.value.rule == "K-12"


@pytest.mark.parametrize(
    ("unit", "role"),
    [
        (AOF.hsa_id, Role.CASEWORKER),  # the receiving unit, not its deputy
        (IOF.hsa_id, Role.DEPUTY_UNIT_MANAGER),  # the sending unit's deputy
    ],
)
def test_k12_only_the_receiving_units_deputy_holds_it(unit: str, role: Role) -> None:
    case, handover_id = transferred()
    with pytest.raises(NotTheReceivingDeputy):
        schedule(case, handover_id, unit=unit, role=role)
    follow_through = schedule(case, handover_id)
    with pytest.raises(NotTheReceivingDeputy):
        hold(follow_through, unit=unit, role=role)


def test_k12_a_trustee_the_handover_records_is_invited() -> None:
    case, handover_id = transferred(guardian="God man: Anna Andersson")

    with pytest.raises(FollowThroughInvalid) as refused:
        schedule(case, handover_id, trustee_invited=False)
    assert (refused.value.rule, refused.value.field) == ("K-12", "body.trustee_invited")
    assert schedule(case, handover_id, trustee_invited=True).trustee_expected


def test_k12_the_meeting_is_not_recorded_held_without_the_trustee() -> None:
    case, handover_id = transferred(guardian="Förvaltare: Bo Berg")
    follow_through = schedule(case, handover_id, trustee_invited=True)

    with pytest.raises(FollowThroughInvalid) as refused:
        hold(follow_through, trustee_attended=False)
    assert (refused.value.rule, refused.value.field) == ("K-12", "body.trustee_attended")
    hold(follow_through, trustee_attended=True)
    assert follow_through.trustee_attended is True


def test_k12_without_a_trustee_in_the_case_the_meeting_is_held_without_one() -> None:
    case, handover_id = transferred(guardian=None)
    follow_through = schedule(case, handover_id)
    hold(follow_through, trustee_attended=False)
    assert follow_through.status == "held"


def test_k12_the_meeting_makes_a_new_plan_once_it_has_started() -> None:
    case, handover_id = transferred()
    follow_through = schedule(case, handover_id)

    with pytest.raises(FollowThroughConflict):
        hold(follow_through, at=STARTS - timedelta(minutes=1))
    with pytest.raises(FollowThroughInvalid) as refused:
        hold(follow_through, plan="  ")
    assert refused.value.field == "body.plan"


def test_k12_the_client_is_told_after_the_meeting_and_once() -> None:
    case, handover_id = transferred()
    follow_through = schedule(case, handover_id)

    with pytest.raises(FollowThroughConflict):
        inform(follow_through, STARTS + timedelta(days=1))
    hold(follow_through)
    with pytest.raises(FollowThroughInvalid) as refused:
        inform(follow_through, STARTS + timedelta(days=1), informed_at=STARTS - timedelta(days=1))
    assert refused.value.field == "body.informed_at"
    inform(follow_through, STARTS + timedelta(days=1))
    with pytest.raises(FollowThroughConflict):
        inform(follow_through, STARTS + timedelta(days=2))


def test_c11_the_follow_through_meeting_needs_a_basis_to_share() -> None:
    case, handover_id = transferred()

    with pytest.raises(FollowThroughWithoutBasis) as refused:
        schedule(case, handover_id, basis=None)
    assert refused.value.rule == "C-11"
    follow_through = schedule(case, handover_id)
    with pytest.raises(FollowThroughWithoutBasis):
        hold(follow_through, basis=None)


def test_k12_each_step_is_public_and_the_new_plan_and_trustee_stay_in_cases() -> None:
    case, handover_id = transferred(guardian="God man: Anna Andersson")
    follow_through = schedule(case, handover_id, trustee_invited=True)
    hold(follow_through, trustee_attended=True)
    inform(follow_through, STARTS + timedelta(days=1))

    published = [to_integration_event(e) for e in follow_through.collect_events()]

    assert [type(p).__name__ for p in published] == [
        "FollowThroughMeetingScheduled",
        "FollowThroughMeetingHeld",
        "ClientInformedOfCaseCourse",
    ]
    scheduled, held, informed = published
    assert isinstance(scheduled, FollowThroughMeetingScheduled)
    assert (scheduled.follow_through_id, scheduled.handover_id) == (follow_through.id, handover_id)
    assert scheduled.units == (AOF.hsa_id, IOF.hsa_id)
    assert isinstance(held, FollowThroughMeetingHeld)
    assert held.trustee_attended
    assert isinstance(informed, ClientInformedOfCaseCourse)
    assert informed.manner is InformedManner.IN_PERSON
    text = " ".join(p.model_dump_json() for p in published if p is not None)
    for personal in ("Boendestöd", "Anna", "rum 3"):
        assert personal not in text
