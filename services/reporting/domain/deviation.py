"""Deviations (avvikelser, brister i samverkan): the aggregate and the rules of its two steps.

Pure domain: no I/O, no clock. Times come in as arguments.

A deviation report has two steps (D-2, seed 003): the unit that noticed the
failure reports it (or a missed deadline is detected, D-7); then, after
dialogue with the other unit, both sides sign a joint summary and every party
gets feedback (D-3).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, ClassVar, TypeAlias
from uuid import UUID, uuid4

from contracts.vocabulary import DeviationCategory, ProblemArea, Role
from services.reporting.domain import deviation_closing as closing
from services.reporting.domain import deviation_feedback as feedback
from services.reporting.domain import deviation_filing as filing
from services.reporting.domain.errors import (
    AlreadySummarised,
    DeviationCategoryRequired,
    DeviationReportIncomplete,
    NoSummaryProposed,
    NotASideOfTheDeviation,
    OnlyDeputyUnitManagerOrAboveMayReport,
    ProblemAreaUnknown,
    SummaryNeedsBothSides,
)
from services.reporting.domain.signatures import (
    DEVIATION_REPORTER_ROLES,
    Signature,
    Signer,
    may_report_deviation,
    required_text,
)
from services.runtime.kernel.aggregate import Aggregate, event
from services.runtime.kernel.personal import Personal, record_owner

LEGACY_TOPIC_MODULE = "services.reporting.domain"
"""The module that events stored before the domain became a package name in their topics
(``services.reporting.domain:Deviation.Reported``); the classes are importable from there,
and the application asks the store for both names when it lists deviations."""


def deviation_category(category: str) -> str:
    """D-1 (seed 002): every deviation is filed under one of the seven categories."""
    try:
        return DeviationCategory(category).value
    except ValueError:
        known = ", ".join(c.value for c in DeviationCategory)
        raise DeviationCategoryRequired(
            f"category {category[:40]!r} is not one of: {known}"
        ) from None


def deviation_problem_areas(areas: Iterable[str]) -> tuple[str, ...]:
    """D-5 (seed 002): the annual report shows failures in mental illness, disability,
    harmful use and addiction; a deviation names any of the four, each once, in that order."""
    given = set(areas)
    unknown = given - {a.value for a in ProblemArea}
    if unknown:
        known = ", ".join(a.value for a in ProblemArea)
        raise ProblemAreaUnknown(f"problem area {sorted(unknown)[0][:40]!r} is not one of: {known}")
    return tuple(a.value for a in ProblemArea if a.value in given)


def affected_organisations(affected_orgs: list[str], reporting_org: str) -> list[str]:
    """D-2 step 1 names the *other* organisations affected: at least one.

    The reporting unit is recorded as the reporter; listing it as affected too
    would make the report look like a failure between a unit and itself, so
    it is refused rather than silently dropped. Repeats are removed, the
    order given is kept.
    """
    unique = list(dict.fromkeys(affected_orgs))
    if reporting_org in unique:
        raise DeviationReportIncomplete(
            "affected_orgs names the other organisations; your own unit is the reporter"
        )
    if not unique:
        raise DeviationReportIncomplete("name at least one affected organisation (HSA-id)")
    return unique


def deviation_owner(deviation_id: UUID, subject_id: str | None) -> str:
    """Whose key seals a deviation's text and staff names: the individual's, so erasing
    or culling them reaches it; else the record's own, so culling the record does."""
    return subject_id or record_owner(deviation_id)


def sides_of_summary(
    reporting_org: str | None, affected_orgs: list[str], first: str, second: str
) -> bool:
    """D-2 step 2 (seed 003): the joint summary is made after dialogue "with the
    corresponding level of the other unit", so it is signed by one manager of
    each side.

    For a reported deviation the sides are the reporting unit and one of the
    affected organisations (either may sign first). A detected deviation (D-7)
    has no reporter: its sides are two of the organisations it concerns; when it
    concerns only one, that one and any other unit (the one it held the dialogue
    with); when it names none (a SIP follow-up missed before its units were published),
    any two units.
    """
    if first == second:
        return False
    pair = {first, second}
    if reporting_org is not None:
        return reporting_org in pair and bool(pair - {reporting_org} <= set(affected_orgs))
    concerned = set(affected_orgs)
    if len(concerned) >= 2:
        return pair <= concerned
    if len(concerned) == 1:
        return bool(pair & concerned)
    return True


