"""`make run`'s supervisor: everything up and ready, then Ctrl-C leaves nothing behind.

With a port taken by another stack it says which and starts nothing (#23): before,
it found the other stack's /readyz, printed "ready", and then exited.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from contracts import SERVICES
from services.runtime.messaging.embedded_broker import free_port
from services.runtime.ops.run import wait_ready
from tests.support import PG_URL, ROOT, JsonServer


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def still_running(topic_prefix: str) -> list[str]:
    """The command lines of the processes this test's stack started that still run: the
    services and the broker inherit the supervisor's environment, whose topic prefix is
    this test's alone. (Its ports say less: under xdist another test's process may get a
    number `free_port` gave this one, and listen on it.)"""
    marker = f"SAMVERKAN_TOPIC_PREFIX={topic_prefix}\0".encode()
    found = []
    for process in Path("/proc").iterdir():
        if not process.name.isdigit():
            continue
        try:
            if marker in (process / "environ").read_bytes():
                found.append((process / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found


def supervisor_env(
    tmp_path: Path, topic_prefix: str, ports: dict[str, int], broker_port: int
) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("SAMVERKAN_")},
        "SAMVERKAN_VAR_DIR": str(tmp_path / "var"),
        "SAMVERKAN_TOPIC_PREFIX": topic_prefix,
        "SAMVERKAN_EMBEDDED_KAFKA_PORT": str(broker_port),
        **{f"SAMVERKAN_{s.upper()}_HTTP_PORT": str(p) for s, p in ports.items()},
    }


def stop(supervisor: subprocess.Popen[str]) -> None:
    """Stop a supervisor that is still running, and with it what it started.

    SIGTERM, as Ctrl-C: it stops its services and broker first. A SIGKILL alone orphaned
    them (each runs in a session of its own): after a timeout under load, a whole stack
    went on running, and taking CPU, for the rest of the test run.
    """
    if supervisor.poll() is not None:
        return
    supervisor.terminate()
    try:
        supervisor.wait(timeout=40)
    except subprocess.TimeoutExpired:
        supervisor.kill()
        supervisor.wait()


def start_supervisor(
    tmp_path: Path, topic_prefix: str, pg_schema_prefix: str, store: str
) -> tuple[subprocess.Popen[str], dict[str, int], int, list[str]]:
    """`make run`'s supervisor on ports of the test's own, read until it says it is ready or
    stops; ports another test took between choosing and binding are chosen again."""
    for _ in range(3):
        ports = {service: free_port() for service in SERVICES}
        broker_port = free_port()
        env = supervisor_env(tmp_path, topic_prefix, ports, broker_port)
        if store == "postgres":
            env |= {
                "SAMVERKAN_DATABASE_URL": PG_URL,
                "SAMVERKAN_DATABASE_SCHEMA_PREFIX": pg_schema_prefix,
            }
        supervisor = subprocess.Popen(
            [sys.executable, "-m", "services.runtime.ops.run"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        output = [""]
        assert supervisor.stdout is not None
        try:
            for line in supervisor.stdout:
                output.append(line)
                if line.startswith("ready"):
                    return supervisor, ports, broker_port, output
        except BaseException:  # a timeout: the half-started stack must not outlive the test
            stop(supervisor)
            raise
        supervisor.wait(timeout=40)
        logs = list((tmp_path / "var").glob("*.log"))
        taken = ("is taken", "answered by another process")
        if not any("address already in use" in log.read_text() for log in logs) and not any(
            t in "".join(output) for t in taken
        ):
            break
        for log in logs:  # the next attempt's logs say only what it met
            log.unlink()
    return supervisor, ports, broker_port, output


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_run_starts_everything_and_ctrl_c_stops_it_cleanly(
    tmp_path: Path, topic_prefix: str, pg_schema_prefix: str, store: str
) -> None:
    started = time.monotonic()
    supervisor, ports, _, output = start_supervisor(tmp_path, topic_prefix, pg_schema_prefix, store)
    try:
        assert output[-1].startswith("ready"), "".join(output)
        assert time.monotonic() - started < 30
        for service, port in ports.items():
            assert f"http://127.0.0.1:{port}" in "".join(output)
            assert httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200, service

        supervisor.send_signal(signal.SIGINT)
        rest, _ = supervisor.communicate(timeout=40)
    finally:
        stop(supervisor)

    assert supervisor.returncode == 0, rest
    assert "stopped" in rest
    assert still_running(topic_prefix) == []
    if store == "sqlite":
        for service in SERVICES:
            db = sqlite3.connect(tmp_path / "var" / f"{service}.db")
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_supervisor_stopped_while_it_starts_leaves_nothing_running(
    tmp_path: Path, topic_prefix: str
) -> None:
    """What a test's timeout does to a stack still starting: nothing of it may go on running
    (and taking the CPU the rest of the test run needs)."""
    ports = {service: free_port() for service in SERVICES}
    broker_port = free_port()
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "services.runtime.ops.run"],
        cwd=ROOT,
        env=supervisor_env(tmp_path, topic_prefix, ports, broker_port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while not any(listening(port) for port in ports.values()):
            assert time.monotonic() < deadline, "no service started"
            assert supervisor.poll() is None, "the supervisor gave up"
            time.sleep(0.1)
    finally:
        stop(supervisor)

    assert still_running(topic_prefix) == []


@pytest.mark.parametrize(
    ("taken", "setting"),
    [("broker", "SAMVERKAN_EMBEDDED_KAFKA_PORT"), ("cases", "SAMVERKAN_CASES_HTTP_PORT")],
)
def test_run_names_a_taken_port_and_its_setting_and_starts_nothing(
    tmp_path: Path, topic_prefix: str, taken: str, setting: str
) -> None:
    ports = {service: free_port() for service in SERVICES}
    broker_port = free_port()
    port = broker_port if taken == "broker" else ports[taken]
    with socket.socket() as other_stack:
        other_stack.bind(("127.0.0.1", port))
        other_stack.listen()
        supervisor = subprocess.Popen(
            [sys.executable, "-m", "services.runtime.ops.run"],
            cwd=ROOT,
            env=supervisor_env(tmp_path, topic_prefix, ports, broker_port),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            output, _ = supervisor.communicate(timeout=90)
        finally:
            stop(supervisor)

    assert supervisor.returncode != 0, output
    said = [line for line in output.splitlines() if f"port {port} is taken" in line]
    assert len(said) == 1, output
    assert setting in said[0]
    assert "ready" not in output
    # Nothing started: neither the broker nor any service wrote a log (or made var/).
    assert not list((tmp_path / "var").glob("*.log")), output
    assert still_running(topic_prefix) == []


@pytest.mark.parametrize("stranger_says", [{}, {"pid": os.getpid()}])
def test_readiness_answered_by_another_process_is_not_its_childs(
    stranger_says: dict[str, int],
) -> None:
    """The child is alive and still starting; another stack answers /readyz on its port."""
    stranger = JsonServer(lambda path: {"status": "ready", "failing": {}, **stranger_says})
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with pytest.raises(SystemExit) as refused:
            wait_ready({"consent": child}, {"consent": stranger.http.server_port}, timeout=20)
    finally:
        child.kill()
        child.wait()
        stranger.stop()
    message = str(refused.value)
    assert f"port {stranger.http.server_port} is answered by another process" in message
    assert "SAMVERKAN_CONSENT_HTTP_PORT" in message
