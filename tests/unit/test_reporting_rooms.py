"""Issue #20, item 5: reporting has the same rooms as every service, and its domain is pure.

The domain (`services/reporting/domain/`) holds the aggregates, the measure
catalogue, disclosure control and the annual report's building: it reads no
database, serves no HTTP and knows no store. These tests read its imports with
`ast` (what each file names) and in a fresh interpreter (what importing it
loads), so a SQL or HTTP import cannot creep back in through a helper.

Moving the aggregates changed the topics new events are stored under; events
stored before the move name the old modules, and must still be found and read.
"""

from __future__ import annotations

import ast
import subprocess
import sys
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
DOMAIN = REPORTING / "domain"

ALLOWED = (
    "__future__",
    "contracts",
    "eventsourcing.domain",
    "eventsourcing.utils",
    "services.reporting.domain",
    "services.runtime.kernel",
)
"""What the domain may import besides the standard library: the public vocabulary, the
aggregate base and its topics, its own modules, and the runtime's kernel (rules, time)."""

FORBIDDEN_AT_RUNTIME = (
    "sqlite3",
    "psycopg",
    "sqlalchemy",
    "eventsourcing.persistence",
    "eventsourcing.sqlite",
    "eventsourcing.postgres",
    "eventsourcing.application",
    "eventsourcing.projection",
    "fastapi",
    "starlette",
    "services.runtime.store",
    "services.runtime.messaging",
    "services.runtime.http",
)


def imports_of(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, "." * node.level + (node.module or "")))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return found


def allowed(module: str) -> bool:
    top = module.split(".")[0]
    return top in sys.stdlib_module_names or any(
        module == a or module.startswith(f"{a}.") for a in ALLOWED
    )


@pytest.mark.parametrize("path", sorted(DOMAIN.glob("*.py")), ids=lambda p: p.name)
def test_a_domain_module_imports_no_sql_persistence_or_http(path: Path) -> None:
    for line, module in imports_of(path):
        assert allowed(module), f"{path.name}:{line} imports {module}, outside the domain's room"


def test_importing_the_domain_loads_no_sql_persistence_or_http() -> None:
    probe = (
        "import sys, services.reporting.domain\n"
        f"bad = [m for m in sys.modules if m.startswith({FORBIDDEN_AT_RUNTIME!r})]\n"
        "print(','.join(sorted(bad)))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == ""


def test_reporting_has_the_rooms_of_every_service() -> None:
    for room in ("domain/__init__.py", "views/__init__.py", "api/__init__.py"):
        assert (REPORTING / room).is_file(), room
    for module in ("application.py", "translate.py", "service.py"):
        assert (REPORTING / module).is_file(), module
    vague = {"common", "intake", "misc", "utils", "helpers"}
    names = {p.stem for p in REPORTING.rglob("*.py")}
    assert not names & vague


def test_no_reporting_module_is_over_500_lines() -> None:
    long = {
        str(p.relative_to(REPORTING)): n
        for p in REPORTING.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > 500
    }
    assert long == {}


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
