"""Who may do what: authorisation written once, as data.

Two questions are asked of every request to a service's API (OWASP API
Security Top 10, 2023):

- **Function level (API5)**: may an actor of this organisation type and role
  do this kind of thing at all? Each service answers it in one table, its
  ``policy.py``: action → the (organisation type, role) pairs allowed. A route
  names its action through one dependency, ``caller: Annotated[Caller,
  may("red_thread.pull")]`` (the allowed actor with the request and response),
  so the route table itself says which action every route is
  (:func:`route_permissions` reads it back for the matrix test).
- **Object level (API1)**: is the actor's organisation a party to *this*
  subject's case, plan, consent scope or red thread? That can only be answered
  where the object is loaded, so routes call :func:`require_party` there; the
  domain's own rules (the responsible unit, the meeting's units) stay in the
  domain.

Both refusals are 403 problems that name the rule. A refusal by the table has
the problem type :data:`NOT_PERMITTED`, so clients (and the tests) can tell "you
may never do this" from "not on this object".

No ``from __future__ import annotations`` here: FastAPI reads the dependency's
signature at run time and must see the real ``CurrentActor`` annotation.
"""

import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from contracts.vocabulary import OrgType, Role
from services.runtime.http.auth import CurrentActor, actor_from_request
from services.runtime.http.caller import Caller
from services.runtime.http.problems import PROBLEM_TYPE_BASE, Problem
from services.runtime.kernel.actor import Actor

__all__ = [
    "ACCESS_LOG",
    "ACCESS_LOG_READERS",
    "ADMINISTRATORS",
    "ALL_ORG_TYPES",
    "CONTROLLERS",
    "NOT_PERMITTED",
    "STAFF",
    "SUBJECT_RECORDS",
    "WORK_LIST",
    "Permission",
    "Policy",
    "Requirement",
    "RoutePermission",
    "organisation_of",
    "permit",
    "route_permissions",
]

NOT_PERMITTED = f"{PROBLEM_TYPE_BASE}/not-permitted"
"""Problem type of a refusal by the policy table (function level)."""

ALL_ORG_TYPES: frozenset[OrgType] = frozenset(OrgType)
STAFF: frozenset[Role] = frozenset(Role) - {Role.ADMIN, Role.CONTROLLER}
"""Everyone who works with individuals. Administrators run the platform (erasure,
the access log) and are deliberately not staff: an account that can erase a subject
and read who looked at whom does not also get to look (separation of duties). A
controller keeps the municipality's deviation reports (D-8) and is given only that,
route by route."""
CONTROLLERS: frozenset[Role] = frozenset({Role.CONTROLLER})
ADMINISTRATORS: frozenset[Role] = frozenset({Role.ADMIN})
ACCESS_LOG_READERS: frozenset[Role] = frozenset(
    {Role.ADMIN, Role.UNIT_MANAGER, Role.DEPARTMENT_HEAD}
)
"""Who follows up the access log: administrators (their own organisation's staff) and unit
managers and department heads (their own unit's staff; services.runtime.http.access_log narrows
it)."""


def organisation_of(org_id: str) -> str:
    """The organisation an organisation unit belongs to: the part of its HSA-id before the
    ``-`` (``SE2321000016-15CQ`` → ``SE2321000016``).

    An HSA-id is issued under its organisation's number ("SE" + the
    organisation number), so the prefix names the care provider, municipality
    or authority; an administrator acts for that organisation and no other.
    An id without a ``-`` is its own organisation.
    """
    return org_id.split("-", 1)[0]


@dataclass(frozen=True)
class Permission:
    """Who may perform one action, and what a refused caller is told."""

    pairs: frozenset[tuple[OrgType, Role]]
    refusal: str
    """The 403 problem's ``detail``: written for the caller, e.g. "only a coordinator …"."""
    rule: str | None = None
    """The DOMAIN.md rule the permission comes from, if any (named in the problem)."""

    def allows(self, actor: Actor) -> bool:
        return (actor.org_type, actor.role) in self.pairs


