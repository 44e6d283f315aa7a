"""How escalation answers about a record that names an individual, or no one.

A red thread always names its individual; an escalated matter (E-6), an acute matter
(E-8) and a consultation (E-9) may name no one. Every answer about one carries its
free text, so it is logged as an access about the individual named or, naming no one,
about the record itself (`record_owner`), before it is given.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar
from uuid import UUID

from services.escalation.application import EscalationApplication, record_owner
from services.runtime.http.caller import Caller
from services.runtime.http.identification import log_access
from services.runtime.http.routes import Disclosing
from services.runtime.store.audit import Action


class Owned(Protocol):
    """A record about an individual, or, naming no one, about itself."""

    @property
    def id(self) -> UUID: ...

    @property
    def subject_id(self) -> str | None: ...


R = TypeVar("R", bound=Owned)
V = TypeVar("V")


def owned_routes(
    view: Callable[[R], V], purpose: str | Callable[[R], str]
) -> Disclosing[EscalationApplication, R, V]:
    """The routes of a concept whose records name an individual or, some, no one: each
    answers the record's `view`, once its disclosure for `purpose` (the same for every
    record of the concept, or the record's own) is in the access log."""

    def disclosed(caller: Caller, record: R, action: Action) -> V:
        owner = record_owner(record.subject_id, record.id)
        why = purpose if isinstance(purpose, str) else purpose(record)
        log_access(caller, owner, purpose=why, action=action)
        return view(record)

    return Disclosing(EscalationApplication, disclosed)
