"""What every cases use case stands on: the store, loading, the consent view, and erasure.

What is written about an individual (a handover's texts, the SIP's plan and
follow-ups, a screening's score, where a meeting about them is held) is their
personal data: the domain makes it a `Personal` value and the store's mapper
seals it (services.runtime.store.sealing); `SubjectErased` from consent destroys
their key here.

The loaders here do not authorise: only the use cases call them, and each decides,
on the object it loaded, whether the actor's unit may see or change it. A step
on one aggregate that loses a race for it runs again on fresh state (`_change`,
services.runtime.store.changes).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.projection import EventSourcedProjection

from contracts import LegalBasis, Purpose
from services.cases.domain import (
    Case,
    ChildWelfareReport,
    ChildWelfareReportNotFound,
    Meeting,
    MeetingNotFound,
    PregnancyReferral,
    PregnancyReferralNotFound,
    Screening,
    ScreeningNotFound,
    Sip,
    SipNotFound,
    SubjectCases,
    SubjectConsents,
    UnitDirectory,
    UnknownCase,
    ViolenceQuestion,
    ViolenceQuestionNotFound,
    consent_record_id,
    subject_cases_id,
    target_group_set,
)
from services.cases.domain.dates import REMINDER_LEAD_DAYS
from services.cases.domain.delegation import DEFAULT, DelegationOrder
from services.cases.domain.follow_through import Basis, FollowThrough, FollowThroughNotFound
from services.cases.domain.principal_contact import (
    CONTACT_WITHIN_DAYS,
    PrincipalContact,
    PrincipalContactNotFound,
)
from services.cases.domain.sip import ESTABLISH_WITHIN_DAYS
from services.cases.views.case_views import CaseProjection, CaseViews, case_views
from services.cases.views.subject_records import CasesRecords
from services.cases.views.work_items import CasesWork
from services.runtime.kernel.actor import Actor
from services.runtime.kernel.stockholm_time import stockholm_date
from services.runtime.store.changes import ChangesAggregates
from services.runtime.store.read_models import Follower
from services.runtime.store.sealing import DEVELOPMENT_ONLY_MASTER_KEY, SealsPersonalData
from services.runtime.store.subject_records import subject_record_view
from services.runtime.store.work_items import work_list_view

A = TypeVar("A", bound=Aggregate)


class CasesBase(SealsPersonalData, ChangesAggregates, EventSourcedProjection[UUID]):
    """The store and what the use cases of every concept share; each concept is a mixin of
    this (cases, handovers, plans, meetings, screenings, child-welfare reports, upstream)
    and CasesApplication all of them."""

    unknown = {
        Case: (UnknownCase, "case"),
        Sip: (SipNotFound, "SIP"),
        Meeting: (MeetingNotFound, "meeting"),
        Screening: (ScreeningNotFound, "screening"),
        ViolenceQuestion: (ViolenceQuestionNotFound, "violence question record"),
        ChildWelfareReport: (ChildWelfareReportNotFound, "child-welfare report"),
        FollowThrough: (FollowThroughNotFound, "follow-through"),
        PrincipalContact: (PrincipalContactNotFound, "contact with the other principal"),
        PregnancyReferral: (PregnancyReferralNotFound, "pregnancy referral"),
    }

    def __init__(
        self,
        *,
        units: UnitDirectory,
        acknowledgement_working_days: int = 3,
        delegation_order: DelegationOrder = DEFAULT,
        sip_establishment_days: int = ESTABLISH_WITHIN_DAYS,
        other_principal_contact_days: int = CONTACT_WITHIN_DAYS,
        reminder_lead_days: int = REMINDER_LEAD_DAYS,
        master_key: bytes = DEVELOPMENT_ONLY_MASTER_KEY,
        **kwargs: Any,
    ) -> None:
        super().__init__(master_key=master_key, **kwargs)
        self.units = units
        self.acknowledgement_working_days = acknowledgement_working_days
        self.delegation_order = delegation_order
        self.sip_establishment_days = sip_establishment_days
        self.other_principal_contact_days = other_principal_contact_days
        self.reminder_lead_days = reminder_lead_days
        self.views: CaseViews = case_views(self)
        self._follower = Follower(self, CaseProjection(self.views), name=CaseProjection.name)
        self.work_items = work_list_view(self)
        self._work_follower = Follower(self, CasesWork(self.work_items), name=CasesWork.name)
        self.subject_records = subject_record_view(self)
        self._records_follower = Follower(
            self, CasesRecords(self.subject_records), name=CasesRecords.name
        )

    # --- loading: unauthorised, so only the use cases that authorise call these -------

    def _cases_of(self, subject_id: str) -> list[Case]:
        """Every case of the individual here, whichever unit holds it."""
        index = self.find(subject_cases_id(subject_id), SubjectCases)
        if index is None:
            return []
        return [self._load(Case, case_id) for case_id in index.cases]

    def target_groups_of(self, subject_id: str) -> list[str]:
        """The union of the target groups of the individual's open cases here (D-6)."""
        groups = [
            group
            for case in self._cases_of(subject_id)
            if case.is_open
            for group in case.target_groups
        ]
        return target_group_set(groups)

    def _subject_cases(self, subject_id: str) -> SubjectCases:
        return self.find(subject_cases_id(subject_id), SubjectCases) or SubjectCases(
            subject_id=subject_id
        )

    def _others_concerned(self, case: Case) -> list[str]:
        """K-3: the units with another open case for the individual, and the other side
        of a handover in progress."""
        index = self._subject_cases(case.subject_id)
        units = index.open_units(except_case=case.id)
        handover = case.open_handover
        if handover is not None:
            units += [handover.from_unit, handover.to_unit]
        return list(dict.fromkeys(units))

    # --- changing: the step checks the actor's unit --------------------------------------

    def _unit_step(
        self,
        kind: type[A],
        aggregate_id: UUID,
        step: Callable[..., object],
        actor: Actor,
        at: datetime,
        **arguments: Any,
    ) -> A:
        """`_change` by one `step` of the aggregate (`Meeting.record_pre_meeting`, say), taken
        by the actor's unit and recorded as theirs at `at`: the step checks the unit."""
        return self._change(
            kind,
            aggregate_id,
            lambda aggregate: step(
                aggregate, **arguments, unit=actor.org_id, at=at, by=actor.hsa_id
            ),
        )

    # --- what cases knows of consent (C-7, C-8) ------------------------------------------

    def consents_of(self, subject_id: str) -> SubjectConsents | None:
        """The consent view of one individual as learnt from the consent topic, whole
        (unauthorised: for the rules and policies here, and for tests)."""
        return self.find(consent_record_id(subject_id), SubjectConsents)

    def _consent_id_for(
        self, purpose: Purpose, subject_id: str, units: list[str], at: datetime
    ) -> UUID | None:
        """The id of the individual's consent for `purpose` that covers every one of `units`
        on the Swedish day of `at`, if cases knows of one."""
        consents = self.consents_of(subject_id)
        if consents is None:
            return None
        known = consents.consent_for(purpose.value, units, stockholm_date(at))
        return known.consent_id if known is not None else None

    def _basis_for(
        self,
        subject_id: str,
        units: list[str],
        at: datetime,
        purposes: tuple[Purpose, ...],
        otherwise: LegalBasis,
    ) -> Basis | None:
        """C-11: the individual's consent for one of `purposes` naming every one of `units`
        today, else a disclosure of the kind `otherwise` (an emergency disclosure, C-5, or
        OSL 26:9, C-6) naming them at `at`; None without either."""
        for purpose in purposes:
            consent_id = self._consent_id_for(purpose, subject_id, units, at)
            if consent_id is not None:
                return Basis(LegalBasis.CONSENT, consent_id)
        consents = self.consents_of(subject_id)
        if consents is None:
            return None
        if otherwise is LegalBasis.OSL_26_9:
            disclosure = consents.unborn_child_disclosure_for(units, at)
        else:
            disclosure = consents.disclosure_for(units, at)
        return Basis(otherwise, disclosure.disclosure_id) if disclosure is not None else None

    # --- personal data ------------------------------------------------------------------

    def erase_subject(self, subject_id: str, at: datetime) -> None:
        """Destroy the subject's data key here (idempotent: erasing twice changes nothing)."""
        self.erase_personal_data(subject_id, at)
