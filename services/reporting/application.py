"""Reporting use cases: one method per command or query (eventsourcing Application).

A deviation's free text (what happened, how it was perceived, the proposal,
the solution and the remaining problems) and the names and titles of the
staff who report and sign it are sealed before they are stored, with the
individual's key or the record's own (services.reporting.sealing), so erasure
and culling reach them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from contracts import IntegrationEvent
from services.reporting.domain import (
    LEGACY_TOPIC_MODULE,
    AnnualReport,
    AnnualReportPublication,
    Deviation,
    DeviationFacts,
    Signature,
    UnknownDeviation,
    publication_id,
    published_counts,
    require_unit,
    required_text,
)
from services.reporting.routines import deviation_id_for, missed_routine, source_event_id
from services.reporting.sealing import DeviationSealer, DeviationText, key_id
from services.runtime.kernel.actor import Actor, not_a_party
from services.runtime.store.application import OutboxApplication
from services.runtime.store.privacy import ERASED, Sealer, SubjectKeys

DEVELOPMENT_ONLY_MASTER_KEY = bytes(32)
"""Used only when no master key is configured (tests, a developer's machine)."""


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


class ReportingApplication(OutboxApplication, Application[UUID]):
    """The reporting service's store of deviation reports."""

    name = "reporting"

    def __init__(self, *, master_key: bytes = DEVELOPMENT_ONLY_MASTER_KEY, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sealer = Sealer(SubjectKeys(self.recorder.datastore, master_key))  # type: ignore[attr-defined]
        self.texts = DeviationSealer(self.sealer)

    def read_text(self, deviation: Deviation) -> DeviationText:
        """The deviation's free text and staff names in clear (or "[erased]")."""
        return self.texts.read(deviation)

    # --- D-2 step 1 -----------------------------------------------------------------

    def report_deviation(self, actor: Actor, command: ReportDeviation, *, at: datetime) -> UUID:
        """D-2 step 1, by the actor's unit: at least a deputy unit manager."""
        require_unit(actor)
        clear = _report_kwargs(actor, command, at)
        Deviation.report(**clear)  # the rules checked on clear text: sealed text is never empty
        deviation_id = uuid4()
        key = key_id(deviation_id, command.subject_id)
        sealed = {
            name: self.texts.seal(key, clear[name])
            for name in (
                "what_happened",
                "perceived_as",
                "improvement_proposal",
                "reporter_name",
                "reporter_title",
            )
        }
        deviation = Deviation.report(**{**clear, **sealed}, deviation_id=deviation_id)
        self.save(deviation)
        return deviation.id

    # --- D-2 step 2 and D-3 ---------------------------------------------------------

    def propose_summary(self, actor: Actor, command: ProposeSummary, *, at: datetime) -> None:
        """D-2 step 2, first half: the actor's side writes the joint summary and signs it."""
        require_unit(actor)
        deviation = self.get_deviation(command.deviation_id)
        key = key_id(deviation.id, deviation.subject_id)
        # Checked in clear first, so an empty text is refused before it is sealed.
        for name, text in (
            ("solution", command.solution),
            ("remaining_problems", command.remaining_problems),
        ):
            required_text(name, text)
        signature = _signature(actor, command.signer_name, command.signer_title, at)
        deviation.propose_summary(
            signer_role=actor.role,
            signature=self.texts.seal_signature(key, signature),
            solution=self.texts.seal(key, command.solution),
            remaining_problems=self.texts.seal(key, command.remaining_problems),
        )
        self.save(deviation)

    def countersign_summary(
        self, actor: Actor, command: CountersignSummary, *, at: datetime
    ) -> list[str]:
        """The other side signs; feedback goes to every party (D-3). Returns the parties."""
        require_unit(actor)
        deviation = self.get_deviation(command.deviation_id)
        key = key_id(deviation.id, deviation.subject_id)
        signature = _signature(actor, command.signer_name, command.signer_title, at)
        parties = deviation.countersign(
            signer_role=actor.role, signature=self.texts.seal_signature(key, signature)
        )
        self.save(deviation)
        return parties

    def read_deviation(self, actor: Actor, deviation_id: UUID) -> Deviation:
        """The deviation, if the actor's unit is one it concerns (D-2): the reporting
        unit, the affected organisations and the signers."""
        deviation = self.get_deviation(deviation_id)
        if not deviation.concerns(actor.org_id):
            raise not_a_party("this deviation", rule="D-2")
        return deviation

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
        self.sealer.erase(subject_id, at)

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
            self.save(publication)
        except IntegrityError:
            # Published by someone else at the same moment: this one is the next revision.
            latest = self.find(publication.id, AnnualReportPublication)
            if latest is None:
                raise
            latest.publish_again(published_by_org=published_by_org, counts=counts, published_at=at)
            self.save(latest)
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
            text = self.read_text(d)
            signers = [s.name for s in (text.proposed_by, text.countersigned_by) if s]
            facts.append(
                DeviationFacts(
                    reported_at=d.reported_at,
                    category=d.category,
                    detected=d.detected,
                    summarised=d.summarised,
                    what_happened=text.what_happened,
                    improvement_proposal=text.improvement_proposal,
                    solution=text.solution or "",
                    remaining_problems=text.remaining_problems or "",
                    names=tuple(n for n in (text.reporter_name, *signers) if n and n != ERASED),
                    subject_id=d.subject_id,
                )
            )
        return facts

    def get_deviation(self, deviation_id: UUID) -> Deviation:
        deviation = self.find(deviation_id, Deviation)
        if deviation is None:
            raise UnknownDeviation(f"no deviation {deviation_id}")
        return deviation


def _report_kwargs(actor: Actor, command: ReportDeviation, at: datetime) -> dict[str, Any]:
    return {
        **command.__dict__,
        "reporter_role": actor.role,
        "reported_by": actor.hsa_id,
        "reporting_org": actor.org_id,
        "reporting_org_type": actor.org_type.value,
        "reported_at": at,
    }


def _signature(actor: Actor, name: str, title: str, at: datetime) -> Signature:
    return Signature(
        hsa_id=actor.hsa_id,
        org_id=actor.org_id,
        name=required_text("signer_name", name),
        title=required_text("signer_title", title),
        signed_at=at,
    )
