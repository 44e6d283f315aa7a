"""The relay's partitioner picks what Kafka's default partitioner picks, for any key."""

from __future__ import annotations

from aiokafka.partitioner import DefaultPartitioner
from aiokafka.partitioner import murmur2 as reference_murmur2
from hypothesis import given
from hypothesis import strategies as st

from services.runtime.messaging.partitioning import KeyPartitioner, murmur2


@given(st.binary(max_size=200))
def test_murmur2_is_the_java_clients_hash(data: bytes) -> None:
    assert murmur2(data) == reference_murmur2(data)


@given(st.binary(min_size=1, max_size=100), st.integers(min_value=1, max_value=64))
def test_a_key_goes_where_the_default_partitioner_sends_it(key: bytes, count: int) -> None:
    partitions = list(range(count))
    assert KeyPartitioner()(key, partitions, partitions) == DefaultPartitioner()(
        key, partitions, partitions
    )


JAVA_CLIENT_CASES = {
    # org.apache.kafka.common.utils.UtilsTest#testMurmur2 (signed 32-bit results)
    b"21": -973932308,
    b"foobar": -790332482,
    b"a-little-bit-long-string": -985981536,
    b"a-little-bit-longer-string": -1486304829,
    b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
    b"abc": 479470107,
}


def test_known_values_from_the_java_client() -> None:
    for key, expected in JAVA_CLIENT_CASES.items():
        signed = murmur2(key) - (1 << 32) if murmur2(key) >= 1 << 31 else murmur2(key)
        assert signed == expected, key
