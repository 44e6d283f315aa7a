"""The measure catalogue of the statistics (D-5, D-6): which measures exist, what their
dimensions are, which shares are taken of them, and the months and bands they count in.

The measures are the follow-up indicators of seed 004 (D-6): coordination
(SIPs proposed with consent, made, with a named coordinator or not, followed
up vs. overdue; consents), accessibility (target groups reached, red-thread
meetings held vs. passed their 14 days, handovers acknowledged vs. overdue),
quality (decisions with the child perspective considered or not, adults'
decisions with children in the household, deviations by category, signed
summaries, resolution time in bands), prevention (AUDIT/DUDIT screenings at
new visits by instrument and outcome, follow-ups, new-visit screenings
followed up; after a screening at risk, brief advice offered and referrals made
(K-15); contacts where the violence question was asked, and support offered
where someone is exposed (K-16)) and escalation (red threads by puller's organisation type and
by municipality). Each event is counted on its own, in the Stockholm month
it is about: "held within 14 days" is read as meetings held against
meetings overdue in the same month, since no single event carries both the
pull and the meeting.

**Target groups (D-6).** The indicators are also broken down by the target
groups of seed 004. A subject's groups are the union over their cases' current
groups, and a subject in two groups counts in both columns (so a by-group
table's month total counts group memberships, not events). A subject with
none counts under ``no_target_group``.

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

Pure domain: no I/O, no clock. Which event adds to which count is the
statistics projection's (`services.reporting.views.statistics`); how the
counts are shown, disclosure control's (`services.reporting.domain.disclosure`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from contracts.vocabulary import TargetGroup
from services.runtime.kernel.stockholm_time import stockholm_date

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
# K-15, K-16 (seed 004), by target group
SCREENING_ADVICE_BY_GROUP = "at_risk_screenings_advice_by_target_group"
SCREENING_REFERRALS_BY_GROUP = "at_risk_screenings_referral_by_target_group"
VIOLENCE_QUESTION_BY_GROUP = "contacts_violence_question_by_target_group"
VIOLENCE_SUPPORT_BY_GROUP = "violence_exposed_support_by_target_group"

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
    SCREENING_ADVICE_BY_GROUP,
    SCREENING_REFERRALS_BY_GROUP,
    VIOLENCE_QUESTION_BY_GROUP,
    VIOLENCE_SUPPORT_BY_GROUP,
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
    "prevention": (
        SCREENINGS_AT_NEW_VISITS,
        SCREENING_FOLLOW_UPS,
        SCREENINGS_FOLLOWED_UP_BY_GROUP,
        SCREENING_ADVICE_BY_GROUP,
        SCREENING_REFERRALS_BY_GROUP,
        VIOLENCE_QUESTION_BY_GROUP,
        VIOLENCE_SUPPORT_BY_GROUP,
    ),
    "escalation": (RED_THREADS, RED_THREADS_BY_MUNICIPALITY, MEETINGS_SCHEDULED),
    "children": (CHILD_WELFARE_REPORTS,),
}
"""The follow-up indicators of seed 004 (D-6) and the measures that make them up."""


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
    # K-15: "Rådgivning erbjuds vid behov", and referrals to more qualified interventions.
    "advice_offered_where_needed": Share(SCREENING_ADVICE_BY_GROUP, "advice_offered", "no_advice"),
    "at_risk_screenings_referred": Share(SCREENING_REFERRALS_BY_GROUP, "referred", "not_referred"),
    # K-16: "våldsfrågan ställd" at contacts, and support offered when someone is exposed.
    "violence_question_asked": Share(VIOLENCE_QUESTION_BY_GROUP, "asked", "not_asked"),
    "support_offered_when_exposed": Share(
        VIOLENCE_SUPPORT_BY_GROUP, "support_offered", "no_support"
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
    """One count as the view keeps it: a measure's dimension value in a month."""

    measure: str
    month: str
    dimension: str
    count: int


def resolution_band(took: timedelta) -> str:
    """The band of a deviation's resolution time, in whole days."""
    for days, band in RESOLUTION_BANDS:
        if took.days <= days:
            return band
    return "over 90 days"


def stockholm_month(instant: datetime) -> str:
    """The calendar month in Sweden ("YYYY-MM"): 23:30 UTC on 31 March is already April."""
    return month_of_day(stockholm_date(instant))


def month_of_day(day: date) -> str:
    """``"YYYY-MM"``, formatted by hand: strftime is a third of a counted event's month."""
    return f"{day.year:04d}-{day.month:02d}"


def group_columns(groups: Iterable[str]) -> list[str]:
    """The columns a subject with `groups` counts under: each group, or no_target_group."""
    found = sorted(set(groups))
    return found or [NO_TARGET_GROUP]


def split_dimension(dimension: str) -> tuple[str, str]:
    """``"co_morbidity:considered"`` -> (``"co_morbidity"``, ``"considered"``)."""
    group, _, outcome = dimension.partition(":")
    return group, outcome
