"""Who may do what in the consent service: the table every consent route names its action in.

Consents, refusals and disclosures are recorded by the staff of any party
(police and rescue take oral consent at the scene, C-1); whether the caller's
unit is one of the parties is checked per object (C-3). Only social services
and health care decide to protect an expected child (C-6, seed 004: information
may go "från socialtjänsten eller från hälso- och sjukvården"): a region's
health-care and psychiatric units, not police, school or private providers.
Erasure and the access log are the administrators' (GDPR art. 17; loggkontroll),
and only theirs; so is reading an erasure back (whether it was done is the
erasers' question).
"""

from __future__ import annotations

from typing import Any

from contracts import OrgType
from services.runtime.http.permissions import ACCESS_LOG_READERS, ADMINISTRATORS, Policy, permit

POLICY = Policy(
    "consent",
    {
        "consent.give": permit("only staff record a consent", rule="C-1"),
        "consent.read": permit("only staff read a consent", rule="C-3"),
        "consent.change_scope": permit("only staff change a consent's scope", rule="C-3"),
        "consent.withdraw": permit("only staff record a withdrawal", rule="C-4"),
        "consent.refuse": permit("only staff record a refusal", rule="C-4"),
        "refusal.read": permit("only staff read a refusal", rule="C-4"),
        "disclosure.emergency": permit("only staff decide an emergency disclosure", rule="C-5"),
        "disclosure.unborn_child": permit(
            "only social services or health care disclose to protect an expected child",
            org_types={OrgType.SOCIAL_SERVICES, OrgType.HEALTH_CARE, OrgType.PSYCHIATRY},
            rule="C-6",
        ),
        "disclosure.read": permit("only staff read a disclosure without consent", rule="C-5"),
        "decision.ask": permit("only staff ask for a consent decision", rule="C-9"),
        "history.read": permit("only staff read a consent history", rule="C-3"),
        "decision_log.read": permit("only staff read the decision log", rule="C-9"),
        "subject.erase": permit("only an administrator may erase a subject", roles=ADMINISTRATORS),
        "erasure.read": permit("only an administrator may read an erasure", roles=ADMINISTRATORS),
        "access_log.read": permit(
            "only an administrator, or a unit manager or department head for their own "
            "unit's staff, may read the access log",
            roles=ACCESS_LOG_READERS,
        ),
    },
)


def may(action: str) -> Any:
    """The route's dependency for ``action``: ``caller: Annotated[Caller, may("consent.give")]``."""
    return POLICY.may(action)
