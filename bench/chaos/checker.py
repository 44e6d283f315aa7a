"""The checker: what the API acknowledged against what every downstream projection holds.

Per subject, the load's history is a sequence of steps — consent *c* given,
consent *c* withdrawn — in the order the API acknowledged them. Each
downstream projection of the consent topic (cases' and escalation's per-subject
consent records) must hold exactly those steps, each once, in that order:

* **lost**: an acknowledged step a projection does not hold;
* **doubled**: a step a projection holds more than once;
* **out of order**: a subject whose steps a projection holds in another order;
* **unacknowledged**: a step a projection holds that the API never
  acknowledged (a command applied although its client was told otherwise,
  or applied twice under two ids) — tolerated only up to the number of
  commands the load could not get acknowledged at all.

The consent topic is also read as a partner following the contract would
(copies skipped, a record held until its ``ce_prevsequence`` is filled):
per subject, the ``ce_sequence`` taken must grow. Every poison message must be in every consumer's
dead-letter topic with the reason its kind calls for, exactly once.

The undecodable messages inside consent's chain (:mod:`bench.chaos.chain`,
every event of the marked subjects) are held to the same: each on the
consent topic is in every consumer's dead-letter topic exactly once with
its reason, and nothing of a marked subject is in any projection (their
steps are left out of the acknowledged history the projections are held to).

Reporting counts consents given (per month and purpose) rather than keep
them per subject: its count must equal the ``ConsentGiven`` messages (by
``ce_id``, the marked subjects' left out) on the consent topic — fewer is a
loss, more is an event counted twice (two owners of a partition during a
rebalance, #19 item 3).
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from aiokafka import ConsumerRecord

from bench.chaos import chain
from bench.chaos.load import Command
from bench.chaos.poison import EXPECTED_REASON, POISON_HEADER, Poison
from contracts import ConsentGiven, dlq_topic, events_topic
from services.runtime.messaging.peek import read_topic
from services.runtime.service import load_service
from services.runtime.settings import RuntimeSettings

READ_IDLE_MS = 2000
"""How long a topic read waits for more before it takes the topic as read to its end."""


@dataclass(frozen=True)
class Step:
    kind: str  # "give" or "withdraw"
    consent_id: str


@dataclass
class Comparison:
    """The checker's figures for one projection (or several, added up)."""

    acknowledged: int = 0
    lost: int = 0
    doubled: int = 0
    out_of_order: int = 0
    unacknowledged: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, other: Comparison) -> None:
        self.acknowledged += other.acknowledged
        self.lost += other.lost
        self.doubled += other.doubled
        self.out_of_order += other.out_of_order
        self.unacknowledged += other.unacknowledged
        self.examples += other.examples[: max(0, 10 - len(self.examples))]


def acknowledged_steps(commands: Iterable[Command]) -> dict[str, list[Step]]:
    """Per subject id, the acknowledged steps in acknowledgement order."""
    subject_of: dict[str, str] = {}
    for command in commands:
        if command.subject_id is not None:
            subject_of[command.personnummer] = command.subject_id
    steps: dict[str, list[Step]] = defaultdict(list)
    for command in commands:
        if command.acknowledged and command.consent_id is not None:
            subject = subject_of[command.personnummer]
            steps[subject].append(Step(command.kind, command.consent_id))
    return dict(steps)


def compare(
    name: str, acknowledged: Mapping[str, Sequence[Step]], held: Mapping[str, Sequence[Step]]
) -> Comparison:
    """One projection's holdings against the acknowledged history (pure)."""
    result = Comparison()
    for subject in sorted(set(acknowledged) | set(held)):
        want = list(acknowledged.get(subject, ()))
        have = list(held.get(subject, ()))
        result.acknowledged += len(want)
        counts = Counter(have)
        wanted = set(want)
        lost = [s for s in want if counts[s] == 0]
        doubled = sum(n - 1 for n in counts.values() if n > 1)
        extra = [s for s in counts if s not in wanted]
        first_seen = list(dict.fromkeys(s for s in have if s in wanted))
        in_order = [s for s in want if counts[s] > 0]
        result.lost += len(lost)
        result.doubled += doubled
        result.unacknowledged += len(extra)
        if first_seen != in_order:
            result.out_of_order += 1
        if lost or doubled or extra or first_seen != in_order:
            result.examples.append(
                f"{name} {subject[:12]}…: acknowledged {_show(want)}; holds {_show(have)}"
            )
    result.examples = result.examples[:10]
    return result


