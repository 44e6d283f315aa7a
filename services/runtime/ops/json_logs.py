"""One JSON object per log line on stderr, for every service.

Containers ship stderr to the log collector as is; JSON lines let it index
``service``, ``level`` and any ``extra={...}`` fields without a parser per
service. Only the standard library is used so logging works before anything
else is importable.

Log messages must not contain personal data (personnummer, names): log the
pseudonymous ``subject_id`` instead.

A line written while a request or a consumed message is handled carries its
W3C ``trace_id`` and ``span_id`` (services.runtime.kernel.tracing), so one command
can be followed through every service's logs.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

__all__ = ["JsonFormatter", "configure_logging"]

try:  # the trace context, when the OpenTelemetry API is importable (it is a dependency)
    from services.runtime.kernel.tracing import current_trace_ids
except ImportError:  # pragma: no cover - logging must work before anything else does

    def current_trace_ids() -> tuple[str, str] | None:
        return None


# Attributes every LogRecord has; anything else on a record came from ``extra``.
_RECORD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object: fixed members first, then extras."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "service": self._service,
        }
        ids = current_trace_ids()
        if ids is not None:
            entry["trace_id"], entry["span_id"] = ids
        for name, value in record.__dict__.items():
            if name not in _RECORD_ATTRIBUTES and name not in entry:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # default=str: an extra that is not JSON (a UUID, a datetime) must not lose the line.
        return json.dumps(entry, default=str, ensure_ascii=False)


class _JsonHandler(logging.StreamHandler[TextIO]):
    """Marks the handler this module installed, so a second call can replace it."""


def configure_logging(service: str, level: str = "INFO") -> None:
    """Send all logging to stderr as JSON lines tagged with ``service``.

    Idempotent: calling it again (tests, reloads) replaces the handler it
    installed earlier instead of duplicating every line.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _JsonHandler):
            root.removeHandler(handler)
    handler = _JsonHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root.addHandler(handler)
    root.setLevel(level.upper())
