"""How every reporting router is made, and what each of its routes takes from the request.

A router lives under /v1 with its problems documented (RFC 9457); a route that
can answer in CSV says so with `CSV_RESPONSE`. What one concept's routes need
alone stays in that router module.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from services.runtime.http.openapi import problem_responses


def new_router() -> APIRouter:
    """A router under /v1 whose problems are documented."""
    return APIRouter(prefix="/v1", tags=["reporting"], responses=problem_responses(401, 403, 422))


CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}}}
}
