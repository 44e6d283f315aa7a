"""The campaign: a plan of faults placed at random points of a steady load, then the checker.

Faults are placed on the load's progress (the share of commands sent), so
they land during the load however fast the machine is:

* every kill target (each service process, each relay or consumer role
  process) is SIGKILLed ``kills_per_target`` times at random points, each in
  a thread of its own, and started again after a moment, as a supervisor would;
* on one timeline of their own: the broker restarted with its log lost, a
  second replica of escalation started and stopped (a consumer-group
  rebalance), the private PostgreSQL stopped and started;
* on a second timeline, once the last broker restart is done (it would undo
  them: a lost log takes the dead-letter topics and the grown topic with
  it): consent's topic deleted and created again with more partitions than
  catalogued (the embedded broker has no CreatePartitions), followed by an
  ``outbox republish`` of everything; then the poison messages in five
  bursts while the dead-letter topics are unavailable
  (:mod:`bench.chaos.outage`);
* throughout, consent's relays send every event of a few *marked* subjects
  undecodable, in their chain (:mod:`bench.chaos.chain`); the load plays
  those subjects after the last broker restart;
* the leading consent relay (the service process or the relay role, on
  PostgreSQL) frozen with SIGSTOP for longer than its lease, then thawed: the
  other must take the lead meanwhile;
* one of two reporting consumer processes stopped and started again and
  again (forced rebalances of reporting's group on PostgreSQL), besides the
  SIGKILLs both get.

When the load and every fault are done, the checker polls until everything
acknowledged is in every projection, every poison message is in every
dead-letter topic and the services report no consumer lag; the time that
takes after the last fault (or the last acknowledged command, whichever is
later) is the recovery time.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.chaos import chain, checker, outage, poison
from bench.chaos.checker import ChainPoison, Comparison, DeadLetters
from bench.chaos.load import History, Load
from bench.chaos.stack import Managed, Stack
from contracts import PARTITIONS, OrgType, Role, events_topic
from services.runtime.http.development_tokens import (
    DEV_AUDIENCE,
    DEV_ISSUER,
    DEV_KEY_PATH,
    DevelopmentSigner,
)
from services.runtime.kernel.actor import Actor
from services.runtime.kernel.identity import parse_personnummer
from services.runtime.service import subject_ids

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


@dataclass
class Report:
    plan: Plan
    started_at: str
    seconds: float = 0.0
    history: History = field(default_factory=History)
    projections: dict[str, Comparison] = field(default_factory=dict)
    topic_out_of_order: int = 0
    dead_letters: DeadLetters = field(default_factory=DeadLetters)
    chain: ChainPoison = field(default_factory=ChainPoison)
    consents_on_topic: int = 0
    consents_counted: int = 0
    """Reporting's count of consents given (must equal the ones on the topic)."""
    takeovers: list[float | None] = field(default_factory=list)
    """Per frozen relay leader: seconds until another replica led (None: none did)."""
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
            "poison dead-lettered more than once": self.dead_letters.repeated,
            "marked steps not sent undecodable": max(0, self.chain.steps - self.chain.messages),
            "undecodable chain messages applied": self.chain.applied,
            "undecodable chain messages missing from a dead-letter topic": self.chain.missing,
            "undecodable chain messages dead-lettered more than once": self.chain.repeated,
            "undecodable chain messages with the wrong reason": self.chain.wrong_reason,
            "consents reporting did not count": max(
                0, self.consents_on_topic - self.consents_counted
            ),
            "consents reporting counted twice": max(
                0, self.consents_counted - self.consents_on_topic
            ),
            "frozen relay leaders no replica took over from": self.takeovers.count(None),
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
            f" ({dl.copies} copies: {dl.repeated} repeated, {dl.killed_repeated} repeated"
            f" across a SIGKILL, {dl.unplaced_repeated} repeated without a chain position;"
            f" {dl.wrong_reason} wrong reason, {dl.missing} missing)",
            f"undecodable in the chain   {self.chain.messages} messages"
            f" ({self.chain.steps} acknowledged steps of"
            f" {self.plan.marked_subjects} marked subjects); dead letters"
            f" {self.chain.found} of {self.chain.expected}, {self.chain.repeated} repeated"
            f" ({self.chain.killed_repeated} more across a SIGKILL),"
            f" {self.chain.wrong_reason} wrong reason; {self.chain.applied} applied",
            f"reporting consents counted {self.consents_counted}"
            f" of {self.consents_on_topic} on the topic",
            "relay leader frozen        "
            + (
                ", ".join(
                    "no takeover" if t is None else f"another led after {t:.1f} s"
                    for t in self.takeovers
                )
                or "-"
            ),
            f"consumer lag at the end    {self.lag}",
            "recovery seconds           "
            + (
                "not recovered" if self.recovery_seconds is None else f"{self.recovery_seconds:.1f}"
            ),
        ]
        repeated = dl.examples[:5] + self.chain.examples[:5]
        for example in total.examples[:5] + repeated + h.server_errors[:3] + h.refused[:3]:
            lines.append(f"  e.g. {example}")
        failed = self.failures()
        lines.append("RESULT: " + ("PASS" if not failed else "FAIL — " + "; ".join(failed)))
        return "\n".join(lines)


