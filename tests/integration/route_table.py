"""A service's route table as its OpenAPI document shows it (prefixes and included
routers resolved), for the loggkontroll tests: they find the routes that must write an
access record from the table itself, so a new such route without one fails."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from fastapi import FastAPI

Operation = tuple[str, str]
"""An operation's method and path template, e.g. ``("GET", "/v1/cases/{case_id}")``."""


def operations(app: FastAPI) -> dict[Operation, dict[str, Any]]:
    """Every operation of the app, with its OpenAPI description."""
    return {
        (method.upper(), path): operation
        for path, item in app.openapi()["paths"].items()
        for method, operation in item.items()
    }


def personal(app: FastAPI) -> set[Operation]:
    """The operations marked as disclosing personal data (``x-personal-data``)."""
    return {key for key, operation in operations(app).items() if operation.get("x-personal-data")}


def reads_by_id(
    app: FastAPI, not_personal: Collection[str] = (), id_pattern: str = r"\{\w*_id\}"
) -> set[Operation]:
    """The reads under /v1 of something with an id (`id_pattern`) in the path: each is
    about someone, unless its path is one of `not_personal`."""
    return {
        (method, path)
        for method, path in operations(app)
        if path.startswith("/v1/")
        and method == "GET"
        and re.search(id_pattern, path)
        and path not in not_personal
    }
