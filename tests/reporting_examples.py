"""What several tests of the reporting service send it, in one place: the social
services' unit manager who countersigns a deviation's summary, and a deviation report
about a named person, over HTTP or as the application's command."""

from __future__ import annotations

from typing import Any

from contracts import OrgType, Role
from services.reporting.application import ReportDeviation
from services.runtime.kernel.actor import Actor
from tests.support import SOCIAL, TEST_PERSONNUMMER

SOCIAL_MANAGER = Actor(
    hsa_id="SE2120000001-S009",
    org_id=SOCIAL.org_id,
    org_type=OrgType.SOCIAL_SERVICES,
    role=Role.UNIT_MANAGER,
)
"""The unit manager of the social services a deviation concerns: signs its side (D-2)."""

FREE_TEXT = {
    "what_happened": "Utskrivningsmeddelandet kom aldrig fram till socialtjänsten.",
    "perceived_as": "Den enskilde skrevs ut utan stöd i hemmet.",
    "improvement_proposal": "Skicka meddelandet via den gemensamma rutinen.",
    "reporter_name": "Testa Testsson",
    "reporter_title": "Biträdande enhetschef",
}
"""A deviation report's free text and its reporter (D-1), all of it personal data."""


def deviation_body(**changes: Any) -> dict[str, Any]:
    """A communication deviation about a named person against social services (D-1)."""
    body: dict[str, Any] = {
        "category": "communication",
        "affected_orgs": [SOCIAL.org_id],
        **FREE_TEXT,
        "personnummer": TEST_PERSONNUMMER,
    }
    return body | changes


def deviation_command(subject_id: str | None, **changes: Any) -> ReportDeviation:
    """`deviation_body` as the application's command: about `subject_id` (what the service
    makes of the personnummer), or about no one."""
    body = deviation_body(**changes)
    del body["personnummer"]
    return ReportDeviation(**body, subject_id=subject_id)
