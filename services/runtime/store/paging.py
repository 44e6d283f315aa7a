"""Keyset paging for read models: a page ends with the position after its last row.

A cursor is that position — the values of the list's sort key, last row's —
encoded opaquely for the client, who hands it back for the next page. Unlike
an offset, it stays right while rows come and go between the pages, and the
database seeks to it through the sort key's index instead of counting rows.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

Key = tuple[int | str, ...]
"""A position in a list: the sort key's values, in the list's order."""


class NotACursor(ValueError):
    """The text is not a cursor this list handed out."""


@dataclass(frozen=True)
class Cursor:
    """The position after a page's last row; opaque to clients."""

    key: Key

    def encode(self) -> str:
        raw = json.dumps(list(self.key), separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str, shape: tuple[type, ...]) -> Cursor:
        """A cursor whose key has `shape` (the types of the sort key's columns)."""
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            key = json.loads(raw)
        except (binascii.Error, ValueError) as error:
            raise NotACursor("not a cursor this list handed out") from error
        if not (
            isinstance(key, list)
            and len(key) == len(shape)
            and all(type(value) is kind for value, kind in zip(key, shape, strict=True))
        ):
            raise NotACursor("not a cursor this list handed out")
        return cls(tuple(key))
