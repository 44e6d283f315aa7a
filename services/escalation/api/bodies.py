"""What escalation's request bodies share: free-text fields; and the pull of the red thread
(E-1, E-2)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from contracts import MUNICIPALITY_CODE_PATTERN, MeasureTried
from contracts.base import OrgIds
from services.runtime.http.fields import Personnummer, RequestModel

Notes = Annotated[str, Field(max_length=4000)]
"""Free text: stays in escalation's store (sealed), never on a topic."""
Text = Annotated[str, Field(min_length=1, max_length=4000)]


class PullRequest(RequestModel):
    personnummer: Personnummer
    measures_tried: Annotated[list[MeasureTried], Field(min_length=1, max_length=10)]
    burdened_orgs: OrgIds
    municipality_code: Annotated[str, StringConstraints(pattern=MUNICIPALITY_CODE_PATTERN)]
    individual_harmed: bool = Field(
        False,
        description="The individual is being harmed (E-2): the red thread is pulled only "
        "then, and a pull that does not say so is refused.",
        json_schema_extra={"x-rule": "E-2"},
    )
