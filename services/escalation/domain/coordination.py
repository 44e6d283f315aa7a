"""Who sees and runs a red thread (E-3): the object-level rules the application applies where
it loads the thread.

The organisations in a thread see it; so do the coordinators of the office that
serves the municipality it was pulled in, who take it, run it and hand it on
among themselves. No other coordination office sees or touches it: without
this, any coordinator anywhere could read a thread and hand it to an arbitrary
HSA-id, locking out the office responsible.

Pure domain: the actor is a plain value, the offices are configuration.
"""

from __future__ import annotations

from contracts import Role
from services.escalation.domain.errors import (
    HandedOnOutsideTheOffice,
    NewCoordinatorInvalid,
    OfficeDoesNotServe,
    RedThreadTakenByAnother,
)
from services.escalation.domain.offices import CoordinationOffices
from services.escalation.domain.red_thread import RedThread
from services.runtime.kernel.actor import Actor, require_party


def serves(offices: CoordinationOffices, actor: Actor, red_thread: RedThread) -> bool:
    """The actor is a coordinator at an office serving the thread's municipality."""
    return actor.role is Role.COORDINATOR and offices.serves(
        actor.org_id, red_thread.municipality_code
    )


def require_involved(offices: CoordinationOffices, actor: Actor, red_thread: RedThread) -> None:
    """Who reads the thread: its organisations, and the serving office's coordinators (it
    waits for one of them to take it)."""
    if serves(offices, actor, red_thread):
        return
    require_party(actor, red_thread.concerned_orgs, what="this red thread", rule="E-3")


def require_serving_office(
    offices: CoordinationOffices, actor: Actor, red_thread: RedThread
) -> None:
    if not serves(offices, actor, red_thread):
        raise OfficeDoesNotServe(
            f"your coordination office does not serve municipality "
            f"{red_thread.municipality_code}, where this red thread was pulled"
        )


def require_coordinating(offices: CoordinationOffices, actor: Actor, red_thread: RedThread) -> None:
    """The coordinator's steps: the actor's office serves the thread's municipality, and the
    thread is theirs to run (or still waiting for someone)."""
    require_serving_office(offices, actor, red_thread)
    if red_thread.coordinator not in (None, actor.hsa_id) or (
        red_thread.coordinator_office not in (None, actor.org_id)
    ):
        raise RedThreadTakenByAnother("another coordinator has taken this red thread")


def require_may_hand_on(offices: CoordinationOffices, actor: Actor, red_thread: RedThread) -> None:
    """Who may (re)assign the thread: a coordinator of an office serving its municipality,
    unless another such office holds it. A thread held by an office that does not serve
    the municipality (or, assigned before offices were kept, by an unknown one) is taken
    back."""
    require_serving_office(offices, actor, red_thread)
    holder = red_thread.coordinator_office
    if (
        red_thread.coordinator is not None
        and holder is not None
        and holder != actor.org_id
        and offices.serves(holder, red_thread.municipality_code)
    ):
        raise RedThreadTakenByAnother("another coordination office has taken this red thread")


def new_coordinator(actor: Actor, coordinator: str | None, office: str | None) -> str:
    """The actor, or a colleague at the actor's own office named with that office; refused
    otherwise, so a thread never leaves the office."""
    if coordinator is None or coordinator == actor.hsa_id:
        return actor.hsa_id
    if office is None:
        raise NewCoordinatorInvalid(
            "name the coordination office the new coordinator works at: your own",
            field="body.office",
        )
    if office != actor.org_id:
        raise HandedOnOutsideTheOffice(
            "a red thread is handed on only within your own coordination office"
        )
    if organisation_of(coordinator) != organisation_of(actor.org_id):
        raise NewCoordinatorInvalid(
            f"staff of {actor.org_id} have HSA-ids of its organisation "
            f"({organisation_of(actor.org_id)}-…)",
            field="body.coordinator",
        )
    return coordinator


def organisation_of(hsa_id: str) -> str:
    """The organisation an HSA-id is issued under: the part before the ``-``. The same reading
    as services.runtime.http.permissions.organisation_of, which the domain may not import."""
    return hsa_id.split("-", 1)[0]
