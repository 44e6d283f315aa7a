"""The README's curl story works as written against a running platform.

The block between the story markers is run with bash, with only the ports
moved to this test's services (so tests can run in parallel).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable

import pytest

from contracts import SERVICES
from tests.support import ROOT, ServiceProcess, settings_env

DEFAULT_PORTS = {"consent": 8001, "cases": 8002, "escalation": 8003, "reporting": 8004}


def readme_story() -> str:
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- story:start -->")[1].split("<!-- story:end -->")[0]
    return block.strip().removeprefix("```sh").removesuffix("```")


@pytest.mark.long_running(120)  # four services, started before shorter work (tests/grouping.py)
@pytest.mark.timeout(300)  # the four services start inside the test, not in a fixture
def test_readme_curl_story_runs_against_the_platform(
    start_services: Callable[..., dict[str, ServiceProcess]],
) -> None:
    platform = start_services(*SERVICES)
    script = readme_story()
    for service, port in DEFAULT_PORTS.items():
        script = script.replace(f"localhost:{port}", f"localhost:{platform[service].port}")

    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=ROOT,
        env={**os.environ, **settings_env(platform["consent"].settings)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert '"rule":"E-1"' in out  # social services may not pull
    assert '"rule":"E-3"' in out  # 20 days out is too late
    assert '"legal_basis":"consent"' in out  # scheduled on the consent
    assert "BEGIN:VEVENT" in out  # found on social services' own work list (W-1)
    assert re.search(r"SEQUENCE:[1-9]", out)  # moved (W-2): an update of the entry
    assert re.search(r'"red_threads":\[\{"month":"[0-9-]+","dimension":"police"', out)
    assert '"count":null,"suppressed":true' in out
