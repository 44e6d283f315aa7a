"""The campaign: a plan of faults placed at random points of a steady load, then the checker.

Faults are placed on the load's progress (the share of commands sent), so
they land during the load however fast the machine is:

* every kill target (each service process, each relay or consumer role
  process) is SIGKILLed ``kills_per_target`` times at random points, each in
  a thread of its own, and started again after a moment, as a supervisor would;
* on one timeline of their own: the broker restarted with its log lost, a
  second replica of escalation started and stopped (a consumer-group
  rebalance), the private PostgreSQL stopped and started, and — after the
  last broker restart, which would take the dead-letter topics with it — the
  poison messages in a few bursts.

When the load and every fault are done, the checker polls until everything
acknowledged is in every projection, every poison message is in every
dead-letter topic and the services report no consumer lag; the time that
takes after the last fault (or the last acknowledged command, whichever is
later) is the recovery time.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.chaos import checker, poison
from bench.chaos.checker import Comparison, DeadLetters
from bench.chaos.load import History, Load
from bench.chaos.stack import Managed, Stack
from contracts import OrgType, Role, events_topic
from services.runtime.auth import DEV_AUDIENCE, DEV_ISSUER, DEV_KEY_PATH, Actor, DevelopmentSigner

POLICE = Actor(
    hsa_id="SE2321000016-P001",
    org_id="SE2321000016-POL1",
    org_type=OrgType.POLICE,
    role=Role.FIRST_RESPONDER,
)

CONSUMERS = ("cases", "escalation", "reporting")
"""The services that consume the consent topic, so each must dead-letter every poison."""


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
    seed: int = 12
    recovery_limit_seconds: float = 30.0
    settle_timeout_seconds: float = 240.0


SHORT = Plan(
    commands=300,
    subjects=60,
    rate=6.0,
    workers=4,
    kills_per_target=1,
    roles=("relay:consent", "consumer:escalation"),
    broker_restarts=1,
    postgres_restarts=1,
    postgres_down_seconds=3.0,
    rebalances=1,
    poison=50,
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
    ),
    broker_restarts=2,
    postgres_restarts=1,
    postgres_down_seconds=5.0,
    rebalances=2,
    poison=1_000,
)


@dataclass
class Report:
    plan: Plan
    started_at: str
    seconds: float = 0.0
    history: History = field(default_factory=History)
    projections: dict[str, Comparison] = field(default_factory=dict)
    topic_out_of_order: int = 0
    dead_letters: DeadLetters = field(default_factory=DeadLetters)
    lag: float | None = None
    recovery_seconds: float | None = None
    kills: dict[str, int] = field(default_factory=dict)
    faults: list[str] = field(default_factory=list)
    start_failures: int = 0

    @property
    def total(self) -> Comparison:
        total = Comparison()
        for comparison in self.projections.values():
            total.add(comparison)
        return total

    def failures(self) -> list[str]:
        """Everything that is wrong; empty when the platform passed."""
        total, h = self.total, self.history
        unresolved = len(h.refused) + h.gave_up
        problems = {
            "acknowledged commands lost": total.lost,
            "applied twice": total.doubled,
            "subjects out of order": total.out_of_order + self.topic_out_of_order,
            "effects never acknowledged (beyond commands refused or given up)": max(
                0, total.unacknowledged - unresolved * len(self.projections)
            ),
            "5xx other than 503": len(h.server_errors),
            "503 without Retry-After": h.unavailable_without_retry_after,
            "poison missing from a dead-letter topic": self.dead_letters.missing,
            "dead letters with the wrong reason": self.dead_letters.wrong_reason,
        }
        failed = [f"{name}: {count}" for name, count in problems.items() if count]
        if (
            self.recovery_seconds is None
            or self.recovery_seconds > self.plan.recovery_limit_seconds
        ):
            failed.append(
                f"recovery after the last fault: {self.recovery_seconds} s "
                f"(limit {self.plan.recovery_limit_seconds:.0f} s)"
            )
        return failed

    def render(self) -> str:
        total, h, dl = self.total, self.history, self.dead_letters
        acknowledged = len(h.acknowledged())
        unresolved = len(h.refused) + h.gave_up
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(h.statuses.items()))
        lines = [
            f"chaos campaign started {self.started_at}, {self.seconds:.0f} s",
            f"commands acknowledged      {acknowledged} of {self.plan.commands}"
            f" ({h.recovered} of them read back after a lost answer;"
            f" {len(h.refused)} refused, {h.gave_up} given up)",
            f"HTTP answers               {statuses}; {h.connection_errors} connection errors",
            "kills (SIGKILL)            "
            + ", ".join(f"{name} {n}" for name, n in sorted(self.kills.items())),
            f"other faults               {len(self.faults)}: " + "; ".join(self.faults),
            f"projections checked        {', '.join(self.projections)}"
            f" ({total.acknowledged} acknowledged steps)",
            f"lost                       {total.lost}",
            f"doubled                    {total.doubled}",
            f"out of order               {total.out_of_order} subjects in projections,"
            f" {self.topic_out_of_order} on the topic",
            f"unacknowledged effects     {total.unacknowledged}"
            f" (steps; {unresolved} commands refused or given up may account for"
            f" {unresolved * len(self.projections)})",
            f"5xx (not 503)              {len(h.server_errors)}",
            f"503 without Retry-After    {h.unavailable_without_retry_after}",
            f"dead letters               {dl.found} of {dl.expected} poison found"
            f" ({dl.copies} copies, {dl.wrong_reason} wrong reason, {dl.missing} missing)",
            f"consumer lag at the end    {self.lag}",
            "recovery seconds           "
            + (
                "not recovered" if self.recovery_seconds is None else f"{self.recovery_seconds:.1f}"
            ),
        ]
        for example in total.examples[:5] + h.server_errors[:3] + h.refused[:3]:
            lines.append(f"  e.g. {example}")
        failed = self.failures()
        lines.append("RESULT: " + ("PASS" if not failed else "FAIL — " + "; ".join(failed)))
        return "\n".join(lines)


class Campaign:
    """One run of a plan against a fresh stack."""

    def __init__(self, plan: Plan, var_dir: Path, log: Callable[[str], None] = print) -> None:
        self.plan = plan
        self.stack = Stack(var_dir, roles=plan.roles)
        self.rng = random.Random(plan.seed)
        self.log = log
        self.report = Report(plan, datetime.now(UTC).isoformat(timespec="seconds"))
        self.last_fault_at = 0.0
        self._replica_since = 0.0
        self.errors: list[BaseException] = []
        self._poison = poison.make(plan.poison, plan.seed)

    def run(self) -> Report:
        started = time.monotonic()
        try:
            self.stack.start()
            self.log(f"stack ready in {time.monotonic() - started:.1f} s")
            signer = DevelopmentSigner.load_or_create(self.stack.var_dir / DEV_KEY_PATH.name)
            token = signer.mint(
                POLICE, issuer=DEV_ISSUER, audience=DEV_AUDIENCE, now=datetime.now(UTC)
            )
            load = Load(
                self.stack.url("consent"),
                token,
                commands=self.plan.commands,
                subjects=self.plan.subjects,
                workers=self.plan.workers,
                rate=self.plan.rate,
                seed=self.plan.seed,
            )
            self.report.history = load.history
            load.start()
            threads = [
                threading.Thread(target=self._guard(self._kills, name, managed, load), daemon=True)
                for name, managed in self.stack.targets().items()
            ]
            threads.append(threading.Thread(target=self._guard(self._timeline, load), daemon=True))
            for thread in threads:
                thread.start()
            load.join()
            for thread in threads:
                thread.join()
            if self.errors:
                raise self.errors[0]
            self.log(f"load and faults done after {time.monotonic() - started:.0f} s; settling")
            self._settle(load.history)
        finally:
            self.report.kills = {name: m.kills for name, m in self.stack.targets().items()}
            self.report.seconds = time.monotonic() - started
            self.stack.close()
        return self.report

    def _guard(self, work: Callable[..., None], *args: object) -> Callable[[], None]:
        def run() -> None:
            try:
                work(*args)
            except BaseException as error:  # surfaced by run(), after the load ends
                self.errors.append(error)
                self.log(f"fault thread failed: {error!r}")

        return run

    @staticmethod
    def _wait_progress(load: Load, fraction: float) -> None:
        while load.progress < fraction and load.running():
            time.sleep(0.05)

    def _mark(self, text: str) -> None:
        self.last_fault_at = max(self.last_fault_at, time.monotonic())
        self.log(text)

    def _restart(self, managed: Managed) -> None:
        """Start again until it stays up (a supervisor's restart loop)."""
        deadline = time.monotonic() + 180
        while True:
            try:
                managed.start(timeout=120)
                return
            except (RuntimeError, TimeoutError):
                self.report.start_failures += 1
                if time.monotonic() > deadline:
                    raise
                managed.kill()
                time.sleep(1)

    def _kills(self, name: str, managed: Managed, load: Load) -> None:
        rng = random.Random(f"{self.plan.seed}:{name}")
        for fraction in sorted(rng.uniform(0.05, 0.9) for _ in range(self.plan.kills_per_target)):
            self._wait_progress(load, fraction)
            time.sleep(rng.uniform(0, 0.5))
            managed.kill()
            self._mark(f"SIGKILL {name} at {load.progress:.0%}")
            time.sleep(rng.uniform(0.2, 1.0))
            self._restart(managed)
            self._mark(f"{name} back")

    def _timeline(self, load: Load) -> None:
        plan, rng = self.plan, self.rng
        events: list[tuple[float, str, Callable[[], None]]] = []
        for i in range(plan.broker_restarts):
            at = 0.1 + (i + rng.random()) * 0.4 / max(1, plan.broker_restarts)
            events.append((at, "broker restarted, log lost", self.stack.restart_broker))
        for i in range(plan.rebalances):
            at = 0.15 + (i + rng.random() * 0.5) * 0.45 / max(1, plan.rebalances)
            events.append((at, "escalation replica started", self._replica_in))
            events.append((at + 0.08, "escalation replica stopped", self._replica_out))
        for i in range(plan.postgres_restarts):
            at = 0.5 + (i + rng.random()) * 0.15 / max(1, plan.postgres_restarts)
            text = f"PostgreSQL down {plan.postgres_down_seconds:.0f} s"
            events.append((at, text, self._postgres_restart))
        bursts = 5
        for i in range(bursts):
            chunk = self._poison[i::bursts]
            events.append((0.7 + i * 0.04, f"{len(chunk)} poison messages", self._inject(chunk)))
        for at, text, action in sorted(events, key=lambda e: e[0]):
            self._wait_progress(load, at)
            action()
            self.report.faults.append(f"{text} at {load.progress:.0%}")
            self._mark(f"{text} at {load.progress:.0%}")

    def _postgres_restart(self) -> None:
        self.stack.restart_postgres(self.plan.postgres_down_seconds)

    def _replica_in(self) -> None:
        self.stack.start_replica("escalation")
        self._replica_since = time.monotonic()

    def _replica_out(self) -> None:
        """Stop the replica once its consumer has been in the group a few sessions."""
        time.sleep(max(0.0, self._replica_since + 10 - time.monotonic()))
        self.stack.replicas[-1].stop()

    def _inject(self, chunk: list[poison.Poison]) -> Callable[[], None]:
        topic = events_topic("consent", prefix=self.stack.settings.topic_prefix)
        return lambda: asyncio.run(poison.inject(self.stack.broker.bootstrap, topic, chunk))

    def _settle(self, history: History) -> None:
        """Poll until everything is where it belongs; then the final figures."""
        reference = max(self.last_fault_at, history.last_acknowledged_at)
        acknowledged = checker.acknowledged_steps(history.commands)
        projections = checker.Projections(self.stack.settings)
        settings = self.stack.settings
        urls = [self.stack.url(s) for s in CONSUMERS]
        deadline = time.monotonic() + self.plan.settle_timeout_seconds
        try:
            while True:
                compared = {
                    name: checker.compare(name, acknowledged, projections.held(name, acknowledged))
                    for name in projections.names
                }
                letters = checker.dead_letters(
                    settings.kafka_bootstrap, settings.topic_prefix, CONSUMERS, self._poison
                )
                lag = checker.consumer_lag(urls)
                lost = sum(c.lost for c in compared.values())
                self.log(
                    f"settling: lost {lost}, dead letters missing {letters.missing}, lag {lag}"
                )
                if lost == 0 and letters.missing == 0 and lag == 0:
                    self.report.recovery_seconds = time.monotonic() - reference
                    break
                if time.monotonic() > deadline:
                    break
                time.sleep(1)
            time.sleep(2)  # anything still arriving now would be a double
            self.report.projections = {
                name: checker.compare(name, acknowledged, projections.held(name, acknowledged))
                for name in projections.names
            }
            self.report.dead_letters = checker.dead_letters(
                settings.kafka_bootstrap, settings.topic_prefix, CONSUMERS, self._poison
            )
            self.report.lag = checker.consumer_lag(urls)
            self.report.topic_out_of_order = checker.topic_order_violations(
                checker.consent_topic(settings.kafka_bootstrap, settings.topic_prefix)
            )
        finally:
            projections.close()


def run(plan: Plan, var_dir: Path | None = None, log: Callable[[str], None] = print) -> Report:
    if var_dir is not None:
        return Campaign(plan, var_dir, log).run()
    with tempfile.TemporaryDirectory(prefix="samverkan-chaos-") as directory:
        return Campaign(plan, Path(directory) / "var", log).run()
