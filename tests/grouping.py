"""Which tests xdist keeps on one worker (``--dist loadgroup``, as ``make test`` runs).

A plugin of its own (tests/conftest.py names it), with nothing to import but pytest, so
tests/unit/test_xdist_grouping.py can run it in a pytest of its own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

MODULE_PROCESSES = frozenset({"module_platform", "module_settings"})
"""Fixtures whose users start service processes once per module (`module_platform`, or a
module's own fixture on `module_settings`)."""


LONG_RUNNING = "long_running"
"""The marker of a test that takes minutes on a loaded runner (its argument: about how many
seconds), which xdist starts before everything shorter (`_longest_first`)."""


WORKERS_PER_CORE = 1.5
"""``-n auto``'s workers per core: the suite mostly waits (services starting, consumer groups
joining, brokers restarting), and a clean 2-core CI run with one worker per core left the
CPU about a third idle (vmstat, 2026-12-06)."""


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """More workers than cores for ``make test``'s ``-n auto`` (`WORKERS_PER_CORE`); xdist's
    own ``PYTEST_XDIST_AUTO_NUM_WORKERS`` still decides where it is set."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    cores = len(os.sched_getaffinity(0))
    return max(2, round(cores * WORKERS_PER_CORE))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{LONG_RUNNING}(seconds): takes minutes on a loaded 2-core runner; "
        "started before shorter work, so that it does not run alone at the end",
    )
    if hasattr(config.option, "loadscopereorder"):
        # The workers report the order to deal the work in (`_longest_first`); xdist's own
        # reordering (by test count alone) would undo it.
        config.option.loadscopereorder = False


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> Iterator[None]:
    """Tests sharing what a module started run on one xdist worker, and ``xdist_group``
    keeps its promise under pytest 9.2.

    Under ``--dist loadgroup`` each ungrouped test is a unit of its own, dealt to
    whichever worker is free: a module's tests went to both workers in turn, and each
    started the module's processes (`module_platform`'s four services twice per
    module). Such a test is put in a group named after its module (xdist hands out the
    groups first, so they do not make the run's tail); a group a test names itself is
    kept, and a module with other costly module fixtures names its group itself.

    xdist (3.8) then marks a grouped test by appending ``@group`` to ``item._nodeid``,
    which pytest 9.2 no longer reads (a node's id is ``item._id``): every group was
    silently dealt out test by test. After xdist's hook the grouped id is made the
    item's id, as xdist meant (`_grouped_ids`).
    """
    for item in items:
        if item.get_closest_marker("xdist_group") is not None:
            continue
        if MODULE_PROCESSES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))
    result = yield
    _grouped_ids(items)
    if hasattr(config, "workerinput"):  # an xdist worker: xdist deals work in its order
        items[:] = _longest_first(items)
    return result


def _longest_first(items: list[pytest.Item]) -> list[pytest.Item]:
    """The items, whole units of work (an xdist group, or a test of its own) at a time: the
    `LONG_RUNNING` ones first, longest first, then the groups, most tests first, then the
    rest as collected.

    Two workers share a run; a unit of minutes dealt last (the chaos campaign, the bench
    smoke run, a story on four services) ran alone while the other worker sat idle, and
    xdist, which orders units by their number of tests only, dealt them in collection
    order among the single tests. Only on an xdist worker: in one process, moving a test
    away from its module would set up its module's fixtures twice.
    """
    units: dict[str, list[pytest.Item]] = {}
    for item in items:
        units.setdefault(_unit(item.nodeid), []).append(item)

    def weight(unit: list[pytest.Item]) -> tuple[float, int]:
        seconds = max(_seconds(item) for item in unit)
        return (-seconds, -len(unit))

    ordered = sorted(units.values(), key=weight)  # stable: otherwise as collected
    return [item for unit in ordered for item in unit]


def _unit(nodeid: str) -> str:
    """The unit of work a test belongs to, as xdist's loadgroup splits it: its group, or the
    test itself."""
    if nodeid.rfind("@") > nodeid.rfind("]"):
        return nodeid.split("@")[-1]
    return nodeid


def _seconds(item: pytest.Item) -> float:
    marker = item.get_closest_marker(LONG_RUNNING)
    if marker is None:
        return 0.0
    return float(marker.args[0] if marker.args else marker.kwargs.get("seconds", 1))


def _grouped_ids(items: list[pytest.Item]) -> None:
    """Each item's id as xdist's loadgroup set it (``path::test@group``), where the pytest
    in use took no notice; nothing to do without xdist, or where pytest reads it."""
    for item in items:
        grouped = getattr(item, "_nodeid", None)
        if isinstance(grouped, str) and grouped != item.nodeid:
            from _pytest.nodeid import NodeId  # pytest >= 9.2, where ids are structured

            item._id = NodeId.parse(grouped)  # type: ignore[attr-defined]
