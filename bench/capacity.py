"""The capacity model: CPU milliseconds each process spends per command, to size a deployment.

An operator asks "N commands/s needs how many cores?". The sustained e2e run
knows how many commands went through; the kernel knows how much CPU each
process of the stack spent meanwhile (user + system time in ``/proc/<pid>/stat``,
no psutil needed). Their quotient is a cost per command that scales linearly
with the rate as long as no process is saturated: at 1,000 cmd/s a process
needs (ms per command) cores. It includes what each process does besides the
command (polling the broker, relay rounds), spread over the commands of a
closed-loop run, where that share is smallest.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BROKER = "kafka"
"""The embedded broker's row in the model (with Apache Kafka, its own sizing applies)."""

DATABASE = "postgresql"
"""The PostgreSQL server's row, when the stores are there: machine-wide (see postgres_cpu)."""

ROLES = {
    "consent": "HTTP API, commands, outbox relay",
    "cases": "consumes consent's events",
    "escalation": "consumes consent's events",
    "reporting": "consumes every topic, counts statistics",
    BROKER: "embedded broker (Tansu)",
    DATABASE: "PostgreSQL server (all its processes here)",
}
"""What each process does in the e2e flow (a POST /v1/consents counted in reporting)."""

SPLIT_ROLES = {"relay": "its outbox relay alone", "consumer": "its consumers alone"}
"""What a process of a split service does (``<service>-relay``, ``<service>-consumer``)."""


def role_of(process: str) -> str:
    """What `process` does; a split service's API process keeps the service's name."""
    service, _, role = process.rpartition("-")
    if service and role in SPLIT_ROLES:
        return f"{service}: {SPLIT_ROLES[role]}"
    return ROLES.get(process, "")


SIZING_RATE = 1000.0
"""Commands per second the cores column is given for."""

_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a live process has used so far (Linux ``/proc``)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    # Fields after the command name (which may hold spaces, hence the last ')'):
    # state is field 3, utime 14, stime 15.
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def postgres_cpu_seconds() -> float:
    """CPU time of every PostgreSQL server process on this machine so far.

    Machine-wide, so only meaningful with nothing else using the server. It includes
    the backends that ended: the postmaster is charged their time when it reaps them
    (cutime + cstime), so the difference of two readings is what the server spent."""
    total = 0.0
    for path in Path("/proc").glob("[0-9]*/stat"):
        try:
            stat = path.read_text()
        except OSError:  # ended meanwhile: its time is in the postmaster's by now
            continue
        if stat[stat.index("(") + 1 : stat.rindex(")")] != "postgres":
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        total += sum(int(f) for f in fields[11:15]) / _TICKS
    return total


@dataclass(frozen=True)
class CpuShare:
    """One process's CPU per command over a run."""

    process: str
    ms_per_command: float

    @property
    def role(self) -> str:
        return role_of(self.process)

    def cores_at(self, rate: float = SIZING_RATE) -> float:
        return self.ms_per_command * rate / 1000


def per_command(
    before: dict[str, float], after: dict[str, float], commands: int
) -> dict[str, float]:
    """CPU milliseconds per command of each process between two readings of `cpu_seconds`."""
    if commands <= 0:
        return {}
    return {p: (after[p] - before[p]) * 1000 / commands for p in before if p in after}


def shares(rate: Any) -> list[CpuShare]:
    """The CPU shares of a sustained run (an ``e2e.E2eRate``)."""
    return [CpuShare(process, ms) for process, ms in rate.cpu_ms_per_command.items()]


def print_table(by_store: dict[str, dict[str, float]]) -> None:
    """CPU ms per command per process and store, and the cores that make SIZING_RATE cmd/s."""
    stores = list(by_store)
    heading = f"capacity (e2e sustained): cpu ms/command, cores for {SIZING_RATE:,.0f} cmd/s"
    print(f"\n{heading}")
    columns = "".join(f" {store + ' ms':>14} {'cores':>6}" for store in stores)
    print(f"{'process':<20} {'role':<40}{columns}")
    processes = list(dict.fromkeys(p for ms in by_store.values() for p in ms))
    for process in [*processes, "total"]:
        cells = ""
        for store in stores:
            ms = by_store[store]
            value = sum(ms.values()) if process == "total" else ms.get(process)
            if value is None:
                cells += f" {'—':>14} {'':>6}"
                continue
            share = CpuShare(process, value)
            cells += f" {share.ms_per_command:>14.2f} {share.cores_at():>6.2f}"
        print(f"{process:<20} {role_of(process):<40}{cells}")
