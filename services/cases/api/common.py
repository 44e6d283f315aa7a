"""What every cases route needs: the application, the clock, who may see a case."""

from __future__ import annotations

from datetime import datetime

from fastapi import Request

from services.cases.application import CasesApplication
from services.cases.domain import Case
from services.runtime.auth import Actor
from services.runtime.problems import Problem


def application(request: Request) -> CasesApplication:
    app: CasesApplication = request.app.state.application
    return app


def now(request: Request) -> datetime:
    instant: datetime = request.app.state.clock.now()
    return instant


def require_involved(actor: Actor, case: Case) -> None:
    """Case content is read by the units that hold it or took part in a handover."""
    if actor.org_id not in case.involved_units:
        raise Problem(
            403, "Forbidden", "your organisation unit takes no part in this case", rule="K-3"
        )
