"""The case aggregate: decisions and closing (K-3), age transitions (K-4), handover (K-5, C-8)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.application import Application
from eventsourcing.utils import resolve_topic

from contracts import CaseDecision, ClosingReason, Role, UnitKind
from contracts.vocabulary import TargetGroup
from services.cases.domain import (
    AgeTransitionInvalid,
    Case,
    CaseAlreadyClosed,
    CorrectionConflict,
    HandoverConflict,
    HandoverContent,
    HandoverIncomplete,
    HandoverWithoutConsent,
    InterventionBeforeTransfer,
    Need,
    NotInvolved,
    ReceivingUnitDecides,
    Unit,
    route,
)
from services.runtime.kernel.personal import text_of
from services.runtime.store.application import OutboxApplication
from services.runtime.store.sealing import SealsPersonalData

SUBJECT = "e" * 64
IOF = Unit("SE2120000001-IOF1", UnitKind.IOF, "0180")
AOF = Unit("SE2120000001-AOF1", UnitKind.AOF, "0180")
OTHER_UNIT = "SE2321000016-HC01"
STAFF = "SE2120000001-S101"
RECEIVER = "SE2120000001-S202"
OPENED = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
CONSENT = UUID("0b8e7a55-61f6-4d7e-9a57-0b5b1c4f3a10")
YOUTH_BIRTH = date(2007, 9, 1)  # 19 on 1 September 2026, announce by 1 March 2026


def open_case(
    birth: date = YOUTH_BIRTH, needs: list[Need] | None = None, unit: Unit = IOF, **extra: Any
) -> Case:
    routing = route(
        birth_date=birth,
        received_at=OPENED,
        needs=needs or [Need.CHILD_WELFARE],
        known_child_case=False,
    )
    case = Case.open(
        subject_id=SUBJECT,
        unit=unit,
        routing=routing,
        received_at=OPENED,
        opened_at=OPENED,
        opened_by=STAFF,
        birth_date=birth,
        placed_by_family_care=extra.pop("placed_by_family_care", False),
        **extra,
    )
    return case


def decide(
    case: Case,
    decision: CaseDecision,
    *,
    unit: str = IOF.hsa_id,
    affects_planning: bool = True,
    at: datetime = OPENED,
    by: str = STAFF,
    notified: list[str] | None = None,
) -> None:
    """A decision (K-3) with the child's perspective considered; the units to notify are
    those the caseworker names."""
    case.record_decision(
        unit=unit,
        decision=decision,
        affects_planning=affects_planning,
        child_perspective_considered=True,
        children_in_household=None,
        at=at,
        by=by,
        notified_units=[] if notified is None else notified,
    )


def content(**changes: Any) -> HandoverContent:
    parts: dict[str, Any] = {
        "background_and_family": "Bor med mamma och två syskon.",
        "guardian": None,
        "current_situation": "Går i gymnasiet, hög frånvaro.",
        "problems_and_earlier_investigations": "Utredd för adhd 2022.",
        "ongoing_interventions_and_planning": "Kontaktperson en gång i veckan.",
    }
    parts.update(changes)
    return HandoverContent(**parts)


def hand_over(case: Case, at: datetime = OPENED, **changes: Any) -> UUID:
    arguments: dict[str, Any] = {
        "unit": IOF.hsa_id,
        "to_unit": AOF,
        "content": content(),
        "consent_id": CONSENT,
        "at": at,
        "by": STAFF,
        "acknowledge_by": date(2026, 1, 15),
    }
    arguments.update(changes)
    return case.request_handover(**arguments)


def acknowledge(case: Case, handover_id: UUID) -> None:
    """Adult care's receiving caseworker acknowledges the handover (K-5)."""
    case.acknowledge_handover(
        handover_id, unit=AOF.hsa_id, receiving_caseworker=RECEIVER, at=OPENED, by=RECEIVER
    )


def kinds(case: Case) -> list[str]:
    return [type(e).__qualname__ for e in case.collect_events()]


# --- K-1: what a case remembers of its routing ---------------------------------------------


def test_k1_a_case_records_its_routing_rule_and_reason() -> None:
    case = open_case(date(1990, 1, 1), [Need.SUBSTANCE_MISUSE])

    assert case.routing == {
        "unit_kind": "IOF",
        "rule": "K-1",
        "reason": "adult_iof_need",
        "age_on_arrival": 36,
        "arrived_on": date(2026, 1, 12),
    }
    assert not case.child_and_youth
    assert case.birth_date is None, "only child & youth cases keep the birth date"
    assert case.transition is None


