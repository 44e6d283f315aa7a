"""The command load: consents given and withdrawn for many subjects, through HTTP.

Every subject gets a script — give a consent, withdraw it, give another, … —
played in order by one worker, so the order the API acknowledged a subject's
commands in is the order every downstream projection must show. Workers
share a pace (commands per second), so faults land on a steady load.

A command is sent with an ``Idempotency-Key`` and retried with the same key
until the API acknowledges it (2xx): after a connection error (the service
was killed), a 503 (its store is down; we wait the Retry-After), a 409 (the
first attempt is still running) or a 5xx, which is also counted as a defect.
A 409 saying the first attempt was applied but its answer lost (the
service was killed in between) names what it changed (`changed`): the load
reads that back, as a careful client would, and counts the command as
acknowledged ("recovered"). Only acknowledged commands go into the history
the checker holds the platform to; a command refused otherwise, or given up,
may account for an effect the checker finds but never saw acknowledged.

Some subjects can be held back (`late`): their commands are played only once
`late_from` of the load has been sent (the campaign's marked subjects, whose
events consent's relay sends undecodable, come after the last broker
restart, so their dead letters are not lost with the broker's log).
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import httpx

from services.runtime.kernel.identity import luhn_check_digit

LOST_ANSWER = 409
"""A retry's answer when the first attempt was applied but its answer lost."""

PARTIES = ["SE2321000016-POL1", "SE2120000001-SOC1"]


@dataclass
class Command:
    """One command of the load, and what the API said to it."""

    personnummer: str
    kind: str  # "give" or "withdraw"
    key: str
    consent_id: str | None = None
    subject_id: str | None = None
    acknowledged: bool = False
    attempts: int = 0
    retried_after_doubt: bool = False
    """Sent again after an attempt whose outcome we could not know (killed mid-request)."""


@dataclass
class History:
    """Everything the load did, as the client saw it."""

    commands: list[Command] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    unavailable_without_retry_after: int = 0
    connection_errors: int = 0
    refused: list[str] = field(default_factory=list)
    recovered: int = 0
    """Commands whose answer was lost (409) and whose effect was read back instead."""
    gave_up: int = 0
    last_acknowledged_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def acknowledged(self) -> list[Command]:
        return [c for c in self.commands if c.acknowledged]


def personnummer(rng: random.Random, used: set[str]) -> str:
    """A made-up number with a valid check digit (an adult, so no guardian is asked for)."""
    while True:
        birth = f"{rng.randint(1940, 1990)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        serial = f"{rng.randint(0, 999):03d}"
        number = f"{birth}-{serial}{luhn_check_digit(birth[2:] + serial)}"
        if number not in used:
            used.add(number)
            return number


