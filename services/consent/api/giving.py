"""A lean lane for POST /v1/consents (#24): the platform's one command on the hot path.

Every consent given went through FastAPI's routing of the nested routers, its
dependency solving and body parsing, and a worker thread; at hundreds a
second that was a large part of consent's CPU per command, spent on the event
loop the relay and every other request share. The lane
(services.runtime.http.lanes) checks the token and the policy as the route's
dependency does and validates the body with the route's own model; whatever
it would not answer just as the route does (no token, a caller the policy
refuses, a body that is not JSON or not valid) it leaves to the route before
anything is stored. The work itself is the route's (`given`), in one worker
thread. Once that has begun it does not decline (the route would write a
second consent): a refusal by a rule or a store that is down is answered as
the app's exception handlers answer the route's.
"""

from __future__ import annotations

import json

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from services.consent.api.consents import ConsentRequest, given
from services.consent.policy import POLICY
from services.runtime.http.auth import CALLER_HSA_ID
from services.runtime.http.caller import Caller
from services.runtime.http.guards import verified_principal
from services.runtime.http.lanes import Lane, answered_as_the_app_would

__all__ = ["LANE"]


def _json_body(request: Request) -> bool:
    """The body is declared JSON, as the route parses it (its charset aside)."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return media_type == "application/json"


async def _lean_give(request: Request) -> Response | None:
    """POST /v1/consents as `give_consent` answers it, or None to leave it to the route."""
    actor = verified_principal(request.scope)
    if actor is None or not POLICY.allows("consent.give", actor) or not _json_body(request):
        return None
    try:
        body = ConsentRequest.model_validate(json.loads(await request.body()))
    except ValueError:  # not JSON, or not the body the route takes: its 400 or 422
        return None
    setattr(request.state, CALLER_HSA_ID, actor.hsa_id)  # who asked, in the request log
    caller = Caller(actor, request, Response())
    try:
        return await run_in_threadpool(given, caller, body)
    except Exception as error:  # begun: answered, never declined (see the module)
        return await answered_as_the_app_would(request, error)


LANE = Lane("POST", "/v1/consents", _lean_give)