def _show(steps: Sequence[Step]) -> str:
    return "[" + ", ".join(f"{s.kind} {s.consent_id[:8]}" for s in steps) + "]"


class Projections:
    """Cases' and escalation's per-subject consent records, read from their own stores;
    reporting's count of consents given."""

    def __init__(self, settings: RuntimeSettings) -> None:
        from services.cases.domain.consents import SubjectConsents, consent_record_id
        from services.escalation.domain.authorisations import (
            SubjectAuthorisations,
            authorisations_id,
        )

        self._apps: dict[str, Any] = {
            s: load_service(s).build(settings).app for s in ("cases", "escalation")
        }
        self._ids = {"cases": consent_record_id, "escalation": authorisations_id}
        self._given: dict[str, type[Any]] = {
            "cases": SubjectConsents.ConsentLearnt,
            "escalation": SubjectAuthorisations.ConsentNoted,
        }
        self._withdrawn: dict[str, type[Any]] = {
            "cases": SubjectConsents.WithdrawalLearnt,
            "escalation": SubjectAuthorisations.WithdrawalNoted,
        }
        from services.reporting.application import ReportingApplication
        from services.reporting.views.statistics import statistics_view
        from services.runtime.store.database import store_env

        self._reporting = ReportingApplication(
            env=store_env(settings, "reporting"), master_key=settings.resolved_master_key()
        )
        self._statistics = statistics_view(self._reporting)

    @property
    def names(self) -> list[str]:
        return list(self._apps)

    def held(self, name: str, subjects: Iterable[str]) -> dict[str, list[Step]]:
        app = self._apps[name]
        held: dict[str, list[Step]] = {}
        for subject in subjects:
            steps: list[Step] = []
            for event in app.repository.event_store.get(self._ids[name](subject)):
                if isinstance(event, self._given[name]):
                    consent_id = getattr(event, "consent_id", None)
                    if consent_id is None:
                        consent_id = event.consent["consent_id"]
                    steps.append(Step("give", str(consent_id)))
                elif isinstance(event, self._withdrawn[name]):
                    steps.append(Step("withdraw", str(event.consent_id)))
            held[subject] = steps
        return held

    def consents_counted(self) -> int:
        """Reporting's count of consents given, over every month and purpose."""
        from services.reporting.domain.measures import CONSENTS_GIVEN

        return sum(row.count for row in self._statistics.counts() if row.measure == CONSENTS_GIVEN)

    def close(self) -> None:
        for app in self._apps.values():
            app.close()
        self._reporting.close()


def topic_order_violations(records: Iterable[ConsumerRecord[bytes, bytes]]) -> int:
    """Subjects whose events a partner following the contract would take out of order.

    Read as the contract tells partners to (docs/partners.md): per partition,
    a ``ce_sequence`` at or below the highest taken is a republished copy; a
    record whose ``ce_prevsequence`` was not taken yet is held until the gap
    is filled (after the broker lost its log, the relay's first new message
    comes before the republish that fills it). What is taken must grow per
    subject.
    """
    taken: dict[int, int] = {}
    last: dict[str, int] = {}
    violations: set[str] = set()
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        headers = dict(record.headers)
        raw_subject = headers.get("ce_subject")
        raw_sequence, raw_prev = headers.get("ce_sequence"), headers.get("ce_prevsequence")
        if raw_sequence is None or raw_prev is None or raw_subject is None:
            continue
        if POISON_HEADER in headers:
            continue
        sequence, prev, subject = int(raw_sequence), int(raw_prev), raw_subject.decode()
        high = taken.get(record.partition, 0)
        if sequence <= high or prev > high:
            continue  # a copy, or held for its predecessor
        taken[record.partition] = sequence
        if sequence < last.get(subject, 0):
            violations.add(subject)
        last[subject] = sequence
    return len(violations)


@dataclass
class DeadLetters:
    expected: int = 0
    found: int = 0
    missing: int = 0
    wrong_reason: int = 0
    copies: int = 0
    repeated: int = 0
    """Dead letters beyond one per message and consumer, of messages that name their
    place in a chain: the consumer records that place once the dead letter is
    acknowledged, so a re-read must skip them — unless the consumer was killed
    between the two (`killed_repeated`)."""
    killed_repeated: int = 0
    """The same, each written just before a SIGKILL of a process of that consumer:
    the dead letter's ack and the tracking write cannot be one transaction, so a
    kill between them sends it again (replay deduplicates by ``ce_id``)."""
    examples: list[str] = field(default_factory=list)
    """Repeated ones with a chain position: id and when each copy was written."""
    unplaced_repeated: int = 0
    """The same, of garbage that names no place: nothing but the committed offset
    tells a re-read it was handled, so a consumer killed between the dead letter's
    ack and its commit sends it again (at least once, as Kafka's offsets give)."""


