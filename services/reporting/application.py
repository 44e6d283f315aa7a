"""Reporting use cases: one method per command or query (eventsourcing Application).

A deviation's free text (what happened, how it was perceived, the proposal,
the solution and the remaining problems) and the names and titles of the
staff who report and sign it are personal data of the individual, or of the
record when it concerns no one (`deviation_owner`): the store seals them
(services.runtime.store.sealing), so erasure and culling reach them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from contracts import IntegrationEvent, Role
from services.reporting.domain import (
    FEEDBACK_DEADLINE_WORKING_DAYS,
    LEGACY_TOPIC_MODULE,
    AnnualReport,
    AnnualReportPublication,
    AnnualReview,
    Controllers,
    Deviation,
    DeviationFacts,
    PlannedAction,
    ReviewOutOfOrder,
    Signer,
    UnknownDeviation,
    publication_id,
    published_counts,
    require_unit,
    review_id,
)
from services.reporting.domain.routines import deviation_id_for, missed_routine, source_event_id
from services.reporting.views.work_items import (
    FEEDBACK_DUE_KINDS,
    ReportingWork,
    controller_addressee,
)
from services.runtime.kernel.actor import Actor, not_a_party
from services.runtime.kernel.personal import ERASED, text_of
from services.runtime.store.changes import ChangesAggregates
from services.runtime.store.read_models import Follower
from services.runtime.store.sealing import SealsPersonalData
from services.runtime.store.work_items import Reader, WorkPage, WorkQuery, work_list_view


@dataclass(frozen=True)
class ReportDeviation:
    """Step 1 of a deviation report (D-2). The reporting unit and the reporter's role
    are the actor's own."""

    affected_orgs: list[str]
    category: str
    what_happened: str
    perceived_as: str
    improvement_proposal: str
    reporter_name: str
    reporter_title: str
    subject_id: str | None = None
    problem_areas: tuple[str, ...] = ()
    user_involvement: bool | None = None


@dataclass(frozen=True)
class ProposeSummary:
    """D-2 step 2: the joint summary as one side proposes and signs it."""

    deviation_id: UUID
    solution: str
    remaining_problems: str
    signer_name: str
    signer_title: str


@dataclass(frozen=True)
class CountersignSummary:
    """D-2 step 2: the other side's manager signs the proposed summary."""

    deviation_id: UUID
    signer_name: str
    signer_title: str


