"""Issue #20, item 5: every service has the same rooms, and every domain is pure.

A reader who knows one service finds their way in the others: the aggregates
and rules in ``domain/``, one method per use case in ``application``, read
models in ``views``, one router per concept in ``api/``, the public form of
events in ``translate.py``, who may do what in ``policy.py``, and the one
composition root in ``service.py``. A few rooms only some services need, each
for one reason (`OPTIONAL`); nothing else stands at a service's top level.

The domain reads no database, serves no HTTP and knows no store: checked by
what each domain file imports (``ast``) and by what importing the package
loads in a fresh interpreter, so a SQL or HTTP import cannot creep back in
through a helper.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SERVICES_DIR = Path(__file__).resolve().parents[2] / "services"
SERVICES = ("consent", "cases", "escalation", "reporting")

REQUIRED = ("domain", "application", "views", "api", "translate", "service", "policy")
"""Every service's rooms (a module or a package of the same name)."""

OPTIONAL = {
    "upstream": "the policies that react to other services' events",
    "rendering": "documents for people: HTML, CSV and iCalendar forms",
    "cli": "the service's own command line",
}
"""Rooms a service has only when it needs them, and what each is for."""

ALLOWED_IN_DOMAIN = (
    "__future__",
    "contracts",
    "eventsourcing.domain",
    "eventsourcing.utils",
    "services.runtime.kernel",
    "holidays",
)
"""What a domain may import besides the standard library and its own modules (``holidays``
is a calendar, pure data: K-5's working days)."""

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


def rooms_of(service: str) -> set[str]:
    return {
        p.stem
        for p in (SERVICES_DIR / service).iterdir()
        if p.name != "__init__.py" and p.name != "__pycache__" and (p.suffix == ".py" or p.is_dir())
    }


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_the_same_rooms_and_nothing_else_at_its_top(service: str) -> None:
    rooms = rooms_of(service)
    assert set(REQUIRED) <= rooms, f"{service} lacks {set(REQUIRED) - rooms}"
    assert rooms - set(REQUIRED) <= set(OPTIONAL), f"{service}: {rooms - set(REQUIRED)}"
    vague = {"common", "intake", "misc", "utils", "helpers", "edge"}
    names = {p.stem for p in (SERVICES_DIR / service).rglob("*.py")}
    assert not names & vague


def imports_of(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            found.append((node.lineno, "." * node.level + (node.module or "")))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return found


def domain_modules() -> list[Path]:
    return sorted(p for s in SERVICES for p in (SERVICES_DIR / s / "domain").rglob("*.py"))


@pytest.mark.parametrize("path", domain_modules(), ids=lambda p: str(p.relative_to(SERVICES_DIR)))
def test_a_domain_module_imports_no_sql_persistence_or_http(path: Path) -> None:
    service = path.relative_to(SERVICES_DIR).parts[0]
    own = f"services.{service}.domain"
    for line, module in imports_of(path):
        top = module.split(".")[0]
        fine = (
            top in sys.stdlib_module_names
            or module.startswith(".")
            or any(module == a or module.startswith(f"{a}.") for a in (*ALLOWED_IN_DOMAIN, own))
        )
        assert fine, f"{path.name}:{line} imports {module}, outside the domain's room"


@pytest.mark.parametrize("service", SERVICES)
def test_importing_a_domain_loads_no_sql_persistence_or_http(service: str) -> None:
    probe = (
        f"import sys, services.{service}.domain\n"
        f"bad = [m for m in sys.modules if m.startswith({FORBIDDEN_AT_RUNTIME!r})]\n"
        "print(','.join(sorted(bad)))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == ""


def test_no_module_outside_the_tests_is_over_500_lines() -> None:
    """Issue #20's "done when": a module a reader can hold in their head. A long one is
    split by concept (as the consumer, the relay, the red thread and the case were)."""
    root = SERVICES_DIR.parent
    long = {
        str(p.relative_to(root)): n
        for folder in ("services", "contracts", "bench")
        for p in (root / folder).rglob("*.py")
        if (n := len(p.read_text().splitlines())) > 500
    }
    assert long == {}