def permit(
    refusal: str,
    *,
    org_types: Iterable[OrgType] = ALL_ORG_TYPES,
    roles: Iterable[Role] = STAFF,
    rule: str | None = None,
) -> Permission:
    """Every pair of the given organisation types and roles (default: all staff)."""
    pairs = frozenset(itertools.product(frozenset(org_types), frozenset(roles)))
    if not pairs:
        raise ValueError("a permission that allows no one is a mistake: leave the route out")
    return Permission(pairs=pairs, refusal=refusal, rule=rule)


class Policy:
    """One service's table of actions; :meth:`may` makes the dependency a route declares."""

    def __init__(self, service: str, permissions: Mapping[str, Permission]) -> None:
        self.service = service
        self.permissions: Mapping[str, Permission] = dict(permissions)

    def may(self, action: str) -> Any:
        """``Depends`` on the route's :class:`Caller`: the verified actor, refused with 403
        unless the table allows them, with the request and the response.

        An action missing from the table fails at import, never at request time.
        """
        if action not in self.permissions:
            raise KeyError(f"{self.service} policy has no action {action!r}")
        allowed = Depends(Requirement(self, action))

        async def caller(request: Request, response: Response, actor: Actor = allowed) -> Caller:
            return Caller(actor, request, response)

        return Depends(caller)

    def allows(self, action: str, actor: Actor) -> bool:
        return self.permissions[action].allows(actor)


class Requirement:
    """The dependency itself; kept as an object so the route table can be read back."""

    def __init__(self, policy: Policy, action: str) -> None:
        self.policy = policy
        self.action = action

    @property
    def permission(self) -> Permission:
        return self.policy.permissions[self.action]

    async def __call__(self, actor: CurrentActor) -> Actor:
        permission = self.permission
        if not permission.allows(actor):
            raise Problem(
                403,
                "Forbidden",
                permission.refusal,
                type=NOT_PERMITTED,
                rule=permission.rule,
            )
        return actor

    def __repr__(self) -> str:
        return f"Requirement({self.policy.service}:{self.action})"


ACCESS_LOG = Policy(
    "access-log",
    {
        "access_log.read": permit(
            "only an administrator for their own organisation's staff, or a unit manager or "
            "department head for their own unit's staff, may read the access log",
            roles=ACCESS_LOG_READERS,
        ),
        "access_log.verify": permit(
            "only an administrator may verify the access log", roles=ADMINISTRATORS
        ),
    },
)
"""The table of the access-log routes every service shares (services.runtime.http.access_log)."""

WORK_LIST = Policy(
    "work-list",
    {
        "work_items.read": permit(
            "only staff read a work list, each their own unit's and role's",
            roles=STAFF | CONTROLLERS,
            rule="W-1",
        ),
    },
)
"""The table of the work-list route every service shares (services.runtime.http.work_list):
any member of staff reads their own list, and a controller theirs (D-8, W-1); what is on it
is narrowed to their unit and role."""

SUBJECT_RECORDS = Policy(
    "subject-records",
    {
        "subject_records.read": permit(
            "only staff list the records about an individual, each those their unit is party to",
            rule="W-3",
        ),
    },
)
"""The table of the listing by subject every service shares
(services.runtime.http.subject_records): narrowed to the records the caller's unit is party to.
"""


@dataclass(frozen=True)
class RoutePermission:
    """One operation of an app and the action its route declares (None: it declares none)."""

    method: str
    path: str
    requirement: Requirement | None
    authenticated: bool
    """The route asks for a bearer token at all (directly or through its requirement)."""


def route_permissions(app: FastAPI) -> list[RoutePermission]:
    """Every operation of ``app`` (HEAD left out), with the action its route declares."""
    found: list[RoutePermission] = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or context.path is None:
            continue
        requirements = list(_dependency_calls(route.dependant, Requirement))
        authenticated = any(
            call is actor_from_request for call in _dependency_calls(route.dependant, object)
        )
        for method in sorted(context.methods or ()):
            if method == "HEAD":
                continue
            found.append(
                RoutePermission(
                    method=method,
                    path=context.path,
                    requirement=requirements[0] if requirements else None,
                    authenticated=authenticated,
                )
            )
    return found


def _dependency_calls(dependant: Dependant, kind: type) -> Iterator[Any]:
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, kind):
            yield dependency.call
        yield from _dependency_calls(dependency, kind)
