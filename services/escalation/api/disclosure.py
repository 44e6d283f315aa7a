"""How escalation answers about a record that names an individual, or no one.

An acute matter (E-8) and a consultation (E-9) may name no one; every answer about
one carries its free text, so it is logged as an access about the individual named
or, naming no one, about the record itself (`record_owner`), before it is given.
"""

from __future__ import annotations

from typing import Protocol, TypeVar
from uuid import UUID

from fastapi import Request
from pydantic import BaseModel

from services.escalation.application import EscalationApplication, record_owner
from services.runtime.http.identification import log_access
from services.runtime.http.routes import Disclosing
from services.runtime.kernel.actor import Actor
from services.runtime.store.audit import Action


class Owned(Protocol):
    """A record about an individual, or, naming no one, about itself."""

    @property
    def id(self) -> UUID: ...

    @property
    def subject_id(self) -> str | None: ...


V = TypeVar("V", bound=BaseModel)


def owned_routes(view: type[V], purpose: str) -> Disclosing[EscalationApplication, Owned, V]:
    """The routes of a concept whose records may name no one: each answers the record as
    `view`, once its disclosure for `purpose` is in the access log."""

    def disclosed(request: Request, actor: Actor, record: Owned, action: Action) -> V:
        owner = record_owner(record.subject_id, record.id)
        log_access(request, actor, owner, purpose=purpose, action=action)
        return view.model_validate(record, from_attributes=True)

    return Disclosing(EscalationApplication, disclosed)
