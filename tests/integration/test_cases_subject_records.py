"""The cases service's records by individual on real stores (W-3): everything about one person
that a unit may read, listed without knowing an id, and nothing it may not.

The listing mirrors each record's own read: every test compares what a unit is listed
with what the application lets it read where each record points."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from uuid import UUID

import pytest
from eventsourcing.persistence import Tracking

from contracts import (
    CaseDecision,
    CaseMeetingOutcome,
    ClosingReason,
    ConsentWithdrawn,
    MeetingKind,
    OrgType,
    Purpose,
    Role,
    SipProposer,
)
from contracts.vocabulary import ScreeningInstrument, ScreeningOccasion, ScreeningOutcome
from services.cases.application import (
    CasesApplication,
    PlanCarePlanningMeeting,
    ProposeSip,
    RecordChildWelfareReport,
    RecordDecision,
    RecordMeetingHeld,
    RecordScreening,
    RecordViolenceQuestion,
    RequestHandover,
)
from services.cases.domain import Need, Occasion
from services.runtime.kernel.actor import Actor
from services.runtime.kernel.rules import NotAllowed, UnknownRecord
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from services.runtime.store.subject_records import RecordQuery, SubjectRecord
from tests.integration.test_cases_application import (
    ADULT,
    AT,
    AT_AOF,
    AT_IOF,
    AT_REGION,
    CONTENT,
    RECEIVER,
    REGION,
    STAFF,
    UNITS,
    YOUTH,
    at_unit,
    learn_consent,
    register,
)
from tests.unit.units import AOF, IOF

SCHOOL = at_unit("SE2120000001-SKL1", "SE2120000001-T001", OrgType.SCHOOL)
OUTSIDER = Actor("SE2120000009-S901", "SE2120000009-IOF9", OrgType.SOCIAL_SERVICES, Role.CASEWORKER)
"""A caseworker at another municipality's social services, party to nothing here."""
EVERYONE = (AT_IOF, AT_AOF, AT_REGION, SCHOOL, OUTSIDER)


@pytest.fixture
def application(backend_settings: RuntimeSettings) -> Iterator[CasesApplication]:
    app = CasesApplication(env=store_env(backend_settings, "cases"), units=UNITS)
    yield app
    app.close()


def listed(
    application: CasesApplication, actor: Actor, subject_id: str, now: datetime = AT
) -> list[SubjectRecord]:
    """Everything about the individual on `actor`'s listing, every page of one."""
    records: list[SubjectRecord] = []
    after = None
    while True:
        page = application.records_of(actor, [subject_id], RecordQuery(after=after, limit=1), now)
        records += page.records
        if page.next is None:
            return records
        after = page.next


def reads(application: CasesApplication, actor: Actor, href: str, now: datetime = AT) -> bool:
    """Whether the application lets `actor` read what `href` points at (the GET's use case)."""
    parts = href.removeprefix("/v1/").split("/")
    ids = [UUID(part) for part in parts[1::2]]
    try:
        match parts[0], len(ids):
            case "cases", 1:
                application.read_case(actor, ids[0])
            case "cases", 2:
                application.read_handover(actor, ids[0], ids[1], at=now)
            case "sips", 1:
                application.read_sip(actor, ids[0])
            case "meetings", 1:
                application.read_meeting(actor, ids[0])
            case "screenings", 1:
                application.read_screening(actor, ids[0])
            case "violence-questions", 1:
                application.read_violence_question(actor, ids[0])
            case "child-welfare-reports", 1:
                application.read_child_welfare_report(actor, ids[0])
            case _:
                raise AssertionError(f"no read for {href}")
    except (NotAllowed, UnknownRecord):
        return False
    return True


def assert_mirrors_the_reads(
    application: CasesApplication, subject_id: str, hrefs: set[str], now: datetime = AT
) -> None:
    """Each unit is listed exactly the records of `hrefs` (all there are about the
    individual) that it may read where they point."""
    for actor in EVERYONE:
        shown = {r.href for r in listed(application, actor, subject_id, now)}
        readable = {href for href in hrefs if reads(application, actor, href, now)}
        assert shown == readable, actor.org_id


