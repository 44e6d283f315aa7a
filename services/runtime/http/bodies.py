"""How every service turns a request body into a command and a record into an answer.

Routes copied both field by field, each field named three times (in the body,
the command or view, and the copy between them), so a field added to one side
and not the copy was silently dropped or defaulted. Where the names line up, a
route now names only what differs: what the path, the actor or a conversion
gives. What a body is made of is services.runtime.http.fields.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from fastapi import Response
from pydantic import BaseModel, BeforeValidator

from services.runtime.kernel.personal import in_clear

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

__all__ = [
    "ClearData",
    "ClearText",
    "command_from",
    "located",
    "view_of",
]


ClearText = Annotated[str, BeforeValidator(in_clear)]
"""In an answer: a record's `Personal` text, shown in clear to whom the record is disclosed
(so a view reads it straight from the record, `from_attributes`)."""
ClearData = Annotated[dict[str, Any], BeforeValidator(in_clear)]
"""In an answer: a record's parts, each `Personal` text in it shown in clear (as ClearText)."""

C = TypeVar("C", bound="DataclassInstance")
V = TypeVar("V", bound=BaseModel)
A = TypeVar("A")


def command_from(body: BaseModel, command: type[C], **given: Any) -> C:
    """`command` with the body's fields of the same names, and `given` for the rest, or
    where a field is converted on the way (an enum's value, a tuple as a list)."""
    names = {field.name for field in dataclasses.fields(command)}
    copied = {
        name: getattr(body, name)
        for name in type(body).model_fields
        if name in names and name not in given
    }
    return command(**copied, **given)


def view_of(view: type[V], record: object, **given: Any) -> V:
    """`view` read from the record's attributes of the same names, and `given` for what the
    record keeps under another name or works out (a status as of now)."""
    values = {
        name: given[name] if name in given else getattr(record, name)
        for name in view.model_fields
        if name in given or hasattr(record, name)
    }
    return view.model_validate(values, from_attributes=True)


def located(response: Response, location: str, answer: A) -> A:
    """The answer to a write that made a resource, found at `location` (RFC 9110 Location)."""
    response.headers["Location"] = location
    return answer
