"""Seed 002 as a story: a year of deviations — reported, signed, detected — becomes the
de-identified annual report for the local collaboration body (D-1..D-7).

Through the service's HTTP API with a clock the test moves: deviations are
reported month by month with identifiers seeded into their free text, some
are summarised by both sides, overdue events arrive from escalation; the
annual report then shows no count under 5 and no identifier.

To look at the page: `curl -H "Authorization: Bearer $TOKEN"
localhost:8004/v1/annual-reports/2026?format=html > report.html` and open it,
or `chromium --headless --screenshot=report.png report.html`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from contracts import OrgType, RedThreadMeetingOverdue, Role, encode, events_topic
from contracts.examples import EXAMPLES
from services.runtime.kernel.actor import Actor
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.settings import RuntimeSettings
from tests.support import (
    HEALTH,
    SOCIAL,
    InProcessService,
    MovableClock,
    PageParts,
    made_up_personnummer,
    produce_raw,
    wait_for,
)

SOCIAL_MANAGER = Actor(
    "SE2120000001-S009", SOCIAL.org_id, OrgType.SOCIAL_SERVICES, Role.UNIT_MANAGER
)
CATEGORIES = ["no_sip", "communication", "holistic_view", "routines"]
NUMBERS = [made_up_personnummer("19850412", f"{n:03d}") for n in range(1, 40)]
SEEDED = {
    "names": ["Testa Testsson", "Prova Provsson"],
    "phones": ["042-10 76 86", "070-123 45 67"],
    "emails": ["prova.provsson@example.se"],
    "streets": ["Storgatan 12"],
}


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(datetime(2026, 1, 7, 9, 0, tzinfo=UTC))


@pytest.fixture
def reporting(start_in_process: Callable[..., InProcessService]) -> InProcessService:
    return start_in_process("reporting")


def free_text(n: int) -> dict[str, Any]:
    return {
        "what_happened": (
            f"Mamma Testa Testsson ({NUMBERS[n]}) ringde från {SEEDED['phones'][n % 2]} "
            f"om sonen på Storgatan 12; ingen SIP hade gjorts."
        ),
        "perceived_as": "Familjen upplevde att ingen tog ansvar.",
        "improvement_proposal": f"Skriv till {SEEDED['emails'][0]} innan utskrivning.",
        "reporter_name": "Prova Provsson",
        "reporter_title": "Biträdande enhetschef",
        "personnummer": NUMBERS[n],
    }


async def test_d5_a_year_of_deviations_becomes_a_de_identified_annual_report(
    reporting: InProcessService,
    clock: MovableClock,
    kafka: EmbeddedBroker,
    runtime_settings: RuntimeSettings,
) -> None:
    with reporting.client(HEALTH) as health, reporting.client(SOCIAL_MANAGER) as social:
        for n in range(30):
            body = {
                "category": CATEGORIES[n % len(CATEGORIES)],
                "affected_orgs": [SOCIAL.org_id],
                **free_text(n),
            }
            created = health.post("/v1/deviations", json=body)
            assert created.status_code == 201, created.text
            if n % 3 == 0:
                path = f"/v1/deviations/{created.json()['id']}/summary"
                summary = {
                    "solution": f"Testa Testsson nås på {SEEDED['phones'][0]}.",
                    "remaining_problems": "Helger.",
                    "signer_name": "Prova Provsson",
                    "signer_title": "Enhetschef",
                }
                assert health.put(path, json=summary).status_code == 204
                countersigned = social.post(
                    f"{path}/countersignature",
                    json={"signer_name": "Testa Testsson", "signer_title": "Enhetschef"},
                )
                assert countersigned.status_code == 200
            clock.advance(timedelta(days=11))

        # D-7: a missed red-thread deadline arrives from escalation and is a deviation too.
        overdue = EXAMPLES[RedThreadMeetingOverdue].model_copy(
            update={"overdue_at": datetime(2026, 6, 1, 8, 0, tzinfo=UTC)}
        )
        message = encode(overdue, event_id="x", time=clock.now(), sequence=1, prev_sequence=0)
        await produce_raw(
            kafka.bootstrap,
            events_topic("escalation", prefix=runtime_settings.topic_prefix),
            [(message.key, message.value, message.headers)],
        )

        def report() -> dict[str, Any] | None:
            document: dict[str, Any] = health.get("/v1/annual-reports/2026").json()
            return document if len(document["reviewed"]) == 31 else None

        document = wait_for(report, timeout=30)
        assert sum(r["detected"] for r in document["reviewed"]) == 1
        html_page = health.get("/v1/annual-reports/2026", params={"format": "html"}).text
        csv_text = health.get("/v1/annual-reports/2026", params={"format": "csv"}).text
        empty = health.get("/v1/annual-reports/2019").json()
        assert empty["deviations"] == 0
        with reporting.client(SOCIAL) as caseworker:
            refused = caseworker.get("/v1/annual-reports/2026")
        assert refused.status_code == 403
        assert refused.json()["rule"] == "D-5"

    # No count under 5 anywhere.
    for table in document["tables"]:
        for row in table["values"].values():
            for value in row.values():
                assert value is None or value == 0 or value >= 5
    for line in csv_text.splitlines()[1:]:
        count = line.rsplit(",", 2)[1]
        assert count == "" or int(count) == 0 or int(count) >= 5

    # No identifier left, in any of the three forms.
    identifiers = [
        *NUMBERS,
        *(n.replace("-", "") for n in NUMBERS),
        *(n[2:] for n in NUMBERS),
        *SEEDED["phones"],
        *SEEDED["emails"],
        *SEEDED["streets"],
        "Testa",
        "Testsson",
        "Provsson",
    ]
    for output in (str(document), html_page, csv_text):
        for identifier in identifiers:
            assert identifier not in output

    # The page renders on its own: charts inline, nothing fetched, no scripts.
    page = PageParts()
    page.feed(html_page)
    assert "svg" in page.tags
    assert "table" in page.tags
    assert "script" not in page.tags
    assert page.external == []
