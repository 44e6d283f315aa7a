"""The monthly meetings of deputy unit managers (E-7, seed 003).

Once a month the deputy unit managers of the units (IoF and ÄoF) meet;
alignment meetings (avstämningsmöte, mandatory for all) and collaboration
meetings (samverkansmöte, mandatory for those summoned) alternate. Cases are
registered by 12:00 Europe/Stockholm the day before, with the individual's
name and age, a short background, the current situation, and the problem and
question. Minutes are kept, the minute-taker rotating among the units. Once
a term the alignment meeting takes stock of the known upcoming transfers.

Readings a coordinator would expect, written down:

- "Varannan månad" alternates by sequence: the meeting after an alignment
  meeting is a collaboration meeting, even when a month (July) is skipped.
- "Dagen innan" is the calendar day before, weekends included: a Monday
  meeting closes at Sunday 12:00. Registration at 12:00:00 exactly is in time.
- A term is a half-year: spring (VT) January to June, autumn (HT) July to December;
  the first alignment meeting planned in a term is that term's inventory.
- Collaboration meetings are "obligatoriskt när man blir kallad": a unit is
  summoned by a registration naming it, and the registering unit attends too.

Name and age are personal data: sealed in this service's store, erased with
their owner's key, never published (CaseRegisteredForMeeting carries ids only).

Pure domain: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar, TypeAlias
from uuid import UUID

from contracts import MonthlyMeetingKind
from services.escalation.domain import monthly_meeting_plans as plans
from services.escalation.domain.errors import (
    MonthlyMeetingConflict,
    MonthlyMeetingInvalid,
    NotAMember,
    NotTheMinuteTaker,
    RegistrationClosed,
)
from services.escalation.domain.owners import minutes_owner, registration_owner
from services.escalation.domain.registrations import (
    Registration,
    registration_cutoff,
    require_complete,
)
from services.escalation.domain.terms import PlannedMeeting, alternate, term_of
from services.runtime.kernel.aggregate import Aggregate, event
from services.runtime.kernel.personal import Personal
from services.runtime.kernel.stockholm_time import stockholm_date


class MeetingSeries(Aggregate):
    """The calendar of one forum's monthly meetings: which kind, who takes the minutes."""

    class Created(Aggregate.Created):
        name: str
        members: list[str]
        first_kind: str
        created_by: str
        created_at: datetime

    class MeetingPlanned(Aggregate.Event):
        meeting_id: UUID
        starts_at: datetime
        kind: str
        minute_taker: str
        inventory: bool

    @classmethod
    def create(
        cls,
        *,
        name: str,
        members: list[str],
        first_kind: MonthlyMeetingKind,
        created_by: str,
        at: datetime,
    ) -> MeetingSeries:
        unique = list(dict.fromkeys(members))
        if len(unique) < 2:
            raise MonthlyMeetingInvalid(
                "a collaboration forum has the deputy unit managers of at least two units"
            )
        if not name.strip():
            raise MonthlyMeetingInvalid("name the forum")
        series: MeetingSeries = cls(
            name=name.strip(),
            members=unique,
            first_kind=first_kind.value,
            created_by=created_by,
            created_at=at,
        )
        return series

    @event(Created)
    def __init__(
        self,
        *,
        name: str,
        members: list[str],
        first_kind: str,
        created_by: str,
        created_at: datetime,
    ) -> None:
        self.name = name
        self.members = members
        self.first_kind = MonthlyMeetingKind(first_kind)
        self.meetings: list[PlannedMeeting] = []

    def next_kind(self) -> MonthlyMeetingKind:
        return alternate(self.meetings[-1].kind) if self.meetings else self.first_kind

    def next_minute_taker(self) -> str:
        """E-7: "Ansvaret för att dokumentera ... alterneras mellan deltagarna" — in turn."""
        return self.members[len(self.meetings) % len(self.members)]

    def plan(self, *, meeting_id: UUID, starts_at: datetime, now: datetime) -> PlannedMeeting:
        """E-7: the next meeting, once a month, of the other kind than the last."""
        if starts_at <= now:
            raise MonthlyMeetingInvalid("starts_at is in the past")
        month = stockholm_date(starts_at).replace(day=1)
        if self.meetings:
            last = self.meetings[-1]
            if stockholm_date(last.starts_at).replace(day=1) >= month:
                raise MonthlyMeetingConflict(
                    f"the forum meets once a month and the last meeting planned is on "
                    f"{stockholm_date(last.starts_at).isoformat()}: plan a later month"
                )
        kind = self.next_kind()
        term = term_of(stockholm_date(starts_at))
        inventory = kind is MonthlyMeetingKind.ALIGNMENT and not any(
            m.inventory and term_of(stockholm_date(m.starts_at)) == term for m in self.meetings
        )
        self._planned(
            meeting_id=meeting_id,
            starts_at=starts_at,
            kind=kind.value,
            minute_taker=self.next_minute_taker(),
            inventory=inventory,
        )
        return self.meetings[-1]

    @event(MeetingPlanned)
    def _planned(
        self,
        *,
        meeting_id: UUID,
        starts_at: datetime,
        kind: str,
        minute_taker: str,
        inventory: bool,
    ) -> None:
        self.meetings.append(
            PlannedMeeting(meeting_id, starts_at, MonthlyMeetingKind(kind), minute_taker, inventory)
        )


