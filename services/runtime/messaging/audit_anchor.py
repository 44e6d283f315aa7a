"""The access log's head, anchored outside its database (issue #18, item 4).

A keyed chain (services.runtime.store.audit) stops whoever can write the table
from changing, deleting or re-hashing records, but not from cutting the
tail: the records left still verify. So the head of the log (last seq, its
hash, how many records) is published at intervals on a Kafka topic of the
service's own, ``<prefix>.<service>.audit-anchors``, which the database
operator cannot write (docs/kafka-acls.md: only the service's principal
may). Verification compares the table with the newest anchor: the table
must still hold the anchored seq with the anchored hash; fewer records
than anchored is a cut tail.

Each anchor is itself an HMAC under the audit chain key, so a forged anchor
on the topic is ignored. The service never anchors over evidence: before
each anchor it checks that the table still holds the last one it knows
(read from the topic at start, then its own), and when it does not, it stops
anchoring, says so in its log and sets ``samverkan_audit_log_rewritten`` —
otherwise a cut followed by new records would soon carry an anchor of its
own. The newest anchor is the one with the highest seq, not the last
written, for the same reason.

One implementation serves ``GET /v1/access-log/verify`` and ``samverkan
audit verify`` (:meth:`AuditAnchoring.verify`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from prometheus_client import CollectorRegistry, Gauge

from contracts.topics import audit_anchor_topic
from services.runtime.messaging import peek
from services.runtime.messaging.kafka import client_options, ensure_topics, producer_options
from services.runtime.settings import RuntimeSettings
from services.runtime.store.audit import AccessAudit, Break, Head

log = logging.getLogger(__name__)

"""One partition (anchors in order), compacted on the service's key: the newest anchor is
kept for good, however long the log goes without a new record."""
READ_TIMEOUT_SECONDS = 15.0
CLOSING_ANCHOR_SECONDS = 5.0


class AnchorUnavailable(Exception):
    """The anchor topic could not be read: the log cannot be vouched for beyond its chain."""


@dataclass(frozen=True)
class Anchor:
    """One published head of a service's access log, and when it was taken."""

    service: str
    head: Head
    at: str

    def mac(self, key: bytes) -> str:
        message = (
            f"audit-anchor|{self.service}|{self.head.seq}|{self.head.hash}|{self.head.count}|"
            f"{self.at}"
        )
        return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()

    def encode(self, key: bytes) -> bytes:
        return json.dumps(
            {
                "service": self.service,
                "seq": self.head.seq,
                "hash": self.head.hash,
                "count": self.head.count,
                "at": self.at,
                "mac": self.mac(key),
            },
            separators=(",", ":"),
        ).encode()

    @classmethod
    def decode(cls, value: bytes | None, key: bytes, service: str) -> Anchor | None:
        """The anchor in a message, or None when it is not one of this service's made with
        this key (forged, malformed, or another service's)."""
        try:
            fields = json.loads(value or b"")
            anchor = cls(
                service=str(fields["service"]),
                head=Head(
                    seq=int(fields["seq"]), hash=str(fields["hash"]), count=int(fields["count"])
                ),
                at=str(fields["at"]),
            )
            mac = str(fields["mac"])
        except (ValueError, KeyError, TypeError):
            return None
        if anchor.service != service or not hmac.compare_digest(mac, anchor.mac(key)):
            return None
        return anchor


@dataclass(frozen=True)
class Verdict:
    """What verification found: the first break (None: intact), the head of the table, and
    the anchor it was compared with (None: nothing anchored yet)."""

    broken: Break | None
    head: Head | None
    anchor: Anchor | None

    @property
    def intact(self) -> bool:
        return self.broken is None


