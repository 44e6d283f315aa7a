"""Only the e2e latency at a fixed rate, hop by hop, run after run (#24).

``make bench`` measures it once per store among everything else; this runs a
platform and measures it ``--runs`` times in it, which is what comparing two
versions of the code under a changing load needs (alternate them, compare the
ranges)::

    python -m bench.latency --runs 3              # SQLite stores
    python -m bench.latency --postgres --runs 3   # PostgreSQL stores

Each run prints the raw aiokafka round trip on the platform's broker and each
hop (HTTP answer, on consent's topic, counted in reporting) with p50, p99 and
its ratio to the raw round trip (bench.hops); ``--output`` keeps them as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

from bench import e2e
from bench.hops import E2E_P99_MS, HOP_RATIO
from bench.stack import running_stack


def describe(figures: e2e.E2eLatency) -> list[str]:
    """The run's lines: the raw round trip, then each hop beside it."""
    raw = figures.raw
    name = "raw aiokafka round trip"
    lines = [f"  {name:<26} p50 {raw.p50_ms:6.1f} ms  p99 {raw.p99_ms:6.1f} ms"]
    for name, hop in figures.hops().items():
        p50, p99 = hop.ratio_to(raw)
        lines.append(
            f"  {name:<26} p50 {hop.p50_ms:6.1f} ms  p99 {hop.p99_ms:6.1f} ms"
            f"  ({p50:.1f}x / {p99:.1f}x raw)"
        )
    verdict = "met" if figures.met else "not met"
    lines.append(
        f"  target (each hop <= {HOP_RATIO:.0f}x raw, p99 <= {E2E_P99_MS:.0f} ms): {verdict};"
        f" {figures.sent} commands, {figures.errors} errors"
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL stores")
    parser.add_argument("--rate", type=float, default=200, help="commands per second")
    parser.add_argument("--seconds", type=float, default=10, help="duration of each run")
    parser.add_argument("--runs", type=int, default=1, help="runs in one platform")
    parser.add_argument(
        "--idempotency-keys", action="store_true", help="an Idempotency-Key on every command"
    )
    parser.add_argument("--output", type=Path, help="where to keep the runs as JSON")
    args = parser.parse_args()
    store = "PostgreSQL" if args.postgres else "SQLite"
    runs = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_stack(Path(tmp), postgres=args.postgres) as stack,
    ):
        for run in range(args.runs):
            figures = e2e.latency(
                stack,
                args.rate,
                args.seconds,
                idempotency_keys=args.idempotency_keys,
                offset=5_000_000 + run * 1_000_000,
            )
            load = os.getloadavg()[0]
            print(
                f"run {run + 1}, {store}, {args.rate:.0f} cmd/s for {args.seconds:.0f} s,"
                f" load average {load:.1f}:",
                flush=True,
            )
            print("\n".join(describe(figures)), flush=True)
            runs.append({**figures.as_json(), "store": store, "load_average": load})
    if args.output is not None:
        args.output.write_text(json.dumps(runs, indent=2) + "\n")


if __name__ == "__main__":
    main()
