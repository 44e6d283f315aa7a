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

import pytest

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


LONG = """
import os
from pathlib import Path

import pytest

RAN = Path(__file__).parent / "ran"


@pytest.mark.parametrize("n", range(8))
def test_short(n: int) -> None:
    with RAN.open("a") as out:
        out.write(f"short {os.environ['PYTEST_XDIST_WORKER']}\\n")


@pytest.mark.long_running(60)
def test_long() -> None:
    with RAN.open("a") as out:
        out.write(f"long {os.environ['PYTEST_XDIST_WORKER']}\\n")


@pytest.mark.long_running(300)
def test_longest() -> None:
    with RAN.open("a") as out:
        out.write(f"longest {os.environ['PYTEST_XDIST_WORKER']}\\n")
"""


def run_on_two_workers(tmp_path: Path, tests: str) -> list[tuple[str, str]]:
    """(name, worker) of each test the tests ran, in the order they ran."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_grouped.py").write_text(tests)
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
    lines = (tmp_path / "ran").read_text().splitlines()
    return [(name, worker) for name, worker in (line.split() for line in lines)]


def test_a_group_and_a_module_platforms_tests_each_run_on_one_worker(tmp_path: Path) -> None:
    workers: dict[str, list[str]] = defaultdict(list)
    for name, worker in run_on_two_workers(tmp_path, TESTS):
        workers[name].append(worker)
    assert {name: len(ran) for name, ran in workers.items()} == {
        "named": 6,
        "platform": 6,
        "alone": 6,
    }
    assert len(set(workers["named"])) == 1, workers
    assert len(set(workers["platform"])) == 1, workers


def test_long_running_tests_start_first_longest_first_though_collected_last(
    tmp_path: Path,
) -> None:
    """A test of minutes dealt last runs alone while the other worker idles."""
    ran = run_on_two_workers(tmp_path, LONG)
    first_on: dict[str, str] = {}
    for name, worker in ran:
        first_on.setdefault(worker, name)
    assert sorted(first_on.values()) == ["long", "longest"], ran
    assert [name for name, _ in ran].count("short") == 8


def test_auto_starts_more_workers_than_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite mostly waits on processes it starts: ``-n auto`` uses the idle CPU."""
    from tests import grouping

    monkeypatch.delenv("PYTEST_XDIST_AUTO_NUM_WORKERS", raising=False)
    cores = len(os.sched_getaffinity(0))
    workers = grouping.pytest_xdist_auto_num_workers(config=None)  # type: ignore[arg-type]
    assert workers is not None
    assert workers > cores


def test_xdists_own_variable_still_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests import grouping

    monkeypatch.setenv("PYTEST_XDIST_AUTO_NUM_WORKERS", "5")
    assert grouping.pytest_xdist_auto_num_workers(config=None) is None  # type: ignore[arg-type]
