"""``make test``'s ``--dist loadgroup`` keeps each ``xdist_group`` on one worker.

Under pytest 9.2 and xdist 3.8 it did not: xdist wrote the group into an attribute
pytest no longer reads, and every group (one Chromium, one service process for a
module, a module's four services) was dealt out test by test (tests/grouping.py). A
pytest of its own runs tests.grouping over a few tests that say which worker ran them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

TESTS = """
import os
from pathlib import Path

import pytest

RAN = Path(__file__).parent / "ran"


def ran(name: str) -> None:
    with RAN.open("a") as out:
        out.write(f"{name} {os.environ['PYTEST_XDIST_WORKER']}\\n")


@pytest.fixture(scope="module")
def module_platform() -> str:
    return "started once for the module"


@pytest.mark.xdist_group("named")
@pytest.mark.parametrize("n", range(6))
def test_named(n: int) -> None:
    ran("named")


@pytest.mark.parametrize("n", range(6))
def test_on_the_platform(module_platform: str, n: int) -> None:
    ran("platform")


@pytest.mark.parametrize("n", range(6))
def test_alone(n: int) -> None:
    ran("alone")
"""


def test_a_group_and_a_module_platforms_tests_each_run_on_one_worker(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_grouped.py").write_text(TESTS)
    # Only the plugins at stake (no other plugin's import to wait for): xdist and ours.
    pytest = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "xdist.plugin",
        "-n",
        "2",
        "--dist",
        "loadgroup",
    ]
    run = subprocess.run(
        [*pytest, "-p", "tests.grouping", "-p", "no:cacheprovider", "-q", str(tmp_path)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    workers: dict[str, list[str]] = defaultdict(list)
    for line in (tmp_path / "ran").read_text().splitlines():
        name, worker = line.split()
        workers[name].append(worker)
    assert {name: len(ran) for name, ran in workers.items()} == {
        "named": 6,
        "platform": 6,
        "alone": 6,
    }
    assert len(set(workers["named"])) == 1, workers
    assert len(set(workers["platform"])) == 1, workers
