"""D-6: every follow-up indicator by target group, proved on generated populations with
known answers, counted by the real statistics projection on a real SQLite view and
published under the same disclosure control as every other statistic (D-5).

A population is a list of subjects, each with the target groups of their case and
what happened to them: decisions (child perspective considered or not, children in
the household), AUDIT/DUDIT screenings at new visits (done or declined, followed up
0-2 times), SIPs (proposed with consent or, for a child, without; made; follow-ups
recorded or overdue), handovers (acknowledged or overdue) and red-thread meetings
(held or overdue). `expected` works out the counts
on its own, from the population, never from the view.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Tracking
from eventsourcing.sqlite import SQLiteDatastore
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts import (
    CaseDecisionRecorded,
    CaseTargetGroupsChanged,
    HandoverAcknowledged,
    HandoverAcknowledgementOverdue,
    IntegrationEvent,
    MeetingHeld,
    RedThreadMeetingOverdue,
    ScreeningRecorded,
    SipEstablished,
    SipFollowUpOverdue,
    SipFollowUpRecorded,
    SipProposed,
)
from contracts.examples import EXAMPLES
from contracts.vocabulary import (
    ScreeningInstrument,
    ScreeningOccasion,
    ScreeningOutcome,
    TargetGroup,
)
from services.reporting.api import statistics_csv, statistics_report
from services.reporting.domain.disclosure import SMALLEST_SHOWN_COUNT, share
from services.reporting.domain.measures import SHARES
from services.reporting.views.statistics import SQLiteStatisticsView, Statistics, StatisticsView

AT = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
MONTH = "2026-03"
GROUPS = [g.value for g in TargetGroup]


@dataclass(frozen=True)
class Screening:
    instrument: str
    outcome: str
    follow_ups: int


@dataclass(frozen=True)
class Subject:
    groups: frozenset[str]
    decisions: tuple[tuple[bool, bool | None], ...] = ()
    screenings: tuple[Screening, ...] = ()
    sips_with_consent: tuple[bool, ...] = ()
    sips_established: int = 0
    sip_follow_ups_recorded: tuple[bool, ...] = ()
    handovers_acknowledged: tuple[bool, ...] = ()
    meetings_held: tuple[bool, ...] = ()


@dataclass
class Feed:
    """Turns a population into the events the other services would publish, in order."""

    events: list[IntegrationEvent] = field(default_factory=list)
    ids: Iterator[int] = field(default_factory=lambda: iter(range(1, 1_000_000)))

    def uuid(self) -> UUID:
        return UUID(int=next(self.ids))

    def add(self, kind: type[IntegrationEvent], **update: Any) -> None:
        self.events.append(EXAMPLES[kind].model_copy(update=update))


# What happened or failed to in time, for the yes/no outcomes of a Subject: the event and
# the field of its time.
SIP_FOLLOW_UP_RECORDED = (SipFollowUpRecorded, "recorded_at")
SIP_FOLLOW_UP_OVERDUE = (SipFollowUpOverdue, "overdue_at")
HANDOVER_ACKNOWLEDGED = (HandoverAcknowledged, "acknowledged_at")
HANDOVER_OVERDUE = (HandoverAcknowledgementOverdue, "overdue_at")
MEETING_HELD = (MeetingHeld, "meeting_at")
MEETING_OVERDUE = (RedThreadMeetingOverdue, "overdue_at")


def subject_id(n: int) -> str:
    return f"{n + 1:064x}"


def events_of(population: list[Subject]) -> list[IntegrationEvent]:
    feed = Feed()
    for n, person in enumerate(population):
        sid, case_id = subject_id(n), feed.uuid()
        groups = tuple(TargetGroup(g) for g in sorted(person.groups))
        # The case's set first: the cases topic is keyed by subject, so it precedes the rest.
        feed.add(
            CaseTargetGroupsChanged,
            subject_id=sid,
            case_id=case_id,
            target_groups=groups,
            changed_at=AT,
        )
        for considered, children in person.decisions:
            feed.add(
                CaseDecisionRecorded,
                subject_id=sid,
                case_id=case_id,
                decided_at=AT,
                child_perspective_considered=considered,
                children_in_household=children,
                target_groups=groups,
            )
        for screening in person.screenings:
            first = feed.uuid()
            common = {
                "subject_id": sid,
                "instrument": ScreeningInstrument(screening.instrument),
                "screened_on": date(2026, 3, 12),
                "target_groups": groups,
                "recorded_at": AT,
            }
            feed.add(
                ScreeningRecorded,
                screening_id=first,
                occasion=ScreeningOccasion.NEW_VISIT,
                outcome=ScreeningOutcome(screening.outcome),
                follows_up=None,
                **common,
            )
            for _ in range(screening.follow_ups):
                feed.add(
                    ScreeningRecorded,
                    screening_id=feed.uuid(),
                    occasion=ScreeningOccasion.FOLLOW_UP,
                    outcome=ScreeningOutcome.DONE,
                    follows_up=first,
                    **common,
                )
        for with_consent in person.sips_with_consent:
            consent = feed.uuid() if with_consent else None
            feed.add(SipProposed, subject_id=sid, sip_id=feed.uuid(), consent_id=consent)
        for _ in range(person.sips_established):
            feed.add(SipEstablished, subject_id=sid, established_at=AT)
        for outcomes, (done, done_at), (missed, missed_at) in (
            (person.sip_follow_ups_recorded, SIP_FOLLOW_UP_RECORDED, SIP_FOLLOW_UP_OVERDUE),
            (person.handovers_acknowledged, HANDOVER_ACKNOWLEDGED, HANDOVER_OVERDUE),
            (person.meetings_held, MEETING_HELD, MEETING_OVERDUE),
        ):
            for happened in outcomes:
                kind, at_field = (done, done_at) if happened else (missed, missed_at)
                feed.add(kind, subject_id=sid, **{at_field: AT})
    return feed.events


def expected(population: list[Subject]) -> Counter[tuple[str, str, str]]:
    """The counts, worked out from the population alone."""
    want: Counter[tuple[str, str, str]] = Counter()

    def by_group(person: Subject, measure: str, outcome: str) -> None:
        for g in sorted(person.groups) or ["no_target_group"]:
            want[(measure, MONTH, f"{g}:{outcome}" if outcome else g)] += 1

    for person in population:
        for g in person.groups:
            want[("target_groups_reached", MONTH, g)] += 1
        for considered, children in person.decisions:
            outcome = "considered" if considered else "not_considered"
            want[("decisions_child_perspective", MONTH, outcome)] += 1
            by_group(person, "decisions_child_perspective_by_target_group", outcome)
            if children is not None:
                by_group(
                    person,
                    "adult_decisions_children_in_household_by_target_group",
                    "children" if children else "no_children",
                )
        for s in person.screenings:
            want[("screenings_at_new_visits", MONTH, f"{s.instrument}:{s.outcome}")] += 1
            if s.follow_ups:
                want[("screening_follow_ups", MONTH, f"{s.instrument}:done")] += s.follow_ups
            if s.outcome == "done":
                followed = "followed_up" if s.follow_ups else "not_followed_up"
                by_group(person, "new_visit_screenings_followed_up_by_target_group", followed)
        for with_consent in person.sips_with_consent:
            outcome = "with_consent" if with_consent else "without_consent"
            by_group(person, "sips_proposed_by_target_group", outcome)
        for _ in range(person.sips_established):
            want[("sips_established", MONTH, "with_coordinator")] += 1
            by_group(person, "sips_established_by_target_group", "")
        for recorded in person.sip_follow_ups_recorded:
            outcome = "recorded" if recorded else "overdue"
            want[("sip_follow_ups" if recorded else "sip_follow_ups_overdue", MONTH, "all")] += 1
            by_group(person, "sip_follow_ups_by_target_group", outcome)
        for acknowledged in person.handovers_acknowledged:
            outcome = "acknowledged" if acknowledged else "overdue"
            want[(f"handovers_{outcome}", MONTH, "all")] += 1
            by_group(person, "handovers_by_target_group", outcome)
        for held in person.meetings_held:
            outcome = "held" if held else "overdue"
            want[(f"red_thread_meetings_{outcome}", MONTH, "all")] += 1
            by_group(person, "red_thread_meetings_by_target_group", outcome)
    return +want


def counted(population: list[Subject], directory: Path) -> StatisticsView:
    datastore = SQLiteDatastore(str(directory / "statistics.db"))
    view = SQLiteStatisticsView(datastore)
    view.create_table()
    view.create_read_model()
    statistics = Statistics(view)
    for position, event in enumerate(events_of(population), start=1):
        statistics.process_event(event, Tracking(f"/samverkan/{event.service}#0", position))
    return view


def as_counter(view: StatisticsView) -> Counter[tuple[str, str, str]]:
    return +Counter({(r.measure, r.month, r.dimension): r.count for r in view.counts()})


# --- generated populations ---------------------------------------------------------------

screenings = st.builds(
    Screening,
    instrument=st.sampled_from(["AUDIT", "DUDIT"]),
    outcome=st.sampled_from(["done", "declined"]),
    follow_ups=st.integers(0, 2),
)
subjects = st.builds(
    Subject,
    groups=st.frozensets(st.sampled_from(GROUPS), max_size=2),
    decisions=st.lists(st.tuples(st.booleans(), st.none() | st.booleans()), max_size=3).map(tuple),
    screenings=st.lists(screenings, max_size=2).map(tuple),
    sips_with_consent=st.lists(st.booleans(), max_size=2).map(tuple),
    sips_established=st.integers(0, 1),
    sip_follow_ups_recorded=st.lists(st.booleans(), max_size=2).map(tuple),
    handovers_acknowledged=st.lists(st.booleans(), max_size=2).map(tuple),
    meetings_held=st.lists(st.booleans(), max_size=2).map(tuple),
)
populations = st.lists(subjects, min_size=1, max_size=14)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(populations)
def test_d6_every_indicator_counts_the_generated_population_by_target_group(
    population: list[Subject],
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        view = counted(population, Path(directory))
        try:
            assert as_counter(view) == expected(population)
            assert_published_under_disclosure_control(view)
        finally:
            view.datastore.close()


def assert_published_under_disclosure_control(view: StatisticsView) -> None:
    """D-5 for every new count: each published value is the true one or suppressed, none
    is 1-4; each share comes from published counts and is suppressed with them."""
    true = as_counter(view)
    report = statistics_report(view.counts())
    for measure, cells in report.measures.items():
        for cell in cells:
            if cell.count is None:
                assert cell.suppressed
            else:
                assert cell.count == true[(measure, cell.month, cell.dimension)]
                assert cell.count == 0 or cell.count >= SMALLEST_SHOWN_COUNT
    for name, definition in SHARES.items():
        published = {(c.month, c.dimension): c.count for c in report.measures[definition.measure]}
        for ratio in report.shares[name]:
            if ratio.month != MONTH:
                continue  # the period's margins are checked through the CSV below
            part = published.get((MONTH, f"{ratio.target_group}:{definition.part}"), 0)
            other = published.get((MONTH, f"{ratio.target_group}:{definition.other}"), 0)
            assert ratio.share == share(part, other)
            assert ratio.suppressed == (part is None or other is None)
    for line in statistics_csv(report).splitlines()[1:]:
        value = line.split(",")[3]
        if value and "." not in value:
            assert int(value) == 0 or int(value) >= SMALLEST_SHOWN_COUNT


# --- one population with known answers -------------------------------------------------

CO_MORBIDITY = frozenset({"co_morbidity"})
VIOLENCE = frozenset({"exposed_to_violence"})
PREGNANT = frozenset({"pregnant_with_risky_use"})
CHILDREN = frozenset({"children_and_youth"})


def known_population() -> list[Subject]:
    """Decisions with the child perspective considered: co-morbidity 20 of 30, violence
    6 of 8, children 5 of 11. Done new-visit screenings followed up: pregnancy 7 of 10
    (AUDIT), co-morbidity 10 of 20 and violence 6 of 12 (DUDIT). SIPs: 7 with consent
    (co-morbidity), 6 for children without."""

    def decided(groups: frozenset[str], considered: int, of: int) -> list[Subject]:
        children = None if groups == CHILDREN else False  # asked only in an adult's case
        return [Subject(groups, decisions=((n < considered, children),)) for n in range(of)]

    def screened(groups: frozenset[str], tool: str, followed: int, of: int) -> list[Subject]:
        return [
            Subject(groups, screenings=(Screening(tool, "done", int(n < followed)),))
            for n in range(of)
        ]

    return [
        *decided(CO_MORBIDITY, 20, 30),
        *decided(VIOLENCE, 6, 8),
        *decided(CHILDREN, 5, 11),
        *screened(PREGNANT, "AUDIT", 7, 10),
        *screened(CO_MORBIDITY, "DUDIT", 10, 20),
        *screened(VIOLENCE, "DUDIT", 6, 12),
        *[Subject(CO_MORBIDITY, sips_with_consent=(True,)) for _ in range(7)],
        *[Subject(CHILDREN, sips_with_consent=(False,)) for _ in range(6)],
    ]


def shares_of(view: StatisticsView, name: str) -> dict[str, float | None]:
    report = statistics_report(view.counts())
    return {r.target_group: r.share for r in report.shares[name] if r.month == MONTH}


def test_d6_known_population_shares_and_their_suppressed_cells(tmp_path: Path) -> None:
    view = counted(known_population(), tmp_path)
    report = statistics_report(view.counts())
    decisions = {
        c.dimension: c.count for c in report.measures["decisions_child_perspective_by_target_group"]
    }
    assert decisions["co_morbidity:considered"] == 20
    assert decisions["co_morbidity:not_considered"] == 10
    assert decisions["exposed_to_violence:not_considered"] is None  # 2: suppressed
    # ... and the cheapest second cell too (children's 5), so the 2 cannot be worked
    # out from the totals.
    assert decisions["children_and_youth:considered"] is None
    assert shares_of(view, "decisions_child_perspective_considered") == {
        "children_and_youth": None,
        "co_morbidity": 0.667,
        "exposed_to_violence": None,
    }
    # 7 of 10 AUDIT new visits followed up: the 3 not followed up are suppressed, the
    # share with them, and one of violence's 6 as the second cell.
    assert shares_of(view, "new_visit_screenings_followed_up") == {
        "co_morbidity": 0.5,
        "exposed_to_violence": None,
        "pregnant_with_risky_use": None,
    }
    screened = {c.dimension: c.count for c in report.measures["screenings_at_new_visits"]}
    assert screened == {"AUDIT:done": 10, "DUDIT:done": 32}
    # SIPs: children's plans need no consent of their own (C-7); adults' are all with it.
    assert shares_of(view, "sips_proposed_with_consent") == {
        "children_and_youth": 0.0,
        "co_morbidity": 1.0,
    }
    reached = {c.dimension: c.count for c in report.measures["target_groups_reached"]}
    assert reached == {
        "children_and_youth": 17,
        "co_morbidity": 57,
        "exposed_to_violence": 20,
        "pregnant_with_risky_use": 10,
    }
    view.datastore.close()


def test_d6_a_subject_in_two_groups_counts_in_both_and_one_in_none_under_no_target_group(
    tmp_path: Path,
) -> None:
    both = frozenset({"co_morbidity", "exposed_to_violence"})
    population = [
        Subject(both, decisions=((True, None),)),
        Subject(frozenset(), decisions=((False, None),)),
    ]
    view = counted(population, tmp_path)
    assert {
        r.dimension
        for r in view.counts()
        if r.measure == "decisions_child_perspective_by_target_group"
    } == {
        "co_morbidity:considered",
        "exposed_to_violence:considered",
        "no_target_group:not_considered",
    }
    view.datastore.close()
