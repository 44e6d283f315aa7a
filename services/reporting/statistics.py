"""The statistics read model: monthly counts built from every service's public events.

The measures are the follow-up indicators of seed 004 (D-6): coordination
(SIPs proposed with consent, made, with a named coordinator or not, followed
up vs. overdue; consents), accessibility (target groups reached, red-thread
meetings held vs. passed their 14 days, handovers acknowledged vs. overdue),
quality (decisions with the child perspective considered or not, adults'
decisions with children in the household, deviations by category, signed
summaries, resolution time in bands), prevention (AUDIT/DUDIT screenings at
new visits by instrument and outcome, follow-ups, new-visit screenings
followed up) and escalation (red threads by puller's organisation type and
by municipality). Each event is counted on its own, in the Stockholm month
it is about: "held within 14 days" is read as meetings held against
meetings overdue in the same month, since no single event carries both the
pull and the meeting.

**Target groups (D-6).** The indicators are also broken down by the target
groups of seed 004. The view keeps each subject's current target groups per
case (from `CaseTargetGroupsChanged`, which carries a case's whole set); a
subject's groups are the union over their cases, and a subject in two groups
counts in both columns (so a by-group table's month total counts group
memberships, not events). A subject with none counts under
``no_target_group``. Events that carry the case's groups themselves
(`CaseDecisionRecorded`, `ScreeningRecorded`) are counted under those.
Events on the cases topic are keyed by subject id, so a subject's
`CaseTargetGroupsChanged` is applied before their later case events. Events
from other topics (escalation's red-thread meetings) are not ordered with
them: they are attributed to the groups known *when they are counted*, so a
meeting counted just before the case's groups arrive lands under
``no_target_group``. Only the pseudonymous subject id and group codes are
kept, and `SubjectErased` drops the subject's rows (the counts stay).

A by-group measure whose events have two outcomes (considered or not, held or
overdue) puts both in one table, as ``<group>:<outcome>`` columns, so the
share (``SHARES``) and its complement are both cells under disclosure
control. New-visit screenings move from ``:not_followed_up`` to
``:followed_up`` when their first done follow-up is recorded, counted in the
month of the new visit and under its groups (a month's figure can therefore
change after the month). "With consent" (seed 004: a SIP is made with the
individual's consent) is read from the proposal: `SipProposed` carries the
consent relied on (None only for a child's plan), `SipEstablished` does not
repeat it.

`Statistics` is an eventsourcing `Projection`; its view, a `TrackingRecorder`,
adds to the counts and records the consumed position (``source#partition``,
producer sequence) in one transaction, so a redelivered event is counted
once. The view lives in the reporting service's own database, beside its
event store (same SQLite file, or same PostgreSQL schema).

Counts are raw here. Disclosure control (D-5) is applied when they are shown
(`services.reporting.disclosure`), so a later rule change needs no rebuild.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

from eventsourcing.application import Application
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.projection import Projection
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder

from contracts import (
    ChildWelfareReportMade,
    ConsentGiven,
    DeviationDetected,
    DeviationReported,
    DeviationSummarised,
    HandoverAcknowledged,
    HandoverAcknowledgementOverdue,
    MeetingHeld,
    MeetingScheduled,
    RedThreadMeetingOverdue,
    RedThreadPulled,
    SipEstablished,
    SipFollowUpOverdue,
    SipFollowUpRecorded,
    SipProposed,
    SubjectErased,
    SubjectErasedV2,
)
from contracts.cases import CaseDecisionRecorded, CaseTargetGroupsChanged, ScreeningRecorded
from contracts.vocabulary import ScreeningOccasion, ScreeningOutcome, TargetGroup
from services.runtime.kernel.stockholm_time import stockholm_date
from services.runtime.store.read_models import Operations, SqlReadModel
from services.runtime.store.sql import row_values

RED_THREADS = "red_threads"
MEETINGS_SCHEDULED = "meetings_scheduled"
DEVIATIONS = "deviations"
CONSENTS_GIVEN = "consents_given"
RED_THREADS_BY_MUNICIPALITY = "red_threads_by_municipality"
RED_THREAD_MEETINGS_HELD = "red_thread_meetings_held"
RED_THREAD_MEETINGS_OVERDUE = "red_thread_meetings_overdue"
HANDOVERS_ACKNOWLEDGED = "handovers_acknowledged"
HANDOVERS_OVERDUE = "handovers_overdue"
SIPS_ESTABLISHED = "sips_established"
SIP_FOLLOW_UPS = "sip_follow_ups"
SIP_FOLLOW_UPS_OVERDUE = "sip_follow_ups_overdue"
DEVIATIONS_SUMMARISED = "deviations_summarised"
DEVIATION_RESOLUTION = "deviation_resolution"
CHILD_WELFARE_REPORTS = "child_welfare_reports"
# D-6 by target group (seed 004)
SIPS_PROPOSED_BY_GROUP = "sips_proposed_by_target_group"
SIPS_ESTABLISHED_BY_GROUP = "sips_established_by_target_group"
SIP_FOLLOW_UPS_BY_GROUP = "sip_follow_ups_by_target_group"
TARGET_GROUPS_REACHED = "target_groups_reached"
HANDOVERS_BY_GROUP = "handovers_by_target_group"
RED_THREAD_MEETINGS_BY_GROUP = "red_thread_meetings_by_target_group"
DECISIONS_CHILD_PERSPECTIVE = "decisions_child_perspective"
DECISIONS_CHILD_PERSPECTIVE_BY_GROUP = "decisions_child_perspective_by_target_group"
ADULT_DECISIONS_BY_GROUP = "adult_decisions_children_in_household_by_target_group"
SCREENINGS_AT_NEW_VISITS = "screenings_at_new_visits"
SCREENING_FOLLOW_UPS = "screening_follow_ups"
SCREENINGS_FOLLOWED_UP_BY_GROUP = "new_visit_screenings_followed_up_by_target_group"

MEASURES = (
    RED_THREADS,
    MEETINGS_SCHEDULED,
    DEVIATIONS,
    CONSENTS_GIVEN,
    RED_THREADS_BY_MUNICIPALITY,
    RED_THREAD_MEETINGS_HELD,
    RED_THREAD_MEETINGS_OVERDUE,
    HANDOVERS_ACKNOWLEDGED,
    HANDOVERS_OVERDUE,
    SIPS_ESTABLISHED,
    SIP_FOLLOW_UPS,
    SIP_FOLLOW_UPS_OVERDUE,
    DEVIATIONS_SUMMARISED,
    DEVIATION_RESOLUTION,
    CHILD_WELFARE_REPORTS,
    SIPS_PROPOSED_BY_GROUP,
    SIPS_ESTABLISHED_BY_GROUP,
    SIP_FOLLOW_UPS_BY_GROUP,
    TARGET_GROUPS_REACHED,
    HANDOVERS_BY_GROUP,
    RED_THREAD_MEETINGS_BY_GROUP,
    DECISIONS_CHILD_PERSPECTIVE,
    DECISIONS_CHILD_PERSPECTIVE_BY_GROUP,
    ADULT_DECISIONS_BY_GROUP,
    SCREENINGS_AT_NEW_VISITS,
    SCREENING_FOLLOW_UPS,
    SCREENINGS_FOLLOWED_UP_BY_GROUP,
)
"""Every measure the statistics show, in the order they are reported."""

INDICATORS = {
    "accessibility": (
        RED_THREAD_MEETINGS_HELD,
        RED_THREAD_MEETINGS_OVERDUE,
        HANDOVERS_ACKNOWLEDGED,
        HANDOVERS_OVERDUE,
        TARGET_GROUPS_REACHED,
        HANDOVERS_BY_GROUP,
        RED_THREAD_MEETINGS_BY_GROUP,
    ),
    "coordination": (
        SIPS_ESTABLISHED,
        SIP_FOLLOW_UPS,
        SIP_FOLLOW_UPS_OVERDUE,
        CONSENTS_GIVEN,
        SIPS_PROPOSED_BY_GROUP,
        SIPS_ESTABLISHED_BY_GROUP,
        SIP_FOLLOW_UPS_BY_GROUP,
    ),
    "quality": (
        DEVIATIONS,
        DEVIATIONS_SUMMARISED,
        DEVIATION_RESOLUTION,
        DECISIONS_CHILD_PERSPECTIVE,
        DECISIONS_CHILD_PERSPECTIVE_BY_GROUP,
        ADULT_DECISIONS_BY_GROUP,
    ),
    "prevention": (SCREENINGS_AT_NEW_VISITS, SCREENING_FOLLOW_UPS, SCREENINGS_FOLLOWED_UP_BY_GROUP),
    "escalation": (RED_THREADS, RED_THREADS_BY_MUNICIPALITY, MEETINGS_SCHEDULED),
    "children": (CHILD_WELFARE_REPORTS,),
}
"""The follow-up indicators of seed 004 (D-6) and the measures that make them up."""

BY_TARGET_GROUP = (
    SIPS_PROPOSED_BY_GROUP,
    SIPS_ESTABLISHED_BY_GROUP,
    SIP_FOLLOW_UPS_BY_GROUP,
    TARGET_GROUPS_REACHED,
    HANDOVERS_BY_GROUP,
    RED_THREAD_MEETINGS_BY_GROUP,
    DECISIONS_CHILD_PERSPECTIVE_BY_GROUP,
    ADULT_DECISIONS_BY_GROUP,
    SCREENINGS_FOLLOWED_UP_BY_GROUP,
)
"""Measures whose dimension is a target group, or ``<target group>:<outcome>``."""


@dataclass(frozen=True)
class Share:
    """A share of one by-group measure: the `part` outcome over both outcomes (D-6)."""

    measure: str
    part: str
    other: str


SHARES = {
    "sips_proposed_with_consent": Share(SIPS_PROPOSED_BY_GROUP, "with_consent", "without_consent"),
    "sip_follow_ups_in_time": Share(SIP_FOLLOW_UPS_BY_GROUP, "recorded", "overdue"),
    "handovers_acknowledged_in_time": Share(HANDOVERS_BY_GROUP, "acknowledged", "overdue"),
    "red_thread_meetings_held_in_time": Share(RED_THREAD_MEETINGS_BY_GROUP, "held", "overdue"),
    "decisions_child_perspective_considered": Share(
        DECISIONS_CHILD_PERSPECTIVE_BY_GROUP, "considered", "not_considered"
    ),
    "adult_decisions_with_children_in_household": Share(
        ADULT_DECISIONS_BY_GROUP, "children", "no_children"
    ),
    "new_visit_screenings_followed_up": Share(
        SCREENINGS_FOLLOWED_UP_BY_GROUP, "followed_up", "not_followed_up"
    ),
}
"""The D-6 shares, each computed per target group from the disclosure-controlled counts."""

NO_TARGET_GROUP = "no_target_group"
"""Dimension of a subject with no known target group."""

TARGET_GROUP_COLUMNS = (*(g.value for g in TargetGroup), NO_TARGET_GROUP)
"""The target-group breakdown, in the order of seed 004, then those with none."""

RESOLUTION_BANDS = ((7, "0-7 days"), (30, "8-30 days"), (90, "31-90 days"))
"""How long a deviation took from step 1 to the signed joint summary (D-6 quality)."""

ALL = "all"
"""Dimension value of a measure that is not broken down."""

CountKey = tuple[str, str, str]
"""(measure, month "YYYY-MM", dimension value)."""


@dataclass(frozen=True)
class Row:
    measure: str
    month: str
    dimension: str
    count: int


@dataclass(frozen=True)
class NewVisitScreening:
    """What the view remembers of a done new-visit screening until it is followed up."""

    month: str
    target_groups: tuple[str, ...]
    followed_up: bool


def resolution_band(took: timedelta) -> str:
    """The band of a deviation's resolution time, in whole days."""
    for days, band in RESOLUTION_BANDS:
        if took.days <= days:
            return band
    return "over 90 days"


