"""Topic names: the public catalogue and the private prefix for parallel tests."""

import pytest

from contracts import EVENT_TOPICS, PARTITIONS, dlq_topic, events_topic


def test_each_service_publishes_to_its_own_events_topic():
    assert dict(EVENT_TOPICS) == {
        "consent": "samverkan.consent.events",
        "cases": "samverkan.cases.events",
        "escalation": "samverkan.escalation.events",
        "reporting": "samverkan.reporting.events",
    }
    assert events_topic("consent") == "samverkan.consent.events"
    assert PARTITIONS == 3


def test_dead_letters_go_to_one_topic_per_consumer():
    assert dlq_topic("escalation") == "samverkan.escalation.dlq"


def test_prefix_gives_private_topic_names():
    assert events_topic("consent", prefix="t1a2b3.samverkan") == "t1a2b3.samverkan.consent.events"
    assert dlq_topic("reporting", prefix="t1a2b3.samverkan") == "t1a2b3.samverkan.reporting.dlq"


@pytest.mark.parametrize(
    "call",
    [
        lambda: events_topic("billing"),
        lambda: events_topic("consent", prefix=""),
        lambda: events_topic("consent", prefix="a b"),
        lambda: dlq_topic("../etc"),
    ],
)
def test_names_kafka_would_refuse_or_no_service_owns_are_errors(call):
    with pytest.raises(ValueError, match=r"service|topic name"):
        call()
