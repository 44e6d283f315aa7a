"""Who calls a route, and what the route answers through: one parameter instead of three.

Every route of every service took the request (for its service's application, clock
and access log), often the response (for a ``Location``) and the verified actor, and
handed all three on. A route now declares ``caller: Annotated[Caller, may("…")]``: the
policy's check and the plumbing in one dependency, so a route's signature says what it
takes from the client (path and body) and which action it is. It is also the one place a
route reads its service's application and clock from the app it runs in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from fastapi import Request, Response

from services.runtime.kernel.actor import Actor

__all__ = ["Caller"]

A = TypeVar("A")


@dataclass(frozen=True, slots=True)
class Caller:
    """The verified actor of one request, with the request and the response it answers."""

    actor: Actor
    request: Request
    response: Response

    def application(self, kind: type[A]) -> A:
        """The service's application, as its composition root built it, typed by the
        application class the route expects."""
        application = self.request.app.state.application
        if not isinstance(application, kind):
            msg = f"this app runs a {type(application).__name__}, not a {kind.__name__}"
            raise TypeError(msg)
        return application

    @property
    def now(self) -> datetime:
        """The service's clock (tests move their own): routes never read the system time."""
        instant: datetime = self.request.app.state.clock.now()
        return instant
