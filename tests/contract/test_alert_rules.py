"""The Prometheus configuration and alert rules are valid, tested, and about real metrics.

promtool (Debian package ``prometheus``, installed by ``make system-deps``)
checks the configuration and the rules and runs the rules' unit tests
(deploy/prometheus/rules.test.yml). Every metric an expression names must be
one the four services expose (read from their own registries, in-process).
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from contracts import SERVICES
from services.runtime.settings import RuntimeSettings
from tests.support import service_app

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS_DIR = ROOT / "deploy" / "prometheus"
CONFIG = PROMETHEUS_DIR / "prometheus.yml"
RULES = PROMETHEUS_DIR / "rules.yml"
RULE_TESTS = PROMETHEUS_DIR / "rules.test.yml"
RUNBOOK = ROOT / "docs" / "runbook.md"
RUNBOOK_URL = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Runbook"]
"""Where the alerts' runbook_url links point: docs/runbook.md in the repository."""

PROMETHEUS_SERIES = frozenset({"up", "scrape_duration_seconds", "scrape_samples_scraped"})
"""Series Prometheus itself writes for every target."""

REQUIRED_ALERTS = {
    "SamverkanProcessDown",
    "SamverkanHttp5xxRatio",
    "SamverkanOutboxLagGrowing",
    "SamverkanRelayFailing",
    "SamverkanOutboxParked",
    "SamverkanDeadLetters",
    "SamverkanConsumerRewinds",
    "SamverkanConsumerStalled",
    "SamverkanConsumerLagNotDraining",
    "SamverkanRedThreadsOverdue",
}


# --- helpers (test_grafana_dashboard.py uses them too) ---------------------------

_SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("", "_count", "_sum", "_created"),
    "info": ("_info",),
}


@functools.cache
def exposed_metric_names() -> frozenset[str]:
    """Every series name the services' /metrics can show, from their own registries.

    Each service's app is built in-process on a temporary SQLite store; its
    lifespan (relay, consumer, broker) does not run. Building the middleware
    stack (as the first request would) registers the HTTP metrics.
    """
    names: set[str] = set()
    with tempfile.TemporaryDirectory() as var_dir:
        runtime = RuntimeSettings(var_dir=Path(var_dir), database_url=None)
        for service in SERVICES:
            app = service_app(service, runtime)
            try:
                app.build_middleware_stack()
                for family in app.state.metrics_registry.collect():
                    names.update(family.name + s for s in _SUFFIXES[family.type])
            finally:
                app.state.application.close()
    return frozenset(names)


_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_CLAUSES = re.compile(
    r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", re.IGNORECASE
)
_IDENTIFIER = re.compile(r"(?<![\w:$.])([A-Za-z_:][\w:]*)(?![\w:]|\s*\()")
_KEYWORDS = frozenset(
    {"and", "or", "unless", "bool", "offset", "inf", "nan", "atan2", "by", "without", "on"}
)


