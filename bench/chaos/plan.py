"""The campaign's plans: how much load, which faults and how many, and the limits a run
must keep. `SHORT` runs in ``make test`` (tests/faults/test_chaos.py), `LONG` in
``make chaos``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    commands: int
    subjects: int
    rate: float
    workers: int
    kills_per_target: int
    roles: tuple[str, ...]
    broker_restarts: int
    postgres_restarts: int
    postgres_down_seconds: float
    rebalances: int
    poison: int
    marked_subjects: int = 0
    """Subjects whose every event consent's relay sends undecodable, in its chain."""
    late_from: float = 0.55
    """When the marked subjects' commands start: after the last broker restart."""
    relay_freezes: int = 0
    """Times the leading consent relay is frozen (SIGSTOP) for longer than its lease."""
    relay_leader_lease_seconds: float = 15.0
    dlq_outage_seconds: float = 0.0
    """How long the dead-letter topics are unavailable while poison arrives."""
    reporting_rebalances: int = 0
    """Times one of the reporting consumer processes is stopped and started again."""
    extra_partitions: int = 0
    """Consent's topic created again with this many partitions more, then republished."""
    seed: int = 12
    recovery_limit_seconds: float = 30.0
    settle_timeout_seconds: float = 240.0


SHORT = Plan(
    commands=300,
    subjects=60,
    rate=6.0,
    workers=4,
    kills_per_target=1,
    roles=("relay:consent", "consumer:escalation", "consumer:reporting", "consumer:reporting:2"),
    broker_restarts=1,
    postgres_restarts=1,
    postgres_down_seconds=3.0,
    rebalances=1,
    poison=50,
    marked_subjects=6,
    relay_freezes=1,
    relay_leader_lease_seconds=3.0,
    dlq_outage_seconds=8.0,
    reporting_rebalances=2,
    extra_partitions=2,
    settle_timeout_seconds=90.0,
)

LONG = Plan(
    commands=10_000,
    subjects=1_000,
    rate=20.0,
    workers=8,
    kills_per_target=20,
    roles=(
        "relay:consent",
        "relay:cases",
        "relay:escalation",
        "relay:reporting",
        "consumer:cases",
        "consumer:escalation",
        "consumer:reporting",
        "consumer:reporting:2",
    ),
    broker_restarts=2,
    postgres_restarts=1,
    postgres_down_seconds=5.0,
    rebalances=2,
    poison=1_000,
    marked_subjects=50,
    relay_freezes=3,
    relay_leader_lease_seconds=5.0,
    dlq_outage_seconds=30.0,
    reporting_rebalances=8,
    extra_partitions=3,
)
