"""Issue #24: one service as three processes — its API, its relay, its consumer — on one store.

Cases runs as ``serve cases --role api``, ``--role relay`` and ``--role
consumer`` on a PostgreSQL schema of the test's own, consent as one process
of all three. A handover needs the consent to hand over (C-8) that cases
learns of from consent's topic: the handover is accepted once the consumer
process has applied that consent to the store the API process reads, and
the handover's event reaches cases' topic through the relay process. The
API process runs neither relay nor consumer, and says which role it runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from contracts import events_topic
from contracts.cases import HandoverRequested
from services.runtime.ops import serve
from services.runtime.settings import RuntimeSettings
from tests.steps import child_case_handed_over, handover_consent_given
from tests.support import (
    START_SECONDS,
    ServiceProcess,
    made_up_personnummer,
    on_store,
    read_topic,
    wait_for,
)

ROLES = ("consumer", "relay", "api")
GUARDIAN = "Anna Testsson"
CONTENT = {
    "background_and_family": f"Bor med mamma {GUARDIAN}.",
    "guardian": GUARDIAN,
    "current_situation": "Går i årskurs 8 och har hög frånvaro.",
    "problems_and_earlier_investigations": "Inga.",
    "ongoing_interventions_and_planning": "Kontaktperson varje vecka.",
}


def samples(process: ServiceProcess) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """The process's /metrics as {(sample name, labels): value}."""
    text = httpx.get(f"{process.url}/metrics", timeout=5).text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def families(process: ServiceProcess) -> set[str]:
    """The metric families the process declares, with samples yet or not."""
    text = httpx.get(f"{process.url}/metrics", timeout=5).text
    return {family.name for family in text_string_to_metric_families(text)}


@pytest.fixture
def split(
    runtime_settings: RuntimeSettings, pg_schema_prefix: str
) -> Iterator[dict[str, ServiceProcess]]:
    """Consent as one process; cases as one process per role, all on shared PostgreSQL."""
    settings = on_store(runtime_settings, "postgres", pg_schema_prefix)
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    processes = {"consent": ServiceProcess("consent", settings)} | {
        role: ServiceProcess("cases", settings, role=role) for role in ROLES
    }
    try:
        with ThreadPoolExecutor(len(processes)) as pool:
            # Five interpreters importing at once on a loaded 2-core runner: more than one's time.
            for started in pool.map(lambda p: p.start(3 * START_SECONDS), processes.values()):
                assert started.process is not None
        yield processes
    finally:
        for process in processes.values():
            process.stop()


@pytest.mark.long_running(80)  # five processes, started before shorter work (tests/grouping.py)
def test_the_api_relay_and_consumer_of_one_service_run_as_processes_of_their_own(
    split: dict[str, ServiceProcess],
) -> None:
    api, relay, consumer = split["api"], split["relay"], split["consumer"]
    settings = api.settings
    child = made_up_personnummer("20120315", "123")
    handover_consent_given(split["consent"], child, guardian=GUARDIAN)

    # Accepted only once the consumer process applied the consent to the store the API reads.
    handover = child_case_handed_over(api, child, CONTENT)

    topic = events_topic("cases", prefix=settings.topic_prefix)

    requested = HandoverRequested.ce_type()

    def published() -> list[str]:
        records = read_topic(settings.kafka_bootstrap, topic)
        return [dict(record.headers)["ce_type"].decode() for record in records]

    assert wait_for(lambda: requested in published(), timeout=30), (handover, published())

    api_metrics, relay_metrics = samples(api), samples(relay)
    assert api_metrics[("samverkan_process_role", frozenset({("role", "api")}))] == 1
    assert "samverkan_outbox_leading" not in families(api)
    assert "samverkan_consumer_messages" not in families(api)
    assert relay_metrics[("samverkan_process_role", frozenset({("role", "relay")}))] == 1
    assert relay_metrics[("samverkan_outbox_leading", frozenset({("topic", topic)}))] == 1
    assert "samverkan_consumer_messages" not in families(relay)
    assert ("samverkan_process_role", frozenset({("role", "consumer")})) in samples(consumer)
    assert "samverkan_consumer_messages" in families(consumer)
    assert "samverkan_outbox_leading" not in families(consumer)
    for process in (api, relay, consumer):
        assert httpx.get(f"{process.url}/readyz", timeout=5).status_code == 200
    # With PostgreSQL the API's saves woke the relay process (services.runtime.store.wake).
    assert "could not wake the relay" not in api.logs()
    assert "not listening for saves" not in relay.logs()
    # Only the API process serves the API.
    assert httpx.get(f"{relay.url}/v1/cases", timeout=5).status_code == 404


def test_a_wrong_role_or_a_split_on_sqlite_is_refused_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(SystemExit) as refused:
        serve.main(["cases", "--role", "worker"])
    assert str(refused.value) == (
        "cases: --role: unknown role 'worker'; choose one of all, api, relay, consumer"
    )

    monkeypatch.delenv("SAMVERKAN_DATABASE_URL", raising=False)
    with pytest.raises(SystemExit) as refused:  # SQLite: each process its store's one writer
        serve.main(["cases", "--role", "consumer"])
    assert str(refused.value) == (
        "cases: --role consumer: needs a store its processes share: set SAMVERKAN_DATABASE_URL "
        "(PostgreSQL); on SQLite a process takes itself for its store's only writer, so run "
        "--role all"
    )

    monkeypatch.setenv("SAMVERKAN_ROLE", "relays")
    with pytest.raises(SystemExit) as refused:
        serve.main(["cases"])
    assert str(refused.value) == (
        "cases: SAMVERKAN_ROLE: unknown role 'relays'; choose one of all, api, relay, consumer"
    )
