"""A service's log holds events, one plain JSON object a line (issue #23, item 2).

Before: the relay's probe made aiokafka log "Updating subscribed topics" at
every log check (every 2 s in production, ~43,000 lines a day per service),
and uvicorn's lines carried an ANSI-coloured copy of themselves into the JSON.
Here a real service process runs for a few seconds with its relay publishing
and checking its topic (every 0.5 s in tests), and serves requests; its whole
log is read back.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from services.runtime.settings import RuntimeSettings
from tests.support import TEST_PERSONNUMMER, ServiceProcess, consent_given

pytestmark = pytest.mark.xdist_group("quiet-logs")  # one service process for the module

RUNNING_SECONDS = 5.0


@pytest.fixture(scope="module")
def consent_log(module_settings: RuntimeSettings) -> list[str]:
    """The log lines of a consent process that published an event, ran its relay's log
    checks for a few seconds, answered requests and was stopped."""
    module_settings.var_dir.mkdir(parents=True, exist_ok=True)
    consent = ServiceProcess("consent", module_settings).start()
    try:
        consent_given(consent, TEST_PERSONNUMMER)  # the relay now has a position to check
        time.sleep(RUNNING_SECONDS)
        with consent.client() as client:
            assert client.get("/readyz").status_code == 200
    finally:
        consent.stop()
    return consent.logs().splitlines()


def _entries(lines: list[str]) -> list[dict[str, Any]]:
    entries = []
    for line in lines:
        entry = json.loads(line)  # every line is one JSON object
        assert isinstance(entry, dict), line
        entries.append(entry)
    return entries


def test_the_relays_log_checks_leave_no_subscription_chatter(consent_log: list[str]) -> None:
    entries = _entries(consent_log)
    assert any(e["logger"].startswith("aiokafka") for e in entries)  # its other lines pass
    chatter = [e for e in entries if "Updating subscribed topics" in e["message"]]
    assert chatter == []
    assert [e for e in entries if e["logger"] == "aiokafka.consumer.subscription_state"] == []


def test_every_line_uvicorn_logged_is_plain_json(consent_log: list[str]) -> None:
    entries = _entries(consent_log)
    uvicorn = [e for e in entries if e["logger"].startswith("uvicorn")]
    assert any(e["message"].startswith("Uvicorn running on http://") for e in uvicorn)
    assert any(e["message"].startswith("Finished server process") for e in uvicorn)
    for line, entry in zip(consent_log, entries, strict=True):
        assert "\x1b" not in line, line
        assert "\\u001b" not in line, line  # json.dumps writes ESC so
        assert "color_message" not in entry, line