def test_k1_a_parallel_investigation_names_the_case_it_runs_beside() -> None:
    first = open_case(date(1990, 1, 1), [Need.SUBSTANCE_MISUSE, Need.MENTAL_ILLNESS])
    parallel = open_case(
        date(1990, 1, 1), [Need.SUBSTANCE_MISUSE, Need.MENTAL_ILLNESS], AOF, parallel_to=first.id
    )

    assert parallel.parallel_to == first.id
    assert parallel.routing is None
    assert kinds(parallel) == ["Case.Opened", "Case.OpenedInParallel"]


# --- K-3: decisions and closing reach the other units ----------------------------------


def test_k3_a_decision_that_affects_planning_notifies_the_other_units() -> None:
    case = open_case()
    decide(case, CaseDecision.INTERVENTION_GRANTED, notified=[AOF.hsa_id, IOF.hsa_id, AOF.hsa_id])

    assert case.decisions[-1]["notified_units"] == [AOF.hsa_id]


def test_k3_a_decision_that_affects_no_planning_notifies_nobody() -> None:
    case = open_case()
    decide(case, CaseDecision.INVESTIGATION_OPENED, affects_planning=False, notified=[AOF.hsa_id])

    assert case.decisions[-1]["notified_units"] == []


def test_k3_only_the_unit_holding_the_case_decides_or_closes() -> None:
    case = open_case()
    with pytest.raises(NotInvolved) as error:
        decide(case, CaseDecision.INVESTIGATION_OPENED, unit=OTHER_UNIT)
    assert error.value.status == 403
    with pytest.raises(NotInvolved):
        case.close(
            unit=OTHER_UNIT, reason=ClosingReason.OTHER, at=OPENED, by=STAFF, notified_units=[]
        )


def test_k3_closing_notifies_the_other_units_and_ends_the_case() -> None:
    case = open_case()
    case.close(
        unit=IOF.hsa_id,
        reason=ClosingReason.NEEDS_MET,
        at=OPENED + timedelta(days=30),
        by=STAFF,
        notified_units=[AOF.hsa_id],
    )

    assert not case.is_open
    assert case.closing_reason == "needs_met"
    with pytest.raises(CaseAlreadyClosed) as error:
        decide(case, CaseDecision.INVESTIGATION_OPENED, at=OPENED + timedelta(days=31))
    assert (error.value.rule, error.value.status) == ("K-3", 409)


# --- K-4: age transitions ------------------------------------------------------------------


def test_k4_a_child_and_youth_case_schedules_its_transition() -> None:
    case = open_case()

    assert case.child_and_youth
    assert case.transition is not None
    assert (case.transition.transition_on, case.transition.announce_by) == (
        date(2026, 9, 1),
        date(2026, 3, 1),
    )


def test_k4_due_exactly_at_the_start_of_the_announcement_day_and_only_once() -> None:
    case = open_case()
    start_of_announcement_day = datetime(2026, 2, 28, 23, 0, tzinfo=UTC)

    assert case.raise_due(start_of_announcement_day - timedelta(microseconds=1)) == []
    assert case.raise_due(start_of_announcement_day) == ["age_transition_due"]
    assert case.raise_due(start_of_announcement_day + timedelta(hours=12)) == []


def test_k4_overdue_once_the_announcement_day_has_passed_unannounced() -> None:
    case = open_case()
    end_of_announcement_day = datetime(2026, 3, 1, 23, 0, tzinfo=UTC)

    assert case.raise_due(end_of_announcement_day - timedelta(microseconds=1)) == [
        "age_transition_due"
    ]
    assert case.raise_due(end_of_announcement_day) == ["age_transition_overdue"]
    assert case.raise_due(end_of_announcement_day + timedelta(days=30)) == []