def screen(application: CasesApplication, subject_id: str) -> UUID:
    command = RecordScreening(
        subject_id,
        ScreeningInstrument.AUDIT,
        ScreeningOccasion.NEW_VISIT,
        ScreeningOutcome.DONE,
        AT.date(),
        None,
        12,
        advice_offered=True,
        referred=False,
    )
    return application.record_screening(AT_REGION, command, at=AT).id


def test_w3_k3_k5_k6_k8_d6_k16_each_unit_is_listed_exactly_what_it_may_read_where_it_points(
    application: CasesApplication,
) -> None:
    """Case (K-3), handover (K-5, C-8, C-9), SIP (K-6), meeting (K-8), screening (D-6) and
    the violence question (K-16):
    listed to the units their reads admit and to no other, and after the consent to the
    handover is withdrawn, the receiving unit no longer finds the handover (C-9) while the
    case it took part in stays listed (K-3)."""
    case = register(application, ADULT, date(1990, 1, 1), [Need.SUBSTANCE_MISUSE]).cases[0]
    consent = learn_consent(application, ADULT, [IOF, AOF])
    learn_consent(application, ADULT, [AOF, REGION], Purpose.SIP)
    handover = application.request_handover(
        AT_IOF, case.id, RequestHandover(to_unit=AOF, content=CONTENT), at=AT
    )
    sip = application.propose_sip(
        AT_AOF, ProposeSip(ADULT, date(1990, 1, 1), SipProposer.REGION, [AOF, REGION]), at=AT
    )
    learn_consent(application, ADULT, [IOF, AOF], Purpose.THREE_PARTY_MEETING)  # C-11
    meeting = application.request_three_party_meeting(AT_IOF, case.id, to_unit=AOF, at=AT)
    screening = screen(application, ADULT)
    question = application.record_violence_question(
        AT_REGION,
        RecordViolenceQuestion(
            ADULT,
            AT.date(),
            asked=False,
            adult_exposure=None,
            children_exposure=None,
            support_offered=None,
        ),
        at=AT,
    ).id
    hrefs = {
        f"/v1/cases/{case.id}",
        f"/v1/cases/{case.id}/handovers/{handover.id}",
        f"/v1/sips/{sip.id}",
        f"/v1/meetings/{meeting.id}",
        f"/v1/screenings/{screening}",
        f"/v1/violence-questions/{question}",
    }

    assert_mirrors_the_reads(application, ADULT, hrefs)
    assert {r.kind for r in listed(application, AT_AOF, ADULT)} == {
        "case",
        "handover",
        "sip",
        "three_party_meeting",
    }
    assert {r.kind for r in listed(application, AT_REGION, ADULT)} == {
        "screening",
        "sip",
        "violence_question",
    }
    assert listed(application, OUTSIDER, ADULT) == []

    withdrawn = ConsentWithdrawn(
        subject_id=ADULT, consent_id=consent.consent_id, withdrawn_at=AT, recorded_by=STAFF
    )
    application.process_event(withdrawn, Tracking("/samverkan/consent#0", 99))

    assert_mirrors_the_reads(application, ADULT, hrefs)
    assert "handover" not in {r.kind for r in listed(application, AT_AOF, ADULT)}
    assert "case" in {r.kind for r in listed(application, AT_AOF, ADULT)}
    assert "handover" in {r.kind for r in listed(application, AT_IOF, ADULT)}  # its own


def test_w3_c8_a_handover_is_listed_to_the_receiving_unit_only_while_its_consent_holds_today(
    application: CasesApplication,
) -> None:
    """C-8: a consent that has run out by its date stops the read, and the listing, that day;
    once responsibility has transferred (K-5) the receiving unit holds the case and reads the
    handover whatever the consent."""
    case = register(application, ADULT, date(1990, 1, 1), [Need.SUBSTANCE_MISUSE]).cases[0]
    learn_consent(application, ADULT, [IOF, AOF])
    handover = application.request_handover(
        AT_IOF, case.id, RequestHandover(to_unit=AOF, content=CONTENT), at=AT
    )
    href = f"/v1/cases/{case.id}/handovers/{handover.id}"
    hrefs = {f"/v1/cases/{case.id}", href}
    years_later = AT + timedelta(days=365 * 3)

    assert href in {r.href for r in listed(application, AT_AOF, ADULT)}
    assert_mirrors_the_reads(application, ADULT, hrefs, years_later)

    application.acknowledge_handover(
        AT_AOF, case.id, handover.id, receiving_caseworker=RECEIVER, at=AT
    )
    application.transfer_responsibility(AT_AOF, case.id, handover.id, at=AT)
    states = {r.kind: r.state for r in listed(application, AT_AOF, ADULT, years_later)}
    assert states == {"case": "transferred", "handover": "transferred"}
    assert_mirrors_the_reads(application, ADULT, hrefs, years_later)


