"""Kafka: the outbox relay, the tracked consumer, dead letters, republish, rebuild,
partitioning, the topic catalogue and the embedded broker.
"""
