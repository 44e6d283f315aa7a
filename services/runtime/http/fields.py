"""What every service's request bodies are made of: the model that refuses a field it does
not name, and the identity number as a body field.

An identity number arrives only in a body (never in a URL, which proxies and access
logs keep); services.runtime.http.identification turns it into the pseudonymous
subject id at once.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Personnummer", "RequestModel"]


class RequestModel(BaseModel):
    """Request bodies name every field they accept: an unknown field is a 422, not
    silently dropped (it may be personal data sent to the wrong place)."""

    model_config = ConfigDict(extra="forbid")


Personnummer = Annotated[
    str,
    Field(
        examples=["19121212-1212"],
        max_length=13,
        description="Personnummer or samordningsnummer; validated, never stored in clear.",
    ),
]