class AuditAnchoring:
    """Anchors one service's access log on its topic, and verifies the log against it."""

    def __init__(
        self,
        audit: AccessAudit,
        settings: RuntimeSettings,
        key: bytes,
        registry: CollectorRegistry | None = None,
    ) -> None:
        self._audit = audit
        self._settings = settings
        self._key = key
        self.service = audit.service
        self.topic = audit_anchor_topic(audit.service, prefix=settings.topic_prefix)
        self._producer: AIOKafkaProducer | None = None
        self._last: Head | None = None
        self._known = False
        self.rewritten = False
        self._gauge = (
            Gauge(
                "samverkan_audit_log_rewritten",
                "1 when the access log no longer holds the head last anchored outside the "
                "database (records deleted or rewritten); anchoring has stopped.",
                registry=registry,
            )
            if registry is not None
            else None
        )

    async def newest(self) -> Anchor | None:
        """The anchor with the highest seq on the topic (None when there is none)."""
        try:
            # Created before it is read: a broker that creates topics on a metadata
            # request (auto.create.topics.enable) would otherwise make it with its
            # default partitions and retention.
            await ensure_topics(self._settings, [self.topic])
            records = await asyncio.wait_for(
                peek.read_topic(
                    self._settings.kafka_bootstrap,
                    self.topic,
                    options=client_options(self._settings),
                ),
                READ_TIMEOUT_SECONDS,
            )
        except (KafkaError, OSError, TimeoutError) as error:
            raise AnchorUnavailable(f"{self.topic} could not be read: {error!r}") from error
        anchors = [
            anchor
            for record in records
            if (anchor := Anchor.decode(record.value, self._key, self.service)) is not None
        ]
        return max(anchors, key=lambda a: a.head.seq, default=None)

    async def verify(self) -> Verdict:
        """The log against its keyed chain, its sequence and the newest anchor.

        The anchor is read first: one published while the table is read can then
        never be taken for records that are missing.
        """
        anchor = await self.newest()
        broken = await asyncio.to_thread(self._audit.inspect, anchor.head if anchor else None)
        head = await asyncio.to_thread(self._audit.head)
        return Verdict(broken=broken, head=head, anchor=anchor)

    async def run(self) -> None:
        """Anchor the head every ``audit_anchor_interval_seconds`` while it moves."""
        while True:
            try:
                await self.anchor()
            except Exception as error:  # broker or store away: the next round tries again
                log.warning("access log of %s not anchored this round: %r", self.service, error)
                await self._stop_producer()
            await asyncio.sleep(self._settings.audit_anchor_interval_seconds)

    async def anchor(self) -> Anchor | None:
        """Publish the head if it moved since the last anchor and the table still holds that
        one; returns what was published."""
        if not self._known:
            newest = await self.newest()
            self._last = newest.head if newest else None
            self._known = True
        head = await asyncio.to_thread(self._audit.head)
        if head is None or head == self._last or self.rewritten:
            return None
        if self._last is not None and not await asyncio.to_thread(self._audit.holds, self._last):
            self.rewritten = True
            if self._gauge is not None:
                self._gauge.set(1)
            log.error(
                "access log of %s no longer holds record %d as anchored: records were deleted "
                "or rewritten in the database; anchoring stops (run samverkan audit verify %s)",
                self.service,
                self._last.seq,
                self.service,
            )
            return None
        anchor = Anchor(self.service, head, datetime.now(UTC).isoformat())
        producer = await self._started_producer()
        await producer.send_and_wait(
            self.topic, anchor.encode(self._key), key=self.service.encode(), partition=0
        )
        self._last = head
        return anchor

    async def close(self) -> None:
        """Anchor what was written last (best effort, briefly), then let go of the broker."""
        try:
            await asyncio.wait_for(self.anchor(), CLOSING_ANCHOR_SECONDS)
        except (KafkaError, OSError, AnchorUnavailable, TimeoutError) as error:
            log.warning("access log of %s: last head not anchored: %r", self.service, error)
        await self._stop_producer()

    async def _started_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            # As every topic: one partition, compacted, kept, replicated
            # (services.runtime.messaging.topics).
            await ensure_topics(self._settings, [self.topic])
            producer = AIOKafkaProducer(**producer_options(self._settings))
            try:
                await producer.start()
            except BaseException:
                await producer.stop()  # a broker away: not left for the collector to report
                raise
            self._producer = producer
        return self._producer

    async def _stop_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            with contextlib.suppress(KafkaError, OSError):
                await producer.stop()


def verdict_fields(verdict: Verdict) -> dict[str, Any]:
    """The verdict as the HTTP route and the CLI both report it."""
    return {
        "intact": verdict.intact,
        "first_broken_record": verdict.broken.seq if verdict.broken else None,
        "problem": verdict.broken.reason if verdict.broken else None,
        "records": verdict.head.count if verdict.head else 0,
        "anchored_seq": verdict.anchor.head.seq if verdict.anchor else None,
        "anchored_at": verdict.anchor.at if verdict.anchor else None,
    }