Letters = Mapping[str, Sequence[ConsumerRecord[bytes, bytes]]]
"""Each consumer's dead-letter topic, read."""


def _clock(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%H:%M:%S.%f")[:-3]


def read_topics(
    bootstrap: str, prefix: str, consumers: Sequence[str]
) -> tuple[list[ConsumerRecord[bytes, bytes]], Letters]:
    """The consent topic and each consumer's dead-letter topic, read side by side."""

    async def read_all() -> list[list[ConsumerRecord[bytes, bytes]]]:
        names = [events_topic("consent", prefix=prefix)]
        names += [dlq_topic(consumer, prefix=prefix) for consumer in consumers]
        # A generous idle wait: on a loaded machine a short one ends the read early.
        reads = (read_topic(bootstrap, name, idle_ms=READ_IDLE_MS) for name in names)
        return list(await asyncio.gather(*reads))

    consent, *letters = asyncio.run(read_all())
    return consent, dict(zip(consumers, letters, strict=True))


KILL_WINDOW = (-0.5, 3.0)
"""A copy is explained by a SIGKILL this many seconds around the copy before it."""

Kills = Mapping[str, Sequence[float]]
"""Per consumer (group), when a process of it was SIGKILLed (wall clock, seconds)."""


def _repeats(written: Sequence[int], kills: Sequence[float]) -> tuple[int, int]:
    """(unexplained, explained by a kill) copies beyond the first of one dead letter."""
    unexplained = explained = 0
    times = sorted(written)
    for before in times[:-1]:
        low, high = before / 1000 + KILL_WINDOW[0], before / 1000 + KILL_WINDOW[1]
        if any(low <= kill <= high for kill in kills):
            explained += 1
        else:
            unexplained += 1
    return unexplained, explained


def _source(headers: Mapping[str, bytes]) -> str:
    """Where a dead letter came from, ``topic[partition]@offset``: two copies from one
    offset were handled twice; from two offsets, the message was on the topic twice."""
    topic, partition, offset = (
        (headers.get(f"dlq.source.{name}") or b"?").decode()
        for name in ("topic", "partition", "offset")
    )
    return f"{topic}[{partition}]@{offset}"


def _copies(
    poison_id: str,
    consumer: str,
    written: Mapping[str, Sequence[int]],
    sources: Mapping[str, Sequence[str]],
) -> str:
    copies = ", ".join(
        f"{_clock(ms)} from {source}"
        for ms, source in zip(written[poison_id], sources[poison_id], strict=True)
    )
    return f"{poison_id} dead-lettered by {consumer}: {copies}"


def dead_letters(
    letters: Letters, poison: Sequence[Poison], kills: Kills | None = None
) -> DeadLetters:
    """Every poison message in every consumer's dead-letter topic, with its kind's reason."""
    kinds = {p.id: p.kind for p in poison}
    placed = {p.id for p in poison if {"ce_source", "ce_sequence"} <= {n for n, _ in p.headers}}
    figures = DeadLetters()
    for consumer, records in letters.items():
        reasons: dict[str, str] = {}
        copies: Counter[str] = Counter()
        written: dict[str, list[int]] = defaultdict(list)
        sources: dict[str, list[str]] = defaultdict(list)
        for record in records:
            headers = dict(record.headers)
            raw = headers.get(POISON_HEADER)
            if raw is None or raw.decode() not in kinds:
                continue
            figures.copies += 1
            poison_id = raw.decode()
            copies[poison_id] += 1
            written[poison_id].append(record.timestamp)
            sources[poison_id].append(_source(headers))
            reason = (headers.get("dlq.reason") or b"").decode()
            if reason != EXPECTED_REASON[kinds[poison_id]]:
                figures.wrong_reason += 1
            reasons[poison_id] = reason
        figures.expected += len(kinds)
        figures.found += len(reasons)
        figures.missing += len(set(kinds) - set(reasons))
        for poison_id, n in copies.items():
            if poison_id in placed:
                unexplained, explained = _repeats(
                    written[poison_id], (kills or {}).get(consumer, ())
                )
                figures.repeated += unexplained
                figures.killed_repeated += explained
                if unexplained and len(figures.examples) < 10:
                    figures.examples.append(_copies(poison_id, consumer, written, sources))
            else:
                figures.unplaced_repeated += n - 1
                if n > 1 and len(figures.examples) < 10:
                    figures.examples.append(_copies(poison_id, consumer, written, sources))
    return figures


@dataclass
class ChainPoison:
    """The undecodable messages consent's relay sent in its chain, and their dead letters."""

    messages: int = 0
    """Distinct ones (by ``ce_id``) on the consent topic."""
    steps: int = 0
    """Acknowledged steps of the marked subjects: each must be one of `messages`."""
    expected: int = 0
    found: int = 0
    missing: int = 0
    repeated: int = 0
    """Dead letters beyond one per message and consumer (as `DeadLetters.repeated`)."""
    killed_repeated: int = 0
    wrong_reason: int = 0
    applied: int = 0
    """Steps of a marked subject a projection holds (it decoded what it cannot)."""
    examples: list[str] = field(default_factory=list)
    """Repeated ones: ``ce_id`` and when each copy was written."""


def chain_poison(
    topic: Iterable[ConsumerRecord[bytes, bytes]],
    letters: Letters,
    marked: Iterable[str],
    kills: Kills | None = None,
) -> ChainPoison:
    """Each marked subject's message on the consent topic in every dead-letter topic, once."""
    marked = set(marked)
    sent: set[bytes] = set()
    for record in topic:
        headers = dict(record.headers)
        subject = (headers.get("ce_subject") or b"").decode(errors="replace")
        if POISON_HEADER not in headers and subject in marked and headers.get("ce_id"):
            sent.add(headers["ce_id"] or b"")
    figures = ChainPoison(messages=len(sent))
    for consumer, records in letters.items():
        copies: Counter[bytes] = Counter()
        written: dict[bytes, list[int]] = defaultdict(list)
        for record in records:
            headers = dict(record.headers)
            subject = (headers.get("ce_subject") or b"").decode(errors="replace")
            if POISON_HEADER in headers or subject not in marked:
                continue
            copies[headers.get("ce_id") or b""] += 1
            written[headers.get("ce_id") or b""].append(record.timestamp)
            reason = (headers.get("dlq.reason") or b"").decode()
            if reason != chain.expected_reason(subject):
                figures.wrong_reason += 1
        figures.expected += len(sent)
        figures.found += len(sent & set(copies))
        figures.missing += len(sent - set(copies))
        for ce_id in copies:
            unexplained, explained = _repeats(written[ce_id], (kills or {}).get(consumer, ()))
            figures.repeated += unexplained
            figures.killed_repeated += explained
            if unexplained and len(figures.examples) < 10:
                at = ", ".join(_clock(ms) for ms in written[ce_id])
                figures.examples.append(
                    f"chain {ce_id.decode()} dead-lettered by {consumer} at {at}"
                )
    return figures


def consents_given_on_topic(
    topic: Iterable[ConsumerRecord[bytes, bytes]], marked: Iterable[str]
) -> int:
    """Distinct ``ConsentGiven`` messages (by ``ce_id``) of unmarked subjects, not
    injected poison: what reporting must have counted, each once."""
    marked = set(marked)
    given = ConsentGiven.ce_type().encode()
    ids = set()
    for record in topic:
        headers = dict(record.headers)
        subject = (headers.get("ce_subject") or b"").decode(errors="replace")
        if (
            headers.get("ce_type") == given
            and subject not in marked
            and POISON_HEADER not in headers
        ):
            ids.add(headers.get("ce_id"))
    return len(ids)


_LAG = re.compile(r"^samverkan_consumer_lag\{[^}]*\} ([0-9.e+-]+)$")


def consumer_lag(urls: Iterable[str]) -> float | None:
    """Summed consumer lag the services and consumer processes report on /metrics
    (None if one cannot be asked)."""
    total = 0.0
    for url in urls:
        try:
            text = httpx.get(f"{url}/metrics", timeout=5).text
        except httpx.HTTPError:
            return None
        for line in text.splitlines():
            match = _LAG.match(line)
            if match:
                total += max(0.0, float(match.group(1)))
    return total
