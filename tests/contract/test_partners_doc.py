"""docs/partners.md stays current: every published event is in its topic's row, every
event the "who must act" table names exists (W-1), and its SASL_SSL settings are the
consumer's own (the generated consumer runs in tests/integration/test_partner_consumer.py)."""

from __future__ import annotations

import inspect
import re
import ssl
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer

from contracts.base import EVENT_TYPES, event_name
from tests.partners_guide import GUIDE, guide_module


def topic_rows() -> dict[str, set[str]]:
    rows = {}
    for line in GUIDE.splitlines():
        found = re.match(r"\| `samverkan\.(\w+)\.events` \| \w+ \| (.*) \|$", line)
        if found:
            rows[found.group(1)] = set(re.findall(r"`(\w+)`", found.group(2)))
    return rows


def test_every_published_event_is_listed_under_its_topic() -> None:
    """By its CloudEvents name: `SubjectErased` stands for both its versions."""
    rows = topic_rows()
    published: dict[str, set[str]] = {}
    for event in EVENT_TYPES.values():
        published.setdefault(event.service, set()).add(event_name(event.__name__, event.version))

    assert rows == published


def test_w1_every_event_the_who_must_act_table_names_is_published() -> None:
    section = GUIDE.split("## Who must act", 1)[1].split("\n## ", 1)[0]
    named = {
        name
        for row in section.splitlines()
        if row.startswith("| `")
        for name in re.findall(r"`([A-Z]\w+)`", row.split("|")[1])
    }
    known = {event.__name__ for event in EVENT_TYPES.values()}

    assert named
    assert named <= known, named - known


async def test_the_sasl_ssl_snippet_configures_an_aiokafka_consumer(tmp_path: Path) -> None:
    """The guide's settings are AIOKafkaConsumer's own names, which it accepts as given."""
    snippet = guide_module("Connecting to an installation's Kafka", 0, tmp_path)
    settings = snippet["sasl_ssl_settings"]("kafka-1.internal:9093", "partner-x", "secret", None)

    assert set(settings) <= set(inspect.signature(AIOKafkaConsumer).parameters)
    assert settings["security_protocol"] == "SASL_SSL"
    assert settings["sasl_mechanism"] == "SCRAM-SHA-512"
    assert isinstance(settings["ssl_context"], ssl.SSLContext)
    assert settings["ssl_context"].check_hostname
    AIOKafkaConsumer("samverkan.consent.events", group_id="partner-region-x.samverkan", **settings)
    with pytest.raises(ValueError, match="sasl_mechanism"):  # it checks what it is given
        AIOKafkaConsumer(**{**settings, "sasl_mechanism": "SCRAM-SHA-1"})
