"""No Kafka client of ours creates a topic by asking about it.

aiokafka asks for a topic's metadata with auto-creation on. After the embedded
broker lost its log, the topics no one had produced to yet were made again that
way, with the broker's 4 partitions rather than the catalogue's 3, while the
consumer group's leader waited on their metadata: the broker-restart test failed
one run in four (services.runtime.messaging.metadata). Topics are created by
``ensure_topics`` only.
"""

from __future__ import annotations

import importlib
import pkgutil

import aiokafka
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.protocol.metadata import MetadataRequest, MetadataRequest_v4

from contracts import events_topic
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.messaging.kafka import client_options, producer_options, started
from services.runtime.messaging.metadata import CatalogueOnlyMetadataRequest
from services.runtime.settings import RuntimeSettings


async def listed(settings: RuntimeSettings) -> list[str]:
    """The topics the broker lists (asked for all: a request that never creates one)."""
    async with started(AIOKafkaAdminClient(**client_options(settings))) as admin:
        return await admin.list_topics()


async def test_no_client_creates_the_topic_it_asks_about(
    runtime_settings: RuntimeSettings, private_kafka: EmbeddedBroker
) -> None:
    settings = runtime_settings.model_copy(update={"kafka_bootstrap": private_kafka.bootstrap})
    missing = events_topic("cases", prefix=settings.topic_prefix)
    producer = AIOKafkaProducer(**producer_options(settings))
    consumer = AIOKafkaConsumer(**client_options(settings), group_id=f"{settings.topic_prefix}.x")
    async with started(producer):
        # What a producer's send and a consumer's subscription ask before anything else.
        await producer.client._metadata_update(producer.client.cluster, [missing])
    async with started(consumer):
        await consumer._client._metadata_update(consumer._client.cluster, [missing])
    async with started(AIOKafkaAdminClient(**client_options(settings))) as admin:
        described = await admin.describe_topics([missing])
    assert described[0]["error_code"] == 3  # UNKNOWN_TOPIC_OR_PARTITION
    assert missing not in await listed(settings)


def test_every_aiokafka_module_that_asks_for_metadata_asks_without_creating() -> None:
    """An aiokafka upgrade that builds metadata requests somewhere new is caught here."""
    builders = []
    for module_info in pkgutil.walk_packages(aiokafka.__path__, "aiokafka."):
        try:
            module = importlib.import_module(module_info.name)
        except ImportError:  # an optional dependency (compression, Kerberos) not installed
            continue
        if getattr(module, "MetadataRequest", None) is MetadataRequest:
            builders.append(module_info.name)
    assert builders == ["aiokafka.protocol.metadata"]  # where it is defined, and nowhere else
    struct = CatalogueOnlyMetadataRequest(["a"]).build(MetadataRequest_v4)
    assert struct.allow_auto_topic_creation is False
