"""No metadata request of ours may create a topic: topics are made by ``ensure_topics`` only.

aiokafka (0.14) asks for a topic's metadata with ``allow_auto_topic_creation``
on, and has no option to turn it off: every producer, consumer and admin client
it builds (faststream's included) sends ``MetadataRequest(topics)``, which
version 4 and later send as "create what is missing". A broker that allows it
(the embedded one does, Apache Kafka does by default) then makes the topic with
its own default partition count. After the embedded broker lost its log, the
topics nobody produced to yet came back so, with 4 partitions instead of the
catalogue's 3, some 30 s later; meanwhile the consumer group's leader waited on
their metadata, the group got no assignment, and the broker-restart test failed
one run in four.

`install` makes aiokafka's clients build their metadata requests as
`CatalogueOnlyMetadataRequest`: the same request, auto-creation off unless a
caller asks for it. It is installed when this package is imported (its
``__init__``), so every client the services, the relay and the operator CLI
make asks without creating. A missing topic is then answered as missing
(UNKNOWN_TOPIC_OR_PARTITION): a consumer is assigned none of it until
``ensure_topics`` creates it, a producer waits for it as before.
"""

from __future__ import annotations

import aiokafka.admin.client
import aiokafka.client
from aiokafka.protocol.metadata import MetadataRequest

CLIENT_MODULES = (aiokafka.client, aiokafka.admin.client)
"""aiokafka's modules that build metadata requests (the cluster client every producer and
consumer holds, and the admin client); a test checks that no other module of aiokafka does."""


class CatalogueOnlyMetadataRequest(MetadataRequest):  # type: ignore[misc]
    """aiokafka's metadata request with topic auto-creation off unless asked for."""

    def __init__(
        self, topics: list[str] | None = None, allow_auto_topic_creation: bool | None = None
    ) -> None:
        super().__init__(topics, bool(allow_auto_topic_creation))


def install() -> None:
    """Have aiokafka's clients build `CatalogueOnlyMetadataRequest` (idempotent)."""
    for module in CLIENT_MODULES:
        module.MetadataRequest = CatalogueOnlyMetadataRequest
