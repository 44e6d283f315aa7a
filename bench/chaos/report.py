"""What a campaign run found: the checker's figures, the faults it placed, and the
verdict (`Report.failures`, empty when the platform passed), rendered for a person."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.chaos.checker import ChainPoison, Comparison, DeadLetters
from bench.chaos.load import History
from bench.chaos.plan import Plan


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