class Load:
    """Plays `commands` commands over `subjects` subjects at `rate` per second."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        commands: int,
        subjects: int,
        workers: int,
        rate: float,
        seed: int,
        give_up_after: float = 180.0,
        late: frozenset[str] = frozenset(),
        late_from: float = 0.0,
    ) -> None:
        self.url = url
        self.token = token
        self.total = commands
        self.workers = workers
        self.rate = rate
        self.give_up_after = give_up_after
        self.history = History()
        rng = random.Random(seed)
        used: set[str] = set()
        numbers = [personnummer(rng, used) for _ in range(subjects)]
        self._scripts: list[list[str]] = [[] for _ in range(workers)]
        lengths = [
            commands // subjects + (1 if i < commands % subjects else 0) for i in range(subjects)
        ]
        self._subjects = [(numbers[i], lengths[i]) for i in range(subjects)]
        self.late = late
        self.late_from = late_from
        self._started = 0
        self._slot = 0
        self._t0 = 0.0
        self._lock = threading.Lock()
        self._rng = rng
        self._threads: list[threading.Thread] = []
        self.stop = threading.Event()

    @staticmethod
    def numbers(subjects: int, seed: int) -> list[str]:
        """The personnummers a load with this seed plays (as the constructor draws them)."""
        rng = random.Random(seed)
        used: set[str] = set()
        return [personnummer(rng, used) for _ in range(subjects)]

    @property
    def progress(self) -> float:
        """Share of the commands started so far (the faults are placed on this scale)."""
        return self._started / self.total

    def start(self) -> None:
        self._t0 = time.monotonic()
        mine: list[list[tuple[str, int]]] = [[] for _ in range(self.workers)]
        for index, subject in enumerate(self._subjects):
            mine[index % self.workers].append(subject)
        for number, subjects in enumerate(mine):
            thread = threading.Thread(
                target=self._work,
                args=(subjects, random.Random(self._rng.random())),
                name=f"load-{number}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def running(self) -> bool:
        return any(thread.is_alive() for thread in self._threads)

    def join(self) -> None:
        for thread in self._threads:
            thread.join()

    def _pace(self) -> bool:
        """Wait for this command's slot on the shared schedule; False when all are out."""
        with self._lock:
            if self._started >= self.total or self.stop.is_set():
                return False
            slot = self._slot
            self._slot += 1
            self._started += 1
        delay = self._t0 + slot / self.rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        return True

    def _work(self, subjects: list[tuple[str, int]], rng: random.Random) -> None:
        pending = {number: length for number, length in subjects}
        open_consent: dict[str, str | None] = dict.fromkeys(pending)
        with httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=30
        ) as client:
            while pending:
                choices = list(pending)
                if self.progress < self.late_from:
                    choices = [n for n in choices if n not in self.late]
                    if not choices:  # only held-back subjects left: the others go first
                        time.sleep(0.05)
                        continue
                number = rng.choice(choices)
                if not self._pace():
                    return
                pending[number] -= 1
                if pending[number] == 0:
                    del pending[number]
                consent_id = open_consent[number]
                if consent_id is None:
                    command = Command(number, "give", str(uuid.uuid4()))
                    body: dict[str, object] = {
                        "personnummer": number,
                        "purpose": "red_thread_meeting",
                        "parties": PARTIES,
                        "form": "oral",
                        "informed": True,
                    }
                    response = self._send(client, command, "/v1/consents", body)
                    if response is not None:
                        answer = response.json()
                        if response.status_code == LOST_ANSWER:  # read back what it made
                            answer = self._read(client, f"/v1/consents/{answer['changed'][0]}")
                        command.consent_id = answer["id"]
                        command.subject_id = answer["subject_id"]
                        open_consent[number] = command.consent_id
                else:
                    command = Command(number, "withdraw", str(uuid.uuid4()), consent_id=consent_id)
                    path = f"/v1/consents/{consent_id}/withdrawal"
                    # Refused (maybe withdrawn by an attempt whose answer was lost):
                    # either way the subject's next command gives a new consent.
                    self._send(client, command, path, None)
                    open_consent[number] = None
                with self.history.lock:
                    self.history.commands.append(command)

    def _read(self, client: httpx.Client, path: str) -> dict[str, object]:
        """GET `path` until it answers 200 (the service may be down for a moment)."""
        deadline = time.monotonic() + self.give_up_after
        while time.monotonic() < deadline:
            try:
                response = client.get(path)
            except httpx.HTTPError:
                time.sleep(0.2)
                continue
            if response.status_code == 200:
                answer: dict[str, object] = response.json()
                return answer
            time.sleep(0.2)
        msg = f"could not read {path} back"
        raise RuntimeError(msg)

    def _send(
        self, client: httpx.Client, command: Command, path: str, body: dict[str, object] | None
    ) -> httpx.Response | None:
        """Send until acknowledged; the response, or None when refused or given up."""
        history = self.history
        deadline = time.monotonic() + self.give_up_after
        doubt = False
        while time.monotonic() < deadline:
            command.attempts += 1
            command.retried_after_doubt = command.retried_after_doubt or doubt
            try:
                response = client.post(path, json=body, headers={"Idempotency-Key": command.key})
            except httpx.HTTPError:
                with history.lock:
                    history.connection_errors += 1
                doubt = True
                time.sleep(0.2)
                continue
            with history.lock:
                history.statuses[response.status_code] += 1
            status = response.status_code
            if 200 <= status < 300:
                command.acknowledged = True
                with history.lock:
                    history.last_acknowledged_at = time.monotonic()
                return response
            if status == 503:
                retry_after = response.headers.get("retry-after")
                if retry_after is None or not retry_after.isdigit():
                    with history.lock:
                        history.unavailable_without_retry_after += 1
                    retry_after = "1"
                time.sleep(min(float(retry_after), 2.0))
                continue
            if status >= 500:
                with history.lock:
                    history.server_errors.append(f"{status} {path}: {response.text[:300]}")
                doubt = True
                time.sleep(0.2)
                continue
            if status == 429 or (status == 409 and "still running" in response.text):
                time.sleep(0.2)
                continue
            if status == LOST_ANSWER and response.json().get("changed"):
                command.acknowledged = True  # applied; the caller reads back what it did
                with history.lock:
                    history.recovered += 1
                    history.last_acknowledged_at = time.monotonic()
                return response
            with history.lock:
                history.refused.append(f"{status} {command.kind} {path}: {response.text[:300]}")
            return None
        with history.lock:
            history.gave_up += 1
        return None
