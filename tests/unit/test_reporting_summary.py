"""D-2 step 2 and D-3: the joint summary signed by both sides, then feedback to every party."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from contracts import Role
from services.reporting.domain import (
    AlreadySummarised,
    Deviation,
    NoSummaryProposed,
    NotASideOfTheDeviation,
    OnlyDeputyUnitManagerOrAboveMayReport,
    Signer,
    SummaryNeedsBothSides,
    sides_of_summary,
)
from services.reporting.translate import to_integration_event
from tests.unit.test_reporting_domain import (
    AT,
    HEALTH_UNIT,
    PSYCHIATRY_UNIT,
    SOCIAL_UNIT,
    report,
)

LATER = AT + timedelta(days=9)
OTHER_UNIT = "SE2021000076-PL01"


def signed(org: str, hsa_id: str, role: Role = Role.UNIT_MANAGER) -> Signer:
    return Signer(role=role, hsa_id=hsa_id, org_id=org, name="Testa Testsson", title="Enhetschef")


def propose(
    deviation: Deviation,
    org: str = HEALTH_UNIT,
    role: Role = Role.DEPUTY_UNIT_MANAGER,
    **changes: Any,
) -> None:
    fields: dict[str, Any] = {
        "signer": signed(org, f"{org[:13]}X001", role),
        "solution": "Discharge notes go through the shared routine from now on.",
        "remaining_problems": "Weekend discharges are not yet covered.",
        "at": LATER,
    }
    fields.update(changes)
    deviation.propose_summary(**fields)


def test_d2_step_two_is_signed_by_both_sides_and_feedback_reaches_every_party() -> None:
    deviation = report(affected_orgs=[SOCIAL_UNIT, PSYCHIATRY_UNIT])
    propose(deviation, HEALTH_UNIT)
    assert not deviation.summarised

    parties = deviation.countersign(
        signer=signed(SOCIAL_UNIT, "SE2120000001-S009", Role.UNIT_MANAGER), at=LATER
    )

    assert deviation.summarised_at == LATER
    assert parties == [HEALTH_UNIT, SOCIAL_UNIT, PSYCHIATRY_UNIT]
    assert deviation.feedback_to == parties
    # Both parts are stored: step 1 is untouched by step 2.
    assert deviation.what_happened.text == "The discharge note never reached social services."
    public = [to_integration_event(e) for e in deviation.collect_events()]
    kinds = [type(e).__name__ for e in public if e is not None]
    assert kinds == [
        "DeviationReported",
        "DeviationSummarised",
        "DeviationFeedbackSent",
        "DeviationFeedbackSent",
        "DeviationFeedbackSent",
    ]
    summarised = public[2]
    assert summarised is not None
    assert summarised.model_dump()["signed_by_orgs"] == (HEALTH_UNIT, SOCIAL_UNIT)
    for event in public:
        dumped = str(event.model_dump()) if event else ""
        assert "Weekend" not in dumped
        assert "Testa" not in dumped


def test_d2_the_affected_side_may_propose_and_the_reporter_countersign() -> None:
    deviation = report()
    propose(deviation, SOCIAL_UNIT)
    deviation.countersign(
        signer=signed(HEALTH_UNIT, "SE2321000016-H001", Role.DEPUTY_UNIT_MANAGER), at=LATER
    )
    assert deviation.summarised


def test_d2_a_single_signature_is_not_a_joint_summary() -> None:
    deviation = report()
    propose(deviation, HEALTH_UNIT)
    same_person = signed(HEALTH_UNIT, f"{HEALTH_UNIT[:13]}X001")
    with pytest.raises(SummaryNeedsBothSides) as raised:
        deviation.countersign(signer=same_person, at=LATER)
    assert raised.value.rule == "D-2"
    same_side = signed(HEALTH_UNIT, "SE2321000016-H777")
    with pytest.raises(SummaryNeedsBothSides):
        deviation.countersign(signer=same_side, at=LATER)
    assert not deviation.summarised


def test_d2_countersigning_needs_a_proposal_first() -> None:
    with pytest.raises(NoSummaryProposed) as raised:
        report().countersign(
            signer=signed(SOCIAL_UNIT, "SE2120000001-S009", Role.UNIT_MANAGER), at=LATER
        )
    assert raised.value.rule == "D-2"


def test_d2_an_organisation_the_deviation_does_not_concern_may_not_sign() -> None:
    deviation = report()
    with pytest.raises(NotASideOfTheDeviation):
        propose(deviation, OTHER_UNIT)
    propose(deviation, HEALTH_UNIT)
    with pytest.raises(NotASideOfTheDeviation) as raised:
        deviation.countersign(
            signer=signed(OTHER_UNIT, "SE2021000076-P009", Role.UNIT_MANAGER), at=LATER
        )
    assert raised.value.status == 403


def test_d2_a_caseworker_may_not_sign_the_joint_summary() -> None:
    deviation = report()
    with pytest.raises(OnlyDeputyUnitManagerOrAboveMayReport):
        propose(deviation, HEALTH_UNIT, Role.CASEWORKER)


def test_d2_a_signed_summary_is_not_changed() -> None:
    deviation = report()
    propose(deviation, HEALTH_UNIT)
    deviation.countersign(
        signer=signed(SOCIAL_UNIT, "SE2120000001-S009", Role.UNIT_MANAGER), at=LATER
    )
    with pytest.raises(AlreadySummarised):
        propose(deviation, SOCIAL_UNIT)


def test_d2_a_new_proposal_replaces_an_unsigned_one() -> None:
    deviation = report()
    propose(deviation, HEALTH_UNIT)
    propose(deviation, SOCIAL_UNIT, solution="A shared checklist at discharge.")
    assert deviation.solution is not None
    assert deviation.solution.text == "A shared checklist at discharge."
    assert deviation.proposed_by is not None
    assert deviation.proposed_by.org_id == SOCIAL_UNIT


@pytest.mark.parametrize(
    ("reporting_org", "affected", "first", "second", "allowed"),
    [
        (HEALTH_UNIT, [SOCIAL_UNIT], HEALTH_UNIT, SOCIAL_UNIT, True),
        (HEALTH_UNIT, [SOCIAL_UNIT, PSYCHIATRY_UNIT], SOCIAL_UNIT, PSYCHIATRY_UNIT, False),
        (None, [SOCIAL_UNIT, PSYCHIATRY_UNIT], SOCIAL_UNIT, PSYCHIATRY_UNIT, True),
        (None, [SOCIAL_UNIT, PSYCHIATRY_UNIT], SOCIAL_UNIT, OTHER_UNIT, False),
        (None, [SOCIAL_UNIT], OTHER_UNIT, SOCIAL_UNIT, True),
        (None, [SOCIAL_UNIT], OTHER_UNIT, HEALTH_UNIT, False),
        (None, [], OTHER_UNIT, HEALTH_UNIT, True),
        (None, [], HEALTH_UNIT, HEALTH_UNIT, False),
    ],
)
def test_d2_the_two_sides_of_a_joint_summary(
    reporting_org: str | None, affected: list[str], first: str, second: str, allowed: bool
) -> None:
    assert sides_of_summary(reporting_org, affected, first, second) is allowed


def test_d7_a_detected_deviation_is_summarised_by_two_concerned_organisations() -> None:
    deviation = Deviation.detect(
        deviation_id=uuid4(),
        rule="E-3",
        source_type="se.samverkan.escalation.RedThreadMeetingOverdue.v1",
        source_event_id=uuid4(),
        affected_orgs=[SOCIAL_UNIT, PSYCHIATRY_UNIT],
        what_happened="No meeting within 14 days.",
        detected_at=datetime(2026, 3, 17, 23, 0, tzinfo=UTC),
        subject_id=None,
    )
    assert deviation.category == "routines"
    assert deviation.reporting_org is None
    propose(deviation, PSYCHIATRY_UNIT)
    assert deviation.countersign(
        signer=signed(SOCIAL_UNIT, "SE2120000001-S009", Role.UNIT_MANAGER), at=LATER
    ) == [SOCIAL_UNIT, PSYCHIATRY_UNIT]


def detected(affected: list[str]) -> Deviation:
    return Deviation.detect(
        deviation_id=uuid4(),
        rule="E-3",
        source_type="se.samverkan.escalation.RedThreadMeetingOverdue.v1",
        source_event_id=uuid4(),
        affected_orgs=affected,
        what_happened="No meeting within 14 days.",
        detected_at=datetime(2026, 3, 17, 23, 0, tzinfo=UTC),
        subject_id=None,
    )


@pytest.mark.parametrize(
    ("deviation", "proposed_by", "countersigners"),
    [
        (
            report(affected_orgs=[SOCIAL_UNIT, PSYCHIATRY_UNIT]),
            HEALTH_UNIT,
            [SOCIAL_UNIT, PSYCHIATRY_UNIT],
        ),
        (report(affected_orgs=[SOCIAL_UNIT, PSYCHIATRY_UNIT]), SOCIAL_UNIT, [HEALTH_UNIT]),
        (detected([SOCIAL_UNIT, PSYCHIATRY_UNIT]), SOCIAL_UNIT, [PSYCHIATRY_UNIT]),
        (detected([SOCIAL_UNIT]), OTHER_UNIT, [SOCIAL_UNIT]),
        # The other side is the unit the dialogue was held with: not named, on no list.
        (detected([SOCIAL_UNIT]), SOCIAL_UNIT, []),
        (detected([]), OTHER_UNIT, []),
    ],
)
def test_d2_w1_who_countersigns_a_proposed_summary_is_the_named_other_side(
    deviation: Deviation, proposed_by: str, countersigners: list[str]
) -> None:
    assert deviation.countersigners(proposed_by) == countersigners
