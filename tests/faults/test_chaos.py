"""The reliability campaign, short (#12): faults under load, nothing lost, nothing doubled.

The whole platform as processes (its own broker, its own PostgreSQL, the four
services on free ports; its own topic and schema prefixes, so it shares
nothing with tests running beside it), a few hundred consents given and
withdrawn through HTTP, and meanwhile: every service process, consent's
relay, escalation's consumer and two reporting consumers each SIGKILLed
once, the broker restarted with its log lost, the database stopped and
started, a second escalation replica in and out of the consumer group, and
50 poison messages. The checker then holds every downstream projection to
what the API acknowledged. The long variant is ``make chaos``.

The faults of #19 (the campaign part), each of which stalled, doubled or
silently dropped something before its fix: every event of six marked
subjects sent undecodable by consent's own relay, inside its chain; the
dead-letter topics unavailable while the poison arrives; one of the two
reporting consumer processes stopped and started twice (reporting's count
of consents must equal the topic's); the leading consent relay frozen past
its lease (the other must take over); and consent's topic re-created with
more partitions, then ``outbox republish`` of everything.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bench.chaos.campaign import run
from bench.chaos.plan import SHORT

log = logging.getLogger(__name__)


@pytest.mark.broker
@pytest.mark.timeout(400)
@pytest.mark.long_running(270)  # tests/grouping.py: started before shorter work
def test_faults_under_load_lose_nothing_double_nothing_and_keep_each_subjects_order(
    tmp_path: Path,
) -> None:
    report = run(SHORT, tmp_path / "var", log.warning)
    log.warning("%s", report.render())
    assert not report.failures(), report.render()
    assert sum(report.kills.values()) == len(report.kills) >= 8
    assert report.dead_letters.found == report.dead_letters.copies == 3 * SHORT.poison
    assert report.chain.messages >= report.chain.steps > 0
    assert report.chain.found == report.chain.expected == 3 * report.chain.messages
    assert len(report.takeovers) == SHORT.relay_freezes
    assert report.consents_counted == report.consents_on_topic > 0