class Campaign:
    """One run of a plan against a fresh stack."""

    def __init__(self, plan: Plan, var_dir: Path, log: Callable[[str], None] = print) -> None:
        self.plan = plan
        self.stack = Stack(
            var_dir, roles=plan.roles, relay_leader_lease_seconds=plan.relay_leader_lease_seconds
        )
        self.rng = random.Random(plan.seed)
        self.marked: frozenset[str] = frozenset()
        """The marked subjects' ids (bench.chaos.chain)."""
        self.log = log
        self.report = Report(plan, datetime.now(UTC).isoformat(timespec="seconds"))
        self.last_fault_at = 0.0
        self._replica_since = 0.0
        self.errors: list[BaseException] = []
        self._helpers: list[threading.Thread] = []
        self._broker_restarts_done = threading.Event()
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
            late = self._mark_subjects()
            load = Load(
                self.stack.url("consent"),
                token,
                commands=self.plan.commands,
                subjects=self.plan.subjects,
                workers=self.plan.workers,
                rate=self.plan.rate,
                seed=self.plan.seed,
                late=late,
                late_from=self.plan.late_from if late else 0.0,
            )
            self.report.history = load.history
            load.start()
            threads = [
                threading.Thread(target=self._guard(self._kills, name, managed, load), daemon=True)
                for name, managed in self.stack.targets().items()
            ]
            for faults in (self._timeline, self._late, self._freezes, self._reporting_rebalances):
                threads.append(threading.Thread(target=self._guard(faults, load), daemon=True))
            for thread in threads:
                thread.start()
            load.join()
            for thread in threads + self._helpers:
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

    def _kills_by_consumer(self) -> dict[str, list[float]]:
        """When a process with each consumer (group) was SIGKILLed."""
        kills: dict[str, list[float]] = {}
        for name, managed in self.stack.targets().items():
            kind, service, *_ = name.split(":")
            if kind in ("service", "consumer"):
                kills.setdefault(service, []).extend(managed.killed_at)
        return kills

    def _mark_subjects(self) -> frozenset[str]:
        """Pick the marked subjects, tell consent's relays their ids; their personnummers."""
        plan = self.plan
        numbers = Load.numbers(plan.subjects, plan.seed)
        chosen = random.Random(f"{plan.seed}:marked").sample(numbers, plan.marked_subjects)
        ids = subject_ids(self.stack.settings)
        today = datetime.now(UTC).date()
        self.marked = frozenset(ids.subject_id(parse_personnummer(n, today=today)) for n in chosen)
        chain.write_marked(self.stack.marked_subjects_file, sorted(self.marked))
        return frozenset(chosen)

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
            with managed.lock:  # not while another fault stops and starts it
                managed.kill()
                self._mark(f"SIGKILL {name} at {load.progress:.0%}")
                time.sleep(rng.uniform(0.2, 1.0))
                self._restart(managed)
            self._mark(f"{name} back")

    def _freezes(self, load: Load) -> None:
        """Freeze the leading consent relay past its lease; another must lead meanwhile."""
        plan = self.plan
        rng = random.Random(f"{plan.seed}:freeze")
        frozen_for = 2 * plan.relay_leader_lease_seconds + 2
        relays = self.stack.relays("consent")
        for i in range(plan.relay_freezes):
            self._wait_progress(load, 0.15 + (i + rng.random() * 0.5) * 0.6 / plan.relay_freezes)
            # No kill meanwhile: a killed leader frees its lock at once, and a killed
            # standby cannot take over — either would not be this fault.
            with contextlib.ExitStack() as held:
                for managed in relays:
                    held.enter_context(managed.lock)
                self._freeze(load, relays, frozen_for)

    def _freeze(self, load: Load, relays: list[Managed], frozen_for: float) -> None:
        leader = self._wait_for_leader()
        if leader is None or leader.process is None:
            self.report.faults.append(f"no consent relay leading at {load.progress:.0%}")
            return
        process = leader.process
        others = [m for m in relays if m is not leader]
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGSTOP)
        frozen_at = time.monotonic()
        text = f"consent relay leader {leader.name} frozen {frozen_for:.0f} s"
        self._mark(f"{text} at {load.progress:.0%}")
        takeover: float | None = None
        while time.monotonic() - frozen_at < frozen_for:
            if takeover is None and any(
                m.alive() and m.metric(self._leading_metric()) for m in others
            ):
                takeover = time.monotonic() - frozen_at
                self.log(f"another consent relay leads after {takeover:.1f} s")
            time.sleep(0.2)
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGCONT)
        self.report.takeovers.append(takeover)
        self.report.faults.append(f"{text} at {load.progress:.0%}")
        self._mark(f"{leader.name} thawed")

    def _leading_metric(self) -> str:
        topic = events_topic("consent", prefix=self.stack.settings.topic_prefix)
        return f'samverkan_outbox_leading{{topic="{topic}"}}'

    def _wait_for_leader(self) -> Managed | None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            leader = self.stack.relay_leader("consent")
            if leader is not None:
                return leader
            time.sleep(0.5)
        return None

    def _reporting_rebalances(self, load: Load) -> None:
        """Stop one reporting consumer process and start it again: its group rebalances
        twice, with batches in flight on the other owners."""
        plan = self.plan
        target = self.stack.roles.get("consumer:reporting:2")
        if target is None or not plan.reporting_rebalances:
            return
        rng = random.Random(f"{plan.seed}:reporting")
        for i in range(plan.reporting_rebalances):
            at = 0.1 + (i + rng.random() * 0.5) * 0.8 / plan.reporting_rebalances
            self._wait_progress(load, at)
            with target.lock:
                target.stop()
                self._mark(f"{target.name} stopped at {load.progress:.0%}")
                time.sleep(rng.uniform(2, 5))
                self._restart(target)
            self.report.faults.append(f"{target.name} stopped and started at {at:.0%}")
            self._mark(f"{target.name} started")

    def _poison_during_outage(self) -> None:
        """The dead-letter topics unavailable while the poison arrives in bursts."""
        flag = self.stack.var_dir / outage.DLQ_DOWN
        bursts = 5
        flag.touch()
        try:
            for i in range(bursts):
                self._inject(self._poison[i::bursts])()
                time.sleep(self.plan.dlq_outage_seconds / bursts)
        finally:
            flag.unlink(missing_ok=True)

    def _regrow(self) -> None:
        """Consent's topic with more partitions than catalogued, then ``outbox republish``."""
        tries = self.stack.recreate_topic("consent", PARTITIONS + self.plan.extra_partitions)
        self.log(f"consent topic re-created ({tries} tries)")
        for attempt in range(3):
            try:
                self.log(self.stack.republish("consent"))
                return
            except subprocess.CalledProcessError as error:
                self.log(f"outbox republish failed: {error.stderr.decode()[-500:]}")
                if attempt == 2:
                    raise
                time.sleep(2)

    def _timeline(self, load: Load) -> None:
        plan, rng = self.plan, self.rng
        events: list[tuple[float, str, Callable[[], None]]] = []
        for i in range(plan.broker_restarts):
            at = 0.1 + (i + rng.random()) * 0.4 / max(1, plan.broker_restarts)
            last = i == plan.broker_restarts - 1
            action = self._last_broker_restart if last else self.stack.restart_broker
            events.append((at, "broker restarted, log lost", action))
        for i in range(plan.rebalances):
            at = 0.15 + (i + rng.random() * 0.5) * 0.45 / max(1, plan.rebalances)
            events.append((at, "escalation replica started", self._replica_in))
            events.append((at + 0.08, "escalation replica stopped", self._replica_out_later))
        for i in range(plan.postgres_restarts):
            at = 0.5 + (i + rng.random()) * 0.15 / max(1, plan.postgres_restarts)
            text = f"PostgreSQL down {plan.postgres_down_seconds:.0f} s"
            events.append((at, text, self._postgres_restart))
        try:
            if not plan.broker_restarts:
                self._broker_restarts_done.set()
            self._run(load, events)
        finally:
            self._broker_restarts_done.set()

    def _last_broker_restart(self) -> None:
        self.stack.restart_broker()
        self._broker_restarts_done.set()

    def _late(self, load: Load) -> None:
        """What a broker restart would undo, on a timeline of its own once they are done."""
        plan = self.plan
        events: list[tuple[float, str, Callable[[], None]]] = []
        if plan.extra_partitions:
            partitions = PARTITIONS + plan.extra_partitions
            text = f"consent topic re-created with {partitions} partitions, outbox republish"
            events.append((0.6, text, self._regrow))
        if plan.dlq_outage_seconds:
            text = (
                f"dead-letter topics unavailable {plan.dlq_outage_seconds:.0f} s,"
                f" {len(self._poison)} poison messages in 5 bursts meanwhile"
            )
            events.append((0.7, text, self._poison_during_outage))
        else:
            bursts = 5
            for i in range(bursts):
                chunk = self._poison[i::bursts]
                text = f"{len(chunk)} poison messages"
                events.append((0.7 + i * 0.04, text, self._inject(chunk)))
        self._wait_progress(load, min(at for at, _, _ in events))
        self._broker_restarts_done.wait()
        self._run(load, events)

    def _run(self, load: Load, events: list[tuple[float, str, Callable[[], None]]]) -> None:
        for at, text, action in sorted(events, key=lambda e: e[0]):
            self._wait_progress(load, at)
            self._mark(f"{text} at {load.progress:.0%}")
            action()
            self.report.faults.append(f"{text} at {load.progress:.0%}")
            self._mark(f"done: {text}")

    def _postgres_restart(self) -> None:
        self.stack.restart_postgres(self.plan.postgres_down_seconds)

    def _replica_in(self) -> None:
        self.stack.start_replica("escalation")
        self._replica_since = time.monotonic()

    def _replica_out_later(self) -> None:
        """In a thread of its own: the timeline goes on meanwhile."""
        helper = threading.Thread(target=self._guard(self._replica_out), daemon=True)
        helper.start()
        self._helpers.append(helper)

    def _replica_out(self) -> None:
        """Stop the replica once its consumer has been in the group a few sessions."""
        time.sleep(max(0.0, self._replica_since + 10 - time.monotonic()))
        self.stack.replicas[-1].stop()
        self._mark("escalation replica stopped")

    def _inject(self, chunk: list[poison.Poison]) -> Callable[[], None]:
        topic = events_topic("consent", prefix=self.stack.settings.topic_prefix)
        return lambda: asyncio.run(poison.inject(self.stack.broker.bootstrap, topic, chunk))

    def _settle(self, history: History) -> None:
        """Poll until everything is where it belongs; then the final figures."""
        reference = max(self.last_fault_at, history.last_acknowledged_at)
        steps = checker.acknowledged_steps(history.commands)
        acknowledged = {s: v for s, v in steps.items() if s not in self.marked}
        marked_steps = sum(len(v) for s, v in steps.items() if s in self.marked)
        projections = checker.Projections(self.stack.settings)
        settings = self.stack.settings
        bootstrap, prefix = settings.kafka_bootstrap, settings.topic_prefix
        urls = [m.metrics_url for m in self.stack.consumers() if m.metrics_url is not None]
        deadline = time.monotonic() + self.plan.settle_timeout_seconds
        try:
            while True:
                compared = {
                    name: checker.compare(name, acknowledged, projections.held(name, acknowledged))
                    for name in projections.names
                }
                lost = sum(c.lost for c in compared.values())
                lag = checker.consumer_lag(urls)
                missing, counted, on_topic = -1, -1, -1
                if lost == 0 and lag == 0:  # the topics are long to read: only then
                    topic, letters = checker.read_topics(bootstrap, prefix, CONSUMERS)
                    missing = checker.dead_letters(letters, self._poison).missing
                    missing += checker.chain_poison(topic, letters, self.marked).missing
                    counted = projections.consents_counted()
                    on_topic = checker.consents_given_on_topic(topic, self.marked)
                self.log(
                    f"settling: lost {lost}, lag {lag}, dead letters missing {missing},"
                    f" reporting counted {counted} of {on_topic} consents"
                )
                if lost == 0 and lag == 0 and missing == 0 and counted >= on_topic:
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
            topic, letters = checker.read_topics(bootstrap, prefix, CONSUMERS)
            kills = self._kills_by_consumer()
            self.report.dead_letters = checker.dead_letters(letters, self._poison, kills)
            self.report.chain = checker.chain_poison(topic, letters, self.marked, kills)
            self.report.chain.steps = marked_steps
            self.report.chain.applied = sum(
                len(held)
                for name in projections.names
                for held in projections.held(name, self.marked).values()
            )
            self.report.consents_counted = projections.consents_counted()
            self.report.consents_on_topic = checker.consents_given_on_topic(topic, self.marked)
            self.report.lag = checker.consumer_lag(urls)
            self.report.topic_out_of_order = checker.topic_order_violations(topic)
        finally:
            projections.close()


def run(plan: Plan, var_dir: Path | None = None, log: Callable[[str], None] = print) -> Report:
    if var_dir is not None:
        return Campaign(plan, var_dir, log).run()
    with tempfile.TemporaryDirectory(prefix="samverkan-chaos-") as directory:
        return Campaign(plan, Path(directory) / "var", log).run()
