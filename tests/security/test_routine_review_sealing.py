"""E-13, issue #18 item 6: the yearly routine review's minutes name no one, yet are free text,
so they are sealed at rest with the review's own key (``record:<id>``) and culled with it,
like every other text escalation keeps. Only counts reach the topic (RoutineReviewHeld)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

from contracts import OrgType, Role
from services.escalation.application import EscalationApplication
from services.runtime.kernel.actor import Actor
from services.runtime.store.database import store_env
from services.runtime.store.privacy import ERASED
from tests.security.test_escalation_sealing import call, stored_bytes
from tests.support import AOF, IOF, ServiceProcess

IOF_HEAD = Actor("SE2120000001-A001", IOF, OrgType.SOCIAL_SERVICES, Role.DEPARTMENT_HEAD)
MINUTES = "Rutinen förankrad MSEAL1"
REVISION = "Kontaktlistan reviderad VSEAL2"


def test_e13_review_minutes_are_sealed_at_rest_and_culled_with_the_review(
    start_service: Callable[..., ServiceProcess],
) -> None:
    escalation = start_service("escalation")
    starts_at = datetime.now(UTC) + timedelta(seconds=2)
    review = call(
        escalation,
        IOF_HEAD,
        "POST",
        "/v1/routine-reviews",
        {"municipality_code": "0180", "members": [IOF, AOF], "starts_at": starts_at.isoformat()},
    )
    time.sleep(max(0.0, (starts_at - datetime.now(UTC)).total_seconds()) + 0.2)
    path = f"/v1/routine-reviews/{review['id']}"
    held = {"present_orgs": [IOF, AOF], "minutes": MINUTES, "revisions": [REVISION]}
    call(escalation, IOF_HEAD, "POST", f"{path}/held", held)
    assert call(escalation, IOF_HEAD, "GET", path)["revisions"] == [REVISION]

    escalation.stop()
    stored = stored_bytes(escalation)
    assert stored, "no store file found"
    assert b"MSEAL1" not in stored
    assert b"VSEAL2" not in stored

    settings = escalation.settings
    application = EscalationApplication(
        env=store_env(settings, "escalation"), master_key=settings.resolved_master_key()
    )
    try:
        application.erase_record(UUID(review["id"]), datetime.now(UTC))
    finally:
        application.close()
    again = start_service("escalation")
    after = call(again, IOF_HEAD, "GET", path)
    assert after["minutes"] == ERASED
    assert after["revisions"] == [ERASED]
