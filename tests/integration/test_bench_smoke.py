"""`make bench` keeps working: its smoke variant runs every benchmark for a moment (#11).

The figures of a smoke run mean nothing (seconds of load on a busy machine);
what is checked is that every figure is produced, beside its baseline, and
that the load got through end to end without errors.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.broker, pytest.mark.timeout(300)]


def test_the_benchmark_smoke_run_prints_and_saves_every_figure(tmp_path: Path) -> None:
    output = tmp_path / "latest.json"
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    for line in ("outbox relay publish", "e2e HTTP → reporting projection", "target"):
        assert line in run.stdout
    results = json.loads(output.read_text())
    assert {f["name"] for f in results["figures"]} == {
        "outbox relay publish",
        "tracked consumer apply (SQLite)",
    }
    assert all(f["rate"] > 0 and f["baseline"] > 0 for f in results["figures"])
    assert results["e2e"]["accepted"] > 0
    assert results["e2e"]["errors"] == 0
    assert results["e2e"]["rate"] > 0
    assert results["e2e"]["baseline"] > 0
    assert all(lat["errors"] == 0 for lat in results["latency"].values())
    assert set(results["idle_rss_mb"]) == {"consent", "cases", "escalation", "reporting"}
    assert len(results["targets"]) == 9
    assert results["rebuild"]["rate"] > 0
    assert len(results["growth"]) == 2
