"""The reporting use cases on eventsourcing's in-memory store: no broker, no database.

Sealing is the mapper's (#20, item 3), so the application runs on any store:
what the domain sees is clear text, what the store holds is not, and erasing
the owner makes it read "[erased]".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from services.reporting.application import (
    CountersignSummary,
    ProposeSummary,
    ReportingApplication,
)
from services.runtime.kernel.personal import ERASED, Personal
from tests.reporting_examples import FREE_TEXT, SOCIAL_MANAGER, deviation_command
from tests.support import HEALTH as REPORTER

AT = datetime(2026, 11, 3, 10, 15, tzinfo=UTC)
SUBJECT = "cd" * 32
WHAT = FREE_TEXT["what_happened"]


def report(application: ReportingApplication, subject_id: str | None = SUBJECT) -> UUID:
    return application.report_deviation(REPORTER, deviation_command(subject_id), at=AT)


def test_d2_both_steps_on_the_in_memory_store_sealed_at_rest_and_erasable() -> None:
    application = ReportingApplication()  # eventsourcing's in-memory store
    deviation_id = report(application)
    application.propose_summary(
        REPORTER,
        ProposeSummary(deviation_id, "Rutinen gäller.", "Helger.", "Hanna Hälsa", "Enhetschef"),
        at=AT + timedelta(days=1),
    )
    application.countersign_summary(
        SOCIAL_MANAGER,
        CountersignSummary(deviation_id, "Sofia Social", "Enhetschef"),
        at=AT + timedelta(days=2),
    )

    deviation = application.get_deviation(deviation_id)
    assert deviation.what_happened == Personal(SUBJECT, WHAT)
    assert deviation.countersigned_by is not None
    assert deviation.countersigned_by.name == Personal(SUBJECT, "Sofia Social")
    stored = b"".join(
        n.state for n in application.recorder.select_notifications(start=1, limit=50)
    ).decode("utf-8", "replace")
    for clear in (WHAT, "Testsson", "Sofia", "Hanna", "Helger"):
        assert clear not in stored

    application.erase_subject(SUBJECT, AT + timedelta(days=30))
    erased = application.get_deviation(deviation_id)
    assert erased.what_happened.text == ERASED
    assert erased.countersigned_by is not None
    assert erased.countersigned_by.name.text == ERASED
    assert erased.category == "communication"  # the codes and counts stay


def test_personal_data_never_shows_in_a_repr() -> None:
    """Aggregates and events end up in logs and tracebacks; the text must not."""
    application = ReportingApplication()
    deviation = application.get_deviation(report(application))
    assert WHAT not in repr(deviation.what_happened)
    assert "Testa" not in repr(deviation.reporter_name)