def test_w3_k3_k5_the_state_of_each_record_moves_on_with_its_events(
    application: CasesApplication,
) -> None:
    """A decision restates the case, closing it ends its handover in progress (K-5)."""
    case = register(application, ADULT, date(1990, 1, 1), [Need.SUBSTANCE_MISUSE]).cases[0]
    learn_consent(application, ADULT, [IOF, AOF])
    application.request_handover(
        AT_IOF, case.id, RequestHandover(to_unit=AOF, content=CONTENT), at=AT
    )
    decision = RecordDecision(CaseDecision.INVESTIGATION_OPENED, False, True, False)
    application.record_decision(AT_IOF, case.id, decision, at=AT)
    states = {r.kind: r.state for r in listed(application, AT_IOF, ADULT)}
    assert states == {"case": "investigation_opened", "handover": "requested"}

    closed_at = AT + timedelta(hours=1)
    application.close_case(AT_IOF, case.id, reason=ClosingReason.NEEDS_MET, at=closed_at)
    records = {r.kind: r for r in listed(application, AT_IOF, ADULT)}
    assert (records["case"].state, records["handover"].state) == ("closed_needs_met", "ended")
    assert records["handover"].changed_at == closed_at
    assert application.read_case(AT_IOF, case.id).handovers[records["handover"].item_id].status == (
        "ended"
    )


def test_w3_k9_a_care_planning_meeting_is_listed_to_every_unit_that_meets(
    application: CasesApplication,
) -> None:
    case = register(application, ADULT, date(1990, 1, 1), [Need.SUBSTANCE_MISUSE]).cases[0]
    starts_at = AT + timedelta(days=3)
    follow_up_at = starts_at + timedelta(days=7)
    hour = timedelta(hours=1)
    meeting = application.plan_care_planning_meeting(
        AT_IOF,
        case.id,
        PlanCarePlanningMeeting(
            other_units=[AOF, REGION],
            meeting=Occasion(MeetingKind.CARE_PLANNING, starts_at, starts_at + hour, "Rum 1"),
            follow_up=Occasion(
                MeetingKind.CARE_PLANNING_FOLLOW_UP, follow_up_at, follow_up_at + hour, "Rum 1"
            ),
        ),
        at=AT,
    )
    hrefs = {f"/v1/cases/{case.id}", f"/v1/meetings/{meeting.id}"}

    assert_mirrors_the_reads(application, ADULT, hrefs)
    for unit in (AT_IOF, AT_AOF, AT_REGION):
        (record,) = [r for r in listed(application, unit, ADULT) if r.kind != "case"]
        assert (record.kind, record.state) == ("care_planning_meeting", "booked")

    def meeting_state() -> str:
        (record,) = [r for r in listed(application, AT_REGION, ADULT) if r.kind != "case"]
        return record.state

    # W-2, K-9: its steps once booked show where it stands.
    after = starts_at + hour
    application.record_meeting_held(
        AT_AOF,
        meeting.id,
        RecordMeetingHeld(None, CaseMeetingOutcome.INFORMATION_EXCHANGED, "Genomgång.", [AOF]),
        at=after,
    )
    assert meeting_state() == "held"
    application.cancel_meeting(
        AT_REGION,
        meeting.id,
        occasion=MeetingKind.CARE_PLANNING_FOLLOW_UP,
        reason="Inget gemensamt ansvar.",
        at=after,
    )
    assert meeting_state() == "follow_up_cancelled"


