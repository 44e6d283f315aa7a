"""Consent decision latency (C-9) at a fixed rate, against a constant FastAPI baseline.

The consent service runs as ``make run`` runs it (own process, SQLite store
under a temporary var dir, embedded broker); the baseline is a FastAPI
endpoint in its own uvicorn process returning a constant for the same
request. Both are driven open-loop by bench/loadgen.py.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.loadgen import LatencyFigures, run
from bench.stack import UNLIMITED_CALLER
from contracts import OrgType, Role
from services.runtime.http.development_tokens import DEV_AUDIENCE, DEV_ISSUER, DevelopmentSigner
from services.runtime.kernel.actor import Actor
from services.runtime.messaging.embedded_broker import EmbeddedBroker, free_port
from services.runtime.ops.run import start_service

SOCIAL = Actor("SE2120000001-S001", "SE2120000001-SOC1", OrgType.SOCIAL_SERVICES, Role.CASEWORKER)
HEALTH_UNIT = "SE2321000016-HC01"


def _wait_ready(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code in (200, 404):
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise TimeoutError(url)


def measure(
    broker: EmbeddedBroker, var_dir: Path, rate: float, seconds: float
) -> dict[str, LatencyFigures]:
    port, baseline_port = free_port(), free_port()
    env = {
        **os.environ,
        "SAMVERKAN_KAFKA_BOOTSTRAP": broker.bootstrap,
        "SAMVERKAN_VAR_DIR": str(var_dir),
        "SAMVERKAN_CONSENT_HTTP_PORT": str(port),
        # As bench.stack: the default 10 s made the broker hold consent's first group
        # join ~3 s longer before it is ready, a wait that measures nothing here.
        "SAMVERKAN_KAFKA_SESSION_TIMEOUT_MS": "3000",
        "SAMVERKAN_LOG_LEVEL": "WARNING",
        "SAMVERKAN_ENVIRONMENT": "development",  # development keys under var_dir
        # 500/s from one caller is over the read limit: without this the figure was
        # of 429 answers (3,044 errors, p99 418 ms), not of the decision.
        **UNLIMITED_CALLER,
    }
    var_dir.mkdir(parents=True, exist_ok=True)
    signer = DevelopmentSigner.load_or_create(var_dir / "dev-signing-key.pem")
    token = signer.mint(SOCIAL, issuer=DEV_ISSUER, audience=DEV_AUDIENCE, now=datetime.now(UTC))
    headers = {"Authorization": f"Bearer {token}"}
    consent = start_service("consent", env, var_dir)
    baseline = subprocess.Popen([sys.executable, "-m", "bench.constant_app", str(baseline_port)])
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_ready(url)
        _wait_ready(f"http://127.0.0.1:{baseline_port}")
        given = httpx.post(
            f"{url}/v1/consents",
            headers=headers,
            json={
                "personnummer": "19121212-1212",
                "purpose": "sip",
                "parties": [SOCIAL.org_id, HEALTH_UNIT],
                "form": "written",
                "informed": True,
            },
        )
        given.raise_for_status()
        query = (
            f"/v1/decisions?subject={given.json()['subject_id']}&from_org={SOCIAL.org_id}"
            f"&to_org={HEALTH_UNIT}&purpose=sip"
        )
        return {
            "constant FastAPI endpoint": asyncio.run(
                run(f"http://127.0.0.1:{baseline_port}{query}", headers, rate, seconds)
            ),
            "consent decision (C-9)": asyncio.run(run(f"{url}{query}", headers, rate, seconds)),
        }
    finally:
        for process in (consent, baseline):
            process.terminate()
            process.wait(15)