def stockholm_month(instant: datetime) -> str:
    """The calendar month in Sweden ("YYYY-MM"): 23:30 UTC on 31 March is already April."""
    return stockholm_date(instant).strftime("%Y-%m")


def month_of_day(day: date) -> str:
    return day.strftime("%Y-%m")


def group_columns(groups: Iterable[str]) -> list[str]:
    """The columns a subject with `groups` counts under: each group, or no_target_group."""
    found = sorted(set(groups))
    return found or [NO_TARGET_GROUP]


def split_dimension(dimension: str) -> tuple[str, str]:
    """``"co_morbidity:considered"`` -> (``"co_morbidity"``, ``"considered"``)."""
    group, _, outcome = dimension.partition(":")
    return group, outcome


class StatisticsView(SqlReadModel):
    """Monthly counts per measure and dimension, with the position they reflect, and
    what counting by target group needs: each subject's groups per case and the done
    new-visit screenings (pseudonymous ids and codes only).

    Its statements are written once for both databases (`SqlReadModel`).
    """

    TABLES: ClassVar[tuple[str, ...]] = (
        "CREATE TABLE IF NOT EXISTS {statistics_count} ("
        "measure TEXT NOT NULL, month TEXT NOT NULL, dimension TEXT NOT NULL, "
        "count {bigint} NOT NULL, PRIMARY KEY (measure, month, dimension)){without_rowid}",
        "CREATE TABLE IF NOT EXISTS {statistics_target_group} ("
        "subject_id TEXT NOT NULL, case_id TEXT NOT NULL, target_group TEXT NOT NULL, "
        "PRIMARY KEY (subject_id, case_id, target_group))",
        "CREATE TABLE IF NOT EXISTS {statistics_screening} ("
        "screening_id TEXT NOT NULL PRIMARY KEY, subject_id TEXT NOT NULL, "
        "month TEXT NOT NULL, target_groups TEXT NOT NULL, followed_up INTEGER NOT NULL)",
        "CREATE INDEX IF NOT EXISTS statistics_screening_subject "
        "ON {statistics_screening} (subject_id)",
    )
    NAMES: ClassVar[tuple[str, ...]] = (
        "statistics_count",
        "statistics_target_group",
        "statistics_screening",
    )

    UPSERT_COUNT: ClassVar[str] = (
        "INSERT INTO {statistics_count} AS t (measure, month, dimension, count) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (measure, month, dimension) "
        "DO UPDATE SET count = t.count + excluded.count"
    )
    """Add to a count, making it if need be; parameters: measure, month, dimension, n."""

    datastore: Any
    _insert_tracking: Callable[[Any, Tracking], None]
    _open_batch: threading.local

    @contextmanager
    def batch(self, tracking: Tracking, first: Tracking | None = None) -> Iterator[None]:
        """Count several events in ONE transaction, recorded at the last one's position
        and at the `first` one's.

        Inside, `change` and the lookups use the batch's cursor, so an event sees
        what earlier ones in the batch changed (a case's new target groups, say),
        and no event records its own position: the consumer applies a batch only
        of events past the recorded position, in order. One commit per batch
        instead of per event is what lets the intake keep up with a busy topic.

        The first position makes the batch a compare-and-set on where it
        started: two owners of a partition during a rebalance that both
        started from the same position (1..4 and 1..6) cannot both commit —
        the second breaks the first position's uniqueness and counts nothing.
        """
        with self.datastore.transaction(commit=True) as cursor:
            self._batch().cursor = cursor
            try:
                yield
                if first is not None and first.notification_id < tracking.notification_id:
                    self._insert_tracking(cursor, first)
                self._insert_tracking(cursor, tracking)
            finally:
                self._batch().cursor = None

    def _batch(self) -> threading.local:
        if not hasattr(self, "_open_batch"):
            self._open_batch = threading.local()
        return self._open_batch

    def _batch_cursor(self) -> Any:
        return getattr(self._batch(), "cursor", None)

    def select(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        cursor = self._batch_cursor()
        if cursor is None:
            return super().select(statement, params)
        cursor.execute(self.sql(statement), params)
        return [row_values(row) for row in cursor.fetchall()]

    def increment(self, counts: list[CountKey], tracking: Tracking) -> None:
        """Add 1 per key and record `tracking`, in one transaction.

        A tracking position at or below the recorded one raises
        `IntegrityError` and adds nothing.
        """
        self.change(Counter(counts), [], tracking)

    def change(
        self, deltas: dict[CountKey, int], operations: Operations, tracking: Tracking
    ) -> None:
        """Add each delta (negative moves a count elsewhere), run the target-group
        `operations` and record `tracking`, all in one transaction (or in the open
        `batch`'s, which records the position itself)."""
        cursor = self._batch_cursor()
        if cursor is not None:
            self._write(cursor, deltas, operations)
            return
        with self.datastore.transaction(commit=True) as cursor:
            self._insert_tracking(cursor, tracking)
            self._write(cursor, deltas, operations)

    def _write(self, cursor: Any, deltas: dict[CountKey, int], operations: Operations) -> None:
        for statement, params in operations:
            cursor.execute(self.sql(statement), params)
        for key, n in deltas.items():
            if n:
                cursor.execute(self.sql(self.UPSERT_COUNT), (*key, n))

    def counts(self) -> list[Row]:
        """Every count, ordered by measure, month and dimension."""
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(
                self.sql(
                    "SELECT measure, month, dimension, count FROM {statistics_count} "
                    "ORDER BY measure, month, dimension"
                )
            )
            return [
                Row(m, month, d, int(n)) for m, month, d, n in map(row_values, cursor.fetchall())
            ]

    # --- target groups (D-6) ---------------------------------------------------------

    def case_target_groups(self, subject_id: str, case_id: str) -> frozenset[str]:
        rows = self.select(
            "SELECT target_group FROM {statistics_target_group} "
            "WHERE subject_id = ? AND case_id = ?",
            (subject_id, case_id),
        )
        return frozenset(r[0] for r in rows)

    def subject_target_groups(self, subject_id: str) -> frozenset[str]:
        """The union of the subject's cases' current target groups."""
        rows = self.select(
            "SELECT DISTINCT target_group FROM {statistics_target_group} WHERE subject_id = ?",
            (subject_id,),
        )
        return frozenset(r[0] for r in rows)

    def new_visit_screening(self, screening_id: str) -> NewVisitScreening | None:
        rows = self.select(
            "SELECT month, target_groups, followed_up FROM {statistics_screening} "
            "WHERE screening_id = ?",
            (screening_id,),
        )
        if not rows:
            return None
        month, groups, followed_up = rows[0]
        return NewVisitScreening(month, tuple(g for g in groups.split(",") if g), bool(followed_up))


def replace_case_groups(subject_id: str, case_id: str, groups: Iterable[str]) -> Operations:
    """The case's whole current set replaces what was kept for it."""
    operations: Operations = [
        (
            "DELETE FROM {statistics_target_group} WHERE subject_id = ? AND case_id = ?",
            (subject_id, case_id),
        )
    ]
    operations += [
        (
            "INSERT INTO {statistics_target_group} (subject_id, case_id, target_group) "
            "VALUES (?, ?, ?)",
            (subject_id, case_id, group),
        )
        for group in sorted(set(groups))
    ]
    return operations


def remember_new_visit(
    screening_id: str, subject_id: str, month: str, groups: Iterable[str]
) -> Operations:
    return [
        (
            "INSERT INTO {statistics_screening} "
            "(screening_id, subject_id, month, target_groups, followed_up) "
            "VALUES (?, ?, ?, ?, 0)",
            (screening_id, subject_id, month, ",".join(sorted(groups))),
        )
    ]


def mark_followed_up(screening_id: str) -> Operations:
    return [
        (
            "UPDATE {statistics_screening} SET followed_up = 1 WHERE screening_id = ?",
            (screening_id,),
        )
    ]


def forget_subject(subject_id: str) -> Operations:
    """Erasure: the subject's target groups and screenings go; the counts stay."""
    return [
        ("DELETE FROM {statistics_target_group} WHERE subject_id = ?", (subject_id,)),
        ("DELETE FROM {statistics_screening} WHERE subject_id = ?", (subject_id,)),
    ]


class SQLiteStatisticsView(SQLiteTrackingRecorder, StatisticsView):
    """The view in a service's SQLite file."""


class PostgresStatisticsView(PostgresTrackingRecorder, StatisticsView):
    """The view in a service's PostgreSQL schema."""


def statistics_view(application: Application[Any]) -> StatisticsView:
    """The view, with its tables, in the same database as `application`'s event store."""
    datastore = getattr(application.recorder, "datastore", None)
    view: StatisticsView
    if isinstance(datastore, PostgresDatastore):
        view = PostgresStatisticsView(datastore)
    elif isinstance(datastore, SQLiteDatastore):
        view = SQLiteStatisticsView(datastore)
    else:
        msg = f"no statistics view for a {type(datastore).__name__} store"
        raise TypeError(msg)
    view.create_table()
    view.create_read_model()
    return view


def _outcome(flag: bool, yes: str, no: str) -> str:
    return yes if flag else no


class Statistics(Projection[StatisticsView]):
    """Counts the facts the follow-up indicators (D-6) and the yearly review (D-5) need.

    Each count falls in the Stockholm calendar month of the moment the event
    is about. `MeetingScheduled` carries no time of scheduling, only
    `meeting_at`, so meetings count in the month they are held: that is also
    the month a coordinator asks about ("how many red-thread meetings did we
    hold in March?"), and it does not change when the events are replayed.
    """

    name = "statistics"

    def _by_group(
        self, subject_id: str, measure: str, month: str, outcome: str = ""
    ) -> list[CountKey]:
        """One count per target group the subject is in now (see the module docstring)."""
        suffix = f":{outcome}" if outcome else ""
        groups = self.view.subject_target_groups(subject_id)
        return [(measure, month, f"{g}{suffix}") for g in group_columns(groups)]

    @singledispatchmethod
    def process_event(self, event: Any, tracking: Tracking) -> None:
        """Events that no measure counts still move the position on."""
        self.view.change({}, [], tracking)

    @process_event.register
    def _red_thread_pulled(self, event: RedThreadPulled, tracking: Tracking) -> None:
        month = stockholm_month(event.pulled_at)
        self.view.increment(
            [
                (RED_THREADS, month, event.pulled_by_org_type.value),
                (RED_THREADS_BY_MUNICIPALITY, month, event.municipality_code),
            ],
            tracking,
        )

    @process_event.register
    def _meeting_scheduled(self, event: MeetingScheduled, tracking: Tracking) -> None:
        month = stockholm_month(event.meeting_at)
        self.view.increment([(MEETINGS_SCHEDULED, month, ALL)], tracking)

    @process_event.register
    def _deviation_reported(self, event: DeviationReported, tracking: Tracking) -> None:
        month = stockholm_month(event.reported_at)
        self.view.increment([(DEVIATIONS, month, event.category.value)], tracking)

    @process_event.register
    def _deviation_detected(self, event: DeviationDetected, tracking: Tracking) -> None:
        """D-7: a missed deadline counts as a deviation like a reported one."""
        month = stockholm_month(event.detected_at)
        self.view.increment([(DEVIATIONS, month, event.category.value)], tracking)

    @process_event.register
    def _red_thread_meeting_held(self, event: MeetingHeld, tracking: Tracking) -> None:
        """D-6 accessibility: meetings held, beside those that passed 14 days (E-3)."""
        month = stockholm_month(event.meeting_at)
        by_group = self._by_group(event.subject_id, RED_THREAD_MEETINGS_BY_GROUP, month, "held")
        self.view.increment([(RED_THREAD_MEETINGS_HELD, month, ALL), *by_group], tracking)

    @process_event.register
    def _red_thread_meeting_overdue(
        self, event: RedThreadMeetingOverdue, tracking: Tracking
    ) -> None:
        month = stockholm_month(event.overdue_at)
        by_group = self._by_group(event.subject_id, RED_THREAD_MEETINGS_BY_GROUP, month, "overdue")
        self.view.increment([(RED_THREAD_MEETINGS_OVERDUE, month, ALL), *by_group], tracking)

    @process_event.register
    def _handover_acknowledged(self, event: HandoverAcknowledged, tracking: Tracking) -> None:
        """D-6 accessibility: the chain of care holds when handovers are acknowledged (K-5)."""
        month = stockholm_month(event.acknowledged_at)
        by_group = self._by_group(event.subject_id, HANDOVERS_BY_GROUP, month, "acknowledged")
        self.view.increment([(HANDOVERS_ACKNOWLEDGED, month, ALL), *by_group], tracking)

    @process_event.register
    def _handover_overdue(self, event: HandoverAcknowledgementOverdue, tracking: Tracking) -> None:
        month = stockholm_month(event.overdue_at)
        by_group = self._by_group(event.subject_id, HANDOVERS_BY_GROUP, month, "overdue")
        self.view.increment([(HANDOVERS_OVERDUE, month, ALL), *by_group], tracking)

    @process_event.register
    def _sip_proposed(self, event: SipProposed, tracking: Tracking) -> None:
        """D-6 coordination: a SIP is made with the individual's consent (seed 004); only a
        child's may be proposed without one (C-7)."""
        month = stockholm_month(event.proposed_at)
        outcome = _outcome(event.consent_id is not None, "with_consent", "without_consent")
        self.view.increment(
            self._by_group(event.subject_id, SIPS_PROPOSED_BY_GROUP, month, outcome), tracking
        )

    @process_event.register
    def _sip_established(self, event: SipEstablished, tracking: Tracking) -> None:
        """D-6 coordination: SIPs made (K-6), and whether they have a named coordinator."""
        month = stockholm_month(event.established_at)
        coordinated = "with_coordinator" if event.coordinator else "without_coordinator"
        by_group = self._by_group(event.subject_id, SIPS_ESTABLISHED_BY_GROUP, month)
        self.view.increment([(SIPS_ESTABLISHED, month, coordinated), *by_group], tracking)

    @process_event.register
    def _sip_followed_up(self, event: SipFollowUpRecorded, tracking: Tracking) -> None:
        month = stockholm_month(event.recorded_at)
        by_group = self._by_group(event.subject_id, SIP_FOLLOW_UPS_BY_GROUP, month, "recorded")
        self.view.increment([(SIP_FOLLOW_UPS, month, ALL), *by_group], tracking)

    @process_event.register
    def _sip_follow_up_overdue(self, event: SipFollowUpOverdue, tracking: Tracking) -> None:
        month = stockholm_month(event.overdue_at)
        by_group = self._by_group(event.subject_id, SIP_FOLLOW_UPS_BY_GROUP, month, "overdue")
        self.view.increment([(SIP_FOLLOW_UPS_OVERDUE, month, ALL), *by_group], tracking)

    @process_event.register
    def _deviation_summarised(self, event: DeviationSummarised, tracking: Tracking) -> None:
        """D-6 quality: deviations handled (step 2 signed), and how long that took."""
        month = stockholm_month(event.summarised_at)
        band = resolution_band(event.summarised_at - event.reported_at)
        self.view.increment(
            [
                (DEVIATIONS_SUMMARISED, month, event.category.value),
                (DEVIATION_RESOLUTION, month, band),
            ],
            tracking,
        )

    @process_event.register
    def _child_welfare_report(self, event: ChildWelfareReportMade, tracking: Tracking) -> None:
        """D-6 (the child perspective): reports to social services (K-10), by municipality."""
        month = stockholm_month(event.reported_at)
        self.view.increment([(CHILD_WELFARE_REPORTS, month, event.municipality_code)], tracking)

    @process_event.register
    def _consent_given(self, event: ConsentGiven, tracking: Tracking) -> None:
        month = stockholm_month(event.given_at)
        self.view.increment([(CONSENTS_GIVEN, month, event.purpose.value)], tracking)

    # --- target groups, decisions and screenings (D-6, issue #13) ---------------------

    @process_event.register
    def _target_groups_changed(self, event: CaseTargetGroupsChanged, tracking: Tracking) -> None:
        """D-6 accessibility, target groups reached: a case entering a group counts once in
        the month it entered; staying in it or leaving it counts nothing."""
        case_id = str(event.case_id)
        before = self.view.case_target_groups(event.subject_id, case_id)
        now = {g.value for g in event.target_groups}
        month = stockholm_month(event.changed_at)
        entered = Counter((TARGET_GROUPS_REACHED, month, g) for g in sorted(now - before))
        self.view.change(entered, replace_case_groups(event.subject_id, case_id, now), tracking)

    @process_event.register
    def _decision_recorded(self, event: CaseDecisionRecorded, tracking: Tracking) -> None:
        """D-6 quality (seed 004: "barnperspektivet beaktas i varje ärende"): every decision
        with the child perspective considered or not, under the case's groups; an adult's
        decision also by whether there are children in the household."""
        month = stockholm_month(event.decided_at)
        columns = group_columns(g.value for g in event.target_groups)
        considered = _outcome(event.child_perspective_considered, "considered", "not_considered")
        counts = [(DECISIONS_CHILD_PERSPECTIVE, month, considered)]
        counts += [
            (DECISIONS_CHILD_PERSPECTIVE_BY_GROUP, month, f"{g}:{considered}") for g in columns
        ]
        if event.children_in_household is not None:
            children = _outcome(event.children_in_household, "children", "no_children")
            counts += [(ADULT_DECISIONS_BY_GROUP, month, f"{g}:{children}") for g in columns]
        self.view.increment(counts, tracking)

    @process_event.register
    def _screening_recorded(self, event: ScreeningRecorded, tracking: Tracking) -> None:
        """D-6 prevention (seed 004: AUDIT/DUDIT at new visits, followed up over time).

        A done new-visit screening counts as not yet followed up, under its groups;
        its first done follow-up moves it to followed up, in its own month. Declined
        screenings count only by instrument and outcome.
        """
        month = month_of_day(event.screened_on)
        kind = f"{event.instrument.value}:{event.outcome.value}"
        done = event.outcome is ScreeningOutcome.DONE
        deltas: Counter[CountKey] = Counter()
        operations: Operations = []
        if event.occasion is ScreeningOccasion.NEW_VISIT:
            deltas[(SCREENINGS_AT_NEW_VISITS, month, kind)] += 1
            columns = group_columns(g.value for g in event.target_groups)
            if done and self.view.new_visit_screening(str(event.screening_id)) is None:
                for g in columns:
                    deltas[(SCREENINGS_FOLLOWED_UP_BY_GROUP, month, f"{g}:not_followed_up")] += 1
                operations = remember_new_visit(
                    str(event.screening_id), event.subject_id, month, columns
                )
        else:
            deltas[(SCREENING_FOLLOW_UPS, month, kind)] += 1
            first = self.view.new_visit_screening(str(event.follows_up)) if done else None
            if first is not None and not first.followed_up:
                for g in first.target_groups:
                    deltas[
                        (SCREENINGS_FOLLOWED_UP_BY_GROUP, first.month, f"{g}:not_followed_up")
                    ] -= 1
                    deltas[(SCREENINGS_FOLLOWED_UP_BY_GROUP, first.month, f"{g}:followed_up")] += 1
                operations = mark_followed_up(str(event.follows_up))
        self.view.change(deltas, operations, tracking)

    @process_event.register
    def _subject_erased(self, event: SubjectErased, tracking: Tracking) -> None:
        """Erasure drops what the view keeps about the subject; their counts stay."""
        self.view.change({}, forget_subject(event.subject_id), tracking)

    @process_event.register
    def _subject_erased_v2(self, event: SubjectErasedV2, tracking: Tracking) -> None:
        """Erasure on request or statutory culling: the same as version 1."""
        self.view.change({}, forget_subject(event.subject_id), tracking)
