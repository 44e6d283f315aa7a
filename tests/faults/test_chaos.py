"""The reliability campaign, short (#12): faults under load, nothing lost, nothing doubled.

The whole platform as processes (its own broker, its own PostgreSQL, the four
services on free ports; its own topic and schema prefixes, so it shares
nothing with tests running beside it), a few hundred consents given and
withdrawn through HTTP, and meanwhile: every service process, consent's
relay and escalation's consumer each SIGKILLed once, the broker restarted
with its log lost, the database stopped and started, a second escalation
replica in and out of the consumer group, and 50 poison messages. The
checker then holds every downstream projection to what the API
acknowledged. The long variant is ``make chaos``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bench.chaos.campaign import SHORT, run

log = logging.getLogger(__name__)


@pytest.mark.broker
@pytest.mark.timeout(400)
def test_faults_under_load_lose_nothing_double_nothing_and_keep_each_subjects_order(
    tmp_path: Path,
) -> None:
    report = run(SHORT, tmp_path / "var", log.warning)
    log.warning("%s", report.render())
    assert not report.failures(), report.render()
    assert sum(report.kills.values()) == len(report.kills) >= 6
    assert report.dead_letters.found == 3 * SHORT.poison
