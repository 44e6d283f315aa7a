"""Issue #20, item 5: what reporting stored before its domain became a package stays
readable (the rooms, the domain's purity and the modules' size are checked for every
service in test_service_rooms.py).

Moving the aggregates changed the topics new events are stored under; events
stored before the move name the old modules, and must still be found and read.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest

from services.reporting.application import ReportingApplication
from services.reporting.domain import (
    AnnualReportPublication,
    Deviation,
    PublishedCounts,
    publication_id,
)
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env

REPORTING = Path(__file__).resolve().parents[2] / "services" / "reporting"


# --- events stored before the move --------------------------------------------------


@pytest.fixture
def application(tmp_path: Path) -> ReportingApplication:
    settings = RuntimeSettings(var_dir=tmp_path, database_url=None)
    return ReportingApplication(env=store_env(settings, "reporting"))


def store_under(application: ReportingApplication, aggregate: object, old: str) -> None:
    """Store `aggregate`'s pending events as if written before the move: under the topics
    of module `old` instead of the module the class lives in now."""
    events = aggregate.collect_events()  # type: ignore[attr-defined]
    stored = [application.mapper.to_stored_event(e) for e in events]
    legacy = [replace(s, topic=f"{old}:{s.topic.partition(':')[2]}") for s in stored]
    application.recorder.insert_events(legacy)


def test_deviations_stored_under_the_old_module_are_still_listed(
    application: ReportingApplication,
) -> None:
    old = Deviation.detect(
        deviation_id=uuid4(),
        rule="K-5",
        source_type="se.samverkan.cases.HandoverAcknowledgementOverdue",
        source_event_id=uuid4(),
        affected_orgs=["SE2321000016-1001"],
        what_happened="The receiving unit did not acknowledge the handover (K-5).",
        detected_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
        subject_id=None,
    )
    store_under(application, old, "services.reporting.domain")
    new = Deviation.detect(
        deviation_id=uuid4(),
        rule="K-7",
        source_type="se.samverkan.cases.SipFollowUpOverdue",
        source_event_id=uuid4(),
        affected_orgs=[],
        what_happened="The SIP follow-up was not recorded (K-7).",
        detected_at=datetime(2026, 3, 3, 9, tzinfo=UTC),
        subject_id=None,
    )
    application.save(new)

    assert [d.id for d in application.deviations()] == [old.id, new.id]
    assert [f.what_happened for f in application.annual_facts()] == [
        old.what_happened.text,
        new.what_happened.text,
    ]


def test_a_publication_stored_under_the_old_module_is_still_read(
    application: ReportingApplication,
) -> None:
    counts = PublishedCounts("suppression", 0, [], [])
    at = datetime(2026, 12, 1, tzinfo=UTC)
    publication = AnnualReportPublication.publish(
        year=2026, area="all", published_by_org="SE2321000016-1001", counts=counts, published_at=at
    )
    store_under(application, publication, "services.reporting.publication")

    found = application.find(publication_id(2026, "all"), AnnualReportPublication)
    assert found is not None
    assert found.revision == 1
