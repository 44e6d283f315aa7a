"""Why a message cannot be turned into an integration event.

A consumer that meets one of these must not retry: the bytes will not change.
It sends the message to its dead-letter topic with `reason` in a header and
moves on. `reason` is a short, fixed token so it can label a metric without
unbounded cardinality; the exception text carries the detail. The text never
repeats payload values, which could hold personal data a producer leaked.
"""


class PoisonMessage(Exception):
    """A message no retry can make readable."""

    reason = "poison"


class UndecodableMessage(PoisonMessage):
    """Headers missing or malformed, not UTF-8/JSON, or the payload breaks the schema."""

    reason = "undecodable"


class UnknownEventType(PoisonMessage):
    """`ce_type` names no event in this contract (e.g. a version newer than this build)."""

    reason = "unknown_event_type"


class OversizedMessage(PoisonMessage):
    """The value is larger than any legitimate event (guards memory on the hot path)."""

    reason = "oversized"
