"""Who calls a route, and what the route answers through: one parameter instead of three.

Every route of every service took the request (for its service's application, clock
and access log), often the response (for a ``Location``) and the verified actor, and
handed all three on. A route now declares ``caller: Annotated[Caller, may("…")]``: the
policy's check and the plumbing in one dependency, so a route's signature says what it
takes from the client (path and body) and which action it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from fastapi import Request, Response

from services.runtime.http.context import application_of, now
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
        """The service's application, as its composition root built it."""
        return application_of(self.request, kind)

    @property
    def now(self) -> datetime:
        """The service's clock (tests move their own): routes never read the system time."""
        return now(self.request)
