"""docs/partners.md stays current: every published event is in its topic's row, and every
event the "who must act" table names exists (W-1)."""

from __future__ import annotations

import re

from contracts.base import EVENT_TYPES, event_name
from tests.support import ROOT

GUIDE = (ROOT / "docs" / "partners.md").read_text(encoding="utf-8")


def topic_rows() -> dict[str, set[str]]:
    rows = {}
    for line in GUIDE.splitlines():
        found = re.match(r"\| `samverkan\.(\w+)\.events` \| \w+ \| (.*) \|$", line)
        if found:
            rows[found.group(1)] = set(re.findall(r"`(\w+)`", found.group(2)))
    return rows


def test_every_published_event_is_listed_under_its_topic() -> None:
    """By its CloudEvents name: `SubjectErased` stands for both its versions."""
    rows = topic_rows()
    published: dict[str, set[str]] = {}
    for event in EVENT_TYPES.values():
        published.setdefault(event.service, set()).add(event_name(event.__name__, event.version))

    assert rows == published


def test_w1_every_event_the_who_must_act_table_names_is_published() -> None:
    section = GUIDE.split("## Who must act", 1)[1].split("\n## ", 1)[0]
    named = {
        name
        for row in section.splitlines()
        if row.startswith("| `")
        for name in re.findall(r"`([A-Z]\w+)`", row.split("|")[1])
    }
    known = {event.__name__ for event in EVENT_TYPES.values()}

    assert named
    assert named <= known, named - known
