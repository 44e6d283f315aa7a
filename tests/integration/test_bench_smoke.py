"""`make bench` keeps working: its smoke variant runs every benchmark for a moment (#11).

The figures of a smoke run mean nothing (seconds of load on a busy machine);
what is checked is that every figure is produced, beside its baseline, for
both kinds of store side by side, with and without an Idempotency-Key on every
command, with the capacity model's CPU per command (#24); and that each
benchmark says on stderr when it starts and ends while the run goes on (#23).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from contracts import SERVICES

pytestmark = [pytest.mark.broker, pytest.mark.timeout(660), pytest.mark.long_running(180)]

DONE = re.compile(r"^bench \[ *[\d.]+ s\] done  (?P<name>.+) in [\d.]+ s: (?P<headline>.+)$")


def test_the_benchmark_smoke_run_prints_and_saves_every_figure(tmp_path: Path) -> None:
    output = tmp_path / "latest.json"
    stdout = tmp_path / "stdout"
    with stdout.open("w") as out:
        run = subprocess.Popen(
            [sys.executable, "-m", "bench", "--smoke", "--store", "both", "--output", str(output)],
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
        )
        progress: list[tuple[float, str]] = []
        try:
            assert run.stderr is not None
            for line in run.stderr:
                progress.append((time.monotonic(), line.rstrip("\n")))
            run.wait(timeout=60)
        finally:
            if run.poll() is None:
                run.kill()
                run.wait()
    ended = time.monotonic()
    said = "\n".join(line for _, line in progress)
    assert run.returncode == 0, said[-3000:]
    printed = stdout.read_text()
    for line in (
        "outbox relay publish",
        "e2e HTTP → reporting projection",
        "with Idempotency-Key on every command",
        "capacity (e2e sustained): cpu ms/command",
        "raw aiokafka round trip p50 / p99",
        "on the topic p50/p99 ms (x raw)",
        "target",
    ):
        assert line in printed

    # Progress: each benchmark starts and ends with its headline figure, as it runs.
    done = {m["name"]: (at, m["headline"]) for at, line in progress if (m := DONE.match(line))}
    started = {line.split("start ", 1)[1] for _, line in progress if "] start " in line}
    assert started == set(done), said[-3000:]
    for store in ("SQLite", "PostgreSQL"):
        assert f"{store}: e2e sustained" in done
        assert f"{store}: e2e sustained, with Idempotency-Key on every command" in done
    assert "outbox relay and tracked consumer" in done
    assert all(headline.strip() for _, headline in done.values())
    first_done = min(at for at, _ in done.values())
    assert ended - first_done > 10, "progress came only at the end: not flushed as it ran"

    results = json.loads(output.read_text())
    assert results["stores"] == ["SQLite", "PostgreSQL"]
    assert {f["name"] for f in results["figures"]} == {
        "outbox relay publish",
        "tracked consumer apply (SQLite)",
    }
    assert all(f["rate"] > 0 and f["baseline"] > 0 for f in results["figures"])
    assert all(lat["errors"] == 0 for lat in results["latency"].values())
    assert results["rebuild"]["rate"] > 0
    assert set(results["by_store"]) == {"SQLite", "PostgreSQL"}
    for store, figures in results["by_store"].items():
        for variant, keyed in (("e2e", False), ("e2e_idempotency_key", True)):
            assert figures[variant]["accepted"] > 0, store
            assert figures[variant]["errors"] == 0, store
            assert figures[variant]["rate"] > 0, store
            assert figures[variant]["baseline"] > 0, store
            assert figures[variant]["idempotency_keys"] is keyed
        assert len(figures["latency"]) == 2
        assert all(lat["errors"] == 0 for lat in figures["latency"].values()), store
        # Each hop beside a raw Kafka round trip on the same broker, in the same run (#24).
        for lat in figures["latency"].values():
            assert lat["raw_round_trip"]["count"] > 0, store
            assert lat["raw_round_trip"]["p50_ms"] > 0, store
            assert set(lat["hops"]) == {"HTTP answer", "on the topic", "downstream"}
            for hop in lat["hops"].values():
                assert hop["count"] > 0, store
                assert hop["p50_ms"] > 0, store
                assert hop["ratio_p99"] == hop["p99_ms"] / lat["raw_round_trip"]["p99_ms"]
        # Each service, the broker, and with PostgreSQL stores the database server.
        processes = {*SERVICES, "kafka"} | ({"postgresql"} if store == "PostgreSQL" else set())
        assert set(figures["cpu_ms_per_command"]) == processes
        assert all(ms > 0 for ms in figures["cpu_ms_per_command"].values()), store
        assert set(figures["cores_for_1000_cmd_s"]) == processes
        assert set(figures["idle_rss_mb"]) == set(SERVICES)
        assert len(figures["targets"]) == 9
        assert len(figures["growth"]) == 2