class MonthlyMeeting(plans.MonthlyMeetingPlans, Aggregate):
    """One monthly meeting: its agenda (registered cases), attendance and minutes."""

    class Planned(Aggregate.Created):
        meeting_id: UUID
        series_id: UUID
        starts_at: datetime
        kind: str
        members: list[str]
        minute_taker: str
        inventory: bool

        def personal_owner(self) -> str:
            return minutes_owner(self.originator_id)

    class CaseRegistered(Aggregate.Event):
        class_version = 2  # v2: the age is sealed as the name is (a number in clear before)

        meeting_kind: str
        meeting_at: datetime
        registration_id: UUID
        subject_id: str | None
        registering_org: str
        registered_by: str
        name: Personal
        age: Personal
        background: Personal
        current_situation: Personal
        problem_and_question: Personal
        summoned_orgs: list[str]
        registered_at: datetime

        legacy_personal: ClassVar[tuple[str, ...]] = (
            "name",
            "age",
            "background",
            "current_situation",
            "problem_and_question",
        )

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            state["age"] = str(state["age"])

        def legacy_owner(self, path: str, key: str | None, declared: Any) -> str:
            return registration_owner(self.subject_id, self.registration_id)

        def personal_owners(self) -> dict[str, str]:
            return {str(self.registration_id): self.legacy_owner("", None, None)}

    class AttendanceRecorded(Aggregate.Event):
        present_orgs: list[str]
        absent_orgs: list[str]
        recorded_by: str
        recorded_at: datetime

    class MinutesRecorded(Aggregate.Event):
        """`text` is the general part; `case_minutes` the part about each registered case,
        by registration id (each its own owner's: see `record_minutes`)."""

        class_version = 2

        text: Personal
        recorded_by: str
        recorded_by_org: str
        recorded_at: datetime
        case_minutes: dict[str, Personal]

        legacy_personal: ClassVar[tuple[str, ...]] = ("text", "case_minutes{}")

        def legacy_owner(
            self, path: str, key: str | None, declared: Callable[[], dict[str, str]]
        ) -> str | None:
            """A case's part is its registration's; the general text the meeting's."""
            return declared().get(key or "") if path == "case_minutes{}" else None

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            """Minutes recorded before the per-case part existed had only the general text."""
            state["case_minutes"] = {}

    Moved: TypeAlias = plans.Moved
    Cancelled: TypeAlias = plans.Cancelled

    @classmethod
    def plan(
        cls, *, meeting_id: UUID, series: MeetingSeries, planned: PlannedMeeting
    ) -> MonthlyMeeting:
        meeting: MonthlyMeeting = cls(
            meeting_id=meeting_id,
            series_id=series.id,
            starts_at=planned.starts_at,
            kind=planned.kind.value,
            members=series.members,
            minute_taker=planned.minute_taker,
            inventory=planned.inventory,
        )
        return meeting

    @staticmethod
    def create_id(meeting_id: UUID) -> UUID:
        """The id the series planned it under."""
        return meeting_id

    @event(Planned)
    def __init__(
        self,
        *,
        meeting_id: UUID,
        series_id: UUID,
        starts_at: datetime,
        kind: str,
        members: list[str],
        minute_taker: str,
        inventory: bool,
    ) -> None:
        self.series_id = series_id
        self.starts_at = starts_at
        self.kind = MonthlyMeetingKind(kind)
        self.members = members
        self.minute_taker = minute_taker
        self.inventory = inventory
        self.registrations: list[Registration] = []
        self.present_orgs: list[str] | None = None
        self.absent_orgs: list[str] = []
        self.minutes: Personal | None = None
        self.minutes_by: str | None = None
        self.case_minutes: dict[UUID, Personal] = {}

    @property
    def registration_cutoff(self) -> datetime:
        return registration_cutoff(self.starts_at)

    @property
    def summoned_orgs(self) -> list[str]:
        """Who must attend (E-7): everyone at an alignment meeting; at a collaboration
        meeting, the units the registered cases summon and the units registering them."""
        if self.kind is MonthlyMeetingKind.ALIGNMENT:
            return list(self.members)
        summoned = [
            org for r in self.registrations for org in (r.registering_org, *r.summoned_orgs)
        ]
        return list(dict.fromkeys(summoned))

    def register_case(
        self,
        *,
        registration_id: UUID,
        subject_id: str | None,
        registering_org: str,
        registered_by: str,
        name: str,
        age: int,
        background: str,
        current_situation: str,
        problem_and_question: str,
        summoned_orgs: list[str],
        now: datetime,
    ) -> Registration:
        """E-7: by 12:00 the day before, by a member unit, with every field the routine asks."""
        self._require_going_ahead()
        if registering_org not in self.members:
            raise NotAMember("only the forum's member units register cases for its meetings")
        if now > self.registration_cutoff:
            raise RegistrationClosed(
                "cases are registered by 12:00 (Europe/Stockholm) the day before the meeting; "
                f"registration closed at {self.registration_cutoff.isoformat()}"
            )
        require_complete(
            name=name,
            age=age,
            background=background,
            current_situation=current_situation,
            problem_and_question=problem_and_question,
        )
        summoned = [org for org in dict.fromkeys(summoned_orgs) if org != registering_org]
        strangers = [org for org in summoned if org not in self.members]
        if strangers:
            raise NotAMember(f"{', '.join(strangers)} are not members of the forum")
        owner = registration_owner(subject_id, registration_id)
        self._registered(
            meeting_kind=self.kind.value,
            meeting_at=self.starts_at,
            registration_id=registration_id,
            subject_id=subject_id,
            registering_org=registering_org,
            registered_by=registered_by,
            name=Personal(owner, name.strip()),
            age=Personal(owner, str(age)),
            background=Personal(owner, background.strip()),
            current_situation=Personal(owner, current_situation.strip()),
            problem_and_question=Personal(owner, problem_and_question.strip()),
            summoned_orgs=summoned or [o for o in self.members if o != registering_org],
            registered_at=now,
        )
        return self.registrations[-1]

    @event(CaseRegistered)
    def _registered(
        self,
        *,
        meeting_kind: str,
        meeting_at: datetime,
        registration_id: UUID,
        subject_id: str | None,
        registering_org: str,
        registered_by: str,
        name: Personal,
        age: Personal,
        background: Personal,
        current_situation: Personal,
        problem_and_question: Personal,
        summoned_orgs: list[str],
        registered_at: datetime,
    ) -> None:
        self.registrations.append(
            Registration(
                registration_id,
                subject_id,
                registering_org,
                registered_by,
                name,
                age,
                background,
                current_situation,
                problem_and_question,
                summoned_orgs,
                registered_at,
            )
        )

    def record_attendance(
        self,
        *,
        present_orgs: list[str],
        recorded_by: str,
        now: datetime,
        recorded_by_org: str | None = None,
    ) -> None:
        """E-7: who came; a summoned unit that did not is recorded absent. Recorded by the
        unit keeping this meeting's minutes (`recorded_by_org`, when the caller's unit is
        known): no other member writes the forum's record of who stayed away."""
        if recorded_by_org is not None and recorded_by_org != self.minute_taker:
            raise NotTheMinuteTaker(
                f"attendance at this meeting is recorded by {self.minute_taker}, "
                "who keeps its minutes (the turn rotates)"
            )
        self._require_going_ahead()
        if now < self.starts_at:
            raise MonthlyMeetingInvalid("attendance is recorded once the meeting has started")
        if self.present_orgs is not None:
            raise MonthlyMeetingConflict("attendance was already recorded")
        present = list(dict.fromkeys(present_orgs))
        strangers = [org for org in present if org not in self.members]
        if strangers:
            raise NotAMember(f"{', '.join(strangers)} are not members of the forum")
        absent = [org for org in self.summoned_orgs if org not in present]
        self._attendance(
            present_orgs=present, absent_orgs=absent, recorded_by=recorded_by, recorded_at=now
        )

    @event(AttendanceRecorded)
    def _attendance(
        self,
        *,
        present_orgs: list[str],
        absent_orgs: list[str],
        recorded_by: str,
        recorded_at: datetime,
    ) -> None:
        self.present_orgs = present_orgs
        self.absent_orgs = absent_orgs

    def record_minutes(
        self,
        *,
        text: str,
        recorded_by: str,
        recorded_by_org: str,
        now: datetime,
        case_minutes: dict[UUID, str] | None = None,
    ) -> None:
        """E-7: minutes are kept by this meeting's minute-taker (the turn rotates).

        Minutes concern several people, so they come in parts: `text` for what
        concerns the forum (decisions on routines, the inventory), and one part
        per registered case in `case_minutes`. Each case's part is that
        individual's (or that registration's) personal data, sealed with their
        key by the store, so erasing one individual erases their part and
        nobody else's.
        """
        if recorded_by_org != self.minute_taker:
            raise NotTheMinuteTaker(
                f"the minutes of this meeting are kept by {self.minute_taker} (the turn rotates)"
            )
        self._require_going_ahead()
        if now < self.starts_at:
            raise MonthlyMeetingInvalid("minutes are recorded once the meeting has started")
        if self.minutes is not None:
            raise MonthlyMeetingConflict("the minutes were already recorded")
        if not text.strip():
            raise MonthlyMeetingInvalid("the minutes are empty")
        parts = case_minutes or {}
        registered = {r.registration_id for r in self.registrations}
        strangers = [str(r) for r in parts if r not in registered]
        if strangers:
            raise MonthlyMeetingInvalid(
                f"no case registered for this meeting has the id {', '.join(strangers)}"
            )
        empty = [str(r) for r, part in parts.items() if not part.strip()]
        if empty:
            raise MonthlyMeetingInvalid(f"the minutes of case {', '.join(empty)} are empty")
        owners = {
            r.registration_id: registration_owner(r.subject_id, r.registration_id)
            for r in self.registrations
        }
        self._minutes(
            text=Personal(minutes_owner(self.id), text.strip()),
            recorded_by=recorded_by,
            recorded_by_org=recorded_by_org,
            recorded_at=now,
            case_minutes={str(r): Personal(owners[r], part.strip()) for r, part in parts.items()},
        )

    @event(MinutesRecorded)
    def _minutes(
        self,
        *,
        text: Personal,
        recorded_by: str,
        recorded_by_org: str,
        recorded_at: datetime,
        case_minutes: dict[str, Personal],
    ) -> None:
        self.minutes = text
        self.minutes_by = recorded_by
        self.case_minutes = {UUID(r): part for r, part in case_minutes.items()}
