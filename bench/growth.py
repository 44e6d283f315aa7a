"""Growth: does the end-to-end rate hold when the store already holds many events?

Consent's store is filled before the platform starts, through the consent
application itself (its domain, its mapper, its read model), many aggregates
per transaction so a million takes minutes, not hours. The relay's position
is then set to the head, as if everything had long been published: what is
measured is a store that has grown, not a backlog being drained.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from contracts import events_topic
from services.consent.application import ConsentApplication
from services.consent.domain import Consent
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import RelayPosition, RelayPositions, store_env

GIVEN_AT = datetime(2025, 1, 7, 9, 0, tzinfo=UTC)
CHUNK = 2000


def prefill(
    var_dir: Path, events: int, *, database_url: str | None = None, schema_prefix: str = ""
) -> float:
    """Store `events` consents (one event each) in consent's store; returns seconds taken."""
    settings = RuntimeSettings(
        var_dir=var_dir, database_url=database_url, database_schema_prefix=schema_prefix
    )
    app = ConsentApplication(
        env=store_env(settings, "consent"),
        longest_emergency_disclosure=timedelta(hours=72),
        master_key=settings.resolved_master_key(),
    )
    started = time.perf_counter()
    for first in range(0, events, CHUNK):
        app.save(
            *(
                Consent.give(
                    subject_id=f"{n:064x}",
                    purpose="sip",
                    parties=["SE2120000001-SOC1", "SE2321000016-HC01"],
                    form="written",
                    informed=True,
                    recorded_by="SE2120000001-S001",
                    given_at=GIVEN_AT,
                    valid_until=None,
                    today=GIVEN_AT.date(),
                )
                for n in range(first, min(first + CHUNK, events))
            )
        )
    head = app.recorder.max_notification_id() or 0
    topic = events_topic("consent", prefix=settings.topic_prefix)
    RelayPositions(app.recorder.datastore).save(topic, RelayPosition(sequence=head))  # type: ignore[attr-defined]
    app.close()
    return time.perf_counter() - started
