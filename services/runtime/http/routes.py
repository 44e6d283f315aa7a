"""The routes of one concept that answer with a record, disclosed: run once.

Most routes of every service did the same steps, each spelled out again: load the
service's application, call one use case with the acting member of staff (and, for a
write, the service's clock), write the access record of what the answer discloses, and
answer with the record's view; a write that made the record also said where it is
found. A concept now says once how its answers are made (`Disclosing`), and a route
names its use case and what that use case takes. What the answer discloses, about whom
and why, stays the concept's own (its `disclosed`), so no route answers without its
access record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar
from uuid import UUID

from services.runtime.http.bodies import located
from services.runtime.http.caller import Caller
from services.runtime.http.identification import one_commit
from services.runtime.store.audit import Action

__all__ = ["Disclosing"]


class Record(Protocol):
    """What a route answers about: a record with an id (an aggregate)."""

    @property
    def id(self) -> UUID: ...


App = TypeVar("App")
R = TypeVar("R", bound=Record)
V = TypeVar("V")


class Disclosing(Generic[App, R, V]):
    """One concept's routes: each answers its caller about a record the service's
    `application` returns, once `disclosed` has written its access record (as a read or a
    change) and made the record's view."""

    def __init__(self, application: type[App], disclosed: Callable[[Caller, R, Action], V]) -> None:
        self.application = application
        self.disclosed = disclosed

    def read(self, caller: Caller, use_case: Callable[..., R], *args: Any) -> V:
        """The record `use_case` reads (the application's method, given the actor and
        `args`), disclosed as a read."""
        record = use_case(caller.application(self.application), caller.actor, *args)
        return self.disclosed(caller, record, Action.READ)

    def changed(self, caller: Caller, use_case: Callable[..., R], *args: Any, **kw: Any) -> V:
        """The record as `use_case` (the application's method, given the actor, `args`,
        `kw` and the service's now as `at`) left it, disclosed as a change: the change
        and its access record stored in one commit (`one_commit`)."""

        def change() -> V:
            record = self._write(caller, use_case, args, kw)
            return self.disclosed(caller, record, Action.CHANGED)

        return one_commit(caller, change)

    def created(
        self, caller: Caller, location: str, use_case: Callable[..., R], *args: Any, **kw: Any
    ) -> V:
        """As `changed`, for a write that made the record: found at `location`, whose
        ``{id}`` is the record's id (RFC 9110 Location)."""

        def create() -> V:
            record = self._write(caller, use_case, args, kw)
            answer = self.disclosed(caller, record, Action.CHANGED)
            return located(caller.response, location.format(id=record.id), answer)

        return one_commit(caller, create)

    def _write(
        self,
        caller: Caller,
        use_case: Callable[..., R],
        args: tuple[Any, ...],
        kw: dict[str, Any],
    ) -> R:
        application = caller.application(self.application)
        return use_case(application, caller.actor, *args, at=caller.now, **kw)
