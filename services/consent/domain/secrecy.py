"""C-10 Record-level secrecy: who may read one consent, refusal or disclosure.

Secrecy holds between authorities and between a municipality's own branches
(OSL 25:1, 26:1), so being party to one record about a person is no reason
to read another: each record is read only by the units it names and the unit
that recorded it. The written justification of an emergency (BrB 24:4) or
OSL 26:9 disclosure belongs to its record, so it follows the same rule: the
deciding unit and the named recipients.

Pure domain: no I/O.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol


class Record(Protocol):
    """A consent, refusal or disclosure as far as C-10 needs to know it."""

    @property
    def parties(self) -> list[str]: ...

    @property
    def recording_unit(self) -> str | None: ...


def may_read_record(unit: str, *, parties: Collection[str], recording_unit: str | None) -> bool:
    """C-10: the units the record names now, and the unit that recorded it.

    A record made before the recording unit was kept names None there; its
    recording unit was one of its parties when it was made (C-3 required it).
    """
    return unit in parties or (recording_unit is not None and unit == recording_unit)


def readable_by(record: Record, unit: str) -> bool:
    """C-10 for a loaded record."""
    return may_read_record(unit, parties=record.parties, recording_unit=record.recording_unit)
