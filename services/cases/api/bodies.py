"""What cases' request bodies share: free text, the kommunkod, the D-6 field marker, and
the reason a plan changes or a fact is corrected (W-2)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints

from contracts import MUNICIPALITY_CODE_PATTERN

Text = Annotated[str, Field(max_length=20_000)]
"""Free text about the individual: sealed in cases' store, never on a topic."""

Reason = Annotated[
    Text,
    Field(
        description="Why the plan changes or the fact is corrected (W-2): free text about "
        "the individual, kept sealed in cases, never on a topic.",
        json_schema_extra={"x-rule": "W-2"},
    ),
]
"""Missing, it is a problem naming W-2 and the field; blank, the domain refuses it."""

MunicipalityCode = Annotated[str, StringConstraints(pattern=MUNICIPALITY_CODE_PATTERN)]

D6: dict[str, Any] = {"x-rule": "D-6"}
"""``json_schema_extra`` of a body field a D-6 rule asks for: missing or malformed, it is
a problem naming D-6 (services.runtime.http.problems)."""

K15: dict[str, Any] = {"x-rule": "K-15"}
"""``json_schema_extra`` of a body field K-15 (advice and referral after screening) asks for."""

K16: dict[str, Any] = {"x-rule": "K-16"}
"""``json_schema_extra`` of a body field K-16 (the violence question) asks for."""
