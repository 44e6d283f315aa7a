"""Alertmanager's configuration is valid, routes every alert the rules raise, and
gets its webhook from the secret compose hands it.

amtool (Debian package ``prometheus-alertmanager``, installed by ``make
system-deps``) checks the file and answers which receiver an alert reaches.
Debian's amtool is 0.25, older than the ``url_file`` field (Alertmanager 0.26)
that keeps the webhook's URL out of the file, so amtool checks a copy in which
each ``url_file`` is replaced by an inline ``url``; that the fields are
otherwise the ones Alertmanager knows, and the routes, are amtool's to judge.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.contract.test_alert_rules import rules

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "deploy" / "alertmanager" / "alertmanager.yml"
PROMETHEUS_CONFIG = ROOT / "deploy" / "prometheus" / "prometheus.yml"
COMPOSE_FILE = ROOT / "docker-compose.yml"
WEBHOOK_URL_FILE = "/etc/alertmanager/webhook-url"


def config() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(CONFIG.read_text())
    return document


def webhooks(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [hook for r in document["receivers"] for hook in r.get("webhook_configs", [])]


@pytest.fixture(scope="module")
def checked_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """alertmanager.yml with each ``url_file`` made an inline ``url`` for amtool 0.25."""
    document = config()
    for hook in webhooks(document):
        hook["url"] = "https://alerts.example.org/samverkan"
        del hook["url_file"]
    path = tmp_path_factory.mktemp("alertmanager") / "alertmanager.yml"
    path.write_text(yaml.safe_dump(document))
    return path


def amtool(*args: str) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("amtool")
    if executable is None:
        pytest.fail("amtool is missing: run `make system-deps` (package prometheus-alertmanager)")
    return subprocess.run(
        [executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )


def receiver_for(path: Path, **labels: str) -> str:
    """The receiver amtool's routing tree gives an alert with these labels."""
    pairs = [f"{name}={value}" for name, value in labels.items()]
    result = amtool("config", "routes", "test", f"--config.file={path}", *pairs)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


def test_amtool_accepts_the_configuration(checked_copy):
    result = amtool("check-config", str(checked_copy))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_amtool_refuses_a_broken_configuration(tmp_path, checked_copy):
    broken = yaml.safe_load(checked_copy.read_text())
    broken["route"]["routes"][0]["receiver"] = "nobody"
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump(broken))
    assert amtool("check-config", str(path)).returncode != 0


def test_critical_alerts_reach_their_own_receiver_the_rest_the_operators(checked_copy):
    assert receiver_for(checked_copy, alertname="SamverkanProcessDown", severity="critical") == (
        "operators-critical"
    )
    assert receiver_for(checked_copy, alertname="SamverkanDeadLetters", severity="warning") == (
        "operators"
    )
    assert receiver_for(checked_copy, alertname="Unlabelled") == "operators"


def test_every_alert_the_rules_raise_reaches_a_receiver_that_posts_somewhere(checked_copy):
    receivers = {r["name"]: r for r in config()["receivers"]}
    for rule in rules():
        name = receiver_for(
            checked_copy, alertname=rule["alert"], severity=rule["labels"]["severity"]
        )
        assert webhooks({"receivers": [receivers[name]]}), f"{rule['alert']}: {name} sends nothing"


def test_a_service_that_is_down_holds_back_only_its_own_warnings():
    (inhibit,) = config()["inhibit_rules"]
    assert inhibit["source_matchers"] == ['alertname="SamverkanProcessDown"']
    assert inhibit["target_matchers"] == ['severity="warning"']
    assert inhibit["equal"] == ["service"]


def test_the_webhook_url_is_the_secret_compose_mounts_never_in_the_file():
    hooks = webhooks(config())
    assert hooks
    assert all(hook == {"url_file": WEBHOOK_URL_FILE, "send_resolved": True} for hook in hooks)
    compose = yaml.safe_load(COMPOSE_FILE.read_text())
    service = compose["services"]["alertmanager"]
    (mounted,) = service["configs"]
    assert mounted["target"] == WEBHOOK_URL_FILE
    content = compose["configs"][mounted["source"]]["content"]
    assert content.startswith("${ALERTMANAGER_WEBHOOK_URL:?"), "required, no default"
    assert (
        "./deploy/alertmanager/alertmanager.yml:/etc/alertmanager/alertmanager.yml:ro"
        in service["volumes"]
    )
    # url_file came with Alertmanager 0.26: the pinned image must be newer.
    image, _, version = service["image"].partition(":v")
    assert image == "prom/alertmanager"
    assert tuple(int(part) for part in version.split(".")) >= (0, 26, 0)


def test_prometheus_sends_its_alerts_to_compose_s_alertmanager():
    (alertmanager,) = yaml.safe_load(PROMETHEUS_CONFIG.read_text())["alerting"]["alertmanagers"]
    (static,) = alertmanager["static_configs"]
    compose = yaml.safe_load(COMPOSE_FILE.read_text())
    published = compose["services"]["alertmanager"]["ports"]
    assert static["targets"] == ["alertmanager:9093"]
    assert published == ["127.0.0.1:9093:9093"]
