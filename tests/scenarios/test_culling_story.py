"""Statutory culling (gallring) across the platform, end to end: four real services over
Kafka, consent's clock in the test's hand.

Two children are on the platform. Both get a consent with their guardian's name; the
first also a case handover with a written background, a consultation and a deviation,
all in the same week. Three years later the second child is consulted on again; the
first is never heard of again. Five years after the first child's last activity,
consent's culling schedule erases them: `SubjectErased` (v2, reason culling) reaches
cases, escalation and reporting, which destroy their keys too. Afterwards no API returns
the first child's personal data, the second child's reads as written, and every
service's access log still verifies.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx
import pytest

from contracts import SubjectErasedV2, decode, events_topic
from services.consent.application import ConsentApplication
from services.consent.service import Settings as ConsentSettings
from services.runtime.kernel.actor import Actor
from services.runtime.settings import RuntimeSettings
from services.runtime.store.privacy import ERASED
from tests.steps import (
    child_case_handed_over,
    consultation_held,
    deviation_reported,
    handover_consent_given,
    sharing_consent_given,
)
from tests.support import (
    AOF_DEPUTY,
    HEALTH,
    IOF_CASEWORKER,
    IOF_DEPUTY,
    PLATFORM_ADMIN,
    SOCIAL,
    InProcessService,
    MovableClock,
    ServiceProcess,
    applied_by,
    made_up_personnummer,
    read_topic,
    service_app,
    wait_for,
)

IDLE_CHILD = made_up_personnummer("20150505", "234")
BUSY_CHILD = made_up_personnummer("20160606", "345")
RETENTION_YEARS = 5
UPSTREAM = ("cases", "escalation", "reporting")

Platform = dict[str, Any]


@pytest.fixture
def platform(runtime_settings: RuntimeSettings) -> Iterator[Platform]:
    settings = runtime_settings.model_copy(
        update={"kafka_session_timeout_ms": 3000, "relay_log_check_seconds": 0.5}
    )
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    clock = MovableClock()
    consent_settings = ConsentSettings(
        retention_years=RETENTION_YEARS, culling_check_seconds=0.2, expiry_check_seconds=3600
    )
    processes = {name: ServiceProcess(name, settings) for name in UPSTREAM}
    consent = InProcessService(
        "consent", settings, lambda: service_app("consent", settings, consent_settings, clock)
    )
    try:
        with ThreadPoolExecutor(len(processes) + 1) as pool:
            list(pool.map(lambda s: s.start(60), [*processes.values(), consent]))
        yield {"consent": consent, **processes, "clock": clock, "settings": settings}
    finally:
        consent.stop()
        for process in processes.values():
            process.stop()


def call(
    platform: Platform, service: str, actor: Actor, method: str, path: str, **kwargs: Any
) -> httpx.Response:
    with platform[service].client(actor) as client:
        return client.request(method, path, **kwargs)


def consent_application(platform: Platform) -> ConsentApplication:
    server = platform["consent"].server
    assert server is not None
    application: ConsentApplication = server.config.app.state.application
    return application


def metric(service: Any, name: str) -> float:
    text = httpx.get(f"{service.url}/metrics").text
    values = [float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name)]
    return sum(values)


def consent_has_seen_everything(platform: Platform) -> bool:
    """Every event the other services have published is applied by consent, and nothing is
    waiting in their outboxes (checked twice a second apart, so nothing was in flight)."""

    def state() -> tuple[float, ...] | None:
        numbers: list[float] = []
        for service in UPSTREAM:
            process = platform[service]
            head = metric(process, "samverkan_outbox_head")
            position = metric(process, "samverkan_outbox_position")
            published = metric(process, "samverkan_outbox_published_total")
            if head != position or applied_by(platform["consent"], service) < published:
                return None
            numbers += [head, published]
        return tuple(numbers)

    first = state()
    if first is None:
        return False
    return wait_for(lambda: state() == first, timeout=1.5, interval=0.5) is True


def record_the_first_week(platform: Platform) -> dict[str, str]:
    """Consents for both children; a handover, a consultation and a deviation about the first."""
    ids: dict[str, str] = {}
    for key, child, guardian in (
        ("idle", IDLE_CHILD, "Vera Testsson"),
        ("busy", BUSY_CHILD, "Pia Provsson"),
    ):
        given = handover_consent_given(platform["consent"], child, guardian)
        sharing_consent_given(platform["consent"], child)  # C-11: consulting ÄoF by name
        ids[f"{key}_subject"] = given["subject_id"]
        ids[f"{key}_consent"] = given["id"]

    content = {
        "background_and_family": "Testa bor med mamma Vera Testsson.",
        "guardian": "Vera Testsson",
        "current_situation": "Testa har hög frånvaro.",
        "problems_and_earlier_investigations": "Utredd 2022.",
        "ongoing_interventions_and_planning": "Kontaktperson.",
    }
    ids["handover"] = child_case_handed_over(platform["cases"], IDLE_CHILD, content)
    ids["idle_consultation"] = consultation_held(
        platform["escalation"], IDLE_CHILD, "Testa Testsson bor hos mamma."
    )
    ids["deviation"] = deviation_reported(
        platform["reporting"],
        IDLE_CHILD,
        affected=SOCIAL.org_id,
        what_happened="Testa Testsson skrevs ut utan att socialtjänsten visste.",
        perceived_as="Allvarligt.",
    )
    return ids


def personal_data(platform: Platform, ids: dict[str, str]) -> dict[str, Any]:
    def read(service: str, actor: Actor, path: str) -> dict[str, Any]:
        response = call(platform, service, actor, "GET", path)
        assert response.status_code == 200, (path, response.text)
        body: dict[str, Any] = response.json()
        return body

    return {
        "idle_guardian": read("consent", IOF_CASEWORKER, f"/v1/consents/{ids['idle_consent']}")[
            "guardian_name"
        ],
        "busy_guardian": read("consent", IOF_CASEWORKER, f"/v1/consents/{ids['busy_consent']}")[
            "guardian_name"
        ],
        "handover": set(read("cases", AOF_DEPUTY, ids["handover"])["content"].values()),
        "idle_notes": read("escalation", IOF_DEPUTY, ids["idle_consultation"])["notes"],
        "busy_notes": read("escalation", IOF_DEPUTY, ids["busy_consultation"])["notes"],
        "deviation": read("reporting", HEALTH, ids["deviation"])["what_happened"],
    }


@pytest.mark.timeout(300)  # four services and three eventual-consistency waits
def test_culling_story(platform: Platform) -> None:
    clock: MovableClock = platform["clock"]
    ids = record_the_first_week(platform)
    wait_for(lambda: consent_has_seen_everything(platform), timeout=60)

    clock.advance(timedelta(days=3 * 365))  # three years on, the second child again
    ids["busy_consultation"] = consultation_held(
        platform["escalation"], BUSY_CHILD, "Prova Provsson: ny placering."
    )
    wait_for(lambda: consent_has_seen_everything(platform), timeout=60)
    before = personal_data(platform, ids)
    assert before["idle_guardian"] == "Vera Testsson"
    assert "Testa har hög frånvaro." in before["handover"]

    # Five years and a few days after the first child's last activity: culling runs.
    clock.advance(timedelta(days=2 * 365 + 5))
    after = wait_for(
        lambda: (
            (read := personal_data(platform, ids))["deviation"] == ERASED
            and read["handover"] == {ERASED}
            # Each process caches a key up to 5 s (services.runtime.store.privacy): the
            # erasure is seen everywhere within that, not at one instant.
            and read["idle_guardian"] == ERASED
            and read["idle_notes"] == ERASED
            and read
        ),
        timeout=60,
    )
    assert after == {
        "idle_guardian": ERASED,
        "busy_guardian": "Pia Provsson",
        "handover": {ERASED},
        "idle_notes": ERASED,
        "busy_notes": "Prova Provsson: ny placering.",
        "deviation": ERASED,
    }

    settings: RuntimeSettings = platform["settings"]
    published = [
        decode(record.value, record.headers).event
        for record in read_topic(
            settings.kafka_bootstrap, events_topic("consent", prefix=settings.topic_prefix)
        )
    ]
    erased = [e for e in published if isinstance(e, SubjectErasedV2)]
    assert [(e.subject_id, e.reason, e.erased_by) for e in erased] == [
        (ids["idle_subject"], "culling", None)
    ]
    # Later rounds cull no one else: the first child is erased, the second not yet due.
    assert consent_application(platform).cull_due(clock.now(), retention_years=5) == []

    for service in ("consent", *UPSTREAM):
        verified = call(platform, service, PLATFORM_ADMIN, "GET", "/v1/access-log/verify")
        chain = verified.json()
        assert (chain["intact"], chain["first_broken_record"]) == (True, None), service
    for service in UPSTREAM:
        logs = platform[service].logs()
        assert not re.search(r"Testa|Testsson|Vera", logs), service
