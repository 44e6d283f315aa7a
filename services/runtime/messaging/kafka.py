"""Kafka client options and topic administration, the same for every service."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError
from aiokafka.helpers import create_ssl_context
from aiokafka.protocol.offset import OffsetRequest
from faststream.kafka import KafkaBroker
from faststream.kafka.publisher.producer import AioKafkaFastProducerImpl
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

from contracts import OutgoingMessage
from services.runtime.messaging.topics import TopicSpec, TopicState, topic_spec
from services.runtime.settings import RuntimeSettings

log = logging.getLogger(__name__)

Client = TypeVar("Client", AIOKafkaProducer, AIOKafkaConsumer, AIOKafkaAdminClient)


@asynccontextmanager
async def started(client: Client) -> AsyncIterator[Client]:
    """`client` started for the block, and stopped after it on every path — also when
    ``start()`` itself fails, against a broker that is down or refuses the login.

    aiokafka's own ``async with`` stops only a client that started, and a producer
    or consumer that was never stopped logs "Unclosed AIOKafkaProducer" at ERROR
    when it is collected: one false alarm per retry for as long as a broker is away.
    """
    try:
        await client.start()
        yield client
    finally:
        if isinstance(client, AIOKafkaAdminClient):
            await client.close()
        else:
            await client.stop()


class _ProducerStoppedIfStartFails(AioKafkaFastProducerImpl):
    """faststream's holder of a broker's producer, except that a producer whose ``start()``
    failed is stopped.

    faststream (0.7) makes the AIOKafkaProducer in ``KafkaBroker.start()`` and keeps it
    only once it has started, so ``broker.stop()`` cannot stop one that failed: against
    a broker that is down, each retry left one to be reported "Unclosed" (`started`).
    """

    __slots__ = ()

    async def connect(self, producer: AIOKafkaProducer, *args: Any, **kwargs: Any) -> None:
        try:
            await super().connect(producer, *args, **kwargs)
        except BaseException:
            await producer.stop()
            raise


def faststream_broker(bootstrap: str, **options: Any) -> KafkaBroker:
    """A faststream ``KafkaBroker(bootstrap, **options)`` whose ``start()``, failing,
    leaves no producer unstopped (no custom ``parser``/``decoder``: ours read records
    themselves, services.runtime.messaging.consumer.records)."""
    broker = KafkaBroker(bootstrap, **options)
    broker.config.broker_config.producer = _ProducerStoppedIfStartFails(parser=None, decoder=None)
    return broker


def client_options(settings: RuntimeSettings) -> dict[str, Any]:
    """How every Kafka client of ours connects: the one place the security settings become
    aiokafka arguments (relay, consumers, admin and the operator CLI all use it).

    TLS verifies the broker against ``kafka_ssl_ca_file`` (or the system's trust
    store) with host-name checking on; a client certificate makes the service's
    TLS identity its principal. SASL logs in as the service's own principal, so
    the broker's ACLs can hold each service to its own topic (docs/kafka-acls.md).
    """
    options: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap,
        "security_protocol": settings.kafka_security_protocol,
    }
    if settings.kafka_security_protocol.endswith("SSL"):
        options["ssl_context"] = ssl_context(settings)
    if settings.kafka_security_protocol.startswith("SASL_"):
        assert settings.kafka_sasl_password is not None  # the settings refuse it missing
        options |= {
            "sasl_mechanism": settings.kafka_sasl_mechanism,
            "sasl_plain_username": settings.kafka_sasl_username,
            "sasl_plain_password": settings.kafka_sasl_password.get_secret_value(),
        }
    return options


def ssl_context(settings: RuntimeSettings) -> ssl.SSLContext:
    """The TLS context of the broker connections: certificate and host name verified."""
    context: ssl.SSLContext = create_ssl_context(
        cafile=settings.kafka_ssl_ca_file,
        certfile=settings.kafka_ssl_cert_file,
        keyfile=settings.kafka_ssl_key_file,
    )
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def broker_security(settings: RuntimeSettings) -> BaseSecurity | None:
    """The same connection security for a faststream broker (the tracked consumers)."""
    protocol = settings.kafka_security_protocol
    tls = ssl_context(settings) if protocol.endswith("SSL") else None
    if not protocol.startswith("SASL_"):
        return BaseSecurity(ssl_context=tls) if tls is not None else None
    assert settings.kafka_sasl_username is not None
    assert settings.kafka_sasl_password is not None
    kind = {
        "PLAIN": SASLPlaintext,
        "SCRAM-SHA-256": SASLScram256,
        "SCRAM-SHA-512": SASLScram512,
    }[settings.kafka_sasl_mechanism or ""]
    return kind(
        username=settings.kafka_sasl_username,
        password=settings.kafka_sasl_password.get_secret_value(),
        ssl_context=tls,
        use_ssl=tls is not None,
    )


def producer_options(settings: RuntimeSettings) -> dict[str, Any]:
    """Durable producer settings: an event is only ours to forget once all replicas have it.

    ``acks="all"`` always. Idempotence stays a setting because the embedded
    Tansu broker does not implement it; correctness never depends on it, since
    consumers deduplicate by the producer's store position.
    """
    return {
        **client_options(settings),
        "acks": "all",
        "enable_idempotence": settings.kafka_enable_idempotence,
        "linger_ms": settings.kafka_linger_ms,
        "max_batch_size": 256 * 1024,
        "request_timeout_ms": 10_000,
        "retry_backoff_ms": 200,
    }


async def send(
    producer: AIOKafkaProducer, topic: str, partition: int, message: OutgoingMessage
) -> asyncio.Future[Any]:
    """Hand `message` to the producer for the `partition` we chose (as the relay partitions,
    never the client); the future completes when the broker has acknowledged it."""
    future: asyncio.Future[Any] = await producer.send(
        topic, value=message.value, key=message.key, headers=message.headers, partition=partition
    )
    return future


async def send_batches(
    producer: AIOKafkaProducer, topic: str, messages: Sequence[tuple[int, OutgoingMessage]]
) -> list[tuple[int, int, asyncio.Future[Any]]]:
    """Hand `messages` (each with the partition we chose) to the producer as record
    batches built here, one per partition as far as ``max_batch_size`` allows, in order.

    Each batch is (partition, how many messages, future of its metadata, whose
    ``offset`` is the batch's first). The same records `send` makes, without its
    per-message coroutines, metadata wait and future: the relay's many small
    messages cost aiokafka less than our translation before this (#24).
    """
    sent: list[tuple[int, int, asyncio.Future[Any]]] = []
    filling: dict[int, tuple[Any, int]] = {}
    for partition, message in messages:
        builder, count = filling.get(partition) or (producer.create_batch(), 0)
        record = {"timestamp": None, "key": message.key, "value": message.value}
        if builder.append(**record, headers=message.headers) is None:  # full: send it
            sent.append(
                (partition, count, await producer.send_batch(builder, topic, partition=partition))
            )
            builder, count = producer.create_batch(), 0
            builder.append(**record, headers=message.headers)  # the first always fits
        filling[partition] = (builder, count + 1)
    for partition, (builder, count) in filling.items():
        sent.append(
            (partition, count, await producer.send_batch(builder, topic, partition=partition))
        )
    return sent


async def ensure_topics(
    settings: RuntimeSettings, topics: Iterable[str], partitions: int | None = None
) -> None:
    """Create missing topics as services.runtime.messaging.topics specifies them: the catalogue's
    partitions (or `partitions`), the configured replicas, ``min.insync.replicas`` and
    retention.

    Called at start-up and whenever a broker may have lost its metadata; a
    topic that exists is left exactly as it is (``samverkan topics check``
    reports one that differs).
    """
    async with started(AIOKafkaAdminClient(**client_options(settings))) as admin:
        existing = set(await admin.list_topics())
        missing = [topic_spec(settings, t, partitions) for t in topics if t not in existing]
        if missing:
            haunted = await _written_unlisted(admin, missing)
            # A topic another process created meanwhile comes back as an error
            # code in the response, which is exactly the outcome we want.
            await admin.create_topics([_new_topic(spec) for spec in missing])
            if haunted:
                await _lay_ghosts(admin, haunted)


async def _written_unlisted(admin: AIOKafkaAdminClient, specs: list[TopicSpec]) -> list[TopicSpec]:
    """Those of `specs` the broker holds writes for, though its metadata does not list them
    (asked in one list-offsets request).

    Apache Kafka refuses both (UNKNOWN_TOPIC_OR_PARTITION), so this is never true there. The
    embedded broker, once it has lost its log, takes a produce for a topic it no longer
    knows; a topic then created over those writes answers list-offsets but no fetch, and
    every consumer and relay probe stalls on it (seen as a flaky broker-restart test).
    """
    asked = [(spec.name, [(p, -1) for p in range(spec.partitions)]) for spec in specs]
    try:
        response = await admin._client.send(
            admin._client.get_random_node(), OffsetRequest(-1, 0, asked)
        )
    except KafkaError:
        return []
    written = {
        topic
        for topic, partitions in response.topics
        if any(error_code == 0 and offset > 0 for _, error_code, _, offset in partitions)
    }
    return [spec for spec in specs if spec.name in written]


async def _lay_ghosts(admin: AIOKafkaAdminClient, specs: list[TopicSpec]) -> None:
    """Delete and create again the topics created over writes the broker took while it did
    not know them: the only way the embedded broker forgets those writes. What the relay
    had acknowledged there is then missing from the topic, which its loss check finds and
    republishes."""
    names = [spec.name for spec in specs]
    log.warning(
        "the broker held writes for %s while it did not list them (a broker that lost its log "
        "took a produce); deleting and creating them again so they can be read",
        ", ".join(names),
    )
    await admin.delete_topics(names)
    await admin.create_topics([_new_topic(spec) for spec in specs])


def _new_topic(spec: TopicSpec) -> NewTopic:
    return NewTopic(
        spec.name, spec.partitions, spec.replication_factor, topic_configs=dict(spec.configs)
    )


async def describe_topics(
    settings: RuntimeSettings, topics: Iterable[str]
) -> dict[str, TopicState]:
    """How the broker holds each of `topics` that exists: partitions, replicas (from the
    metadata) and the configs it reports (DescribeConfigs).

    The embedded broker reports only the configs a topic was created with;
    Apache Kafka reports every one, defaults included.
    """
    wanted = list(topics)
    async with started(AIOKafkaAdminClient(**client_options(settings))) as admin:
        existing = set(await admin.list_topics())
        present = [t for t in wanted if t in existing]
        if not present:
            return {}
        metadata = {
            entry["topic"]: entry
            for entry in await admin.describe_topics(present)
            if entry["error_code"] == 0
        }
        resources = [ConfigResource(ConfigResourceType.TOPIC, t) for t in metadata]
        configs: dict[str, dict[str, str]] = {t: {} for t in metadata}
        for response in await admin.describe_configs(resources) if resources else []:
            for error_code, _, _, name, entries, *_ in response.resources:
                if error_code == 0 and name in configs:
                    configs[name] = {
                        entry[0]: entry[1] for entry in entries if entry[1] is not None
                    }
    states = {}
    for topic, entry in metadata.items():
        partitions = entry["partitions"]
        replicas = min((len(p["replicas"]) for p in partitions), default=0)
        states[topic] = TopicState(topic, len(partitions), replicas, configs[topic])
    return states
