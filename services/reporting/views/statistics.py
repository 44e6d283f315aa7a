"""The statistics view: monthly counts of the D-6 measures from every service's public events.

Which measures there are, their dimensions and shares, is the measure
catalogue's (`services.reporting.domain.measures`); where the counts are kept,
the view's tables' (`services.reporting.views.statistics_tables`). This module
is what each upstream event adds to which count.

**Target groups (D-6).** The view keeps each subject's current target groups
per case (from `CaseTargetGroupsChanged`, which carries a case's whole set).
Events that carry the case's groups themselves (`CaseDecisionRecorded`,
`ScreeningRecorded`, `ScreeningAdviceRecorded`, `ViolenceQuestionRecorded`) are
counted under those. Events on the cases topic are
keyed by subject id, so a subject's `CaseTargetGroupsChanged` is applied
before their later case events. Events from other topics (escalation's
red-thread meetings) are not ordered with them: they are attributed to the
groups known *when they are counted*, so a meeting counted just before the
case's groups arrive lands under ``no_target_group``. `SubjectErased` drops
the subject's rows (the counts stay).

`Statistics` is an eventsourcing `Projection` over that view, so a
redelivered event is counted once.

Counts are raw here. Disclosure control (D-5) is applied when they are shown
(`services.reporting.domain.disclosure`), so a later rule change needs no rebuild.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from operator import attrgetter
from typing import Any, NamedTuple

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from contracts import (
    CaseDecisionRecorded,
    CaseTargetGroupsChanged,
    ChildWelfareReportMade,
    ConsentGiven,
    DeviationDetected,
    DeviationReported,
    DeviationSummarised,
    HandoverAcknowledged,
    HandoverAcknowledgementOverdue,
    MeetingHeld,
    MeetingScheduled,
    MeetingStage,
    RedThreadMeetingCancelled,
    RedThreadMeetingMoved,
    RedThreadMeetingOverdue,
    RedThreadPulled,
    ScreeningAdviceRecorded,
    ScreeningRecorded,
    SipEstablished,
    SipFollowUpOverdue,
    SipFollowUpRecorded,
    SipProposed,
    SubjectErased,
    SubjectErasedV2,
    ViolenceQuestionRecorded,
)
from contracts.vocabulary import ScreeningOccasion, ScreeningOutcome, ViolenceExposure
from services.reporting.domain.measures import (
    ADULT_DECISIONS_BY_GROUP,
    ALL,
    CHILD_WELFARE_REPORTS,
    CONSENTS_GIVEN,
    DECISIONS_CHILD_PERSPECTIVE,
    DECISIONS_CHILD_PERSPECTIVE_BY_GROUP,
    DEVIATION_RESOLUTION,
    DEVIATIONS,
    DEVIATIONS_SUMMARISED,
    HANDOVERS_ACKNOWLEDGED,
    HANDOVERS_BY_GROUP,
    HANDOVERS_OVERDUE,
    MEETINGS_SCHEDULED,
    RED_THREAD_MEETINGS_BY_GROUP,
    RED_THREAD_MEETINGS_HELD,
    RED_THREAD_MEETINGS_OVERDUE,
    RED_THREADS,
    RED_THREADS_BY_MUNICIPALITY,
    SCREENING_ADVICE_BY_GROUP,
    SCREENING_FOLLOW_UPS,
    SCREENING_REFERRALS_BY_GROUP,
    SCREENINGS_AT_NEW_VISITS,
    SCREENINGS_FOLLOWED_UP_BY_GROUP,
    SIP_FOLLOW_UPS,
    SIP_FOLLOW_UPS_BY_GROUP,
    SIP_FOLLOW_UPS_OVERDUE,
    SIPS_ESTABLISHED,
    SIPS_ESTABLISHED_BY_GROUP,
    SIPS_PROPOSED_BY_GROUP,
    TARGET_GROUPS_REACHED,
    VIOLENCE_QUESTION_BY_GROUP,
    VIOLENCE_SUPPORT_BY_GROUP,
    CountKey,
    group_columns,
    month_of_day,
    resolution_band,
    stockholm_month,
)
from services.reporting.views.statistics_tables import (
    PostgresStatisticsView,
    SQLiteStatisticsView,
    StatisticsView,
    forget_subject,
    mark_followed_up,
    remember_new_visit,
    replace_case_groups,
    statistics_view,
)
from services.runtime.store.read_models import Operations

__all__ = [
    "PostgresStatisticsView",
    "SQLiteStatisticsView",
    "Statistics",
    "StatisticsView",
    "statistics_view",
]


def _outcome(flag: bool, yes: str, no: str) -> str:
    return yes if flag else no


class _Counted(NamedTuple):
    """Where an event that marks a step done or overdue is counted."""

    at: Callable[[Any], datetime]
    total: str
    by_group: str
    outcome: str


DONE_OR_OVERDUE: dict[type[Any], _Counted] = {
    # D-6 accessibility: red-thread meetings held, beside those that passed 14 days (E-3).
    MeetingHeld: _Counted(
        attrgetter("meeting_at"), RED_THREAD_MEETINGS_HELD, RED_THREAD_MEETINGS_BY_GROUP, "held"
    ),
    RedThreadMeetingOverdue: _Counted(
        attrgetter("overdue_at"),
        RED_THREAD_MEETINGS_OVERDUE,
        RED_THREAD_MEETINGS_BY_GROUP,
        "overdue",
    ),
    # D-6 accessibility: the chain of care holds when handovers are acknowledged (K-5).
    HandoverAcknowledged: _Counted(
        attrgetter("acknowledged_at"), HANDOVERS_ACKNOWLEDGED, HANDOVERS_BY_GROUP, "acknowledged"
    ),
    HandoverAcknowledgementOverdue: _Counted(
        attrgetter("overdue_at"), HANDOVERS_OVERDUE, HANDOVERS_BY_GROUP, "overdue"
    ),
    SipFollowUpRecorded: _Counted(
        attrgetter("recorded_at"), SIP_FOLLOW_UPS, SIP_FOLLOW_UPS_BY_GROUP, "recorded"
    ),
    SipFollowUpOverdue: _Counted(
        attrgetter("overdue_at"), SIP_FOLLOW_UPS_OVERDUE, SIP_FOLLOW_UPS_BY_GROUP, "overdue"
    ),
}
"""The events that only mark a step done or overdue, each counted in its month, in all and
under the subject's target groups (``<group>:<outcome>``)."""


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
    def _meeting_moved(self, event: RedThreadMeetingMoved, tracking: Tracking) -> None:
        """W-2: a meeting moved counts in the month it is now held, not the old one."""
        if event.stage is not MeetingStage.MEETING:
            self.view.change({}, [], tracking)
            return
        deltas = Counter({(MEETINGS_SCHEDULED, stockholm_month(event.meeting_at), ALL): 1})
        deltas[(MEETINGS_SCHEDULED, stockholm_month(event.previous_meeting_at), ALL)] -= 1
        self.view.change(deltas, [], tracking)

    @process_event.register
    def _meeting_cancelled(self, event: RedThreadMeetingCancelled, tracking: Tracking) -> None:
        """W-2: a cancelled meeting is not held: it leaves its month's count (scheduled again,
        it counts again, in the month of its new time)."""
        deltas = Counter[CountKey]()
        if event.stage is MeetingStage.MEETING:
            deltas[(MEETINGS_SCHEDULED, stockholm_month(event.meeting_at), ALL)] -= 1
        self.view.change(deltas, [], tracking)

    @process_event.register
    def _deviation_reported(self, event: DeviationReported, tracking: Tracking) -> None:
        month = stockholm_month(event.reported_at)
        self.view.increment([(DEVIATIONS, month, event.category.value)], tracking)

    @process_event.register
    def _deviation_detected(self, event: DeviationDetected, tracking: Tracking) -> None:
        """D-7: a missed deadline counts as a deviation like a reported one."""
        month = stockholm_month(event.detected_at)
        self.view.increment([(DEVIATIONS, month, event.category.value)], tracking)

    def _done_or_overdue(self, event: Any, tracking: Tracking) -> None:
        """A step done or overdue: counted in all and under the subject's target groups."""
        counted = DONE_OR_OVERDUE[type(event)]
        month = stockholm_month(counted.at(event))
        by_group = self._by_group(event.subject_id, counted.by_group, month, counted.outcome)
        self.view.increment([(counted.total, month, ALL), *by_group], tracking)

    for _event_type in DONE_OR_OVERDUE:
        process_event.register(_event_type, _done_or_overdue)
    del _event_type

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
    def _screening_advice(self, event: ScreeningAdviceRecorded, tracking: Tracking) -> None:
        """K-15 (seed 004: "Rådgivning erbjuds vid behov"; referral on "vid upptäckt"):
        each screening at risk, under its groups, by whether advice was offered and
        whether a referral was made, in the month of the visit."""
        month = month_of_day(event.screened_on)
        advice = _outcome(event.advice_offered, "advice_offered", "no_advice")
        referral = _outcome(event.referred, "referred", "not_referred")
        counts: list[CountKey] = []
        for g in group_columns(t.value for t in event.target_groups):
            counts += [
                (SCREENING_ADVICE_BY_GROUP, month, f"{g}:{advice}"),
                (SCREENING_REFERRALS_BY_GROUP, month, f"{g}:{referral}"),
            ]
        self.view.increment(counts, tracking)

    @process_event.register
    def _violence_question(self, event: ViolenceQuestionRecorded, tracking: Tracking) -> None:
        """K-16 (seed 004: "rutinmässigt tillfrågas"): each contact, under its groups, by
        whether the question was asked; where someone is exposed, by whether support
        was offered. In the month of the contact."""
        month = month_of_day(event.contact_on)
        asked = _outcome(event.asked, "asked", "not_asked")
        exposed = ViolenceExposure.EXPOSED in (event.adult_exposure, event.children_exposure)
        support = _outcome(bool(event.support_offered), "support_offered", "no_support")
        counts: list[CountKey] = []
        for g in group_columns(t.value for t in event.target_groups):
            counts.append((VIOLENCE_QUESTION_BY_GROUP, month, f"{g}:{asked}"))
            if exposed:
                counts.append((VIOLENCE_SUPPORT_BY_GROUP, month, f"{g}:{support}"))
        self.view.increment(counts, tracking)

    @process_event.register
    def _subject_erased(self, event: SubjectErased, tracking: Tracking) -> None:
        """Erasure drops what the view keeps about the subject; their counts stay."""
        self.view.change({}, forget_subject(event.subject_id), tracking)

    @process_event.register
    def _subject_erased_v2(self, event: SubjectErasedV2, tracking: Tracking) -> None:
        """Erasure on request or statutory culling: the same as version 1."""
        self.view.change({}, forget_subject(event.subject_id), tracking)
