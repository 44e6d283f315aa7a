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

The plans are in `bench.chaos.plan`, the faults in `bench.chaos.faults`, what a
run found in `bench.chaos.report`; here a run is put together and settled.
"""

from __future__ import annotations

import random
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench.chaos import chain, checker, poison
from bench.chaos.faults import Faults
from bench.chaos.load import History, Load
from bench.chaos.plan import Plan
from bench.chaos.report import Report
from bench.chaos.stack import Stack
from contracts import OrgType, Role
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


class Campaign:
    """One run of a plan against a fresh stack."""

    def __init__(self, plan: Plan, var_dir: Path, log: Callable[[str], None] = print) -> None:
        self.plan = plan
        self.stack = Stack(
            var_dir, roles=plan.roles, relay_leader_lease_seconds=plan.relay_leader_lease_seconds
        )
        self.marked: frozenset[str] = frozenset()
        """The marked subjects' ids (bench.chaos.chain)."""
        self.log = log
        self.report = Report(plan, datetime.now(UTC).isoformat(timespec="seconds"))
        self._poison = poison.make(plan.poison, plan.seed)
        self.faults = Faults(plan, self.stack, self.report, self._poison, log)

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
            faults = self.faults
            threads = [
                threading.Thread(
                    target=faults.guard(faults.kills, name, managed, load), daemon=True
                )
                for name, managed in self.stack.targets().items()
            ]
            for timeline in (
                faults.timeline,
                faults.late,
                faults.freezes,
                faults.reporting_rebalances,
            ):
                threads.append(threading.Thread(target=faults.guard(timeline, load), daemon=True))
            for thread in threads:
                thread.start()
            load.join()
            for thread in threads + faults.helpers:
                thread.join()
            if faults.errors:
                raise faults.errors[0]
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

    def _settle(self, history: History) -> None:
        """Poll until everything is where it belongs; then the final figures."""
        reference = max(self.faults.last_fault_at, history.last_acknowledged_at)
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
