"""Which tests xdist keeps on one worker (``--dist loadgroup``, as ``make test`` runs).

A plugin of its own (tests/conftest.py names it), with nothing to import but pytest, so
tests/unit/test_xdist_grouping.py can run it in a pytest of its own.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

MODULE_PROCESSES = frozenset({"module_platform", "module_settings"})
"""Fixtures whose users start service processes once per module (`module_platform`, or a
module's own fixture on `module_settings`)."""


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> Iterator[None]:
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
    return result


def _grouped_ids(items: list[pytest.Item]) -> None:
    """Each item's id as xdist's loadgroup set it (``path::test@group``), where the pytest
    in use took no notice; nothing to do without xdist, or where pytest reads it."""
    for item in items:
        grouped = getattr(item, "_nodeid", None)
        if isinstance(grouped, str) and grouped != item.nodeid:
            from _pytest.nodeid import NodeId  # pytest >= 9.2, where ids are structured

            item._id = NodeId.parse(grouped)  # type: ignore[attr-defined]
