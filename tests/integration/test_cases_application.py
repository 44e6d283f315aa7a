"""The cases application on real stores (SQLite and PostgreSQL): routing with parallel
investigations, the deadline read model and its events, the per-unit transition list,
K-3 notices, and a handover on the consent view (K-1..K-5, C-8)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import Tracking

from contracts import (
    AgeTransitionAnnounced,
    CaseDecision,
    ClosingReason,
    ConsentGiven,
    ConsentWithdrawn,
    OrgType,
    Purpose,
    Role,
    SipFollowUpOverdue,
    SipProposer,
    UnitKind,
)
from contracts.vocabulary import ScreeningInstrument, ScreeningOccasion, ScreeningOutcome
from services.cases.application import (
    AnnounceAgeTransition,
    CasesApplication,
    EstablishSip,
    ProposeSip,
    RecordChildWelfareReport,
    RecordDecision,
    RecordScreening,
    RecordSipFollowUp,
    RegisterReport,
    RequestHandover,
    UnknownCase,
)
from services.cases.domain import (
    AnotherMunicipality,
    Case,
    HandoverConsentLapsed,
    HandoverContent,
    HandoverWithoutConsent,
    MeetingNotBooked,
    Need,
    NotInMeeting,
    NotInSip,
    NotInvolved,
    Participants,
    ReportInvalid,
    Responsibility,
    ScreeningNotAllowed,
    SipPlan,
    SipWithoutConsent,
    Unit,
    UnitDirectory,
    UnknownUnit,
    subject_cases_id,
)
from services.cases.translate import to_integration_event
from services.runtime.kernel.actor import Actor, NotAParty
from services.runtime.kernel.rules import RuleViolation
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from tests.cases_examples import learn, written_consent
from tests.unit.units import AOF, IOF

STAFF = "SE2120000001-S101"
RECEIVER = "SE2120000001-S202"
UNITS = UnitDirectory([Unit(IOF, UnitKind.IOF, "0180"), Unit(AOF, UnitKind.AOF, "0180")])
AT = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
YOUTH = "a1" * 32
ADULT = "b2" * 32


def at_unit(org_id: str, hsa_id: str = STAFF, org_type: OrgType = OrgType.SOCIAL_SERVICES) -> Actor:
    """A caseworker acting for `org_id`."""
    return Actor(hsa_id, org_id, org_type, Role.CASEWORKER)


AT_IOF = at_unit(IOF)
AT_AOF = at_unit(AOF, RECEIVER)


@pytest.fixture
def application(
    backend_settings: RuntimeSettings,
) -> CasesApplication:
    settings = backend_settings
    return CasesApplication(
        env=store_env(settings, "cases"), units=UNITS, acknowledgement_working_days=3
    )


def register(
    app: CasesApplication, subject_id: str, birth: date, needs: list[Need], **extra: Any
) -> Any:
    return app.register_report(
        AT_IOF,
        RegisterReport(
            subject_id=subject_id,
            birth_date=birth,
            municipality_code=extra.pop("municipality_code", "0180"),
            received_at=extra.pop("received_at", AT),
            needs=needs,
            **extra,
        ),
        at=AT,
    )


def decide(
    app: CasesApplication,
    case_id: UUID,
    decision: CaseDecision,
    children_in_household: bool | None,
    *,
    at: datetime,
) -> Any:
    """Individual and family care records `decision` in the case (K-3), one that affects
    planning, with the child perspective considered and the household answered (D-6)."""
    return app.record_decision(
        AT_IOF,
        case_id,
        RecordDecision(
            decision=decision,
            affects_planning=True,
            child_perspective_considered=True,
            children_in_household=children_in_household,
        ),
        at=at,
    )


def published(app: CasesApplication) -> list[str]:
    """The public events the relay would publish, by name, in store order."""
    names = []
    for notification in app.recorder.select_notifications(1, 1000):
        public = to_integration_event(app.mapper.to_domain_event(notification))
        if public is not None:
            names.append(type(public).__name__)
    return names


def learn_consent(
    app: CasesApplication,
    subject_id: str,
    parties: list[str],
    purpose: Purpose = Purpose.CASE_HANDOVER,
) -> ConsentGiven:
    """What the consumer does with a consent from the consent topic."""
    given = written_consent(subject_id, parties, purpose, recorded_by=STAFF, given_at=AT)
    learn(app, given)
    return given


CONTENT = HandoverContent(
    background_and_family="Bor med pappa.",
    guardian=None,
    current_situation="Arbetssökande.",
    problems_and_earlier_investigations="Missbruk sedan 2024.",
    ongoing_interventions_and_planning="Öppenvård två gånger i veckan.",
)


def test_k1_misuse_and_social_psychiatry_open_two_cases_saved_together(
    application: CasesApplication,
) -> None:
    registered = register(
        application, ADULT, date(2007, 1, 15), [Need.SUBSTANCE_MISUSE, Need.MENTAL_ILLNESS]
    )

    first, parallel = registered.cases
    assert (first.unit, parallel.unit) == (IOF, AOF)
    assert application.read_case(AT_AOF, parallel.id).parallel_to == first.id
    assert [c.id for c in application.cases_of(AT_IOF, ADULT)] == [first.id]
    assert [c.id for c in application.cases_of(AT_AOF, ADULT)] == [parallel.id]
    assert published(application) == [
        "CaseOpened",
        "CaseRouted",
        "CaseTargetGroupsChanged",  # 18 on arrival: children and youth (D-6)
        "CaseOpened",
        "ParallelInvestigationOpened",
        "CaseTargetGroupsChanged",
    ]


def test_k2_a_returning_child_case_is_known_from_the_services_own_history(
    application: CasesApplication,
) -> None:
    first = register(application, YOUTH, date(2010, 5, 1), [Need.CHILD_WELFARE]).cases[0]
    application.close_case(AT_IOF, first.id, reason=ClosingReason.NEEDS_MET, at=AT)

    returning = register(application, YOUTH, date(2010, 5, 1), [Need.DISABILITY])

    assert returning.routing.rule == "K-2"
    assert [c.unit for c in returning.cases] == [IOF, AOF]


def test_k1_bad_reports_store_nothing(application: CasesApplication) -> None:
    with pytest.raises(UnknownUnit) as unknown:
        register(application, ADULT, date(1990, 1, 1), [Need.DISABILITY], municipality_code="9999")
    assert (unknown.value.field, unknown.value.rule) == ("body.municipality_code", "K-1")
    with pytest.raises(ReportInvalid, match="received_at"):
        register(
            application, ADULT, date(1990, 1, 1), [Need.DISABILITY], received_at=AT + timedelta(1)
        )

    assert application.recorder.max_notification_id() in (None, 0)


def test_k4_the_schedule_raises_due_and_overdue_from_the_read_model(
    application: CasesApplication,
) -> None:
    """K-4: the reminder comes the default 30 days before the announcement date (1 March),
    the overdue fact once that date has passed."""
    case = register(application, YOUTH, date(2007, 9, 1), [Need.CHILD_WELFARE]).cases[0]
    reminder_day_starts = datetime(2026, 1, 29, 23, 0, tzinfo=UTC)  # 30 January, Stockholm
    announcement_day_ends = datetime(2026, 3, 1, 23, 0, tzinfo=UTC)

    assert application.raise_due(reminder_day_starts - timedelta(seconds=1)) == 0
    assert application.raise_due(reminder_day_starts) == 1
    assert application.raise_due(reminder_day_starts + timedelta(hours=1)) == 0
    assert application.raise_due(announcement_day_ends - timedelta(seconds=1)) == 0
    assert application.raise_due(announcement_day_ends) == 1
    assert application.raise_due(datetime(2026, 12, 1, tzinfo=UTC)) == 0

    assert published(application)[-2:] == ["AgeTransitionDue", "AgeTransitionOverdue"]
    stored = application.read_case(AT_IOF, case.id)
    assert stored.overdue_raised_for == date(2026, 9, 1)


def test_k4_upcoming_transitions_per_unit_until_announced_or_transferred(
    application: CasesApplication,
) -> None:
    later = register(application, "c3" * 32, date(2008, 2, 29), [Need.CHILD_WELFARE]).cases[0]
    sooner = register(application, YOUTH, date(2007, 9, 1), [Need.CHILD_WELFARE]).cases[0]
    register(application, ADULT, date(1990, 1, 1), [Need.SUBSTANCE_MISUSE])  # not a youth

    upcoming = application.upcoming_transitions(AT_IOF, IOF, date(2027, 12, 31))
    assert [(t.case_id, t.transition_on, t.announce_by) for t in upcoming] == [
        (sooner.id, date(2026, 9, 1), date(2026, 3, 1)),
        (later.id, date(2027, 3, 1), date(2026, 9, 1)),
    ]
    assert application.upcoming_transitions(AT_IOF, IOF, date(2026, 12, 31))[0].case_id == sooner.id
    assert application.upcoming_transitions(AT_IOF, AOF, date(2027, 12, 31)) == []

    application.announce_age_transition(
        AT_IOF, sooner.id, AnnounceAgeTransition(to_unit=AOF, continued_support_needed=True), at=AT
    )
    announced = application.upcoming_transitions(AT_AOF, IOF, date(2027, 12, 31))[0]
    assert (announced.announced_at, announced.continued_support_needed) == (AT, True)

    learn_consent(application, YOUTH, [IOF, AOF])
    handover = application.request_handover(
        AT_IOF, sooner.id, RequestHandover(to_unit=AOF, content=CONTENT), at=AT
    )
    application.acknowledge_handover(
        AT_AOF, sooner.id, handover.id, receiving_caseworker=RECEIVER, at=AT
    )
    application.transfer_responsibility(AT_AOF, sooner.id, handover.id, at=AT)
    listed = application.upcoming_transitions(AT_IOF, IOF, date(2027, 12, 31))
    assert [t.case_id for t in listed] == [later.id]


def test_k3_decisions_and_closing_reach_the_units_with_open_cases(
    application: CasesApplication,
) -> None:
    first, parallel = register(
        application, ADULT, date(2007, 1, 15), [Need.SUBSTANCE_MISUSE, Need.MENTAL_ILLNESS]
    ).cases

    # 18 on arrival: a child's case, so no answer on children in the household.
    decide(application, first.id, CaseDecision.INTERVENTION_GRANTED, None, at=AT)
    application.close_case(
        AT_AOF, parallel.id, reason=ClosingReason.NEEDS_MET, at=AT + timedelta(1)
    )
    decide(application, first.id, CaseDecision.INTERVENTION_ENDED, None, at=AT + timedelta(2))

    at_aof = application.notices(AT_AOF, AOF, AT - timedelta(1))
    assert [(n.case_id, n.kind, n.what) for n in at_aof] == [
        (first.id, "decision", "intervention_granted")
    ]
    at_iof = application.notices(AT_IOF, IOF, AT - timedelta(1))
    assert [(n.case_id, n.from_unit, n.kind, n.what) for n in at_iof] == [
        (parallel.id, AOF, "closed", "needs_met")
    ]
    # The last decision had no open case left to notify: published for statistics
    # (D-6), not as a notice.
    assert published(application).count("CaseDecisionNotified") == 1
    assert published(application).count("CaseDecisionRecorded") == 2
    assert application.read_case(AT_IOF, first.id).decisions[-1]["notified_units"] == []


def test_c8_k5_handover_on_the_consent_view_and_overdue_acknowledgement(
    application: CasesApplication,
) -> None:
    case = register(application, ADULT, date(1990, 1, 1), [Need.SUBSTANCE_MISUSE]).cases[0]
    with pytest.raises(HandoverWithoutConsent):
        application.request_handover(
            AT_IOF, case.id, RequestHandover(to_unit=AOF, content=CONTENT), at=AT
        )
    learn_consent(application, ADULT, [IOF, "SE2321000016-HC01"])  # does not cover AOF
    with pytest.raises(HandoverWithoutConsent):
        application.request_handover(
            AT_IOF, case.id, RequestHandover(to_unit=AOF, content=CONTENT), at=AT
        )
    with pytest.raises(UnknownUnit) as unknown:
        application.request_handover(
            AT_IOF, case.id, RequestHandover(to_unit="SE2120000001-NONE", content=CONTENT), at=AT
        )
    assert unknown.value.field == "body.to_unit"

    consent = learn_consent(application, ADULT, [IOF, AOF])
    handover = application.request_handover(
        AT_IOF, case.id, RequestHandover(to_unit=AOF, content=CONTENT), at=AT
    )

    assert handover.consent_id == consent.consent_id
    assert handover.acknowledge_by == date(2026, 1, 15)  # Monday + 3 working days
    assert application.raise_due(datetime(2026, 1, 15, 22, 59, tzinfo=UTC)) == 0
    assert application.raise_due(datetime(2026, 1, 15, 23, 0, tzinfo=UTC)) == 1
    assert application.raise_due(datetime(2026, 2, 15, tzinfo=UTC)) == 0
    assert published(application)[-2:] == ["HandoverRequested", "HandoverAcknowledgementOverdue"]


def test_c8_a_withdrawn_consent_no_longer_covers_a_handover(
    application: CasesApplication,
) -> None:
    case = register(application, ADULT, date(1990, 1, 1), [Need.SUBSTANCE_MISUSE]).cases[0]
    consent = learn_consent(application, ADULT, [IOF, AOF])
    withdrawn = ConsentWithdrawn(
        subject_id=ADULT, consent_id=consent.consent_id, withdrawn_at=AT, recorded_by=STAFF
    )
    application.process_event(withdrawn, Tracking("/samverkan/consent#0", 99))

    with pytest.raises(HandoverWithoutConsent):
        application.request_handover(
            AT_IOF, case.id, RequestHandover(to_unit=AOF, content=CONTENT), at=AT
        )
    assert application.read_case(AT_IOF, case.id).handovers == {}


def test_k3_an_unknown_case_and_another_kind_of_id_look_the_same(
    application: CasesApplication,
) -> None:
    register(application, ADULT, date(1990, 1, 1), [Need.SUBSTANCE_MISUSE])
    with pytest.raises(UnknownCase):
        application.read_case(AT_IOF, uuid4())
    with pytest.raises(UnknownCase):
        application.read_case(AT_IOF, subject_cases_id(ADULT))


REGION = "SE2321000016-PSY1"
AT_REGION = at_unit(REGION, org_type=OrgType.PSYCHIATRY)
PLAN = SipPlan(
    what_matters="Att få bo kvar.",
    own_goals="Vara nykter.",
    problem="Missbruk och psykisk ohälsa.",
    short_term_goals_and_interventions="Abstinensbehandling.",
    long_term_goals_and_interventions="Egen bostad.",
    responsibilities=(Responsibility(AOF, "Boendestöd."), Responsibility(REGION, "Läkemedel.")),
    measures_by_others="Inga.",
    overall_responsibility=REGION,
    follow_up_by=AOF,
)


def test_c7_k7_a_sip_on_the_consent_view_with_an_overdue_follow_up(
    application: CasesApplication,
) -> None:
    proposal = ProposeSip(
        subject_id=ADULT,
        birth_date=date(1990, 1, 1),
        proposed_by=SipProposer.REGION,
        units=[AOF, REGION],
    )
    with pytest.raises(SipWithoutConsent):
        application.propose_sip(AT_AOF, proposal, at=AT)
    learn_consent(application, ADULT, [AOF, REGION], Purpose.SIP)
    sip = application.propose_sip(AT_AOF, proposal, at=AT)
    application.establish_sip(
        AT_AOF,
        sip.id,
        EstablishSip(
            plan=PLAN,
            participants=Participants(True, False, False),
            complex_case=True,
            coordinator=RECEIVER,
            follow_up_every_days=30,
            first_follow_up_on=date(2026, 2, 1),
        ),
        at=AT,
    )

    first_missed = datetime(2026, 2, 1, 23, 0, tzinfo=UTC)  # end of 1 February, Stockholm
    assert application.raise_due(first_missed - timedelta(seconds=1)) == 0
    assert application.raise_due(first_missed) == 1
    application.record_sip_follow_up(
        AT_REGION,
        sip.id,
        RecordSipFollowUp(held_on=date(2026, 2, 3), outcome="Försenad uppföljning."),
        at=datetime(2026, 2, 3, 10, tzinfo=UTC),
    )
    application.revise_sip(AT_REGION, sip.id, plan=PLAN, at=datetime(2026, 2, 3, 11, tzinfo=UTC))
    assert application.raise_due(datetime(2026, 3, 5, 22, 59, tzinfo=UTC)) == 0
    assert application.raise_due(datetime(2026, 3, 5, 23, 0, tzinfo=UTC)) == 1

    assert [v.number for v in application.read_sip(AT_REGION, sip.id).versions] == [1, 2]
    assert [name for name in published(application) if name.startswith("Sip")] == [
        "SipProposed",
        "SipEstablished",
        "SipPlanPublished",
        "SipFollowUpOverdue",
        "SipFollowUpRecorded",
        "SipRevised",
        "SipPlanPublished",
        "SipFollowUpOverdue",
    ]
    # D-7: each overdue follow-up names the plan's units, so its deviation names them too.
    overdue = [
        public
        for n in application.recorder.select_notifications(1, 1000)
        if isinstance(
            public := to_integration_event(application.mapper.to_domain_event(n)),
            SipFollowUpOverdue,
        )
    ]
    assert [o.units for o in overdue] == [(AOF, REGION), (AOF, REGION)]


def test_d6_decisions_stored_before_d6_still_load_and_publish_as_they_did(
    application: CasesApplication,
) -> None:
    """A DecisionRecorded of class version 1 (no child-perspective answer) is upcast on
    read: the case loads, its notice still goes out as CaseDecisionNotified, and no
    CaseDecisionRecorded is made up for it."""
    first, _ = register(
        application, ADULT, date(1990, 1, 1), [Need.SUBSTANCE_MISUSE, Need.MENTAL_ILLNESS]
    ).cases
    old = Case.DecisionRecorded(
        originator_id=first.id,
        originator_version=application.read_case(AT_IOF, first.id).version + 1,
        timestamp=AT,
        subject_id=ADULT,
        unit=IOF,
        decision=CaseDecision.INTERVENTION_GRANTED.value,
        affects_planning=True,
        decided_at=AT,
        decided_by=STAFF,
        notified_units=[AOF],
        child_perspective_considered=None,
        children_in_household=None,
        target_groups=[],
        number=None,
    )
    stored = application.mapper.to_stored_event(old)
    state = application.mapper.transcoder.decode(stored.state)
    for added_by_d6 in (
        "class_version",
        "child_perspective_considered",
        "children_in_household",
        "target_groups",
        "number",  # added by K-11 (class version 3)
    ):
        del state[added_by_d6]
    application.recorder.insert_events(
        [replace(stored, state=application.mapper.transcoder.encode(state))]
    )

    case = application.read_case(AT_IOF, first.id)
    assert case.decisions[-1]["decision"] == "intervention_granted"
    assert case.decisions[-1]["child_perspective_considered"] is None
    assert published(application).count("CaseDecisionNotified") == 1
    assert "CaseDecisionRecorded" not in published(application)

    decide(application, first.id, CaseDecision.INTERVENTION_ENDED, False, at=AT + timedelta(1))
    assert published(application)[-2:] == ["CaseDecisionRecorded", "CaseDecisionNotified"]


# --- the application authorises where it loads (issue #20) -------------------------------------


def test_k3_staff_read_only_what_their_unit_takes_part_in(
    application: CasesApplication,
) -> None:
    """Whether the caller's unit may see or change *this* case, handover, plan, meeting or
    screening is decided where the use case loads it, not by a route that loaded it
    first: called directly, the application refuses an outsider, and stores nothing."""
    case = register(application, ADULT, date(1990, 1, 1), [Need.SUBSTANCE_MISUSE]).cases[0]
    learn_consent(application, ADULT, [IOF, AOF])
    learn_consent(application, ADULT, [AOF, REGION], Purpose.SIP)
    handover = application.request_handover(
        AT_IOF, case.id, RequestHandover(to_unit=AOF, content=CONTENT), at=AT
    )
    sip = application.propose_sip(
        AT_AOF,
        ProposeSip(ADULT, date(1990, 1, 1), SipProposer.REGION, [AOF, REGION]),
        at=AT,
    )
    learn_consent(application, ADULT, [IOF, AOF], Purpose.THREE_PARTY_MEETING)  # C-11
    meeting = application.request_three_party_meeting(AT_IOF, case.id, to_unit=AOF, at=AT)
    screening = application.record_screening(
        AT_REGION,
        RecordScreening(
            ADULT,
            ScreeningInstrument.AUDIT,
            ScreeningOccasion.NEW_VISIT,
            ScreeningOutcome.DONE,
            AT.date(),
            None,
            12,
            advice_offered=True,
            referred=False,
        ),
        at=AT,
    )
    head = application.recorder.max_notification_id()

    outsider = Actor(
        "SE2120000009-S901", "SE2120000009-IOF9", OrgType.SOCIAL_SERVICES, Role.CASEWORKER
    )
    decision = RecordDecision(CaseDecision.INVESTIGATION_OPENED, True, True, False)
    refusals: list[tuple[type[Exception], str, Any]] = [
        (NotAParty, "K-3", lambda: application.read_case(outsider, case.id)),
        (
            NotInvolved,
            "K-3",
            lambda: application.record_decision(outsider, case.id, decision, at=AT),
        ),
        (
            NotInvolved,
            "K-3",
            lambda: application.close_case(
                outsider, case.id, reason=ClosingReason.MOVED_AWAY, at=AT
            ),
        ),
        (
            NotInvolved,
            "D-6",
            lambda: application.set_target_groups(outsider, case.id, groups=[], at=AT),
        ),
        (NotAParty, "K-3", lambda: application.notices(outsider, IOF, AT)),
        (
            AnotherMunicipality,
            "K-4",
            lambda: application.upcoming_transitions(outsider, IOF, date(2027, 1, 1)),
        ),
        (
            NotAParty,
            "K-5",
            lambda: application.read_handover(outsider, case.id, handover.id, at=AT),
        ),
        (
            NotInvolved,
            "K-5",
            lambda: application.acknowledge_handover(
                outsider, case.id, handover.id, receiving_caseworker=RECEIVER, at=AT
            ),
        ),
        (
            NotInvolved,
            "K-5",
            lambda: application.transfer_responsibility(outsider, case.id, handover.id, at=AT),
        ),
        (NotAParty, "K-6", lambda: application.read_sip(outsider, sip.id)),
        (
            NotInSip,
            "K-6",
            lambda: application.revise_sip(outsider, sip.id, plan=PLAN, at=AT),
        ),
        (NotAParty, "K-8", lambda: application.read_meeting(outsider, meeting.id)),
        (NotAParty, "K-8", lambda: application.export_meeting(outsider, meeting.id)),
        (
            NotInMeeting,
            "K-8",
            lambda: application.record_pre_meeting(outsider, meeting.id, held_at=AT, at=AT),
        ),
        (
            NotInMeeting,
            "K-8",
            lambda: application.request_three_party_meeting(outsider, case.id, to_unit=AOF, at=AT),
        ),
        (NotAParty, "D-6", lambda: application.read_screening(AT_IOF, screening.id)),
        (
            ScreeningNotAllowed,
            "D-6",
            lambda: application.record_screening(
                at_unit("SE2321000016-POL1", org_type=OrgType.POLICE),
                RecordScreening(
                    ADULT,
                    ScreeningInstrument.AUDIT,
                    ScreeningOccasion.NEW_VISIT,
                    ScreeningOutcome.DECLINED,
                    AT.date(),
                    None,
                    None,
                ),
                at=AT,
            ),
        ),
    ]
    for refused, rule, attempt in refusals:
        with pytest.raises(refused) as raised:
            attempt()
        assert isinstance(raised.value, RuleViolation)
        assert raised.value.rule == rule, raised.value
    assert application.cases_of(outsider, ADULT) == []
    assert application.consents_known_to(outsider, ADULT) == []
    assert application.recorder.max_notification_id() == head

    # The parties themselves are let in.
    assert application.read_case(AT_AOF, case.id).id == case.id  # receiving the handover
    assert application.read_handover(AT_AOF, case.id, handover.id, at=AT)[1].id == handover.id
    assert application.read_sip(AT_REGION, sip.id).id == sip.id
    assert application.read_meeting(AT_AOF, meeting.id).id == meeting.id
    with pytest.raises(MeetingNotBooked):  # a party, but nothing to invite to yet
        application.export_meeting(AT_AOF, meeting.id)
    assert application.read_screening(AT_REGION, screening.id).id == screening.id
    # A child-welfare report is never read back: its reporter is the actor, never the body.
    school = at_unit("SE2321000016-SKO1", org_type=OrgType.SCHOOL)
    report = application.record_child_welfare_report(
        school, RecordChildWelfareReport(None, None, "0180"), at=AT
    )
    assert (report.reporter_unit, report.reporter_org_type) == (school.org_id, "school")


def test_c9_the_receiving_unit_reads_a_handover_only_while_the_consent_holds(
    application: CasesApplication,
) -> None:
    case = register(application, ADULT, date(1990, 1, 1), [Need.SUBSTANCE_MISUSE]).cases[0]
    consent = learn_consent(application, ADULT, [IOF, AOF])
    handover = application.request_handover(
        AT_IOF, case.id, RequestHandover(to_unit=AOF, content=CONTENT), at=AT
    )
    assert application.read_handover(AT_AOF, case.id, handover.id, at=AT)[1].id == handover.id

    withdrawn = ConsentWithdrawn(
        subject_id=ADULT, consent_id=consent.consent_id, withdrawn_at=AT, recorded_by=STAFF
    )
    application.process_event(withdrawn, Tracking("/samverkan/consent#0", 99))

    with pytest.raises(HandoverConsentLapsed) as lapsed:
        application.read_handover(AT_AOF, case.id, handover.id, at=AT)
    assert (lapsed.value.rule, lapsed.value.status) == ("C-9", 403)
    # The sending unit's own documentation stays readable to it.
    assert application.read_handover(AT_IOF, case.id, handover.id, at=AT)[1].id == handover.id


def test_k4_e7_an_announcement_is_public_with_both_units_and_the_birthday(
    application: CasesApplication,
) -> None:
    """K-4: `AgeTransitionAnnounced` names the sending and receiving units, the
    municipality and the birthday, so escalation's alignment meeting can list it (E-7)."""
    case = register(application, YOUTH, date(2007, 9, 1), [Need.CHILD_WELFARE]).cases[0]
    application.announce_age_transition(
        AT_IOF, case.id, AnnounceAgeTransition(to_unit=AOF, continued_support_needed=True), at=AT
    )

    events = [
        public
        for notification in application.recorder.select_notifications(1, 1000)
        if isinstance(
            public := to_integration_event(application.mapper.to_domain_event(notification)),
            AgeTransitionAnnounced,
        )
    ]
    assert [(e.case_id, e.from_unit, e.to_unit, e.municipality_code) for e in events] == [
        (case.id, IOF, AOF, "0180")
    ]
    assert (events[0].transition_on, events[0].announced_at) == (date(2026, 9, 1), AT)
    assert events[0].continued_support_needed
