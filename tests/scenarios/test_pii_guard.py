"""PII guard: after a story that writes names, phone numbers, e-mail addresses and identity
numbers into every service, nothing that looks like personal data is on any topic or in
any service's log.

What "looks like" is deliberately broad: a personnummer or samordningsnummer in any of
its written forms (with or without century, with or without separator) that passes the
date and check-digit test, a Swedish phone number, an e-mail address, or a name used in
the test fixtures. Topics carry pseudonymous subject ids only; free text stays in the
service that recorded it, sealed (issue 9).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from contracts import SERVICES, dlq_topic, events_topic
from services.runtime.kernel.identity import InvalidIdentityNumber, parse_personnummer
from services.runtime.kernel.stockholm_time import stockholm_date
from tests.scenarios.test_erasure_story import (
    CHILD,
    EMAIL,
    GUARDIAN,
    NAME,
    PHONE,
    record_personal_data,
)
from tests.support import HEALTH, POLICE, TEST_PERSONNUMMER, ServiceProcess, read_topic

IDENTITY_NUMBER = re.compile(r"(?<![\w.])(?:\d{2})?\d{6}[-+]?\d{4}(?![\w.])")
PHONE_NUMBER = re.compile(r"(?<![\w.:+-])(?:\+46|0046|0)[\s-]?7\d(?:[\s-]?\d){7}(?![\w.])")
EMAIL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}")
NAMES = ["Testsson", "Testa", "Vera"]
"""Every name the test fixtures use for a person."""


def findings(text: str) -> list[str]:
    """Everything in `text` that looks like personal data."""
    found = []
    today = datetime.now(UTC).date()
    for candidate in IDENTITY_NUMBER.findall(text):
        try:
            parse_personnummer(candidate, today=today)
        except InvalidIdentityNumber:
            continue
        found.append(f"identity number {candidate}")
    found += [f"phone number {m}" for m in PHONE_NUMBER.findall(text)]
    found += [f"e-mail address {m}" for m in EMAIL_ADDRESS.findall(text)]
    found += [f"name {name}" for name in NAMES if re.search(rf"\b{name}\b", text)]
    return found


@pytest.mark.parametrize(
    "text",
    [
        TEST_PERSONNUMMER,
        "191212121212",
        "1212121212",
        "121212-1212",
        CHILD,
        CHILD.replace("-", "")[2:],
        "samordningsnummer 701063-2391",
        PHONE,
        "+46 70 123 45 67",
        EMAIL,
        f"guardian {GUARDIAN}",
        NAME,
    ],
)
def test_the_guard_recognises_personal_data(text: str) -> None:
    assert findings(text), text


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-23T18:47:16.123456+00:00 consumer applied 1764000000",
        "subject 5f0c3e1a9b7d4c2e8f6a1b3c5d7e9f0a1b2c3d4e5f60718293a4b5c6d7e8f901",
        "id 0b9e3f5a-1c2d-4e5f-8a9b-201105052340",
        "SE2120000001-IOF1 SE2321000016-POL1",
    ],
)
def test_the_guard_lets_ids_and_times_pass(text: str) -> None:
    assert findings(text) == [], text


def test_no_personal_data_on_any_topic_or_in_any_log(
    module_platform: dict[str, ServiceProcess],
) -> None:
    platform = module_platform
    record_personal_data(platform)
    with platform["escalation"].client(POLICE) as police:
        pulled = police.post(
            "/v1/red-threads",
            json={
                "personnummer": TEST_PERSONNUMMER,
                "measures_tried": ["sip"],
                "individual_harmed": True,
                "burdened_orgs": [POLICE.org_id],
                "municipality_code": "0180",
            },
        )
    assert pulled.status_code == 201, pulled.text
    with platform["cases"].client(HEALTH) as health:
        screened = health.post(  # a screening's score is personal data: never on a topic
            "/v1/screenings",
            json={
                "personnummer": TEST_PERSONNUMMER,
                "instrument": "DUDIT",
                "occasion": "new_visit",
                "outcome": "done",
                "screened_on": stockholm_date(datetime.now(UTC)).isoformat(),
                "score": 19,
                "advice_offered": True,
                "referred": True,
            },
        )
    assert screened.status_code == 201, screened.text

    settings = next(iter(platform.values())).settings
    topics = [events_topic(s, prefix=settings.topic_prefix) for s in SERVICES]
    topics += [dlq_topic(s, prefix=settings.topic_prefix) for s in SERVICES]
    messages = 0
    for topic in topics:
        for record in read_topic(settings.kafka_bootstrap, topic):
            messages += 1
            parts = [record.key or b"", record.value or b""]
            parts += [value for _, value in record.headers]
            text = b"\n".join(parts).decode("utf-8", errors="replace")
            assert findings(text) == [], (topic, record.offset, findings(text))
    assert messages >= 8  # the story did reach the topics

    for service in SERVICES:
        log = (settings.var_dir / f"{service}.log").read_text(errors="replace")
        assert log, f"{service} wrote no log: nothing was scanned"
        for number, line in enumerate(log.splitlines(), 1):
            assert findings(line) == [], (service, number, line)
