"""Logs are JSON lines on stderr, tagged with the service."""

import json
import logging
from collections.abc import Iterator

import pytest

from services.runtime.ops.json_logs import QUIET_LOGGERS, configure_logging


@pytest.fixture(autouse=True)
def restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    quiet = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, was in quiet.items():
        logging.getLogger(name).setLevel(was)


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


def test_uvicorns_coloured_copy_and_any_colour_codes_stay_out_of_the_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("consent")
    logging.getLogger("uvicorn.error").info(
        "Started server process [%d]",
        42,
        extra={"color_message": "Started server process [\x1b[36m%d\x1b[0m]"},
    )
    logging.getLogger("somelib").warning("\x1b[1mbold\x1b[0m", extra={"hint": "\x1b[31mred"})

    lines = capsys.readouterr().err.splitlines()
    messages = [json.loads(line)["message"] for line in lines]
    assert messages == ["Started server process [42]", "bold"]
    assert all("\\u001b" not in line and "color_message" not in line for line in lines)
    assert json.loads(lines[1])["hint"] == "red"


@pytest.mark.parametrize("name", QUIET_LOGGERS)
def test_a_chatty_library_logger_keeps_its_warnings_not_its_info(
    capsys: pytest.CaptureFixture[str], name: str
) -> None:
    configure_logging("relay")
    logging.getLogger(name).info("Updating subscribed topics to: frozenset()")
    logging.getLogger(name).warning("Not authorized to read from topic")

    lines = capsys.readouterr().err.splitlines()
    assert [json.loads(line)["message"] for line in lines] == ["Not authorized to read from topic"]


def test_at_debug_the_chatty_loggers_speak_again(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("relay")
    configure_logging("relay", "debug")  # an operator chasing a Kafka problem
    logging.getLogger("aiokafka.consumer.subscription_state").info("Updating subscribed topics")
    assert "Updating subscribed topics" in capsys.readouterr().err
