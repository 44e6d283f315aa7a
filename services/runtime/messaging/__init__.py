"""Kafka: the outbox relay, the tracked consumer, dead letters, republish, rebuild,
partitioning, the topic catalogue and the embedded broker.

Importing it turns off aiokafka's topic auto-creation for every client
(services.runtime.messaging.metadata): topics are created by ``ensure_topics`` only.
"""

from services.runtime.messaging.metadata import install

install()
