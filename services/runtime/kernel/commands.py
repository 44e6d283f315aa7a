"""A command's fields as the keyword arguments of the domain step it asks for.

A use case's command (a frozen dataclass) holds what the caller decides, under
the names the domain step takes; the use case adds who acts and when. Passing
the command's part whole (`**arguments(command)`) rather than spelling each
field twice keeps visible which arguments come from the actor and the clock,
and a field added to both the command and the step needs no third edit here.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


def arguments(command: DataclassInstance, *, leave_out: Collection[str] = ()) -> dict[str, Any]:
    """The command's fields by name, shallow (a nested plan or occasion stays the object it
    is, unlike `dataclasses.asdict`), less those in `leave_out` (the id of the record the
    command names, say, which the use case loads rather than passes on)."""
    return {
        field.name: getattr(command, field.name)
        for field in fields(command)
        if field.name not in leave_out
    }
