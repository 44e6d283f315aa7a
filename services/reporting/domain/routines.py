"""D-7: a deadline the routines set that passes unmet is itself a collaboration failure.

Seed 002 lists "routines missing or not followed" (rutiner saknas eller inte
följs) as a category of failure; the routines of seeds 000 and 003 set the
deadlines. Every overdue event the other services publish therefore becomes a
deviation in category `routines`, detected rather than reported, linked to
the event it came from:

| overdue event                    | rule | routine                                         |
|----------------------------------|------|-------------------------------------------------|
| `RedThreadMeetingOverdue`        | E-3  | red-thread meeting within 14 days of the pull   |
| `MeetingAbsenceRecorded`         | E-3  | summoned parties must attend                    |
| `MonthlyMeetingAbsenceRecorded`  | E-7  | summoned units attend the monthly meeting       |
| `RedThreadFollowUpOverdue`       | E-5  | the follow-up and evaluation is held            |
| `AgeTransitionOverdue`           | K-4  | announce 6 months before the 19th/21st birthday |
| `HandoverAcknowledgementOverdue` | K-5  | the receiving unit acknowledges the handover    |
| `SipFollowUpOverdue`             | K-7  | planned SIP follow-ups are held                 |
| `SipEstablishmentOverdue`        | K-13 | a proposed SIP is made without delay            |
| `OtherPrincipalContactOverdue`   | K-17 | the other principal establishes contact in time |
| `CaseMeetingOverdue`             | E-11 | a booked meeting is recorded as held in time    |
| `RedThreadMeetingNotRecorded`    | E-11 | the red-thread meeting is recorded in time      |
| `RedThreadFollowUpNotBooked`     | E-11 | a held meeting's follow-up is booked in time    |
| `RedThreadActionOverdue`         | E-11 | an agreed action is done by its day             |
| `DeviationFeedbackOverdue`       | D-3  | a deviation is solved, with feedback, quickly   |

The last is reporting's own (it consumes its own topic): a deviation past its
feedback deadline. One detected from a missed D-3 deadline does not beget
another when it too is late, or the chain would never end.

The deviation links to the CloudEvents ``ce_id`` of the message that carried
the overdue event (`DeviationDetected.source_event_id`), and its own id is
derived from that ``ce_id``. The relay derives a ``ce_id`` from the stored
event (its aggregate and version), so a redelivered or republished message
has the same one and one overdue fact makes one deviation however often it
is delivered. Deviations detected before the ``ce_id`` was handed over link
to an id derived from the event's type and content; they stay as they are,
and a redelivery of their source finds them by that id.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import singledispatch
from typing import Any

from contracts import (
    AgeTransitionOverdue,
    CaseMeetingOverdue,
    DeviationCategory,
    DeviationFeedbackOverdue,
    HandoverAcknowledgementOverdue,
    IntegrationEvent,
    MeetingAbsenceRecorded,
    MonthlyMeetingAbsenceRecorded,
    OtherPrincipalContactOverdue,
    RedThreadActionOverdue,
    RedThreadFollowUpNotBooked,
    RedThreadFollowUpOverdue,
    RedThreadMeetingNotRecorded,
    RedThreadMeetingOverdue,
    SipEstablishmentOverdue,
    SipFollowUpOverdue,
)
from services.runtime.kernel.stockholm_time import stockholm_date

_SOURCE_NAMESPACE = uuid.UUID("0b5e7d1c-8a44-4f0e-9c55-6f1d2a7b3e90")


@dataclass(frozen=True)
class MissedRoutine:
    """What a detected deviation (D-7) records about the missed deadline."""

    rule: str
    affected_orgs: list[str]
    what_happened: str
    detected_at: datetime
    subject_id: str | None
    category: str = DeviationCategory.ROUTINES.value


def source_event_id(event: IntegrationEvent) -> uuid.UUID:
    """An id derived from the event's content: the link before ``ce_id`` was handed
    over, and still the fallback when an event arrives without a message."""
    return uuid.uuid5(_SOURCE_NAMESPACE, f"{event.ce_type()}\n{event.model_dump_json()}")


def source_message_id(ce_id: str) -> uuid.UUID | None:
    """The ``ce_id`` as the UUID the link holds (the relay's ids are UUIDs); None if not one."""
    try:
        return uuid.UUID(ce_id)
    except ValueError:
        return None


def deviation_id_for(event: IntegrationEvent, source_id: uuid.UUID | None = None) -> uuid.UUID:
    """The id of the deviation an overdue event becomes: one per source message
    (`source_id`, its ``ce_id``), or per content when there is none."""
    return uuid.uuid5(_SOURCE_NAMESPACE, f"deviation:{source_id or source_event_id(event)}")


@singledispatch
def missed_routine(event: Any) -> MissedRoutine | None:
    """D-7: the missed routine an upstream event reports, or None for any other event."""
    return None


@missed_routine.register
def _(event: RedThreadMeetingOverdue) -> MissedRoutine:
    return MissedRoutine(
        rule="E-3",
        affected_orgs=list(event.concerned_orgs),
        what_happened=(
            f"No red-thread meeting was held by {event.meeting_deadline.isoformat()}, "
            "14 days after the pull (E-3)."
        ),
        detected_at=event.overdue_at,
        subject_id=event.subject_id,
    )


@missed_routine.register
def _(event: MeetingAbsenceRecorded) -> MissedRoutine:
    return MissedRoutine(
        rule="E-3",
        affected_orgs=[event.absent_org],
        what_happened=(
            f"A summoned organisation did not attend the red-thread {event.stage.value} "
            "(E-3: summoned parties must attend)."
        ),
        detected_at=event.meeting_at,
        subject_id=event.subject_id,
        category=event.category.value,
    )


@missed_routine.register
def _(event: MonthlyMeetingAbsenceRecorded) -> MissedRoutine:
    """E-7: the alignment meeting is mandatory for every member, a collaboration meeting
    for the units summoned; the units that stayed away did not follow the routine."""
    return MissedRoutine(
        rule="E-7",
        affected_orgs=list(event.absent_orgs),
        what_happened=(
            f"Summoned to the monthly meeting of {stockholm_date(event.recorded_at).isoformat()}, "
            f"{', '.join(event.absent_orgs)} did not attend (E-7)."
        ),
        detected_at=event.recorded_at,
        subject_id=None,
        category=event.category.value,
    )


@missed_routine.register
def _(event: RedThreadFollowUpOverdue) -> MissedRoutine:
    return MissedRoutine(
        rule="E-5",
        affected_orgs=list(event.concerned_orgs),
        what_happened="The red thread's follow-up and evaluation was not held on its day (E-5).",
        detected_at=event.overdue_at,
        subject_id=event.subject_id,
    )


@missed_routine.register
def _(event: AgeTransitionOverdue) -> MissedRoutine:
    return MissedRoutine(
        rule="K-4",
        affected_orgs=[event.unit],
        what_happened=(
            f"The age transition on {event.transition_on.isoformat()} was not announced by "
            f"{event.announce_by.isoformat()}, six months before (K-4)."
        ),
        detected_at=event.overdue_at,
        subject_id=event.subject_id,
    )


@missed_routine.register
def _(event: HandoverAcknowledgementOverdue) -> MissedRoutine:
    return MissedRoutine(
        rule="K-5",
        affected_orgs=[event.from_unit, event.to_unit],
        what_happened=(
            f"The receiving unit did not acknowledge the handover by "
            f"{event.acknowledge_by.isoformat()} (K-5)."
        ),
        detected_at=event.overdue_at,
        subject_id=event.subject_id,
    )


@missed_routine.register
def _(event: SipFollowUpOverdue) -> MissedRoutine:
    """K-7: the plan's units missed its follow-up; an event raised before the units were
    published names none."""
    return MissedRoutine(
        rule="K-7",
        affected_orgs=list(event.units or ()),
        what_happened=(
            f"The SIP follow-up planned for {event.follow_up_on.isoformat()} "
            "was not recorded (K-7)."
        ),
        detected_at=event.overdue_at,
        subject_id=event.subject_id,
    )


@missed_routine.register
def _(event: SipEstablishmentOverdue) -> MissedRoutine:
    """K-13: "utan dröjsmål" (K-6) as a day; the plan's units, the proposing one among
    them, are the organisations concerned."""
    return MissedRoutine(
        rule="K-13",
        affected_orgs=list(event.units),
        what_happened=(
            f"The proposed SIP was not established by {event.establish_by.isoformat()} (K-13)."
        ),
        detected_at=event.overdue_at,
        subject_id=event.subject_id,
    )


@missed_routine.register
def _(event: OtherPrincipalContactOverdue) -> MissedRoutine:
    """K-17: the unit asked did not establish contact in time; the asking unit is concerned."""
    return MissedRoutine(
        rule="K-17",
        affected_orgs=[event.to_unit, event.from_unit],
        what_happened=(
            "Contact with the other principal was not established by "
            f"{event.contact_by.isoformat()} (K-17)."
        ),
        detected_at=event.overdue_at,
        subject_id=event.subject_id,
    )


@missed_routine.register
def _(event: CaseMeetingOverdue) -> MissedRoutine:
    """E-11: a three-party or care-planning meeting (K-8, K-9) not recorded as held by the
    end of the working day after its date; its units are the organisations concerned."""
    return MissedRoutine(
        rule="E-11",
        affected_orgs=list(event.units),
        what_happened=(
            f"The {event.kind.value.replace('_', ' ')} meeting of "
            f"{stockholm_date(event.starts_at).isoformat()} was not recorded as held by the end of "
            "the next working day (E-11)."
        ),
        detected_at=event.overdue_at,
        subject_id=event.subject_id,
    )


@missed_routine.register
def _(event: RedThreadMeetingNotRecorded) -> MissedRoutine:
    """E-11: the red-thread meeting not recorded as held by the end of the working day after
    its date; everyone the red thread involves is concerned."""
    return MissedRoutine(
        rule="E-11",
        affected_orgs=list(event.concerned_orgs),
        what_happened=(
            f"The red-thread meeting of {stockholm_date(event.meeting_at).isoformat()} was not "
            "recorded as held by the end of the next working day (E-11)."
        ),
        detected_at=event.overdue_at,
        subject_id=event.subject_id,
    )


@missed_routine.register
def _(event: RedThreadFollowUpNotBooked) -> MissedRoutine:
    """E-11: the red-thread meeting was held and no follow-up booked within the days set."""
    return MissedRoutine(
        rule="E-11",
        affected_orgs=list(event.concerned_orgs),
        what_happened=(
            f"No follow-up was booked within {event.within_days} days of the red-thread "
            f"meeting of {stockholm_date(event.meeting_at).isoformat()} (E-11)."
        ),
        detected_at=event.overdue_at,
        subject_id=event.subject_id,
    )


@missed_routine.register
def _(event: RedThreadActionOverdue) -> MissedRoutine:
    """E-11: an agreed action (E-10) past its day without an evaluation; the responsible
    organisation is the one that did not follow the routine."""
    return MissedRoutine(
        rule="E-11",
        affected_orgs=[event.responsible_org],
        what_happened=(
            f"An action the red-thread meeting agreed on was due on "
            f"{event.due_on.isoformat()} and not evaluated by then (E-11)."
        ),
        detected_at=event.overdue_at,
        subject_id=event.subject_id,
    )


@missed_routine.register
def _(event: DeviationFeedbackOverdue) -> MissedRoutine | None:
    """D-3, D-7: the deviation's parties did not solve it, with feedback, by the deadline
    set for "skyndsamt"; not again for a deviation that was itself a missed D-3 deadline."""
    if event.rule == "D-3":
        return None
    return MissedRoutine(
        rule="D-3",
        affected_orgs=list(event.concerned_orgs),
        what_happened=(
            f"A deviation was not solved with feedback to every party by "
            f"{stockholm_date(event.feedback_due - timedelta(microseconds=1)).isoformat()} (D-3)."
        ),
        detected_at=event.overdue_at,
        subject_id=event.subject_id,
    )
