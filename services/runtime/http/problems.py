"""RFC 9457 problem details for every error a service returns.

Partner systems integrate with four services; if each error looked different
they would need four error parsers. So every non-2xx response, from a broken
rule to a typo in the URL to a bug, is one ``application/problem+json``
document with the same members:

``type``, ``title``, ``status``, ``detail``, ``instance`` (the request path), and
where it applies ``rule`` (the DOMAIN.md rule id, e.g. ``"E-3"``) and
``errors`` (one entry per invalid field: ``{"field": "body.personnummer",
"message": ...}``).

Domain errors: a service's domain raises subclasses of :class:`RuleViolation`
and this module maps them, in one place, to problems. We chose a shared base
class over letting each service register its own error types because the base
is a plain ``Exception`` with a rule id and a status number; it pulls no I/O
into the domain, and one ``except``-free mapping covers every service.

Request data is never echoed back in a problem (pydantic's ``input`` is
dropped): a rejected body may hold a personnummer.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, MutableMapping
from http import HTTPStatus
from typing import Any

from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException

from services.runtime.kernel.rules import RuleViolation

__all__ = [
    "PROBLEM_JSON",
    "PROBLEM_TYPE_BASE",
    "FieldError",
    "Problem",
    "ProblemDetails",
    "RuleViolation",
    "install_problem_handlers",
    "invalid_field",
    "problem_response",
]

PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE_BASE = "https://samverkan.se/problems"

logger = logging.getLogger(__name__)

STORE_RETRY_AFTER_SECONDS = 2
"""How long a client should wait before retrying when the store is unavailable."""

STORE_UNAVAILABLE = "samverkan.store_unavailable"
"""Scope key set on a request whose 503 is a store outage. The store circuit trips on
these alone: another dependency's 503 (the audit-anchor topic unreadable, say) must
not make the whole API answer 503 for everyone."""


def mark_store_unavailable(scope: MutableMapping[str, Any]) -> None:
    """Say that this request found the service's store down (see STORE_UNAVAILABLE)."""
    scope[STORE_UNAVAILABLE] = True


class FieldError(BaseModel):
    """One invalid field of a request, named by its dotted path."""

    field: str
    message: str
    rule: str | None = None


class ProblemDetails(BaseModel):
    """The response body; use it in ``responses=`` so OpenAPI documents errors."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    rule: str | None = None
    errors: list[FieldError] | None = None


class Problem(Exception):
    """Raise to answer with a problem document (auth failures, not-found, …).

    ``type`` defaults to ``about:blank``, in which case RFC 9457 expects
    ``title`` to be the HTTP status phrase.
    """

    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        *,
        type: str = "about:blank",  # the RFC 9457 member name
        rule: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {title}: {detail}")
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type
        self.rule = rule
        self.errors = errors
        self.headers = dict(headers) if headers else None


def invalid_field(field: str, message: str, *, rule: str) -> Problem:
    """A 422 for one field refused by a check of our own, shaped as the validation's
    refusals are, so a client reads both alike."""
    return Problem(
        422,
        "Invalid request",
        f"{field}: {message}",
        type=f"{PROBLEM_TYPE_BASE}/invalid-request",
        errors=[{"field": field, "message": message, "rule": rule}],
    )


def problem_response(
    request: Request,
    *,
    status: int,
    title: str,
    detail: str | None = None,
    type: str = "about:blank",  # the RFC 9457 member name
    rule: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """Build the ``application/problem+json`` response; ``instance`` is the path."""
    body = ProblemDetails(
        type=type,
        title=title,
        status=status,
        detail=detail or None,
        instance=request.url.path,
        rule=rule,
        errors=[FieldError.model_validate(error) for error in errors] if errors else None,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        headers=dict(headers) if headers else None,
        media_type=PROBLEM_JSON,
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error ``app`` can produce a problem document, never HTML or plain text."""
    app.add_exception_handler(Problem, _on_problem)  # type: ignore[arg-type]
    app.add_exception_handler(RuleViolation, _on_rule_violation)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _on_invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _on_http_exception)  # type: ignore[arg-type]
    app.add_exception_handler(OperationalError, _on_store_unavailable)
    app.add_exception_handler(InterfaceError, _on_store_unavailable)
    app.add_exception_handler(IntegrityError, _on_concurrent_change)
    app.add_exception_handler(Exception, _on_unexpected)


