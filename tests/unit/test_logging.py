"""Logs are JSON lines on stderr, tagged with the service."""

import json
import logging
from collections.abc import Iterator

import pytest

from services.runtime.ops.json_logs import configure_logging


@pytest.fixture(autouse=True)
def restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_log_lines_are_json_with_service_and_extras(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("escalation", "debug")
    configure_logging("escalation", "debug")  # idempotent: still one line per record

    logging.getLogger("escalation.relay").info(
        "published %d events", 3, extra={"subject_id": "ab" * 32}
    )

    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["message"] == "published 3 events"
    assert entry["level"] == "INFO"
    assert entry["logger"] == "escalation.relay"
    assert entry["service"] == "escalation"
    assert entry["subject_id"] == "ab" * 32
    assert entry["timestamp"].endswith("+00:00")


def test_exceptions_are_kept_in_the_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("cases")
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("cases").exception("failed")
    entry = json.loads(capsys.readouterr().err)
    assert "ValueError: boom" in entry["exception"]
