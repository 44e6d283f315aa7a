"""Which partition a key goes to: Kafka's default (murmur2), computed fast.

The relay picks each message's partition itself, because it tracks the last
sequence per partition (``ce_prevsequence``). It must pick exactly what the
Java client and aiokafka's `DefaultPartitioner` pick, or a partner producing
with the same key would land elsewhere; aiokafka's pure-Python murmur2 took
a fifth of the relay's time, so this is the same hash with the 4-byte words
unpacked at once, and a cache: one subject's events share a key.

Where a key goes is decided once, here (`event_partition`), for the relay and
for ``samverkan outbox republish`` alike: by the catalogue's partition count
(``contracts.PARTITIONS``), never by how many partitions the topic has now.
Consumers track positions per ``source#partition``, so an event sent to
another partition than before is new to them and applied again (#12, #19).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from functools import lru_cache

from contracts import PARTITIONS

_SEED = 0x9747B28C
_M = 0x5BD1E995
_MASK = 0xFFFFFFFF


def murmur2(data: bytes) -> int:
    """MurmurHash2 as org.apache.kafka.common.utils.Utils.murmur2 computes it.

    Each word's two multiplications are masked once: masking distributes over
    XOR, so ``((h*m) & M) ^ ((k*m) & M)`` is ``((h*m) ^ (k*m)) & M``. The relay
    hashes every new key, and this loop is most of that.
    """
    length = len(data)
    m, mask = _M, _MASK
    h = (_SEED ^ length) & mask
    for k in struct.unpack_from(f"<{length >> 2}I", data):
        k = (k * m) & mask
        h = ((h * m) ^ ((k ^ (k >> 24)) * m)) & mask
    tail = length & ~3
    extra = length & 3
    if extra >= 3:
        h ^= data[tail + 2] << 16
    if extra >= 2:
        h ^= data[tail + 1] << 8
    if extra >= 1:
        h ^= data[tail]
        h = (h * m) & mask
    h ^= h >> 13
    h = (h * m) & mask
    h ^= h >> 15
    return h


@lru_cache(maxsize=65_536)
def partition_index(key: bytes, partitions: int) -> int:
    """The index of `key`'s partition among `partitions` (Kafka's positive modulo)."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


class KeyPartitioner:
    """Drop-in for aiokafka's `DefaultPartitioner` for keyed messages."""

    def __call__(self, key: bytes, all_partitions: Sequence[int], available: object) -> int:
        return all_partitions[partition_index(key, len(all_partitions))]


def event_partition(key: bytes) -> int:
    """The partition an integration event with `key` goes to, whatever the topic has now.

    The one answer the relay and ``outbox republish`` both use: the same event
    lands on the same partition, with the same predecessor, every time.
    """
    return partition_index(key, PARTITIONS)


def catalogue_partitions(topic: str, present: Sequence[int] | set[int]) -> list[int]:
    """The catalogue's partitions of `topic`, after checking the topic has them all.

    A topic with more partitions (grown by an operator, re-created by a broker
    with its default) is fine: the extra ones stay unused. One with fewer
    cannot take the events where they belong, so publishing stops and says so.
    """
    partitions = list(range(PARTITIONS))
    if not set(partitions) <= set(present):
        msg = f"{topic} has partitions {sorted(present)}; needs {PARTITIONS}"
        raise RuntimeError(msg)
    return partitions
