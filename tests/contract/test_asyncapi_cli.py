"""contracts/asyncapi.yaml passes the AsyncAPI project's own validator (@asyncapi/cli).

test_generated.py proves the document is what contracts/ generates; this proves
that partners' tooling accepts it. The CLI is installed project-locally from
package.json by ``make node-deps`` (part of ``make install``), so the test
needs no network.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "contracts" / "asyncapi.yaml"
CLI = ROOT / "node_modules" / ".bin" / "asyncapi"


def validate(path: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    if shutil.which("node") is None or not CLI.exists():
        pytest.fail("the AsyncAPI CLI is missing: run `make node-deps` (needs npm)")
    # No usage metrics leave the machine (CI=true turns them off), and no
    # analytics file is written to the home directory.
    analytics = tmp_path / "asyncapi-analytics.json"
    analytics.write_text(json.dumps({"analyticsEnabled": "false", "infoMessageShown": "true"}))
    env = {
        **os.environ,
        "CI": "true",
        "ASYNCAPI_METRICS_CONFIG_PATH": str(analytics),
        "SUPPRESS_NO_CONFIG_WARNING": "1",
    }
    return subprocess.run(
        [str(CLI), "validate", str(path), "--fail-severity", "warn"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_asyncapi_document_is_valid(tmp_path):
    result = validate(DOCUMENT, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is valid" in result.stdout + result.stderr


def test_the_validator_rejects_a_broken_document(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(DOCUMENT.read_text().replace("channels:", "chanels:", 1))
    result = validate(broken, tmp_path)
    assert result.returncode != 0, result.stdout + result.stderr
