"""Follow-up of the access log (loggkontroll), the same in every service.

Every service keeps its own hash-chained access log (services.runtime.store.audit)
of who read whose personal data. This module is how that log is read back,
for the two follow-ups the law asks for (HSLF-FS 2016:40 ch. 4 §§ 9-10 for
health care, the same practice in social services):

- **per individual** — the individual's right to know who looked at their
  data (a log extract, *loggutdrag*; PDL 8:1 and GDPR art. 15). The
  personnummer travels in a POST body, never in a URL (URLs end up in logs);
  the pseudonymous subject id may be given instead.
- **per member of staff** (HSA-id) — the systematic, recurring check that
  staff read only what their work needed.

Who may read it, and why: follow-up is each organisation's own duty (the
care provider's, the social welfare board's, the police authority's), and
another organisation's accesses would tell the reader that the individual is
in contact with that organisation, which is secret between authorities (OSL
ch. 25-26) unless a consent or disclosure covers it. So:

- An **administrator** acts for their own organisation: they read the
  accesses made by staff of any unit of it (the organisation is the HSA-id
  part before the ``-`` of the staff member's unit, ``SE2321000016`` for
  ``SE2321000016-15CQ``: services.runtime.http.permissions.organisation_of), and
  answer the individual's request for an extract for that organisation — the
  individual asks each organisation, as PDL 8:1 has it for each care
  provider. They verify the chain.
- A **unit manager or department head** reads the accesses made by their
  own organisation unit's staff, and nothing else.
- No one else: caseworkers, coordinators and first responders follow up no
  one, and their own reads are what is followed up.

Reading the log is itself a read of personal data and is written to the log
(one record per individual the answer discloses), so the individual's
extract shows who pulled it. The chain check (`/v1/access-log/verify`:
keyed hash chain, sequence, the head anchored outside the database;
services.runtime.messaging.audit_anchor) discloses nothing personal and is for
administrators.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, Field

from contracts import SUBJECT_ID_PATTERN, Role
from contracts.base import HsaId
from services.runtime.http.caller import Caller
from services.runtime.http.fields import Personnummer, RequestModel
from services.runtime.http.identification import PERSONAL_DATA, log_access, subject_ids_for
from services.runtime.http.openapi import problem_responses
from services.runtime.http.permissions import ACCESS_LOG, organisation_of
from services.runtime.http.problems import Problem, invalid_field
from services.runtime.kernel.actor import Actor
from services.runtime.messaging.audit_anchor import (
    AnchorUnavailable,
    AuditAnchoring,
    verdict_fields,
)
from services.runtime.store.audit import AccessAudit

may = ACCESS_LOG.may
"""The access-log routes' actions, in the table every service shares
(services.runtime.http.permissions.ACCESS_LOG); follow_up_scope then narrows the answer to the
reader's organisation or unit."""

FOLLOW_UP = "access-log follow-up (HSLF-FS 2016:40 ch. 4)"
"""The purpose every read of the log is recorded under."""

UNIT_FOLLOW_UP_ROLES = frozenset({Role.UNIT_MANAGER, Role.DEPARTMENT_HEAD})
"""Roles that follow up their own organisation unit's accesses."""

SubjectId = Annotated[str, Field(pattern=SUBJECT_ID_PATTERN, examples=["3f" * 32])]


class Period(RequestModel):
    since: AwareDatetime | None = Field(None, description="From this instant (inclusive).")
    until: AwareDatetime | None = Field(None, description="Up to this instant (exclusive).")


class SubjectQuery(Period):
    """Whose accesses: give the personnummer, or the pseudonymous subject id."""

    personnummer: Personnummer | None = None
    subject_id: SubjectId | None = None


class ActorQuery(Period):
    hsa_id: HsaId = Field(description="The member of staff whose accesses are followed up.")


class AccessLogEntry(BaseModel):
    """One access record as stored, with its place in the hash chain."""

    seq: int
    at: datetime
    actor_hsa_id: str
    actor_org_id: str
    actor_org_type: str
    subject_id: str
    action: str
    purpose: str
    resource: str
    previous_hash: str
    hash: str


class AccessLogExtract(BaseModel):
    scope: Literal["organisation", "unit"] = Field(
        description="`organisation`: accesses by staff of any unit of the organisation "
        "`org_id` (administrators); `unit`: only accesses by staff of the unit `org_id` (unit "
        "managers, department heads)."
    )
    org_id: str
    entries: list[AccessLogEntry]


class ChainCheck(BaseModel):
    intact: bool
    first_broken_record: int | None = Field(
        description="The first record that is not as written (for a cut tail: the first "
        "one missing)."
    )
    problem: str | None = Field(description="How the break shows, in words.")
    records: int
    anchored_seq: int | None = Field(
        description="The newest head anchored outside the database (None: nothing anchored "
        "yet, so a cut tail cannot be told)."
    )
    anchored_at: str | None