async def _on_problem(request: Request, exc: Problem) -> JSONResponse:
    return problem_response(
        request,
        status=exc.status,
        title=exc.title,
        detail=exc.detail,
        type=exc.type,
        rule=exc.rule,
        errors=exc.errors,
        headers=exc.headers,
    )


async def _on_rule_violation(request: Request, exc: RuleViolation) -> JSONResponse:
    return problem_response(
        request,
        status=exc.status,
        title=exc.problem_title(),
        detail=exc.message,
        type=f"{PROBLEM_TYPE_BASE}/rule/{exc.rule}",
        rule=exc.rule,
        errors=[{"field": exc.field, "message": exc.message, "rule": exc.rule}]
        if exc.field
        else None,
    )


async def _on_invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 naming each invalid field; 400 when the body is not JSON at all.

    FastAPI reports unparsable JSON as a validation error of type
    ``json_invalid``; that is a malformed request, not an invalid field.
    """
    raw_errors = list(exc.errors())
    malformed = next((e for e in raw_errors if e.get("type") == "json_invalid"), None)
    if malformed is not None:
        reason = malformed.get("ctx", {}).get("error", "JSON decode error")
        return problem_response(
            request,
            status=400,
            title="Malformed JSON",
            detail=f"The request body is not valid JSON: {reason}.",
            type=f"{PROBLEM_TYPE_BASE}/malformed-json",
        )
    errors: list[dict[str, Any]] = []
    for e in raw_errors:
        error = {
            "field": ".".join(str(part) for part in e.get("loc", ())),
            "message": e.get("msg", ""),
        }
        if rule := _field_rule(request, e.get("loc", ())):
            error["rule"] = rule
        errors.append(error)
    fields = ", ".join(error["field"] for error in errors)
    rules = {error.get("rule") for error in errors}
    return problem_response(
        request,
        status=422,
        title="Invalid request",
        detail=f"Invalid fields: {fields}." if fields else "The request is invalid.",
        type=f"{PROBLEM_TYPE_BASE}/invalid-request",
        rule=rules.pop() if len(rules) == 1 else None,
        errors=errors,
    )


def _field_rule(request: Request, loc: Any) -> str | None:
    """The rule a body field names for itself (``Field(json_schema_extra={"x-rule":
    "D-6"})``, which OpenAPI shows too): a missing or malformed answer a domain rule
    asks for is reported with that rule, like the rule's own refusals."""
    if len(loc) < 2 or loc[0] != "body":
        return None
    body_field = getattr(request.scope.get("route"), "body_field", None)
    model = getattr(getattr(body_field, "field_info", None), "annotation", None)
    info = getattr(model, "model_fields", {}).get(loc[1])
    extra = getattr(info, "json_schema_extra", None)
    rule = extra.get("x-rule") if isinstance(extra, dict) else None
    return rule if isinstance(rule, str) else None


async def _on_http_exception(request: Request, exc: HTTPException) -> JSONResponse:
    """404, 405 and any ``HTTPException`` a route or framework raises."""
    title = _status_phrase(exc.status_code)
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else None
    return problem_response(
        request,
        status=exc.status_code,
        title=title,
        detail=detail,
        headers=exc.headers,
    )


async def _on_store_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """The database is down or unreachable: the caller should retry, nothing was stored.

    503 with Retry-After, not 500: it is an outage, not a bug, and clients and
    load balancers know how to wait one out.
    """
    logger.warning("store unavailable for %s %s: %r", request.method, request.url.path, exc)
    mark_store_unavailable(request.scope)
    return problem_response(
        request,
        status=503,
        title="Service Unavailable",
        detail="the service's store is unavailable; nothing was stored, retry shortly",
        headers={"Retry-After": str(STORE_RETRY_AFTER_SECONDS)},
    )


async def _on_concurrent_change(request: Request, exc: Exception) -> JSONResponse:
    """Two commands changed the same record at once; one lost (optimistic concurrency)."""
    return problem_response(
        request,
        status=409,
        title="Conflict",
        detail="the record was changed by another request at the same time; read it and retry",
    )


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    """Last resort: a bug still answers with a problem, and the traceback is logged.

    The detail is generic on purpose: exception text may contain personal data
    or internals. Starlette re-raises after this handler, so servers and test
    clients still see the exception.
    """
    logger.error(
        "unhandled error in %s %s",
        request.method,
        request.url.path,
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    return problem_response(
        request,
        status=500,
        title="Internal Server Error",
        detail="An unexpected error occurred; it has been logged.",
    )


def _status_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
