"""The AsyncAPI CLI (@asyncapi/cli), as partners run it, offline and without analytics.

It is installed project-locally from package.json by ``make node-deps`` (part of
``make install``); the contract tests validate the documents with it and the partner
test generates models with it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support import ROOT

CLI = ROOT / "node_modules" / ".bin" / "asyncapi"


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`asyncapi <args>` in `cwd` (a test's tmp_path); fails the test when the CLI is missing."""
    if shutil.which("node") is None or not CLI.exists():
        pytest.fail("the AsyncAPI CLI is missing: run `make node-deps` (needs npm)")
    # No usage metrics leave the machine (CI=true turns them off), and no
    # analytics file is written to the home directory.
    analytics = cwd / "asyncapi-analytics.json"
    analytics.write_text(json.dumps({"analyticsEnabled": "false", "infoMessageShown": "true"}))
    env = {
        **os.environ,
        "CI": "true",
        "ASYNCAPI_METRICS_CONFIG_PATH": str(analytics),
        "SUPPRESS_NO_CONFIG_WARNING": "1",
    }
    return subprocess.run(
        [str(CLI), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
