"""Consent's domain objects as the unit tests build them: valid from the fields a test
names, the rest as an ordinary consent has them, so each test names only what it is about."""

from __future__ import annotations

from typing import Any

from services.consent.domain import Consent


def consent_given(**fields: Any) -> Consent:
    """`Consent.give` with `fields`: an informed oral consent to a SIP with no end date,
    judged on the day it is given, unless they say otherwise (C-1..C-3)."""
    ordinary: dict[str, Any] = {
        "purpose": "sip",
        "form": "oral",
        "informed": True,
        "valid_until": None,
        "today": fields["given_at"].date(),
    }
    return Consent.give(**(ordinary | fields))
