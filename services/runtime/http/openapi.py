"""The OpenAPI document says what the API really answers.

Every error a service returns is an ``application/problem+json`` document
(services.runtime.http.problems), but FastAPI documents error responses as
``application/json`` and the 422 as its own ``HTTPValidationError`` shape, and
it does not know the answers that come from guards outside the route (401 from
the token, 403 from the policy table, 413/429 from the body limit and the rate
limit, 503 while the store is down). Clients generated from the document, and
the schemathesis run in the test suite, hold the services to it, so it is
corrected here, once for all four services, rather than route by route.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from pydantic.json_schema import models_json_schema

from services.runtime.http.guards import WRITE_METHODS
from services.runtime.http.problems import PROBLEM_JSON, ProblemDetails

__all__ = ["api_router", "document_problem_responses", "problem_responses"]

REF = "#/components/schemas/{model}"
PROBLEM_REF = {"$ref": REF.format(model="ProblemDetails")}

EVERY_API_ROUTE = {
    "401": "No valid bearer token.",
    "403": "Not permitted: by the policy table, or not a party to the object.",
    "422": "Invalid request: the fields and the rules they break are named.",
    "429": "Too many requests from this caller; retry after Retry-After seconds.",
    "503": "The service's store is unavailable; retry after Retry-After seconds.",
}
WITH_PATH_PARAMETERS = {"404": "No such object."}
WRITES = {
    "400": "The body is not JSON, or repeats a key in an object (the problem names it).",
    "409": "A rule refuses the command in the object's present state; or a retry with "
    "the same Idempotency-Key is still in progress (retry after Retry-After seconds); or "
    "the first request with that key was "
    "applied but its answer lost, and the problem's `changed` member lists the ids of what "
    "it created or changed.",
    "413": "The body is larger than the limit.",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """A router's declared problem answers, so its routes' documented errors name the
    problem model (the rewrite below then gives them the problem media type)."""
    return {status: {"model": ProblemDetails} for status in statuses}


def api_router(*concepts: APIRouter, tags: tuple[str, ...] = ()) -> APIRouter:
    """A service's /v1 API over its concepts' routers: every service declares the same
    problems, so a service names only what it is made of."""
    router = APIRouter(
        prefix="/v1", tags=[*tags], responses=problem_responses(401, 403, 404, 409, 422)
    )
    for concept in concepts:
        router.include_router(concept)
    return router


def document_problem_responses(app: FastAPI) -> None:
    """Rewrite ``app``'s OpenAPI document (once, when first asked for) as described above."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        _rewrite(schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _rewrite(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    _, definitions = models_json_schema([(ProblemDetails, "serialization")], ref_template=REF)
    for name, definition in definitions.get("$defs", {}).items():
        components.setdefault(name, definition)
    for path, item in schema.get("paths", {}).items():
        if not path.startswith("/v1/"):
            continue
        for method, operation in item.items():
            responses: dict[str, Any] = operation.setdefault("responses", {})
            added = dict(EVERY_API_ROUTE)
            if "{" in path:
                added |= WITH_PATH_PARAMETERS
            if method.upper() in WRITE_METHODS:
                added |= WRITES
            for status, description in added.items():
                responses.setdefault(status, {"description": description})
            for status, response in responses.items():
                if status.isdigit() and int(status) >= 400:
                    response["content"] = {PROBLEM_JSON: {"schema": PROBLEM_REF}}
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
