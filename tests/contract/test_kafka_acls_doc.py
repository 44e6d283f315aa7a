"""docs/kafka-acls.md stays true to the services: each principal's row writes exactly its
own topic, dead letters and access-log anchors, reads exactly its own topic, its anchors and
the topics it consumes, and uses its own consumer group."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from contracts import SERVICES, dlq_topic, events_topic
from contracts.topics import audit_anchor_topic

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "kafka-acls.md").read_text()


def upstream_of(service: str) -> set[str]:
    """The services a service consumes, as its composition root declares them."""
    tree = ast.parse((ROOT / "services" / service / "service.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "upstream":
            return set(ast.literal_eval(node.value))
    return set()


def row(service: str) -> list[str]:
    match = re.search(rf"^\| `User:samverkan-{service}` \|(.+)\|$", DOC, re.MULTILINE)
    assert match, f"no ACL row for {service}"
    return [cell.strip() for cell in match.group(1).split("|")]


def topics(cell: str) -> set[str]:
    return set(re.findall(r"`([^`]+)`", cell))


@pytest.mark.parametrize("service", SERVICES)
def test_each_principal_writes_only_its_own_topics_and_reads_what_it_consumes(
    service: str,
) -> None:
    write, read, group = row(service)
    anchors = audit_anchor_topic(service)
    assert topics(write) == {events_topic(service), dlq_topic(service), anchors}
    consumed = {events_topic(upstream) for upstream in upstream_of(service)}
    assert topics(read) == {events_topic(service), anchors} | consumed
    assert topics(group) == {f"samverkan.{service}"}
