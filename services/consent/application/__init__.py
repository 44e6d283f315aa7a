"""Consent use cases: one method per command or query (eventsourcing Application)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from contracts import LegalBasis
from services.consent.application.asking import AsksDecisions
from services.consent.application.asking import Question as Question  # where callers have found it
from services.consent.domain import (
    Consent,
    ConsentRefusal,
    Disclosure,
    EmergencyDisclosure,
    ErasureNotPermitted,
    GivenBy,
    RecordNotReadable,
    SubjectErasure,
    UnbornChildDisclosure,
    UnknownSubject,
    idle_cutoff,
    is_due_for_culling,
    may_erase,
    readable_by,
)
from services.consent.domain.secrecy import Record
from services.consent.views.activity import ActivityView, OwnActivity, activity_view
from services.consent.views.authorisations import (
    AskedDecision,
    Authorisations,
    AuthorisationView,
    authorisation_view,
)
from services.consent.views.work_items import ConsentWork
from services.runtime.kernel.actor import Actor, require_party
from services.runtime.kernel.rules import UnknownRecord
from services.runtime.kernel.stockholm_time import stockholm_date
from services.runtime.store.changes import ChangesAggregates
from services.runtime.store.group_commit import GroupCommit
from services.runtime.store.read_models import Follower
from services.runtime.store.sealing import DEVELOPMENT_ONLY_MASTER_KEY, SealsPersonalData
from services.runtime.store.work_items import Reader, WorkPage, WorkQuery, work_list_view

R = TypeVar("R", Consent, ConsentRefusal, EmergencyDisclosure, UnbornChildDisclosure)
"""The records C-10 holds to the units they name and the unit that recorded them."""


class UnknownConsent(UnknownRecord):
    rule = "C-1"


class UnknownRefusal(UnknownRecord):
    rule = "C-4"


class UnknownEmergencyDisclosure(UnknownRecord):
    rule = "C-5"


class UnknownUnbornChildDisclosure(UnknownRecord):
    rule = "C-6"


class UnknownErasure(UnknownRecord):
    """W-3: the erasure's read is keyed by the individual, and no erasure of them is
    recorded (culled or never erased)."""

    rule = "GDPR-17"


_NOT_READABLE = "your organisation unit is not named in this record and did not record it"
_NONE_READABLE = (
    "your organisation unit is named in, or recorded, no consent, refusal or disclosure "
    "about this individual"
)


@dataclass(frozen=True)
class GiveConsent:
    subject_id: str
    purpose: str
    parties: list[str]
    form: str
    informed: bool
    valid_until: date | None
    given_by: GivenBy = GivenBy.INDIVIDUAL
    guardian_name: str | None = None
    subject_birth_date: date | None = None


@dataclass(frozen=True)
class RefuseConsent:
    subject_id: str
    purpose: str
    parties: list[str]
    informed: bool
    ask_again_on: date | None = None
    """C-12: the day the recording unit asks again, on its work list until then."""
    motivational_work: str | None = None


@dataclass(frozen=True)
class ChangeScope:
    add: list[str]
    remove: list[str]


@dataclass(frozen=True)
class DecideDisclosure:
    """What a decision to share without consent names, of either kind (C-5, C-6)."""

    subject_id: str
    parties: list[str]
    justification: str
    valid_for: timedelta


@dataclass(frozen=True)
class DecideEmergencyDisclosure(DecideDisclosure):
    """C-5: an immediate danger to life or health (BrB 24 kap. 4 §)."""


@dataclass(frozen=True)
class DecideUnbornChildDisclosure(DecideDisclosure):
    """C-6: protecting an expected child (OSL 26 kap. 9 §); says whether consent was sought,
    and why not when it was not."""

    consent_sought: bool
    consent_not_sought_reason: str | None = None


class ConsentApplication(AsksDecisions, SealsPersonalData, ChangesAggregates, Application[UUID]):
    """Consents, refusals and disclosures, and the decisions they support."""

    name = "consent"
    unknown = {
        Consent: (UnknownConsent, "consent"),
        ConsentRefusal: (UnknownRefusal, "consent refusal"),
        EmergencyDisclosure: (UnknownEmergencyDisclosure, "emergency disclosure"),
        UnbornChildDisclosure: (UnknownUnbornChildDisclosure, "unborn-child disclosure"),
        SubjectErasure: (UnknownErasure, "erasure"),
    }

    def __init__(
        self,
        *,
        longest_emergency_disclosure: timedelta,
        longest_unborn_child_disclosure: timedelta = timedelta(days=280),
        master_key: bytes = DEVELOPMENT_ONLY_MASTER_KEY,
        erasure_unit: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(master_key=master_key, **kwargs)
        self.erasure_unit = erasure_unit
        """The platform unit whose administrators may erase on request (None: no one)."""
        self.longest_emergency_disclosure = longest_emergency_disclosure
        self.longest_unborn_child_disclosure = longest_unborn_child_disclosure
        self.view: AuthorisationView = authorisation_view(self)
        self._follower = Follower(self, Authorisations(self.view), name=self.name)
        self.activity: ActivityView = activity_view(self)
        self._activity = Follower(self, OwnActivity(self.activity), name=OwnActivity.name)
        self.work_items = work_list_view(self)
        self._work = Follower(self, ConsentWork(self.work_items), name=ConsentWork.name)
        self._decision_log: GroupCommit[AskedDecision] = GroupCommit(
            self.view.log_decisions, "decision-log"
        )

    # --- commands ---------------------------------------------------------------------
    # Each takes the acting member of staff: the record names them and their unit, and
    # whether their unit may act on *this* object is decided here, where it is loaded.

    def give_consent(
        self, actor: Actor, command: GiveConsent, *, at: datetime, today: date
    ) -> UUID:
        return self._new_record(
            actor, command, Consent.give, recorded_by=actor.hsa_id, given_at=at, today=today
        )

    def refuse_consent(self, actor: Actor, command: RefuseConsent, *, at: datetime) -> UUID:
        return self._new_record(
            actor, command, ConsentRefusal.record, recorded_by=actor.hsa_id, refused_at=at
        )

    def change_scope(
        self, actor: Actor, consent_id: UUID, command: ChangeScope, *, at: datetime
    ) -> Consent:
        consent = self._consent_in_scope(actor, consent_id)
        consent.change_scope(
            add=command.add, remove=command.remove, at=at, recorded_by=actor.hsa_id
        )
        self.save(consent)
        return consent

    def withdraw_consent(self, actor: Actor, consent_id: UUID, *, at: datetime) -> Consent:
        consent = self._consent_in_scope(actor, consent_id)
        consent.withdraw(at=at, recorded_by=actor.hsa_id)
        self.save(consent)
        return consent

    def decide_emergency_disclosure(
        self, actor: Actor, command: DecideEmergencyDisclosure, *, at: datetime
    ) -> UUID:
        longest = self.longest_emergency_disclosure
        return self._disclose(actor, EmergencyDisclosure, command, longest, at)

    def decide_unborn_child_disclosure(
        self, actor: Actor, command: DecideUnbornChildDisclosure, *, at: datetime
    ) -> UUID:
        """The command's `consent_sought` is recorded with the disclosure (C-6)."""
        longest = self.longest_unborn_child_disclosure
        return self._disclose(actor, UnbornChildDisclosure, command, longest, at)

    def _disclose(
        self,
        actor: Actor,
        kind: type[Disclosure],
        command: DecideDisclosure,
        longest: timedelta,
        at: datetime,
    ) -> UUID:
        """Sharing without consent (C-5, C-6), decided by a unit that takes part (C-3)."""
        return self._new_record(
            actor, command, kind.decide, decided_by=actor.hsa_id, decided_at=at, longest=longest
        )

    def _new_record(
        self, actor: Actor, command: Any, make: Callable[..., Aggregate], **by_actor: Any
    ) -> UUID:
        """A new record made of the command's fields and `by_actor` (who, when), by a unit
        that takes part in it (C-3). The recording unit keeps reading the record (C-10)."""
        _require_scope(actor, command.parties)
        record = make(**asdict(command), recording_unit=actor.org_id, **by_actor)
        return self._created(record).id

    def erase_subject(self, actor: Actor, subject_id: str, *, at: datetime) -> UUID:
        """Destroy the subject's personal data here and tell everyone (SubjectErased).

        Only an administrator of the configured platform unit (the unit they act
        for) erases, and only someone the platform has seen: the
        activity that culling follows (own records and every other service's
        events) is what "seen" means. An unknown id would otherwise be erased in
        advance, everywhere, for whoever it turns out to be.

        The key goes first: if recording the fact then fails, a retry finds
        the data already unreadable and records it.
        """
        self._require_erasure_unit(actor)
        self._activity.catch_up()
        if self.activity.last_activity(subject_id) is None:
            raise UnknownSubject(f"no individual with subject id {subject_id} is known here")
        self.erase_personal_data(subject_id, at)
        erasure = SubjectErasure.on_request(subject_id=subject_id, at=at, erased_by=actor.hsa_id)
        self.save(erasure)
        return erasure.id

    def _require_erasure_unit(self, actor: Actor) -> None:
        """GDPR art. 17: the configured platform unit erases, and reads what it erased."""
        if not may_erase(actor.org_id, self.erasure_unit):
            raise ErasureNotPermitted(
                "erasure is for the administrators of the platform unit "
                f"SAMVERKAN_CONSENT_ERASURE_UNIT names ({self.erasure_unit})"
                if self.erasure_unit
                else "no platform unit may erase: SAMVERKAN_CONSENT_ERASURE_UNIT is not set"
            )

    def cull_due(self, now: datetime, *, retention_years: int, limit: int = 1000) -> list[str]:
        """Statutory culling (gallring): erase everyone idle on the platform for the
        retention period (services.consent.views.activity says what counts as activity).

        Run on a schedule with the service's clock. Each culling is the erasure
        mechanism: the key goes first, then `SubjectErasure` (reason culling) tells
        the other services and partners. Its id is derived from the subject, so a
        second replica culling the same individual at the same moment stores nothing.
        """
        if retention_years <= 0:
            return []
        self._activity.catch_up()
        today = stockholm_date(now)
        culled = []
        for subject_id, last in self.activity.idle_before(idle_cutoff(now, retention_years), limit):
            if not is_due_for_culling(last, today, retention_years):
                continue
            self.erase_personal_data(subject_id, now)
            try:
                self.save(SubjectErasure.cull(subject_id=subject_id, at=now))
            except IntegrityError:
                continue  # another replica culled them first
            culled.append(subject_id)
        self._activity.catch_up()
        return culled

    def expire_due(self, now: datetime) -> int:
        """Record the expiry of every consent and emergency disclosure whose end has passed.

        Run on a schedule with the service's clock: expiry is an event
        (ConsentExpired, EmergencyDisclosureExpired) so downstream views
        update without asking.
        """
        self._follower.catch_up()
        expired = 0
        for kind, basis_id in self.view.due_for_expiry(now):
            aggregate: Consent | EmergencyDisclosure | None = (
                self.find(basis_id, Consent)
                if kind is LegalBasis.CONSENT
                else self.find(basis_id, EmergencyDisclosure)
            )
            if aggregate is not None and aggregate.expire_if_due(now):
                self.save(aggregate)
                expired += 1
        self._follower.catch_up()
        return expired

    def close(self) -> None:
        self._decision_log.close()
        super().close()

    # --- queries ----------------------------------------------------------------------

    def work_list(self, actor: Actor, query: WorkQuery, now: datetime) -> WorkPage:
        """W-1: the refusals whose day to ask again waits for the actor's unit (C-12)."""
        self._work.catch_up()
        return self.work_items.page(Reader([actor.org_id], actor.role.value), query, now)

    def _consent_in_scope(self, actor: Actor, consent_id: UUID) -> Consent:
        """A consent the actor's unit may act on: one in its scope (C-3), loaded once for
        the check and the change."""
        consent = self._load(Consent, consent_id)
        _require_scope(actor, consent.parties)
        return consent

    def read_consent(self, actor: Actor, consent_id: UUID) -> Consent:
        """One consent, for a unit that may read it (C-10)."""
        return self._read(Consent, actor, consent_id)

    def read_refusal(self, actor: Actor, refusal_id: UUID) -> ConsentRefusal:
        """One refusal, for a unit that may read it (C-10): W-3, where its Location points."""
        return self._read(ConsentRefusal, actor, refusal_id)

    def read_emergency_disclosure(self, actor: Actor, disclosure_id: UUID) -> EmergencyDisclosure:
        """One emergency disclosure with its justification, for a unit that may read it
        (C-10): the deciding unit and the named recipients."""
        return self._read(EmergencyDisclosure, actor, disclosure_id)

    def read_unborn_child_disclosure(
        self, actor: Actor, disclosure_id: UUID
    ) -> UnbornChildDisclosure:
        """One OSL 26:9 disclosure with its justification, for a unit that may read it
        (C-10)."""
        return self._read(UnbornChildDisclosure, actor, disclosure_id)

    def _read(self, kind: type[R], actor: Actor, record_id: UUID) -> R:
        """C-10: a consent, refusal or disclosure, for the units it names and the unit that
        recorded it; any other unit is refused where the record is loaded."""
        return self._load_checked(kind, record_id, partial(_require_readable, actor))

    def read_erasure(self, actor: Actor, subject_id: str) -> SubjectErasure:
        """The individual's latest erasure, for the unit that may erase (GDPR art. 17):
        the administrators who erase check here that it was done. Refused before the
        subject is looked up, so no one else learns whether someone was erased."""
        self._require_erasure_unit(actor)
        self._follower.catch_up()
        erasures = [
            self._load(SubjectErasure, aggregate_id)
            for aggregate_id, kind, _ in self.view.records_of(subject_id)
            if kind == "erasure"
        ]
        if not erasures:
            raise UnknownErasure(f"no erasure of subject {subject_id} is recorded")
        return max(erasures, key=lambda erasure: erasure.erased_at)

    def readable_records(self, subject_id: str, *, unit: str) -> list[UUID]:
        """C-10, decided here for every read about a person: the ids of the consents,
        refusals and disclosures about them that `unit` may read (named in it now, or
        its recording unit), plus their erasures, which name no unit and are shown to
        whoever reads any record. Refused when there is none."""
        self._follower.catch_up()
        readable, erasures = [], []
        for aggregate_id, kind, _ in self.view.records_of(subject_id):
            if kind == "erasure":
                erasures.append(aggregate_id)
            elif readable_by(self.repository.get(aggregate_id), unit):
                readable.append(aggregate_id)
        if not readable:
            raise RecordNotReadable(_NONE_READABLE)
        return readable + erasures

    def history(self, actor: Actor, subject_id: str) -> list[Any]:
        """The consent events about one individual that the actor's unit may read (C-10),
        in the order they happened."""
        events = [
            event
            for aggregate_id in self.readable_records(subject_id, unit=actor.org_id)
            for event in self.events.get(aggregate_id)
        ]
        return sorted(events, key=lambda e: (e.timestamp, e.originator_version))

    def decisions_about(self, actor: Actor, subject_id: str) -> list[dict[str, Any]]:
        """The decision log for one individual, as far as the actor's unit asked or was
        asked about (C-9, C-10): another unit's question is its own business."""
        unit = actor.org_id
        self._follower.catch_up()
        entries = [
            entry
            for entry in self.view.decisions_about(subject_id)
            if unit in (entry["asked_by_org"], entry["from_org"], entry["to_org"])
        ]
        if not entries:
            self.readable_records(subject_id, unit=unit)  # refused unless party to a record
        return entries


def _require_readable(actor: Actor, record: Record) -> None:
    """C-10: the units a consent, refusal or disclosure names, and the unit that recorded it."""
    if not readable_by(record, actor.org_id):
        raise RecordNotReadable(_NOT_READABLE)


def _require_scope(actor: Actor, parties: list[str] | tuple[str, ...]) -> None:
    """Staff act on, and record, only what their own organisation unit takes part in (C-3)."""
    require_party(actor, parties, what="this consent's scope", rule="C-3")