class ReportingApplication(SealsPersonalData, ChangesAggregates, Application[UUID]):
    """The reporting service's store of deviation reports."""

    name = "reporting"
    unknown = {Deviation: (UnknownDeviation, "deviation")}

    def __init__(
        self,
        *args: Any,
        feedback_deadline_working_days: int = FEEDBACK_DEADLINE_WORKING_DAYS,
        controllers: Controllers | None = None,
        **kwargs: Any,
    ) -> None:
        """The store, and beside it the work list (W-1), fed by the store's own events."""
        super().__init__(*args, **kwargs)
        self.feedback_days = feedback_deadline_working_days
        """D-3: "skyndsamt", in Swedish working days from the report to its feedback."""
        self.controllers = controllers or Controllers()
        """D-8: which organisations' deviations each controller's unit keeps; none by default."""
        self.work_items = work_list_view(self)
        work = ReportingWork(self.work_items, self.get_deviation, self.feedback_days)
        self._work_follower = Follower(self, work, name=ReportingWork.name)

    # --- D-2 step 1 -----------------------------------------------------------------

    def report_deviation(self, actor: Actor, command: ReportDeviation, *, at: datetime) -> UUID:
        """D-2 step 1, by the actor's unit: at least a deputy unit manager."""
        require_unit(actor)
        deviation = Deviation.report(
            **command.__dict__,
            reporter_role=actor.role,
            reported_by=actor.hsa_id,
            reporting_org=actor.org_id,
            reporting_org_type=actor.org_type.value,
            reported_at=at,
        )
        return self._created(deviation).id

    # --- D-2 step 2 and D-3 ---------------------------------------------------------

    def propose_summary(self, actor: Actor, command: ProposeSummary, *, at: datetime) -> None:
        """D-2 step 2, first half: the actor's side writes the joint summary and signs it."""
        require_unit(actor)
        deviation = self.get_deviation(command.deviation_id)
        deviation.propose_summary(
            signer=_signer(actor, command.signer_name, command.signer_title),
            solution=command.solution,
            remaining_problems=command.remaining_problems,
            at=at,
        )
        self.save(deviation)

    def countersign_summary(
        self, actor: Actor, command: CountersignSummary, *, at: datetime
    ) -> list[str]:
        """The other side signs; feedback goes to every party (D-3). Returns the parties."""
        require_unit(actor)
        deviation = self.get_deviation(command.deviation_id)
        parties = deviation.countersign(
            signer=_signer(actor, command.signer_name, command.signer_title), at=at
        )
        self.save(deviation)
        return parties

    def close_deviation_early(
        self, actor: Actor, deviation_id: UUID, *, reason: str, at: datetime
    ) -> None:
        """W-2: by a manager of one of its parties, before it is countersigned, with the
        reason (the domain checks)."""
        require_unit(actor)
        self._change(
            Deviation,
            deviation_id,
            lambda deviation: deviation.close_early(
                role=actor.role, by=actor.hsa_id, by_org=actor.org_id, reason=reason, at=at
            ),
        )

    def read_deviation(self, actor: Actor, deviation_id: UUID) -> Deviation:
        """The deviation, if the actor's unit is one it concerns (D-2): the reporting
        unit, the affected organisations and the signers; or, for a controller, if it
        is one of the municipality's they keep (D-8)."""
        deviation = self.get_deviation(deviation_id)
        if not self._may_read(actor, deviation):
            raise not_a_party("this deviation", rule="D-8" if _controls(actor) else "D-2")
        return deviation

    def list_deviations(self, actor: Actor) -> list[Deviation]:
        """Every deviation the actor may read (`read_deviation`), oldest first: a
        controller's, every one of the municipality's they keep (D-8)."""
        return [d for d in self.deviations() if self._may_read(actor, d)]

    def file_deviation(self, actor: Actor, deviation_id: UUID, *, at: datetime) -> None:
        """D-8: the controller files a filled-in report of a municipality they keep."""
        require_unit(actor)

        def file(deviation: Deviation) -> None:
            if not (_controls(actor) and self._may_read(actor, deviation)):
                raise not_a_party("this deviation", rule="D-8")
            deviation.file(by=actor.hsa_id, by_org=actor.org_id, at=at)

        self._change(Deviation, deviation_id, file)

    def _may_read(self, actor: Actor, deviation: Deviation) -> bool:
        if _controls(actor):
            return self.controllers.keeps(actor.org_id, deviation.parties())
        return deviation.concerns(actor.org_id)

    # --- D-3: feedback quickly --------------------------------------------------------

    def raise_feedback_overdue(self, now: datetime) -> int:
        """D-3: every deviation past its feedback deadline, unsolved, is raised overdue
        once (`DeviationFeedbackOverdue`). Run on a schedule with the service's clock; the
        work list says which deviations to look at, each deviation decides for itself."""
        self._work_follower.catch_up()
        raised: dict[UUID, bool] = {}  # by id: a retried change counts once

        def raise_if_due(deviation: Deviation) -> None:
            raised[deviation.id] = deviation.raise_feedback_overdue_if_due(now, self.feedback_days)

        for deviation_id in self.work_items.due(FEEDBACK_DUE_KINDS, now):
            self._change(Deviation, deviation_id, raise_if_due)
        self._work_follower.catch_up()
        return sum(raised.values())

    # --- W-1 ------------------------------------------------------------------------

    def work_list(self, actor: Actor, query: WorkQuery, now: datetime) -> WorkPage:
        """W-1: the deviations waiting for the actor's unit to summarise or countersign."""
        self._work_follower.catch_up()
        addressees = [actor.org_id]
        if _controls(actor):
            kept = sorted(self.controllers.kept_by(actor.org_id))
            addressees += [controller_addressee(org) for org in kept]
        return self.work_items.page(Reader(addressees, actor.role.value), query, now)

    # --- D-7 ------------------------------------------------------------------------

    def detect_missed_routine(
        self, event: IntegrationEvent, source_id: UUID | None = None
    ) -> UUID | None:
        """D-7: an overdue event becomes a `routines` deviation, once per source event.

        `source_id` is the ``ce_id`` of the message that carried the event;
        the deviation links to it. Idempotent by identity: the deviation's id
        is derived from the source message (same ``ce_id`` when redelivered or
        republished), so a redelivery finds it, and a concurrent second save
        of the same new aggregate is refused by the store. A deviation made
        before ``ce_id`` was linked has an id derived from the content and is
        found by that.
        """
        missed = missed_routine(event)
        if missed is None:
            return None
        if source_id is not None:
            earlier = deviation_id_for(event)
            if self.find(earlier, Deviation) is not None:
                return earlier
        deviation_id = deviation_id_for(event, source_id)
        if self.find(deviation_id, Deviation) is not None:
            return deviation_id
        deviation = Deviation.detect(
            deviation_id=deviation_id,
            rule=missed.rule,
            source_type=event.ce_type(),
            source_event_id=source_id or source_event_id(event),
            affected_orgs=missed.affected_orgs,
            what_happened=missed.what_happened,
            detected_at=missed.detected_at,
            subject_id=missed.subject_id,
            category=missed.category,
        )
        try:
            self.save(deviation)
        except IntegrityError:
            if self.find(deviation_id, Deviation) is None:
                raise
        return deviation_id

    # --- erasure ----------------------------------------------------------------------

    def erase_subject(self, subject_id: str, at: datetime) -> None:
        """GDPR art. 17 / culling, announced by consent: the subject's free text in every
        deviation reads as erased from now on; the deviations and their counts stay."""
        self.erase_personal_data(subject_id, at)

    # --- D-5, D-9: the working group's review of the annual report ------------------

    def draft_annual_review(self, actor: Actor, year: int, area: str, *, at: datetime) -> UUID:
        """D-5: the year's de-identified report is drafted for the working group."""
        require_unit(actor)
        drafted = ReviewOutOfOrder(f"the {year} report for {area} is already drafted")
        if self.find(review_id(year, area), AnnualReview) is not None:
            raise drafted
        review = AnnualReview.draft(
            year=year,
            area=area,
            drafted_by=actor.hsa_id,
            drafted_by_org=actor.org_id,
            drafted_at=at,
        )
        try:
            return self._created(review).id
        except IntegrityError:
            raise drafted from None

    def analyse_annual_review(
        self, actor: Actor, year: int, area: str, analysis: str, *, at: datetime
    ) -> None:
        """D-5: the working group's analysis of the drafted report."""
        self._changing(
            lambda: self._review(year, area),
            lambda review: review.analyse(
                analysis=analysis, analysed_by=actor.hsa_id, analysed_at=at
            ),
        )

    def approve_annual_review(
        self,
        actor: Actor,
        year: int,
        area: str,
        *,
        approver_name: str,
        approver_title: str,
        actions: list[PlannedAction],
        at: datetime,
    ) -> None:
        """D-5, D-9: the working group approves the analysed report and its action plan."""
        require_unit(actor)
        self._changing(
            lambda: self._review(year, area),
            lambda review: review.approve(
                approved_by=actor.hsa_id,
                approved_by_org=actor.org_id,
                approver_name=approver_name,
                approver_title=approver_title,
                actions=actions,
                approved_at=at,
            ),
        )

    def annual_review(self, year: int, area: str) -> AnnualReview | None:
        """The year's review for the area, if drafted."""
        return self.find(review_id(year, area), AnnualReview)

    def _review(self, year: int, area: str) -> AnnualReview:
        review = self.annual_review(year, area)
        if review is None:
            raise ReviewOutOfOrder(f"the {year} report for {area} is not drafted yet")
        return review

    # --- D-5: the annual report, published -----------------------------------------

    def publish_annual_report(
        self, actor: Actor, report: AnnualReport, *, disclosure_method: str, at: datetime
    ) -> AnnualReportPublication:
        """Record that `report` went to the local collaboration body from the actor's
        unit, with its counts as shown; the outbox then publishes `AnnualReportPublished`.
        The same year and area again is a new revision
        (`services.reporting.domain.publication`)."""
        require_unit(actor)
        published_by_org = actor.org_id
        review = self._review(report.year, report.area)
        review.mark_published(published_by_org=published_by_org, published_at=at)
        counts = published_counts(report, disclosure_method)
        publication = self.find(publication_id(report.year, report.area), AnnualReportPublication)
        if publication is None:
            publication = AnnualReportPublication.publish(
                year=report.year,
                area=report.area,
                published_by_org=published_by_org,
                counts=counts,
                published_at=at,
            )
        else:
            publication.publish_again(
                published_by_org=published_by_org, counts=counts, published_at=at
            )
        try:
            self.save(publication, review)
        except IntegrityError:
            # Published by someone else at the same moment: this one is the next revision.
            latest = self.find(publication.id, AnnualReportPublication)
            if latest is None:
                raise
            latest.publish_again(published_by_org=published_by_org, counts=counts, published_at=at)
            review = self._review(report.year, report.area)
            review.mark_published(published_by_org=published_by_org, published_at=at)
            self.save(latest, review)
            return latest
        return publication

    # --- queries --------------------------------------------------------------------

    def deviations(self) -> list[Deviation]:
        """Every deviation, reported or detected, in the order they were made (D-5)."""
        created = (Deviation.Reported, Deviation.Detected)
        topics = [get_topic(c) for c in created]
        topics += [f"{LEGACY_TOPIC_MODULE}:{c.__qualname__}" for c in created]
        found: list[Deviation] = []
        start = 1
        while True:
            batch = self.recorder.select_notifications(start=start, limit=500, topics=topics)
            found += [self.get_deviation(UUID(str(n.originator_id))) for n in batch]
            if len(batch) < 500:
                return found
            start = batch[-1].id + 1

    def annual_facts(self, area: str | None = None) -> list[DeviationFacts]:
        """D-5: the deviations (of the organisations whose HSA-ids start with `area`),
        free text unsealed, with the names the report must scrub."""
        facts = []
        for d in self.deviations():
            if area and not any(org.startswith(area) for org in d.parties()):
                continue
            signers = [s.name.text for s in (d.proposed_by, d.countersigned_by) if s]
            names = (d.reporter_name.text, *signers)
            facts.append(
                DeviationFacts(
                    reported_at=d.reported_at,
                    category=d.category,
                    detected=d.detected,
                    summarised=d.summarised,
                    what_happened=d.what_happened.text,
                    improvement_proposal=d.improvement_proposal.text,
                    solution=text_of(d.solution) or "",
                    remaining_problems=text_of(d.remaining_problems) or "",
                    names=tuple(n for n in names if n and n != ERASED),
                    subject_id=d.subject_id,
                    problem_areas=d.problem_areas,
                    user_involvement=d.user_involvement,
                )
            )
        return facts

    def get_deviation(self, deviation_id: UUID) -> Deviation:
        """Unauthorised: for the use cases that authorise, the statistics, and tests."""
        return self._load(Deviation, deviation_id)


def _controls(actor: Actor) -> bool:
    return actor.role is Role.CONTROLLER


def _signer(actor: Actor, name: str, title: str) -> Signer:
    return Signer(role=actor.role, hsa_id=actor.hsa_id, org_id=actor.org_id, name=name, title=title)
