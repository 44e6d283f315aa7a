"""An alert reaches the webhook: real Prometheus, the rules, real Alertmanager, its routes.

Prometheus (Debian's binary) evaluates deploy/prometheus/rules.yml every
second against a target nobody serves, and sends what fires to Alertmanager
(Debian's ``prometheus-alertmanager``) running deploy/alertmanager/alertmanager.yml.
The webhook is a small HTTP server in the test. Debian's Alertmanager (0.25)
predates ``url_file``, so the configuration it runs has each ``url_file``
replaced by the test server's URL; routes, grouping and receivers are the file's.

Only the waits are the test's own: the alert's ``for: 1m`` and the critical
route's ``group_wait: 10s`` are shortened in the copies it runs (they kept the
test waiting over a minute for nothing it checks). The rule's expression,
labels and annotations, and the route, grouping and receiver, are the files';
that ``SamverkanProcessDown`` waits a minute before it fires is promtool's to
prove (deploy/prometheus/rules.test.yml, tests/contract/test_alert_rules.py).
"""

from __future__ import annotations

import http.server
import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.runtime.messaging.embedded_broker import free_port
from tests.support import wait_for

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "rules.yml"
ALERTMANAGER_CONFIG = ROOT / "deploy" / "alertmanager" / "alertmanager.yml"
ALERT = "SamverkanProcessDown"
SHORT_WAIT = "1s"
"""The test's ``for`` of the alert and ``group_wait`` of its route (the files': 1m, 10s)."""


def rules_firing_at_once(path: Path) -> Path:
    """A copy of the rules with `ALERT` firing after `SHORT_WAIT`, at `path`."""
    document = yaml.safe_load(RULES.read_text())
    (rule,) = [r for g in document["groups"] for r in g["rules"] if r.get("alert") == ALERT]
    assert rule["for"] == "1m"  # what rules.test.yml holds; only this copy waits less
    rule["for"] = SHORT_WAIT
    path.write_text(yaml.safe_dump(document))
    return path


def alertmanager_config(webhook_url: str, path: Path) -> Path:
    """A copy of alertmanager.yml posting to `webhook_url` (no ``url_file`` in 0.25), its
    critical route waiting `SHORT_WAIT` before the first notification, at `path`."""
    config = yaml.safe_load(ALERTMANAGER_CONFIG.read_text())
    for receiver in config["receivers"]:
        for hook in receiver.get("webhook_configs", []):
            hook["url"] = webhook_url
            del hook["url_file"]
    (critical,) = [r for r in config["route"]["routes"] if r["receiver"] == "operators-critical"]
    assert critical["group_wait"] == "10s"
    critical["group_wait"] = SHORT_WAIT
    path.write_text(yaml.safe_dump(config))
    return path


class Webhook(http.server.ThreadingHTTPServer):
    """Keeps every notification Alertmanager posts."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                server.received.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the test reports what it received."""

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/alerts"


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    server = Webhook()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def running(command: list[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def binary(*names: str) -> str:
    for name in names:
        if found := shutil.which(name):
            return found
    pytest.fail(f"{names[0]} is missing: run `make system-deps`")


def test_a_service_that_is_down_reaches_the_critical_receiver(webhook, tmp_path):
    config = alertmanager_config(webhook.url, tmp_path / "alertmanager.yml")
    alertmanager_port = free_port()
    alertmanager = [
        binary("prometheus-alertmanager", "alertmanager"),
        f"--config.file={config}",
        f"--storage.path={tmp_path / 'alertmanager'}",
        f"--web.listen-address=127.0.0.1:{alertmanager_port}",
        "--cluster.listen-address=",  # one instance: no gossip port to collide on
    ]
    prometheus_config = {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(rules_firing_at_once(tmp_path / "rules.yml"))],
        "alerting": {
            "alertmanagers": [{"static_configs": [{"targets": [f"127.0.0.1:{alertmanager_port}"]}]}]
        },
        "scrape_configs": [
            {
                "job_name": "samverkan",
                "static_configs": [
                    {"targets": [f"127.0.0.1:{free_port()}"], "labels": {"service": "consent"}}
                ],
            }
        ],
    }
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(prometheus_config))
    prometheus = [
        binary("prometheus"),
        f"--config.file={tmp_path / 'prometheus.yml'}",
        f"--storage.tsdb.path={tmp_path / 'prometheus'}",
        f"--web.listen-address=127.0.0.1:{free_port()}",
    ]
    with (
        running(alertmanager, tmp_path / "alertmanager.log") as am,
        running(prometheus, tmp_path / "prometheus.log") as prom,
    ):

        def delivered() -> list[dict[str, Any]]:
            for process, log in ((am, "alertmanager.log"), (prom, "prometheus.log")):
                if process.poll() is not None:
                    raise AssertionError(f"{log}: {(tmp_path / log).read_text()[-3000:]}")
            return webhook.received

        # SamverkanProcessDown: `up == 0` for 1 s here, then the critical route's 1 s wait.
        wait_for(delivered, timeout=60, interval=0.2)

    (notification, *_) = webhook.received
    assert notification["receiver"] == "operators-critical"
    assert notification["status"] == "firing"
    (alert,) = notification["alerts"]
    assert alert["labels"]["alertname"] == ALERT
    assert alert["labels"]["service"] == "consent"
    assert alert["labels"]["severity"] == "critical"
    assert alert["annotations"]["runbook_url"].endswith("/docs/runbook.md#a-service-is-down")
    assert notification["groupLabels"] == {
        "alertname": "SamverkanProcessDown",
        "service": "consent",
    }
