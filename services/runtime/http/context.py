"""What a route reads from the app it runs in: the service's application and its clock.

One spelling for every service (they had three: ``_app``, ``application``,
``app_of``), typed by the application class the route expects.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from fastapi import Request

A = TypeVar("A")


def application_of(request: Request, kind: type[A]) -> A:
    """The service's application, as its composition root built it."""
    application = request.app.state.application
    if not isinstance(application, kind):
        msg = f"this app runs a {type(application).__name__}, not a {kind.__name__}"
        raise TypeError(msg)
    return application


def now(request: Request) -> datetime:
    """The service's clock (tests move their own): routes never read the system time."""
    instant: datetime = request.app.state.clock.now()
    return instant