class Deviation(
    closing.DeviationClosing, feedback.DeviationFeedback, filing.DeviationFiling, Aggregate
):
    """A collaboration failure (brist i samverkan), in two steps (D-2).

    Step 1 is either reported by the unit that noticed it — the reporting unit,
    the affected organisations, the category (D-1), what happened and how it was
    perceived, an improvement proposal, the reporter's name, title and date — or
    detected from a missed deadline (D-7, category "routines", linked to the
    overdue event). Step 2 is the joint summary: the solution and the remaining
    problems, proposed and signed by a manager of one side and countersigned by
    one of the other; once signed, feedback goes to every party (D-3).

    Free text and staff names are `Personal` values owned by the individual, or
    by the record when it concerns no one (`deviation_owner`); the store seals
    them (services.runtime.store.sealing). `subject_id` is set when the
    deviation concerns one individual.
    """

    class Reported(Aggregate.Created):
        reported_by: str
        reporting_org: str
        reporting_org_type: str
        affected_orgs: list[str]
        category: str
        what_happened: Personal
        perceived_as: Personal
        improvement_proposal: Personal
        reporter_name: Personal
        reporter_title: Personal
        reported_at: datetime
        subject_id: str | None
        # Added 2026-12 (D-5, D-9): events stored before have neither and read as the defaults.
        problem_areas: tuple[str, ...] = ()
        user_involvement: bool | None = None

        legacy_personal: ClassVar[tuple[str, ...]] = (
            "what_happened",
            "perceived_as",
            "improvement_proposal",
            "reporter_name",
            "reporter_title",
        )

        def personal_owner(self) -> str:
            return deviation_owner(self.originator_id, self.subject_id)

    class Detected(Aggregate.Created):
        category: str
        rule: str
        source_type: str
        source_event_id: str
        affected_orgs: list[str]
        what_happened: Personal
        detected_at: datetime
        subject_id: str | None

        legacy_personal: ClassVar[tuple[str, ...]] = ("what_happened",)

        def personal_owner(self) -> str:
            return deviation_owner(self.originator_id, self.subject_id)

    class SummaryProposed(Aggregate.Event):
        solution: Personal
        remaining_problems: Personal
        signature: dict[str, Any]

        legacy_personal: ClassVar[tuple[str, ...]] = (
            "solution",
            "remaining_problems",
            "signature.name",
            "signature.title",
        )

    class Summarised(Aggregate.Event):
        signature: dict[str, Any]
        summarised_at: datetime
        # Repeated from earlier events so the public form needs no other state.
        category: str
        reported_at: datetime
        signed_by_orgs: list[str]
        subject_id: str | None

        legacy_personal: ClassVar[tuple[str, ...]] = ("signature.name", "signature.title")

    class FeedbackSent(Aggregate.Event):
        party: str
        sent_at: datetime
        subject_id: str | None

    Closed: TypeAlias = closing.Closed
    FeedbackOverdue: TypeAlias = feedback.FeedbackOverdue
    Filed: TypeAlias = filing.Filed

    def __init__(
        self,
        *,
        category: str,
        affected_orgs: list[str],
        what_happened: Personal,
        subject_id: str | None,
        reported_at: datetime | None = None,
        detected_at: datetime | None = None,
        reported_by: str | None = None,
        reporting_org: str | None = None,
        reporting_org_type: str | None = None,
        perceived_as: Personal | None = None,
        improvement_proposal: Personal | None = None,
        reporter_name: Personal | None = None,
        reporter_title: Personal | None = None,
        rule: str | None = None,
        source_type: str | None = None,
        source_event_id: str | None = None,
        problem_areas: Iterable[str] = (),
        user_involvement: bool | None = None,
    ) -> None:
        self.category = category
        self.problem_areas = tuple(problem_areas)
        self.user_involvement = user_involvement
        self.affected_orgs = list(affected_orgs)
        self.what_happened = what_happened
        self.subject_id = subject_id
        at = reported_at or detected_at
        assert at is not None
        self.reported_at: datetime = at
        self.reported_by = reported_by
        self.reporting_org = reporting_org
        self.reporting_org_type = reporting_org_type
        # A detected deviation (D-7) has no reporter: its reporter's parts are blank.
        blank = Personal(self.owner, "")
        self.perceived_as = perceived_as or blank
        self.improvement_proposal = improvement_proposal or blank
        self.reporter_name = reporter_name or blank
        self.reporter_title = reporter_title or blank
        self.rule = rule
        self.source_type = source_type
        self.source_event_id = source_event_id
        self.solution: Personal | None = None
        self.remaining_problems: Personal | None = None
        self.proposed_by: Signature | None = None
        self.countersigned_by: Signature | None = None
        self.summarised_at: datetime | None = None
        self.feedback_to: list[str] = []

    @classmethod
    def report(
        cls,
        *,
        reporter_role: Role,
        reported_by: str,
        reporting_org: str,
        reporting_org_type: str,
        affected_orgs: list[str],
        category: str,
        what_happened: str,
        perceived_as: str,
        improvement_proposal: str,
        reporter_name: str,
        reporter_title: str,
        reported_at: datetime,
        subject_id: str | None = None,
        deviation_id: UUID | None = None,
        problem_areas: Iterable[str] = (),
        user_involvement: bool | None = None,
    ) -> Deviation:
        """D-2 step 1, by the unit that noticed the failure; what it concerns of mental
        illness, disability, harmful use and addiction (D-5), and whether the individual
        took part (D-9), when the reporter says."""
        if not may_report_deviation(reporter_role):
            raise OnlyDeputyUnitManagerOrAboveMayReport(
                f"a {reporter_role} may not report a deviation; ask your deputy unit "
                "manager or unit manager to report it"
            )
        deviation_id = deviation_id or uuid4()
        owner = deviation_owner(deviation_id, subject_id)

        def personal(name: str, text: str) -> Personal:
            return Personal(owner, required_text(name, text))

        return cls._create(
            cls.Reported,
            id=deviation_id,
            reported_by=reported_by,
            reporting_org=reporting_org,
            reporting_org_type=reporting_org_type,
            affected_orgs=affected_organisations(affected_orgs, reporting_org),
            category=deviation_category(category),
            what_happened=personal("what_happened", what_happened),
            perceived_as=personal("perceived_as", perceived_as),
            improvement_proposal=personal("improvement_proposal", improvement_proposal),
            reporter_name=personal("reporter_name", reporter_name),
            reporter_title=personal("reporter_title", reporter_title),
            reported_at=reported_at,
            subject_id=subject_id,
            problem_areas=deviation_problem_areas(problem_areas),
            user_involvement=user_involvement,
        )

    @classmethod
    def detect(
        cls,
        *,
        deviation_id: UUID,
        rule: str,
        source_type: str,
        source_event_id: UUID,
        affected_orgs: list[str],
        what_happened: str,
        detected_at: datetime,
        subject_id: str | None,
        category: str = DeviationCategory.ROUTINES.value,
    ) -> Deviation:
        """D-7: a missed deadline is itself a deviation, "routines missing or not followed"."""
        return cls._create(
            cls.Detected,
            id=deviation_id,
            category=deviation_category(category),
            rule=rule,
            source_type=source_type,
            source_event_id=str(source_event_id),
            affected_orgs=list(dict.fromkeys(affected_orgs)),
            what_happened=Personal(deviation_owner(deviation_id, subject_id), what_happened),
            detected_at=detected_at,
            subject_id=subject_id,
        )

    @property
    def owner(self) -> str:
        """Whose key seals this deviation's text (`deviation_owner`)."""
        return deviation_owner(self.id, self.subject_id)

    @property
    def detected(self) -> bool:
        return self.source_type is not None

    @property
    def summarised(self) -> bool:
        return self.summarised_at is not None

    def parties(self) -> list[str]:
        """Everyone feedback goes to (D-3): the reporting unit and the affected organisations."""
        reporter = [self.reporting_org] if self.reporting_org else []
        return list(dict.fromkeys([*reporter, *self.affected_orgs]))

    def concerns(self, org_id: str) -> bool:
        """The reporting unit, the affected organisations and the signers may read it."""
        signers = {s.org_id for s in (self.proposed_by, self.countersigned_by) if s}
        return org_id in self.parties() or org_id in signers

    def countersigners(self, proposed_by_org: str) -> list[str]:
        """D-2 step 2: the organisations named in the deviation that may countersign a
        summary `proposed_by_org` proposed, the other side (`sides_of_summary`).

        None when the other side is not named: a detected deviation (D-7) that
        concerns one organisation, proposed by it, is countersigned by the unit it
        held the dialogue with, which the deviation does not know.
        """
        return [
            org
            for org in self.parties()
            if sides_of_summary(self.reporting_org, self.affected_orgs, proposed_by_org, org)
        ]

    def propose_summary(
        self, *, signer: Signer, solution: str, remaining_problems: str, at: datetime
    ) -> None:
        """D-2 step 2, first half: one side writes the joint summary and signs it.

        A new proposal before the other side has signed replaces the old one:
        the dialogue may take several rounds.
        """
        self._check_signer(signer.role, signer.org_id)
        self._check_open()
        self._propose(
            solution=Personal(self.owner, required_text("solution", solution)),
            remaining_problems=Personal(
                self.owner, required_text("remaining_problems", remaining_problems)
            ),
            signature=Signature.of(signer, self.owner, at).stored(),
        )

    @event(SummaryProposed)
    def _propose(
        self, *, solution: Personal, remaining_problems: Personal, signature: dict[str, Any]
    ) -> None:
        self.solution = solution
        self.remaining_problems = remaining_problems
        self.proposed_by = Signature(**signature)

    def countersign(self, *, signer: Signer, at: datetime) -> list[str]:
        """D-2 step 2, second half: a manager of the other side signs; then feedback (D-3).

        Returns the parties that got feedback.
        """
        self._check_signer(signer.role, signer.org_id)
        self._check_open()
        if self.proposed_by is None:
            raise NoSummaryProposed("propose the joint summary before it can be countersigned")
        if signer.hsa_id == self.proposed_by.hsa_id:
            raise SummaryNeedsBothSides("the same person cannot sign for both sides")
        if signer.org_id == self.proposed_by.org_id:
            raise SummaryNeedsBothSides(
                "the countersignature must come from the other side of the deviation"
            )
        self._check_signer(signer.role, signer.org_id, self.proposed_by.org_id)
        self._countersign(
            signature=Signature.of(signer, self.owner, at).stored(),
            summarised_at=at,
            category=self.category,
            reported_at=self.reported_at,
            signed_by_orgs=[self.proposed_by.org_id, signer.org_id],
            subject_id=self.subject_id,
        )
        for party in self.parties():
            self._feedback(party=party, sent_at=at, subject_id=self.subject_id)
        return self.parties()

    @event(Summarised)
    def _countersign(
        self,
        *,
        signature: dict[str, Any],
        summarised_at: datetime,
        category: str,
        reported_at: datetime,
        signed_by_orgs: list[str],
        subject_id: str | None,
    ) -> None:
        self.countersigned_by = Signature(**signature)
        self.summarised_at = summarised_at

    @event(FeedbackSent)
    def _feedback(self, *, party: str, sent_at: datetime, subject_id: str | None) -> None:
        self.feedback_to.append(party)

    def _check_open(self) -> None:
        self._check_not_closed()
        if self.summarised:
            raise AlreadySummarised("the joint summary is signed; both steps stay as stored")

    def _check_signer(self, role: Role, org: str, first_org: str | None = None) -> None:
        if not may_report_deviation(role):
            raise OnlyDeputyUnitManagerOrAboveMayReport(
                f"a {role} may not sign a joint summary; it is signed at the level that "
                "reported (deputy unit manager or above)"
            )
        if first_org is None:
            one_sided = self.reporting_org is None and len(self.affected_orgs) < 2
            may_sign = one_sided or org in self.parties()
        else:
            may_sign = sides_of_summary(self.reporting_org, self.affected_orgs, first_org, org)
        if not may_sign:
            raise NotASideOfTheDeviation(
                "the joint summary is signed by one manager of each side: the reporting "
                "unit and an affected organisation"
            )


__all__ = [
    "DEVIATION_REPORTER_ROLES",
    "LEGACY_TOPIC_MODULE",
    "Deviation",
    "Signature",
    "Signer",
    "affected_organisations",
    "deviation_category",
    "deviation_owner",
    "may_report_deviation",
    "required_text",
    "sides_of_summary",
]
