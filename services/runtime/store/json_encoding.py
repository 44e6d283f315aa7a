"""Stored events' JSON, encoded by one C encoder made once instead of one per event.

eventsourcing's `JSONTranscoder.encode` goes through `json.JSONEncoder.encode`,
which builds a new C encoder (and its circular-reference dict) for every call:
about a third of encoding a small event's state, paid for every event a
command or a consumer stores (bench/RESULTS.md, #24). This transcoder makes the
encoder once, with the library's own settings (its default hook for the
registered transcodings, compact separators, UTF-8 rather than ASCII escapes),
so the bytes are the library's (tests/unit/test_json_encoding.py holds them to
it).

Only one thing differs: there is no circular-reference check. The check's
dict would be shared by every thread that stores events, and a stored event's
state is a tree of values; a cycle, should one ever be stored, ends in a
`RecursionError` instead of a `ValueError`, and is stored as little as before.
"""

from __future__ import annotations

import json.encoder
from collections.abc import Callable
from typing import Any

from eventsourcing.persistence import JSONTranscoder

_make_encoder: Callable[..., Callable[[Any, int], Any]] | None = getattr(
    json.encoder, "c_make_encoder", None
)


class OneEncoderJSONTranscoder(JSONTranscoder):
    """eventsourcing's JSON transcoder, with its C encoder made once."""

    def __init__(self) -> None:
        super().__init__()
        self._chunks = (
            None
            if _make_encoder is None
            else _make_encoder(
                None,  # no circular-reference check (see the module's docstring)
                self._encode_obj,
                json.encoder.encode_basestring,  # ensure_ascii=False
                None,  # no indent
                self.encoder.key_separator,
                self.encoder.item_separator,
                self.encoder.sort_keys,
                self.encoder.skipkeys,
                self.encoder.allow_nan,
            )
        )

    def encode(self, obj: Any) -> bytes:
        if self._chunks is None:  # a Python without the C accelerator
            return super().encode(obj)
        return "".join(self._chunks(obj, 0)).encode("utf8")
