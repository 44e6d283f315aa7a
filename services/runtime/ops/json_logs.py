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
import re
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


# Libraries' loggers whose INFO is routine chatter, not events, and why: held at WARNING
# (their warnings and errors still reach the log) unless the service runs at DEBUG.
QUIET_LOGGERS: dict[str, str] = {
    "aiokafka.consumer.subscription_state": (
        '"Updating subscribed topics" at every assign(): the relay probe re-assigns its '
        "partition at every log check (relay_log_check_seconds, 2 s), ~43,000 lines a day"
    ),
    "aiokafka.consumer.consumer": (
        '"Subscribed to topic(s)" at every consumer start, again at each retry while the '
        "broker is down; the consumer's metrics and /readyz say whether it is subscribed"
    ),
    "aiokafka.conn": (
        '"Authenticated as <principal>" for every SASL connection: admin requests, relay '
        "probes and CLI commands open them all the time; a refused login is an error anyway"
    ),
    "aiokafka.helpers": '"Loading SSL CA from ..." for every TLS client made',
    "aiokafka.admin.client": '"AIOKafkaAdminClient already closed.": a no-op, at INFO',
}
# Kept at the service's level: aiokafka.consumer.group_coordinator (joins, assignments,
# revocations: once per rebalance, what one reads when consumer lag moves) and
# uvicorn.error (start and stop; operators and tests wait for "Uvicorn running on").

# uvicorn adds a copy of some messages with ANSI colours as the extra "color_message",
# for its own console formatter; in JSON it is noise, and escapes upset log viewers.
_PRESENTATION_EXTRAS = frozenset({"color_message"})
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


def _plain(text: str) -> str:
    """`text` without terminal colour codes (any library's, whatever its settings)."""
    return _ANSI_ESCAPE.sub("", text) if "\x1b" in text else text


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
            "message": _plain(record.getMessage()),
            "service": self._service,
        }
        ids = current_trace_ids()
        if ids is not None:
            entry["trace_id"], entry["span_id"] = ids
        for name, value in record.__dict__.items():
            if name in _RECORD_ATTRIBUTES or name in _PRESENTATION_EXTRAS or name in entry:
                continue
            entry[name] = _plain(value) if isinstance(value, str) else value
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
    installed earlier instead of duplicating every line. The libraries' chatty
    loggers (`QUIET_LOGGERS`) log only warnings, unless `level` is DEBUG: then
    an operator is looking for everything.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _JsonHandler):
            root.removeHandler(handler)
    handler = _JsonHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root.addHandler(handler)
    root.setLevel(level.upper())
    quiet = logging.NOTSET if root.level <= logging.DEBUG else max(logging.WARNING, root.level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(quiet)