def test_k4_announced_on_the_announcement_day_is_in_time() -> None:
    case = open_case()
    case.raise_due(datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    case.announce_age_transition(
        unit=IOF.hsa_id,
        to_unit=AOF,
        continued_support_needed=True,
        at=datetime(2026, 3, 1, 22, 59, tzinfo=UTC),  # 23:59 in Stockholm
        by=STAFF,
    )

    assert case.raise_due(datetime(2026, 4, 1, tzinfo=UTC)) == []
    assert case.announced_to == AOF.hsa_id


BIRTHDAY_STARTS = datetime(2026, 8, 31, 22, 0, tzinfo=UTC)  # 1 September in Stockholm


def test_k4_from_the_birthday_the_receiving_unit_decides_and_the_youth_unit_is_refused() -> None:
    case = open_case()
    case.announce_age_transition(
        unit=IOF.hsa_id, to_unit=AOF, continued_support_needed=True, at=OPENED, by=STAFF
    )
    assert AOF.hsa_id in case.involved_units  # it reads the case it takes over
    before = BIRTHDAY_STARTS - timedelta(seconds=1)
    decide(case, CaseDecision.INVESTIGATION_OPENED, unit=IOF.hsa_id, at=before)
    with pytest.raises(NotInvolved):
        decide(case, CaseDecision.INVESTIGATION_OPENED, unit=AOF.hsa_id, at=before)

    with pytest.raises(ReceivingUnitDecides) as refused:
        decide(case, CaseDecision.INTERVENTION_GRANTED, unit=IOF.hsa_id, at=BIRTHDAY_STARTS)
    assert refused.value.rule == "K-4"
    decide(case, CaseDecision.INTERVENTION_GRANTED, unit=AOF.hsa_id, at=BIRTHDAY_STARTS)
    assert case.decisions[-1]["unit"] == AOF.hsa_id


def test_k4_without_continued_support_nobody_takes_over_at_the_birthday() -> None:
    case = open_case()
    case.announce_age_transition(
        unit=IOF.hsa_id, to_unit=AOF, continued_support_needed=False, at=OPENED, by=STAFF
    )
    assert AOF.hsa_id not in case.involved_units
    with pytest.raises(NotInvolved):
        decide(case, CaseDecision.INTERVENTION_GRANTED, unit=AOF.hsa_id, at=BIRTHDAY_STARTS)
    decide(case, CaseDecision.INTERVENTION_ENDED, unit=IOF.hsa_id, at=BIRTHDAY_STARTS)


def test_k4_announced_early_raises_no_reminder() -> None:
    case = open_case()
    case.announce_age_transition(
        unit=IOF.hsa_id, to_unit=AOF, continued_support_needed=False, at=OPENED, by=STAFF
    )

    assert case.raise_due(datetime(2026, 9, 2, tzinfo=UTC)) == []


def test_k4_announcement_is_the_youth_units_once() -> None:
    case = open_case()
    with pytest.raises(NotInvolved) as error:
        case.announce_age_transition(
            unit=AOF.hsa_id, to_unit=AOF, continued_support_needed=True, at=OPENED, by=STAFF
        )
    assert error.value.rule == "K-4"
    with pytest.raises(AgeTransitionInvalid, match="to_unit"):
        case.announce_age_transition(
            unit=IOF.hsa_id, to_unit=IOF, continued_support_needed=True, at=OPENED, by=STAFF
        )
    case.announce_age_transition(
        unit=IOF.hsa_id, to_unit=AOF, continued_support_needed=True, at=OPENED, by=STAFF
    )
    with pytest.raises(AgeTransitionInvalid):
        case.announce_age_transition(
            unit=IOF.hsa_id, to_unit=AOF, continued_support_needed=True, at=OPENED, by=STAFF
        )


def test_k4_an_adult_case_has_no_age_transition() -> None:
    case = open_case(date(1990, 1, 1), [Need.SUBSTANCE_MISUSE])

    with pytest.raises(AgeTransitionInvalid):
        case.announce_age_transition(
            unit=IOF.hsa_id, to_unit=AOF, continued_support_needed=True, at=OPENED, by=STAFF
        )
    with pytest.raises(AgeTransitionInvalid):
        case.record_family_care_placement(unit=IOF.hsa_id, at=OPENED, by=STAFF)


def test_k4_a_family_care_placement_moves_the_transition_to_the_21st_birthday() -> None:
    case = open_case()
    assert case.raise_due(datetime(2026, 3, 1, 12, tzinfo=UTC)) == ["age_transition_due"]

    case.record_family_care_placement(
        unit=IOF.hsa_id, at=datetime(2026, 3, 1, 13, tzinfo=UTC), by=STAFF
    )

    assert case.transition is not None
    assert case.transition.transition_on == date(2028, 9, 1)
    assert case.raise_due(datetime(2026, 3, 5, tzinfo=UTC)) == [], "not overdue for the 19th"
    assert case.raise_due(datetime(2028, 3, 1, tzinfo=UTC)) == ["age_transition_due"]
    with pytest.raises(AgeTransitionInvalid):
        case.record_family_care_placement(unit=IOF.hsa_id, at=OPENED, by=STAFF)


def test_k4_a_closed_case_raises_nothing() -> None:
    case = open_case()
    case.close(
        unit=IOF.hsa_id, reason=ClosingReason.MOVED_AWAY, at=OPENED, by=STAFF, notified_units=[]
    )

    assert case.raise_due(datetime(2027, 1, 1, tzinfo=UTC)) == []


def test_k4_a_case_transferred_to_the_adult_unit_raises_nothing() -> None:
    case = open_case()
    handover_id = hand_over(case)
    acknowledge(case, handover_id)
    case.transfer_responsibility(handover_id, unit=AOF.hsa_id, at=OPENED, by=RECEIVER)

    assert case.raise_due(datetime(2027, 1, 1, tzinfo=UTC)) == []


# --- K-5, C-8: handover ---------------------------------------------------------------


def test_c8_no_handover_without_consent() -> None:
    case = open_case()
    with pytest.raises(HandoverWithoutConsent) as error:
        hand_over(case, consent_id=None)

    assert (error.value.rule, error.value.status) == ("C-8", 409)
    assert case.handovers == {}


@pytest.mark.parametrize(
    "part",
    [
        "background_and_family",
        "current_situation",
        "problems_and_earlier_investigations",
        "ongoing_interventions_and_planning",
    ],
)
def test_k5_every_mandatory_handover_part_is_required(part: str) -> None:
    case = open_case()
    with pytest.raises(HandoverIncomplete) as error:
        hand_over(case, content=content(**{part: "  "}))

    assert error.value.field == f"body.content.{part}"
    assert error.value.rule == "K-5"
    assert case.handovers == {}


def test_k5_guardian_is_given_only_if_there_is_one() -> None:
    case = open_case()
    handover_id = hand_over(case, content=content(guardian="Förmyndare enligt beslut 2024."))

    assert (
        text_of(case.handover(handover_id).content["guardian"]) == "Förmyndare enligt beslut 2024."
    )


def test_k5_hand_over_to_another_unit_one_at_a_time() -> None:
    case = open_case()
    with pytest.raises(HandoverIncomplete, match="to_unit"):
        hand_over(case, to_unit=IOF)
    hand_over(case)
    with pytest.raises(HandoverConflict):
        hand_over(case)


def test_k5_only_the_receiving_unit_acknowledges_and_only_once() -> None:
    case = open_case()
    handover_id = hand_over(case)
    with pytest.raises(NotInvolved):
        case.acknowledge_handover(
            handover_id, unit=IOF.hsa_id, receiving_caseworker=RECEIVER, at=OPENED, by=STAFF
        )
    acknowledge(case, handover_id)
    with pytest.raises(HandoverConflict, match="already acknowledged") as error:
        acknowledge(case, handover_id)

    assert (error.value.rule, error.value.status) == ("K-5", 409)
    assert case.handover(handover_id).receiving_caseworker == RECEIVER


def test_k5_receiving_unit_may_investigate_but_not_decide_interventions_before_transfer() -> None:
    case = open_case()
    handover_id = hand_over(case)
    acknowledge(case, handover_id)

    decide(
        case, CaseDecision.INVESTIGATION_OPENED, unit=AOF.hsa_id, by=RECEIVER, notified=[IOF.hsa_id]
    )
    with pytest.raises(InterventionBeforeTransfer) as error:
        decide(
            case,
            CaseDecision.INTERVENTION_GRANTED,
            unit=AOF.hsa_id,
            by=RECEIVER,
            notified=[IOF.hsa_id],
        )
    assert error.value.field == "body.decision"
    decide(case, CaseDecision.INTERVENTION_GRANTED, notified=[AOF.hsa_id])


def test_k5_responsibility_transfers_only_explicitly_after_acknowledgement() -> None:
    case = open_case()
    handover_id = hand_over(case)
    with pytest.raises(HandoverConflict, match="acknowledged"):
        case.transfer_responsibility(handover_id, unit=IOF.hsa_id, at=OPENED, by=STAFF)
    acknowledge(case, handover_id)
    assert case.unit == IOF.hsa_id, "acknowledging does not move responsibility"

    case.transfer_responsibility(handover_id, unit=IOF.hsa_id, at=OPENED, by=STAFF)

    assert (case.unit, case.unit_kind, case.caseworker) == (AOF.hsa_id, "AOF", RECEIVER)
    with pytest.raises(NotInvolved):
        decide(case, CaseDecision.INTERVENTION_ENDED)
    with pytest.raises(HandoverConflict):
        case.transfer_responsibility(handover_id, unit=AOF.hsa_id, at=OPENED, by=RECEIVER)


def test_k5_acknowledgement_overdue_after_the_last_working_day_once() -> None:
    case = open_case(date(1990, 1, 1), [Need.SUBSTANCE_MISUSE])
    handover_id = hand_over(case, acknowledge_by=date(2026, 1, 15))
    last_instant = datetime(2026, 1, 15, 22, 59, 59, tzinfo=UTC)  # 23:59:59 in Stockholm

    assert case.raise_due(last_instant) == []
    assert case.raise_due(last_instant + timedelta(seconds=1)) == [
        "handover_acknowledgement_overdue"
    ]
    assert case.raise_due(last_instant + timedelta(days=5)) == []
    # Late is better than never: it can still be acknowledged.
    acknowledge(case, handover_id)


def test_k5_an_acknowledged_handover_is_never_overdue() -> None:
    case = open_case(date(1990, 1, 1), [Need.SUBSTANCE_MISUSE])
    handover_id = hand_over(case)
    acknowledge(case, handover_id)

    assert case.raise_due(datetime(2026, 2, 1, tzinfo=UTC)) == []


def test_k5_a_case_replays_to_the_same_handover_state() -> None:
    case = open_case()
    handover_id = hand_over(case)
    acknowledge(case, handover_id)

    replayed: Any = None
    for domain_event in case.collect_events():
        replayed = domain_event.mutate(replayed)

    assert isinstance(replayed, Case)
    assert replayed.handover(handover_id).status == "acknowledged"
    assert replayed.involved_units == [IOF.hsa_id, AOF.hsa_id]
    assert replayed.handover(handover_id).consent_id == CONSENT


# --- the events keep their stored topics -----------------------------------------------


class Store(SealsPersonalData, OutboxApplication, Application[UUID]):
    """An in-memory store that maps events as the cases service's does (sealing included)."""


CASE_TOPIC = "services.cases.domain.case:Case"


def every_event_recorded() -> tuple[Case, Case]:
    """A youth's case through its whole life, and one opened beside it: all 16 events."""
    youth = open_case()
    decide(youth, CaseDecision.INTERVENTION_GRANTED, notified=[AOF.hsa_id])
    assert youth.set_target_groups(
        unit=IOF.hsa_id,
        role=Role.CASEWORKER,
        groups=[TargetGroup.CHILDREN_AND_YOUTH, TargetGroup.EXPOSED_TO_VIOLENCE],
        at=OPENED + timedelta(days=1),
        by=STAFF,
    )
    handover_id = hand_over(youth, acknowledge_by=date(2026, 1, 15))
    assert youth.raise_due(datetime(2026, 3, 2, tzinfo=UTC)) == [
        "age_transition_due",
        "age_transition_overdue",
        "handover_acknowledgement_overdue",
    ]
    youth.record_family_care_placement(
        unit=IOF.hsa_id, at=datetime(2026, 3, 2, 9, tzinfo=UTC), by=STAFF
    )
    youth.announce_age_transition(
        unit=IOF.hsa_id,
        to_unit=AOF,
        continued_support_needed=True,
        at=datetime(2026, 3, 3, 9, tzinfo=UTC),
        by=STAFF,
    )
    acknowledge(youth, handover_id)
    youth.transfer_responsibility(handover_id, unit=AOF.hsa_id, at=OPENED, by=RECEIVER)
    youth.close(
        unit=AOF.hsa_id,
        reason=ClosingReason.NEEDS_MET,
        at=datetime(2026, 4, 1, tzinfo=UTC),
        by=RECEIVER,
        notified_units=[IOF.hsa_id],
    )
    beside = open_case(
        date(1990, 1, 1), [Need.SUBSTANCE_MISUSE, Need.MENTAL_ILLNESS], AOF, parallel_to=youth.id
    )
    return youth, beside


def test_the_cases_events_keep_their_stored_topics_after_its_rules_moved_out() -> None:
    """The rules after the opening live in modules of their own (case_decisions,
    case_target_groups, case_transitions, case_handovers, case_deadlines); the events stay
    declared on Case, so each is stored as it always was, its personal data sealed as
    before, and an event stored under that topic before the move reads back the same."""
    store = Store()
    youth, beside = every_event_recorded()
    store.save(youth, beside)

    stored = [*store.recorder.select_events(youth.id), *store.recorder.select_events(beside.id)]
    assert {event.topic.removeprefix(f"{CASE_TOPIC}.") for event in stored} == {
        "Opened",
        "Routed",
        "OpenedInParallel",
        "AgeTransitionScheduled",
        "FamilyCarePlacementRecorded",
        "AgeTransitionAnnounced",
        "AgeTransitionDueRaised",
        "AgeTransitionOverdueRaised",
        "TargetGroupsChanged",
        "DecisionRecorded",
        "DecisionNotified",
        "HandoverRequested",
        "HandoverAcknowledged",
        "HandoverAcknowledgementOverdueRaised",
        "ResponsibilityTransferred",
        "Closed",
    }
    for event in stored:
        assert resolve_topic(event.topic) is getattr(Case, event.topic.rpartition(".")[2])
    at_rest = b"".join(event.state for event in stored).decode("utf-8", "replace")
    assert content().current_situation not in at_rest, "the handover's content is sealed"

    for case in (youth, beside):
        read = store.repository.get(case.id)
        assert {k: vars(h) for k, h in read.handovers.items()} == {
            k: vars(h) for k, h in case.handovers.items()
        }
        assert {k: v for k, v in vars(read).items() if k != "handovers"} == {
            k: v for k, v in vars(case).items() if k != "handovers"
        }
    read = store.repository.get(youth.id)
    assert (read.unit, read.caseworker, read.is_open) == (AOF.hsa_id, RECEIVER, False)
    assert read.transition is not None
    assert read.transition.transition_on == date(2028, 9, 1)
    assert store.repository.get(beside.id).parallel_to == youth.id


# --- plans change (W-2) ------------------------------------------------------------------


def test_w2_k5_a_declined_handover_leaves_the_case_with_its_unit_and_frees_a_new_one() -> None:
    case = open_case()
    handover_id = hand_over(case)
    case.decline_handover(handover_id, unit=AOF.hsa_id, reason="Fel enhet.", at=OPENED, by=RECEIVER)

    assert case.handover(handover_id).status == "declined"
    assert (case.unit, case.open_handover) == (IOF.hsa_id, None)
    assert case.raise_due(OPENED + timedelta(days=30)) == []  # no acknowledgement overdue
    assert hand_over(case) != handover_id


def test_w2_k5_a_withdrawal_is_the_senders_and_comes_before_the_transfer() -> None:
    case = open_case()
    handover_id = hand_over(case)
    with pytest.raises(NotInvolved):
        case.withdraw_handover(handover_id, unit=AOF.hsa_id, reason="Nej.", at=OPENED, by=STAFF)
    acknowledge(case, handover_id)
    with pytest.raises(HandoverConflict):  # acknowledged: too late to decline
        case.decline_handover(handover_id, unit=AOF.hsa_id, reason="Nej.", at=OPENED, by=STAFF)
    case.withdraw_handover(handover_id, unit=IOF.hsa_id, reason="Stannar.", at=OPENED, by=STAFF)

    assert case.handover(handover_id).status == "withdrawn"
    with pytest.raises(HandoverConflict):
        case.transfer_responsibility(handover_id, unit=IOF.hsa_id, at=OPENED, by=STAFF)


def test_w2_k1_a_correction_keeps_the_old_value_and_refuses_another_department() -> None:
    case = open_case(needs=[Need.CHILD_WELFARE])
    correct = {
        "subject_id": SUBJECT,
        "birth_date": YOUTH_BIRTH,
        "known_child_case": False,
        "received_at": None,
        "reason": "Våld nämndes.",
        "unit": IOF.hsa_id,
        "at": OPENED,
        "by": STAFF,
    }
    with pytest.raises(CorrectionConflict):  # a child with disability alone: AOF (K-1)
        case.correct_facts(needs=[Need.DISABILITY], **correct)
    case.correct_facts(needs=[Need.CHILD_WELFARE, Need.RELATIONSHIP_VIOLENCE], **correct)

    assert case.needs == ["child_welfare", "relationship_violence"]
    assert case.corrections[0]["previous_needs"] == ["child_welfare"]
