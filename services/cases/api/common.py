"""What every cases route needs: the application, the clock, who may see a case."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request

from services.cases.application import CasesApplication
from services.cases.domain import Case
from services.runtime.http.identification import audit_access
from services.runtime.kernel.actor import Actor, require_party
from services.runtime.store.audit import Action

D6: dict[str, Any] = {"x-rule": "D-6"}
"""``json_schema_extra`` of a body field a D-6 rule asks for: missing or malformed, it is
a problem naming D-6 (services.runtime.http.problems)."""


def application(request: Request) -> CasesApplication:
    app: CasesApplication = request.app.state.application
    return app


def now(request: Request) -> datetime:
    instant: datetime = request.app.state.clock.now()
    return instant


async def audit_change(request: Request, actor: Actor, subject_id: str, *, purpose: str) -> None:
    """A write about an individual is in their access log like a read (loggkontroll): it
    changed their record, and its answer shows the record back to the writer. Every
    cases route that writes about someone calls this before it answers."""
    await audit_access(request, actor, subject_id, purpose=purpose, action=Action.CHANGED)


def require_involved(actor: Actor, case: Case) -> None:
    """Case content is read by the units that hold it or took part in a handover."""
    require_party(actor, case.involved_units, what="this case", rule="K-3")