def promql_metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (functions, labels and keywords left out)."""
    text = _STRINGS.sub('""', expr)
    text = re.sub(r"\{[^}]*\}", " ", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", " ", text)  # ranges, subqueries, $__rate_interval
    text = _CLAUSES.sub(" ", text)
    text = re.sub(r"\boffset\s+-?[\w$]+", " ", text)
    return {name for name in _IDENTIFIER.findall(text) if name.lower() not in _KEYWORDS}


def unknown_metrics(expressions: list[str]) -> dict[str, set[str]]:
    known = exposed_metric_names() | PROMETHEUS_SERIES
    return {expr: unknown for expr in expressions if (unknown := promql_metric_names(expr) - known)}


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("promtool")
    if executable is None:
        pytest.fail("promtool is missing: run `make system-deps` (Debian package prometheus)")
    return subprocess.run(
        [executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(RULES.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


# --- promtool ----------------------------------------------------------------------


def test_promtool_accepts_the_configuration():
    result = promtool("check", "config", "deploy/prometheus/prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 rule files found" in result.stdout + result.stderr


def test_promtool_accepts_the_rules():
    result = promtool("check", "rules", "deploy/prometheus/rules.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_rule_unit_tests_pass():
    result = promtool("test", "rules", "deploy/prometheus/rules.test.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_configuration_loads_the_rules_file():
    config = yaml.safe_load(CONFIG.read_text())
    assert [(CONFIG.parent / f).resolve() for f in config["rule_files"]] == [RULES.resolve()]
    tests = yaml.safe_load(RULE_TESTS.read_text())
    assert [(RULE_TESTS.parent / f).resolve() for f in tests["rule_files"]] == [RULES.resolve()]


# --- what the rules say ------------------------------------------------------------


def test_the_alerts_operators_need_are_there():
    names = [rule["alert"] for rule in rules() if "alert" in rule]
    assert len(names) == len(set(names)), "alert names must be unique"
    assert set(names) >= REQUIRED_ALERTS


def test_every_alert_fires_in_a_unit_test():
    tests = yaml.safe_load(RULE_TESTS.read_text())["tests"]
    fired = {
        case["alertname"]
        for test in tests
        for case in test.get("alert_rule_test", [])
        if case.get("exp_alerts")
    }
    assert {rule["alert"] for rule in rules() if "alert" in rule} <= fired


def runbook_anchors() -> set[str]:
    return {
        github_anchor(line.lstrip("#"))
        for line in RUNBOOK.read_text().splitlines()
        if line.startswith("#")
    }


def test_every_alert_has_a_severity_and_a_runbook_url_to_a_section_that_exists():
    anchors = runbook_anchors()
    assert RUNBOOK_URL.startswith("https://")
    assert RUNBOOK_URL.endswith("/docs/runbook.md")
    for rule in rules():
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}, rule["alert"]
        # runbook_url is the annotation Alertmanager integrations and Grafana link.
        assert "runbook" not in rule["annotations"], rule["alert"]
        document, _, anchor = rule["annotations"]["runbook_url"].partition("#")
        assert document == RUNBOOK_URL, rule["alert"]
        assert anchor in anchors, f"{rule['alert']}: no heading for #{anchor} in {RUNBOOK.name}"


def test_the_rule_unit_tests_expect_the_rules_links():
    tests = yaml.safe_load(RULE_TESTS.read_text())["tests"]
    links = {
        alert["exp_annotations"]["runbook_url"]
        for test in tests
        for case in test.get("alert_rule_test", [])
        for alert in case.get("exp_alerts", [])
    }
    assert links == {rule["annotations"]["runbook_url"] for rule in rules()}


def test_no_rule_says_a_metric_it_names_does_not_exist():
    """Comments that called a real gauge missing would send operators the wrong way."""
    text = RULES.read_text()
    assert "does not exist" not in text
    assert "no consumer-lag gauge" not in RUNBOOK.read_text()


def test_rules_name_only_metrics_the_services_expose():
    assert unknown_metrics([rule["expr"] for rule in rules()]) == {}


def test_metric_name_extraction():
    assert promql_metric_names(
        'sum by (service, le) (rate(http_request_duration_seconds_bucket{route!~"/a|/b"}'
        "[$__rate_interval]))"
    ) == {"http_request_duration_seconds_bucket"}
    assert promql_metric_names(
        "(x_total unless x_total offset 10m) > 0 and on (topic) min_over_time((a - b)[10m:1m])"
    ) == {"x_total", "a", "b"}
    assert promql_metric_names('up{job="samverkan"} == 0') == {"up"}


def test_the_services_expose_what_operators_watch():
    exposed = exposed_metric_names()
    assert {
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "samverkan_outbox_published_total",
        "samverkan_outbox_head",
        "samverkan_outbox_position",
        "samverkan_outbox_failures_total",
        "samverkan_outbox_log_losses_total",
        "samverkan_outbox_parked_total",
        "samverkan_consumer_messages_total",
        "samverkan_dead_letters_total",
        "samverkan_consumer_rewinds_total",
        "samverkan_consumer_lag",
        "samverkan_red_threads_overdue",
        "samverkan_audit_log_rewritten",
        "process_resident_memory_bytes",
        "process_cpu_seconds_total",
        "python_gc_objects_collected_total",
        "python_gc_collections_total",
    } <= exposed