@dataclass(frozen=True)
class FollowUpScope:
    """Whose accesses a reader may follow up: one organisation's staff, or one unit's."""

    kind: Literal["organisation", "unit"]
    org_id: str


def follow_up_scope(actor: Actor) -> FollowUpScope:
    """The organisation or unit whose staff's accesses `actor` may follow up.

    Raises 403 for anyone who follows up no one (see the module docstring).
    """
    if actor.role is Role.ADMIN:
        return FollowUpScope("organisation", organisation_of(actor.org_id))
    if actor.role in UNIT_FOLLOW_UP_ROLES:
        return FollowUpScope("unit", actor.org_id)
    raise Problem(
        403,
        "Forbidden",
        "only an administrator for their own organisation's staff, or a unit manager or "
        "department head for their own unit's staff, may read the access log",
    )


def _invalid(field: str, message: str) -> Problem:
    return invalid_field(field, message, rule="access-log query")


def _check_period(period: Period) -> None:
    if period.since is not None and period.until is not None and period.until <= period.since:
        raise _invalid("body.until", "must be after since")


def read_access_log(
    caller: Caller,
    *,
    subject_ids: Sequence[str] | None = None,
    actor_hsa_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[FollowUpScope, list[AccessLogEntry]]:
    """The records the caller may see for one individual (under each id they may be recorded
    under) or one member of staff, and the unit they are narrowed to; the reading is
    written to the log before it is answered."""
    scope = follow_up_scope(caller.actor)
    audit: AccessAudit = caller.request.app.state.access_audit
    rows: list[dict[str, Any]] = audit.query(
        subject_ids=subject_ids,
        actor_hsa_id=actor_hsa_id,
        actor_org_id=scope.org_id if scope.kind == "unit" else None,
        actor_organisation=scope.org_id if scope.kind == "organisation" else None,
        since=since,
        until=until,
    )
    # Asking about an individual discloses something about them even when nothing is found.
    disclosed = subject_ids if subject_ids is not None else [row["subject_id"] for row in rows]
    log_access(caller, disclosed, purpose=FOLLOW_UP)
    return scope, [AccessLogEntry.model_validate(row) for row in rows]


def access_log_router(prefix: str = "/v1") -> APIRouter:
    """The access-log routes, for a service to include (`prefix` "" under a router that
    already has /v1)."""
    router = APIRouter(
        prefix=prefix,
        tags=["access log"],
        responses=problem_responses(401, 403, 422),
    )

    @router.post("/access-log/subject", openapi_extra=PERSONAL_DATA)
    def access_log_about_subject(
        body: SubjectQuery, caller: Annotated[Caller, may("access_log.read")]
    ) -> AccessLogExtract:
        """Who read this individual's data, when and why (the individual's right to know)."""
        follow_up_scope(caller.actor)  # refuse before the personnummer is even looked at
        _check_period(body)
        if (body.personnummer is None) == (body.subject_id is None):
            raise _invalid("body.personnummer", "give exactly one of personnummer or subject_id")
        # From a personnummer: also under a subject-id key in force before a rotation.
        subject_ids = (
            (body.subject_id,)
            if body.subject_id is not None
            else subject_ids_for(caller.request, body.personnummer or "")
        )
        scope, entries = read_access_log(
            caller, subject_ids=subject_ids, since=body.since, until=body.until
        )
        return AccessLogExtract(scope=scope.kind, org_id=scope.org_id, entries=entries)

    @router.post("/access-log/actor", openapi_extra=PERSONAL_DATA)
    def access_log_by_actor(
        body: ActorQuery, caller: Annotated[Caller, may("access_log.read")]
    ) -> AccessLogExtract:
        """Whose data one member of staff read, when and why (follow-up of access)."""
        _check_period(body)
        scope, entries = read_access_log(
            caller, actor_hsa_id=body.hsa_id, since=body.since, until=body.until
        )
        return AccessLogExtract(scope=scope.kind, org_id=scope.org_id, entries=entries)

    @router.get(
        "/access-log/verify",
        responses=problem_responses(503),
    )
    async def verify_access_log(caller: Annotated[Caller, may("access_log.verify")]) -> ChainCheck:
        """Whether the log is as written: its keyed hash chain, its sequence without gaps,
        and the newest head anchored outside the database; if not, the first record that
        is not. The same check as ``samverkan audit verify``."""
        anchoring: AuditAnchoring = caller.request.app.state.audit_anchoring
        try:
            verdict = await anchoring.verify()
        except AnchorUnavailable as error:
            raise Problem(
                503,
                "Anchor unavailable",
                f"the access log's anchor could not be read, so a cut tail cannot be ruled "
                f"out: {error}",
            ) from error
        return ChainCheck.model_validate(verdict_fields(verdict))

    return router