def test_w3_k10_a_child_welfare_report_is_listed_to_its_reporter_and_the_receiving_unit(
    application: CasesApplication,
) -> None:
    """K-10: the municipality's IOF unit as the directory names it, not its adults' unit;
    acknowledged, the report says so."""
    report = application.record_child_welfare_report(
        SCHOOL, RecordChildWelfareReport(YOUTH, date(2015, 3, 15), "0180"), at=AT
    )
    href = f"/v1/child-welfare-reports/{report.id}"

    assert_mirrors_the_reads(application, YOUTH, {href})
    assert [r.href for r in listed(application, AT_IOF, YOUTH)] == [href]
    assert listed(application, AT_AOF, YOUTH) == []

    application.acknowledge_child_welfare_report(AT_IOF, report.id, at=AT)
    ((kind, state),) = [(r.kind, r.state) for r in listed(application, SCHOOL, YOUTH)]
    assert (kind, state) == ("child_welfare_report", "acknowledged")


def test_w3_the_listing_is_newest_first_in_pages_and_narrowed_by_kind(
    application: CasesApplication,
) -> None:
    case = register(application, ADULT, date(1990, 1, 1), [Need.SUBSTANCE_MISUSE]).cases[0]
    later = AT + timedelta(hours=1)
    learn_consent(application, ADULT, [IOF, AOF], Purpose.THREE_PARTY_MEETING)  # C-11
    meeting = application.request_three_party_meeting(AT_IOF, case.id, to_unit=AOF, at=later)

    first = application.records_of(AT_IOF, [ADULT], RecordQuery(limit=1), AT)
    rest = application.records_of(AT_IOF, [ADULT], RecordQuery(after=first.next, limit=1), AT)
    assert [r.item_id for r in first.records + rest.records] == [meeting.id, case.id]
    assert rest.next is None
    only = application.records_of(AT_IOF, [ADULT], RecordQuery(kinds=["case"]), AT)
    assert [r.item_id for r in only.records] == [case.id]


def test_w2_w3_k3_a_declined_or_withdrawn_handover_is_listed_as_its_reads_admit(
    application: CasesApplication,
) -> None:
    """W-2: a unit offered the case that declined it, or saw it withdrawn, is listed the case
    no more (K-3) and its handover while the consent holds (C-9), as its reads admit; a
    second offer lists it again, and a closed plan says so (K-6)."""
    case = register(application, ADULT, date(1990, 1, 1), [Need.SUBSTANCE_MISUSE]).cases[0]
    learn_consent(application, ADULT, [IOF, AOF])
    learn_consent(application, ADULT, [AOF, REGION], Purpose.SIP)
    first = application.request_handover(
        AT_IOF, case.id, RequestHandover(to_unit=AOF, content=CONTENT), at=AT
    )
    application.decline_handover(AT_AOF, case.id, first.id, reason="Fel enhet.", at=AT)
    hrefs = {f"/v1/cases/{case.id}", f"/v1/cases/{case.id}/handovers/{first.id}"}

    assert_mirrors_the_reads(application, ADULT, hrefs)
    assert {r.kind: r.state for r in listed(application, AT_AOF, ADULT)} == {"handover": "declined"}
    assert {r.kind: r.state for r in listed(application, AT_IOF, ADULT)} == {
        "case": "handover_declined",
        "handover": "declined",
    }

    second = application.request_handover(
        AT_IOF, case.id, RequestHandover(to_unit=AOF, content=CONTENT), at=AT
    )
    hrefs.add(f"/v1/cases/{case.id}/handovers/{second.id}")
    assert_mirrors_the_reads(application, ADULT, hrefs)
    assert "case" in {r.kind for r in listed(application, AT_AOF, ADULT)}
    application.withdraw_handover(AT_IOF, case.id, second.id, reason="Stannar.", at=AT)
    assert_mirrors_the_reads(application, ADULT, hrefs)
    assert "case" not in {r.kind for r in listed(application, AT_AOF, ADULT)}

    sip = application.propose_sip(
        AT_AOF, ProposeSip(ADULT, date(1990, 1, 1), SipProposer.REGION, [AOF, REGION]), at=AT
    )
    application.close_sip(AT_REGION, sip.id, reason="Har flyttat.", at=AT)
    assert {r.kind: r.state for r in listed(application, AT_REGION, ADULT)} == {"sip": "closed"}
