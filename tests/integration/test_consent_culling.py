"""Statutory culling (gallring) decided by consent, on real stores (SQLite and PostgreSQL):
activity anywhere on the platform postpones it, and a culled individual's personal data
is erased with the same mechanism as an erasure on request, published with its reason."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError, Tracking

from contracts import CaseOpened, ErasureReason, OrgType, Role, SubjectErasedV2
from contracts.examples import EXAMPLES
from services.consent.application import ChangeScope, ConsentApplication, GiveConsent
from services.consent.domain import ErasureNotPermitted, GivenBy, SubjectErasure, UnknownSubject
from services.consent.translate import to_integration_event
from services.consent.views.activity import UpstreamActivity
from services.runtime.kernel.actor import Actor
from services.runtime.kernel.personal import ERASED, text_of
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from tests.support import MovableClock
from tests.unit.units import HEALTH_UNIT as HEALTH
from tests.unit.units import SOCIAL_UNIT as SOCIAL

IDLE = "a1" * 32
BUSY = "b2" * 32
STAFF = "SE2120000001-S001"
ERASURE_UNIT = "SE2321000016-IT01"
T0 = datetime(2027, 1, 15, 9, 0, tzinfo=UTC)
YEARS = 5


@pytest.fixture
def application(
    backend_settings: RuntimeSettings,
) -> Iterator[ConsentApplication]:
    settings = backend_settings
    application = ConsentApplication(
        env=store_env(settings, "consent"),
        longest_emergency_disclosure=timedelta(hours=72),
        erasure_unit=ERASURE_UNIT,
    )
    yield application
    application.close()


def staff_at(org_id: str) -> Actor:
    return Actor(STAFF, org_id, OrgType.SOCIAL_SERVICES, Role.CASEWORKER)


def give(app: ConsentApplication, subject_id: str, at: datetime) -> Any:
    command = GiveConsent(
        subject_id=subject_id,
        purpose="sip",
        parties=[SOCIAL, HEALTH],
        form="written",
        informed=True,
        valid_until=None,
        given_by=GivenBy.GUARDIAN,
        guardian_name="Vera Testsson",
        subject_birth_date=date(2020, 5, 5),  # a child: the guardian consents (C-1)
    )
    return app.give_consent(staff_at(SOCIAL), command, at=at, today=at.date())


def case_opened_upstream(app: ConsentApplication, clock: MovableClock, subject_id: str) -> None:
    """A CaseOpened about `subject_id` arriving from the cases topic, as the consumer hands it."""
    event = EXAMPLES[CaseOpened]
    intake = UpstreamActivity(app.activity, clock)
    name = "/samverkan/cases#0"
    position = (app.activity.max_tracking_id(name) or 0) + 1
    intake.process_event(
        event.model_copy(update={"subject_id": subject_id}), Tracking(name, position)
    )


def erasures(app: ConsentApplication) -> list[Any]:
    notifications = app.recorder.select_notifications(start=1, limit=1000)
    events = [app.mapper.to_domain_event(n) for n in notifications]
    return [e for e in events if isinstance(e, SubjectErasure.Erased)]


def test_gallring_an_individual_idle_for_the_retention_is_culled_and_no_one_sooner(
    application: ConsentApplication,
) -> None:
    consent_id = give(application, IDLE, T0)
    give(application, BUSY, T0)
    clock = MovableClock(T0 + timedelta(days=3 * 365))
    case_opened_upstream(application, clock, BUSY)  # three years later, a case in cases

    # The day before the fifth anniversary of the last entry: kept.
    day_before = T0 + timedelta(days=5 * 365)  # 2032-01-14: one leap day (2028) short
    assert application.cull_due(day_before, retention_years=YEARS) == []
    anniversary = datetime(2032, 1, 15, 8, 0, tzinfo=UTC)
    assert application.cull_due(anniversary, retention_years=YEARS) == [IDLE]

    consent = application.read_consent(staff_at(SOCIAL), consent_id)
    assert text_of(consent.guardian_name) == ERASED
    assert consent.purpose == "sip"  # the facts stay
    [culled] = erasures(application)
    public = to_integration_event(culled)
    assert isinstance(public, SubjectErasedV2)
    assert (public.subject_id, public.reason, public.erased_by) == (IDLE, "culling", None)
    assert public.erased_at == anniversary

    # Erased once: later rounds leave them be; the busy individual waits for their own turn.
    assert application.cull_due(anniversary + timedelta(days=400), retention_years=YEARS) == []
    eight_years = T0 + timedelta(days=8 * 365 + 2)
    assert application.cull_due(eight_years, retention_years=YEARS) == [BUSY]
    assert [e.reason for e in erasures(application)] == ["culling", "culling"]


def test_gallring_a_change_to_a_consent_is_activity_its_expiry_is_not(
    application: ConsentApplication,
) -> None:
    consent_id = give(application, IDLE, T0)
    changed_at = T0 + timedelta(days=2 * 365)
    application.change_scope(
        staff_at(SOCIAL), consent_id, ChangeScope(["SE2321000016-PSY1"], []), at=changed_at
    )
    assert application.activity.last_activity(IDLE) is None  # caught up when culling runs
    assert application.cull_due(T0 + timedelta(days=6 * 365), retention_years=YEARS) == []
    assert application.activity.last_activity(IDLE) == changed_at


def test_gallring_off_and_after_an_erasure_on_request(application: ConsentApplication) -> None:
    give(application, IDLE, T0)
    give(application, BUSY, T0)
    later = T0 + timedelta(days=20 * 365)
    assert application.cull_due(later, retention_years=0) == []  # 0: culling off

    application.erase_subject(
        Actor("SE2321000016-A001", ERASURE_UNIT, OrgType.SOCIAL_SERVICES, Role.ADMIN),
        BUSY,
        at=T0 + timedelta(days=1),
    )
    assert application.cull_due(later, retention_years=YEARS) == [IDLE]
    reasons = {e.subject_id: (e.reason, e.erased_by) for e in erasures(application)}
    assert reasons == {
        BUSY: (ErasureReason.REQUEST, "SE2321000016-A001"),
        IDLE: (ErasureReason.CULLING, None),
    }


def test_gallring_two_replicas_culling_at_once_store_one_erasure(
    application: ConsentApplication,
) -> None:
    """The culling's id follows from the individual: a second replica's save conflicts."""
    later = T0 + timedelta(days=6 * 365)
    first = SubjectErasure.cull(subject_id=IDLE, at=later)
    second = SubjectErasure.cull(subject_id=IDLE, at=later + timedelta(seconds=1))
    assert first.id == second.id
    application.save(first)
    with pytest.raises(IntegrityError):
        application.save(second)
    assert len(erasures(application)) == 1


def test_erasure_on_request_needs_the_platform_unit_and_someone_the_platform_has_seen(
    application: ConsentApplication,
) -> None:
    """Only the configured unit erases; a subject never seen (neither in consent's records
    nor in another service's events) is refused and nothing is recorded; one seen only
    upstream is known."""
    at = T0 + timedelta(days=1)
    give(application, BUSY, T0)
    with pytest.raises(ErasureNotPermitted):
        application.erase_subject(
            Actor(STAFF, SOCIAL, OrgType.SOCIAL_SERVICES, Role.ADMIN), BUSY, at=at
        )
    with pytest.raises(UnknownSubject):
        application.erase_subject(
            Actor(STAFF, ERASURE_UNIT, OrgType.SOCIAL_SERVICES, Role.ADMIN), IDLE, at=at
        )
    assert erasures(application) == []
    case_opened_upstream(application, MovableClock(T0), IDLE)
    application.erase_subject(
        Actor(STAFF, ERASURE_UNIT, OrgType.SOCIAL_SERVICES, Role.ADMIN), IDLE, at=at
    )
    assert [e.subject_id for e in erasures(application)] == [IDLE]
