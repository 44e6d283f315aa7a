"""The faults a campaign places on the load's progress, each on a thread of its own.

Every kill target is SIGKILLed and started again (`Faults.kills`); the broker
restarts, the escalation replica and the PostgreSQL outage run on one timeline
(`timeline`); what a broker restart would undo (consent's topic re-grown and
republished, the poison while the dead-letter topics are down) on a second,
once the restarts are done (`late`); the consent relay leader is frozen past its
lease (`freezes`) and a reporting consumer stopped and started (`reporting_rebalances`).
What each did goes into the run's `Report`; `last_fault_at` is when recovery
is measured from.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import signal
import subprocess
import threading
import time
from collections.abc import Callable

from bench.chaos import outage, poison
from bench.chaos.load import Load
from bench.chaos.plan import Plan
from bench.chaos.report import Report
from bench.chaos.stack import Managed, Stack
from contracts import PARTITIONS, events_topic


class Faults:
    """One run's faults against its stack, recorded in its report."""

    def __init__(
        self,
        plan: Plan,
        stack: Stack,
        report: Report,
        poison_messages: list[poison.Poison],
        log: Callable[[str], None],
    ) -> None:
        self.plan = plan
        self.stack = stack
        self.report = report
        self.log = log
        self.rng = random.Random(plan.seed)
        self.last_fault_at = 0.0
        """When the last fault began or ended (monotonic): recovery is measured from it."""
        self.errors: list[BaseException] = []
        self.helpers: list[threading.Thread] = []
        """Threads a fault started of its own; joined with the fault threads."""
        self._replica_since = 0.0
        self._broker_restarts_done = threading.Event()
        self._poison = poison_messages

    def guard(self, work: Callable[..., None], *args: object) -> Callable[[], None]:
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

    def kills(self, name: str, managed: Managed, load: Load) -> None:
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

    def freezes(self, load: Load) -> None:
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

    def reporting_rebalances(self, load: Load) -> None:
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

    def timeline(self, load: Load) -> None:
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

    def late(self, load: Load) -> None:
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
        helper = threading.Thread(target=self.guard(self._replica_out), daemon=True)
        helper.start()
        self.helpers.append(helper)

    def _replica_out(self) -> None:
        """Stop the replica once its consumer has been in the group a few sessions."""
        time.sleep(max(0.0, self._replica_since + 10 - time.monotonic()))
        self.stack.replicas[-1].stop()
        self._mark("escalation replica stopped")

    def _inject(self, chunk: list[poison.Poison]) -> Callable[[], None]:
        topic = events_topic("consent", prefix=self.stack.settings.topic_prefix)
        return lambda: asyncio.run(poison.inject(self.stack.broker.bootstrap, topic, chunk))
