"""Plans change (W-2) in the cases service, on real stores: a handover declined by the
receiving unit or withdrawn by the sending one, a SIP closed early, a case's registered
facts corrected, each with a reason and an event, each refused with its rule when the
state does not allow it; the work lists (W-1) and the deadlines (D-7) follow."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from contracts import ClosingReason, Purpose, SipProposer
from services.cases.application import (
    CasesApplication,
    CorrectFacts,
    EstablishSip,
    ProposeSip,
    RecordSipFollowUp,
    RequestHandover,
)
from services.cases.domain import (
    Case,
    CaseAlreadyClosed,
    CorrectionConflict,
    CorrectionInvalid,
    HandoverConflict,
    NotInSip,
    NotInvolved,
    Participants,
    ReasonRequired,
    ReportInvalid,
    Sip,
    SipAlreadyClosed,
)
from services.cases.domain.routing import Need
from services.runtime.kernel.actor import NotAParty
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from tests.integration.test_cases_application import (
    ADULT,
    AT,
    AT_AOF,
    AT_IOF,
    AT_REGION,
    CONTENT,
    PLAN,
    RECEIVER,
    REGION,
    UNITS,
    YOUTH,
    learn_consent,
    published,
    register,
)
from tests.integration.test_cases_work_list import listed
from tests.unit.units import AOF, IOF

LATER = AT + timedelta(hours=2)
YOUNG_ADULT = "c3" * 32


@pytest.fixture
def application(backend_settings: RuntimeSettings) -> Iterator[CasesApplication]:
    app = CasesApplication(
        env=store_env(backend_settings, "cases"), units=UNITS, acknowledgement_working_days=3
    )
    yield app
    app.close()


def handed_over(application: CasesApplication) -> tuple[Case, object]:
    """An adult's case at IOF, handed to AOF on the individual's consent (K-5, C-8)."""
    case = register(application, ADULT, date(1990, 1, 1), [Need.SUBSTANCE_MISUSE]).cases[0]
    learn_consent(application, ADULT, [IOF, AOF])
    handover = application.request_handover(
        AT_IOF, case.id, RequestHandover(to_unit=AOF, content=CONTENT), at=AT
    )
    return case, handover


# --- the handover declined (W-2, K-5) ------------------------------------------------------


def test_w2_k5_the_receiving_unit_declines_a_handover_and_the_case_stays(
    application: CasesApplication,
) -> None:
    case, handover = handed_over(application)
    assert listed(application, AT_AOF) != []

    declined = application.decline_handover(
        AT_AOF, case.id, handover.id, reason="Fel enhet: ärendet hör till IFO.", at=LATER
    )

    ended = declined.handover(handover.id)
    assert (ended.status, ended.declined_at, ended.open) == ("declined", LATER, False)
    assert ended.reason is not None
    assert ended.reason.text == "Fel enhet: ärendet hör till IFO."
    assert (declined.unit, declined.caseworker) == (IOF, None)
    assert declined.open_handover is None
    assert listed(application, AT_AOF) == []  # nothing left to acknowledge or transfer
    # K-3: offered the case and not taking it, the receiving unit reads the case no more;
    # what it received it reads as the handover's receiving unit, while the consent holds.
    with pytest.raises(NotAParty):
        application.read_case(AT_AOF, case.id)
    assert application.read_handover(AT_AOF, case.id, handover.id, at=LATER)[1].id == handover.id
    # The acknowledgement deadline passes without an overdue: there is nothing to wait for.
    assert application.raise_due(datetime(2026, 2, 1, tzinfo=UTC)) == 0
    assert published(application)[-1] == "HandoverDeclined"
    # The sending unit may hand the case over anew.
    again = application.request_handover(
        AT_IOF, case.id, RequestHandover(to_unit=AOF, content=CONTENT), at=LATER
    )
    assert application.read_case(AT_IOF, case.id).open_handover.id == again.id  # type: ignore[union-attr]


def test_w2_k5_only_the_receiving_unit_declines_and_only_before_acknowledging(
    application: CasesApplication,
) -> None:
    case, handover = handed_over(application)
    with pytest.raises(NotInvolved) as sender:
        application.decline_handover(AT_IOF, case.id, handover.id, reason="Nej.", at=LATER)
    assert sender.value.rule == "K-5"
    with pytest.raises(ReasonRequired) as blank:
        application.decline_handover(AT_AOF, case.id, handover.id, reason="  ", at=LATER)
    assert (blank.value.rule, blank.value.field) == ("W-2", "body.reason")

    application.acknowledge_handover(
        AT_AOF, case.id, handover.id, receiving_caseworker=RECEIVER, at=LATER
    )
    with pytest.raises(HandoverConflict) as acknowledged:
        application.decline_handover(AT_AOF, case.id, handover.id, reason="Nej.", at=LATER)
    assert acknowledged.value.status == 409
    assert "acknowledged" in acknowledged.value.message
    assert "HandoverDeclined" not in published(application)


# --- the handover withdrawn (W-2, K-5) -----------------------------------------------------


def test_w2_k5_the_sending_unit_withdraws_an_acknowledged_handover_before_the_transfer(
    application: CasesApplication,
) -> None:
    case, handover = handed_over(application)
    application.acknowledge_handover(
        AT_AOF, case.id, handover.id, receiving_caseworker=RECEIVER, at=AT
    )
    with pytest.raises(NotInvolved) as receiver:
        application.withdraw_handover(AT_AOF, case.id, handover.id, reason="Nej.", at=LATER)
    assert receiver.value.rule == "K-5"

    withdrawn = application.withdraw_handover(
        AT_IOF, case.id, handover.id, reason="Individen flyttar inte.", at=LATER
    )

    assert withdrawn.handover(handover.id).status == "withdrawn"
    assert withdrawn.unit == IOF
    assert withdrawn.involved_units == [IOF]  # K-3: AOF never got the case
    assert listed(application, AT_AOF) == []  # no transfer waits
    with pytest.raises(HandoverConflict) as again:
        application.transfer_responsibility(AT_IOF, case.id, handover.id, at=LATER)
    assert again.value.rule == "K-5"
    with pytest.raises(HandoverConflict) as twice:
        application.withdraw_handover(AT_IOF, case.id, handover.id, reason="Igen.", at=LATER)
    assert "withdrawn" in twice.value.message
    assert published(application)[-1] == "HandoverWithdrawn"


def test_w2_k5_a_withdrawn_request_stops_its_acknowledgement_deadline(
    application: CasesApplication,
) -> None:
    case, handover = handed_over(application)
    application.withdraw_handover(AT_IOF, case.id, handover.id, reason="Felskickad.", at=LATER)
    assert application.raise_due(datetime(2026, 1, 15, 23, 0, tzinfo=UTC)) == 0
    assert "HandoverAcknowledgementOverdue" not in published(application)


def test_w2_k5_a_transferred_handover_is_not_withdrawn(
    application: CasesApplication,
) -> None:
    case, handover = handed_over(application)
    application.acknowledge_handover(
        AT_AOF, case.id, handover.id, receiving_caseworker=RECEIVER, at=AT
    )
    application.transfer_responsibility(AT_IOF, case.id, handover.id, at=AT)
    with pytest.raises(HandoverConflict) as transferred:
        application.withdraw_handover(AT_IOF, case.id, handover.id, reason="Ångrar.", at=LATER)
    assert (transferred.value.rule, transferred.value.status) == ("K-5", 409)
    assert "transferred" in transferred.value.message


# --- the SIP closed early (W-2, K-7) -------------------------------------------------------


def established_sip(application: CasesApplication) -> Sip:
    learn_consent(application, ADULT, [AOF, REGION], Purpose.SIP)
    proposal = ProposeSip(
        subject_id=ADULT,
        birth_date=date(1990, 1, 1),
        proposed_by=SipProposer.REGION,
        units=[AOF, REGION],
    )
    sip = application.propose_sip(AT_AOF, proposal, at=AT)
    return application.establish_sip(
        AT_AOF,
        sip.id,
        EstablishSip(
            plan=PLAN,
            participants=Participants(True, False, False),
            complex_case=False,
            coordinator=None,
            follow_up_every_days=30,
            first_follow_up_on=date(2026, 2, 1),
        ),
        at=AT,
    )


def test_w2_k7_a_sip_closed_early_has_no_follow_up_due_nor_overdue(
    application: CasesApplication,
) -> None:
    sip = established_sip(application)
    assert [i.kind for i in listed(application, AT_REGION)] == ["sip_follow_up"]

    closed = application.close_sip(AT_REGION, sip.id, reason="Individen har flyttat.", at=LATER)

    assert closed.closed_at == LATER
    assert closed.closing_reason is not None
    assert closed.closing_reason.text == "Individen har flyttat."
    assert [v.number for v in closed.versions] == [1]  # the plan made stays
    assert listed(application, AT_REGION) == listed(application, AT_AOF) == []
    assert application.raise_due(datetime(2026, 3, 1, tzinfo=UTC)) == 0
    assert published(application)[-1] == "SipClosed"


def test_w2_k7_a_closed_sip_is_neither_followed_up_nor_revised_nor_closed_again(
    application: CasesApplication,
) -> None:
    sip = established_sip(application)
    with pytest.raises(NotInSip):
        application.close_sip(AT_IOF, sip.id, reason="Inte vår plan.", at=LATER)
    with pytest.raises(ReasonRequired) as blank:
        application.close_sip(AT_AOF, sip.id, reason="", at=LATER)
    assert blank.value.field == "body.reason"
    application.close_sip(AT_AOF, sip.id, reason="Behovet har upphört.", at=LATER)

    follow_up = RecordSipFollowUp(held_on=date(2026, 1, 12), outcome="Bra.")
    steps = (
        lambda: application.record_sip_follow_up(AT_AOF, sip.id, follow_up, at=LATER),
        lambda: application.revise_sip(AT_AOF, sip.id, plan=PLAN, at=LATER),
        lambda: application.close_sip(AT_AOF, sip.id, reason="Igen.", at=LATER),
    )
    for step in steps:
        with pytest.raises(SipAlreadyClosed) as closed:
            step()
        assert (closed.value.rule, closed.value.status) == ("W-2", 409)


def test_w2_k6_a_proposed_sip_is_closed_before_it_is_made(
    application: CasesApplication,
) -> None:
    learn_consent(application, ADULT, [AOF, REGION], Purpose.SIP)
    proposal = ProposeSip(
        subject_id=ADULT,
        birth_date=date(1990, 1, 1),
        proposed_by=SipProposer.INDIVIDUAL,
        units=[AOF, REGION],
    )
    sip = application.propose_sip(AT_AOF, proposal, at=AT)
    assert [i.kind for i in listed(application, AT_REGION)] == ["sip_establishment"]
    application.close_sip(AT_REGION, sip.id, reason="Individen vill inte.", at=LATER)
    assert listed(application, AT_REGION) == []
    with pytest.raises(SipAlreadyClosed):
        application.establish_sip(
            AT_AOF,
            sip.id,
            EstablishSip(
                plan=PLAN,
                participants=Participants(True, False, False),
                complex_case=False,
                coordinator=None,
                follow_up_every_days=30,
                first_follow_up_on=date(2026, 2, 1),
            ),
            at=LATER,
        )


# --- a case's registered facts corrected, not deleted (W-2, K-1) ---------------------------


def correction(
    birth: date = date(1990, 1, 1),
    *,
    needs: list[Need] | None = None,
    received_at: datetime | None = None,
    reason: str = "Felregistrerat.",
    subject_id: str = ADULT,
) -> CorrectFacts:
    return CorrectFacts(
        subject_id=subject_id,
        birth_date=birth,
        needs=needs,
        received_at=received_at,
        reason=reason,
    )


def test_w2_k1_needs_and_arrival_are_corrected_with_the_old_values_kept(
    application: CasesApplication,
) -> None:
    case = register(application, ADULT, date(1990, 1, 1), [Need.SUBSTANCE_MISUSE]).cases[0]
    both = [Need.SUBSTANCE_MISUSE, Need.RELATIONSHIP_VIOLENCE]

    corrected = application.correct_facts(
        AT_IOF, case.id, correction(needs=both, reason="Våld nämndes i anmälan."), at=LATER
    )

    assert corrected.needs == ["substance_misuse", "relationship_violence"]
    (first,) = corrected.corrections
    assert (first["previous_needs"], first["needs"]) == (["substance_misuse"], corrected.needs)
    assert first["reason"].text == "Våld nämndes i anmälan."
    assert "CaseArrivalCorrected" not in published(application)  # needs stay in cases

    arrived = AT - timedelta(days=3)
    again = application.correct_facts(AT_IOF, case.id, correction(received_at=arrived), at=LATER)

    assert again.received_at == arrived
    assert again.routing is not None
    assert again.routing["arrived_on"] == date(2026, 1, 9)
    assert again.routing["rule"] == "K-1"  # the routing stands
    assert [c["previous_received_at"] for c in again.corrections] == [AT, AT]
    assert published(application)[-1] == "CaseArrivalCorrected"
    reread = application.read_case(AT_IOF, case.id)
    assert len(reread.corrections) == 2
    assert reread.needs == corrected.needs


def test_w2_k1_facts_that_would_route_the_case_elsewhere_are_refused(
    application: CasesApplication,
) -> None:
    case = register(application, ADULT, date(1990, 1, 1), [Need.SUBSTANCE_MISUSE]).cases[0]
    before = application.recorder.max_notification_id()
    for needs in ([Need.MENTAL_ILLNESS], [Need.SUBSTANCE_MISUSE, Need.DISABILITY]):
        with pytest.raises(CorrectionConflict) as elsewhere:
            application.correct_facts(AT_IOF, case.id, correction(needs=needs), at=LATER)
        assert (elsewhere.value.rule, elsewhere.value.status) == ("K-1", 409)
        assert "K-5" in elsewhere.value.message
    # 19 on arrival (AT), 18 the day before: a child's case, not an adult's.
    turned_19 = register(application, YOUNG_ADULT, date(2007, 1, 10), [Need.SUBSTANCE_MISUSE])
    with pytest.raises(CorrectionConflict):
        application.correct_facts(
            AT_IOF,
            turned_19.cases[0].id,
            correction(
                date(2007, 1, 10), received_at=AT - timedelta(days=3), subject_id=YOUNG_ADULT
            ),
            at=LATER,
        )
    assert application.recorder.max_notification_id() == before + 4  # the registration only


def test_w2_k3_a_correction_is_refused_with_its_rule_and_field(
    application: CasesApplication,
) -> None:
    case = register(application, ADULT, date(1990, 1, 1), [Need.SUBSTANCE_MISUSE]).cases[0]
    other = [Need.ECONOMIC_ASSISTANCE]
    refusals: list[tuple[CorrectFacts, type[Exception], str, str | None]] = [
        (correction(needs=other, reason=" "), ReasonRequired, "W-2", "body.reason"),
        (correction(needs=other, subject_id=YOUTH), CorrectionInvalid, "W-2", "body.personnummer"),
        (correction(needs=[Need.SUBSTANCE_MISUSE]), CorrectionInvalid, "W-2", "body"),
        (
            correction(received_at=LATER + timedelta(days=1)),
            ReportInvalid,
            "K-1",
            "body.received_at",
        ),
    ]
    for command, error, rule, field in refusals:
        with pytest.raises(error) as refused:
            application.correct_facts(AT_IOF, case.id, command, at=LATER)
        assert (refused.value.rule, refused.value.field) == (rule, field)  # type: ignore[attr-defined]
    with pytest.raises(NotInvolved) as elsewhere:
        application.correct_facts(AT_AOF, case.id, correction(needs=other), at=LATER)
    assert elsewhere.value.rule == "K-3"
    application.close_case(AT_IOF, case.id, reason=ClosingReason.NEEDS_MET, at=LATER)
    with pytest.raises(CaseAlreadyClosed):
        application.correct_facts(AT_IOF, case.id, correction(needs=other), at=LATER)
    assert application.read_case(AT_IOF, case.id).corrections == []
