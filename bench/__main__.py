"""``make bench``: run the benchmarks against the platform, print and save the figures.

Every rate is printed beside a raw baseline measured in the same run, so the
ratio cancels this machine's speed and whatever else it is doing. ``--smoke``
runs each benchmark for a moment only (the suite runs it, to keep the harness
working); ``--postgres`` puts every store in PostgreSQL instead of SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import decision, e2e, flow, growth
from bench import rebuild as rebuild_bench
from bench.loadgen import LatencyFigures
from bench.stack import POSTGRES_URL, new_schema_prefix, running_stack
from services.runtime.messaging.embedded_broker import EmbeddedBroker, free_port

RESULTS = Path(__file__).parent / "results" / "latest.json"


@dataclass(frozen=True)
class Target:
    """One line of the targets table: the figure, its target, and whether it was met."""

    figure: str
    value: str
    target: str
    met: bool


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=5000, help="messages per flow benchmark")
    parser.add_argument("--rate", type=float, default=500, help="decision requests per second")
    parser.add_argument("--seconds", type=float, default=10, help="duration of each load")
    parser.add_argument("--e2e-rate", type=float, default=200, help="commands/s for e2e latency")
    parser.add_argument(
        "--growth-events", type=int, default=1_000_000, help="events stored for the growth run"
    )
    parser.add_argument(
        "--rebuild-events", type=int, default=200_000, help="events on the topics for rebuild"
    )
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL stores")
    parser.add_argument("--smoke", action="store_true", help="a few seconds, to check it runs")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where the JSON goes")
    args = parser.parse_args()
    if args.smoke:
        args.count, args.seconds, args.rate, args.e2e_rate = 300, 1.0, 100, 50
        args.growth_events = 3000
        args.rebuild_events = 3000
    store = "PostgreSQL" if args.postgres else "SQLite"
    results: dict[str, Any] = {
        "measured_at": datetime.now(UTC).isoformat(),
        "machine": f"{platform.platform()}, {_cpus()} CPUs",
        "commit": _commit(),
        "store": store,
        "smoke": args.smoke,
    }
    with tempfile.TemporaryDirectory() as tmp:
        var_dir = Path(tmp)
        with EmbeddedBroker(free_port()) as broker:
            figures = asyncio.run(flow.run(broker.bootstrap, var_dir / "flow", args.count))
            latencies = decision.measure(broker, var_dir / "decision", args.rate, args.seconds)
            rebuilt = rebuild_bench.measure(
                broker.bootstrap, var_dir / "rebuild", args.rebuild_events
            )
        with running_stack(var_dir / "stack", postgres=args.postgres) as stack:
            time.sleep(0.5 if args.smoke else 2)  # idle
            idle_rss = stack.rss_mb()
            ready = stack.ready_seconds
            rate = e2e.sustained(stack, args.seconds)
            e2e_latency = e2e.latency(stack, args.e2e_rate, args.seconds)
        grown = {
            stored: _rate_with_stored(var_dir / f"growth-{stored}", stored, args)
            for stored in (min(10_000, args.growth_events // 10), args.growth_events)
        }

    print(f"\nsamverkan benchmarks, {store} stores, {results['machine']}, {results['commit']}")
    print(f"\n{'figure':<40} {'rate':>12} {'baseline':>12} {'ratio':>7}")
    for f in figures:
        print(f"{f.name:<40} {f.rate:>10,.0f}/s {f.baseline:>10,.0f}/s {f.ratio:>7.0%}")
    name = "e2e HTTP → reporting projection"
    print(f"{name:<40} {rate.rate:>10,.0f}/s {rate.baseline:>10,.0f}/s {rate.ratio:>7.0%}")
    print(f"{'  (consent API accepted)':<40} {rate.http_rate:>10,.0f}/s")
    rebuild_bench.print_figures(rebuilt, heading=False)

    heading = "latency (open loop)"
    print(f"\n{heading:<40} {'p50':>9} {'p99':>9} {'max':>9} {'errors':>7}")
    rows: dict[str, LatencyFigures | e2e.E2eLatency] = {
        **{f"{n} at {args.rate:.0f}/s": lat for n, lat in latencies.items()},
        f"e2e at {args.e2e_rate:.0f} cmd/s": e2e_latency,
    }
    for name, lat in rows.items():
        p50, p99, worst = f"{lat.p50_ms:.2f}ms", f"{lat.p99_ms:.2f}ms", f"{lat.max_ms:.1f}ms"
        print(f"{name:<40} {p50:>9} {p99:>9} {worst:>9} {lat.errors:>7}")

    print(f"\n{'service':<40} {'idle':>9} {'peak e2e':>9}")
    for service, mb in idle_rss.items():
        print(f"{service:<40} {mb:>7.0f}MB {rate.peak_rss_mb.get(service, 0):>7.0f}MB")
    print(f"all four services ready (make run's way) in {ready:.1f} s")
    print(f"\n{'e2e rate with events already stored':<40} {'rate':>12} {'filled in':>12}")
    for stored, (grown_rate, filled) in grown.items():
        print(f"{stored:>40,} {grown_rate.rate:>10,.0f}/s {filled:>11.0f}s")
    small, large = (r.rate for r, _ in grown.values())
    growth_change = large / small - 1 if small else 0.0

    decided = latencies["consent decision (C-9)"]
    decision_p99 = decided.p99_ms
    relay, consumer = figures
    targets = [
        Target(
            "e2e sustained rate",
            f"{rate.rate:,.0f}/s ({rate.ratio:.0%})",
            ">= 1,500/s and >= 50%",
            rate.rate >= 1500 and rate.ratio >= 0.5,
        ),
        Target(
            f"e2e latency at {args.e2e_rate:.0f} cmd/s",
            f"p50 {e2e_latency.p50_ms:.1f} ms, p99 {e2e_latency.p99_ms:.1f} ms",
            "p50 <= 10 ms, p99 <= 50 ms",
            e2e_latency.p50_ms <= 10 and e2e_latency.p99_ms <= 50,
        ),
        Target("outbox relay publish", f"{relay.ratio:.0%}", ">= 50%", relay.ratio >= 0.5),
        Target("tracked consumer apply", f"{consumer.ratio:.0%}", ">= 30%", consumer.ratio >= 0.3),
        Target(
            "consent decision p99",
            f"{decision_p99:.1f} ms, {decided.errors} errors",
            "<= 5 ms, no errors",  # an error (a 429) is fast and says nothing of the decision
            decision_p99 <= 5 and decided.errors == 0,
        ),
        Target(
            "RSS idle / during e2e",
            f"{max(idle_rss.values()):.0f} / {max(rate.peak_rss_mb.values(), default=0):.0f} MB",
            "<= 120 / <= 200 MB",
            max(idle_rss.values()) <= 120 and max(rate.peak_rss_mb.values(), default=0) <= 200,
        ),
        Target("all ready", f"{ready:.1f} s", "<= 20 s", ready <= 20),
        Target(
            "rebuild statistics",
            f"{rebuilt.rebuild:,.0f}/s ({rebuilt.ratio:.0%} of raw read)",
            ">= 50,000/s and >= 25%",
            rebuilt.rebuild >= 50_000 and rebuilt.ratio >= 0.25,
        ),
        Target(
            f"growth {min(grown):,} vs {max(grown):,}",
            f"{growth_change:+.0%}",
            "within 10%",
            abs(growth_change) <= 0.10,
        ),
    ]
    print(f"\n{'target':<28} {'measured':<32} {'target':<24} met")
    for t in targets:
        print(f"{t.figure:<28} {t.value:<32} {t.target:<24} {'yes' if t.met else 'NO'}")

    results.update(
        {
            "count": args.count,
            "figures": [
                {"name": f.name, "rate": f.rate, "baseline": f.baseline, "ratio": f.ratio}
                for f in figures
            ],
            "e2e": e2e.as_json(rate),
            "latency": {name: vars(lat) for name, lat in rows.items()},
            "ready_seconds": ready,
            "idle_rss_mb": idle_rss,
            "rebuild": rebuild_bench.as_json(rebuilt),
            "growth": {
                str(stored): {"rate": r.rate, "fill_seconds": filled}
                for stored, (r, filled) in grown.items()
            },
            "targets": [vars(t) for t in targets],
        }
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"saved {args.output}")


def _rate_with_stored(
    var_dir: Path, stored: int, args: argparse.Namespace
) -> tuple[e2e.E2eRate, float]:
    """The sustained e2e rate over a consent store that already holds `stored` events."""
    prefix = new_schema_prefix()
    database_url = POSTGRES_URL if args.postgres else None
    filled = growth.prefill(var_dir, stored, database_url=database_url, schema_prefix=prefix)
    with running_stack(var_dir, postgres=args.postgres, schema_prefix=prefix) as stack:
        return e2e.sustained(stack, args.seconds), filled


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _cpus() -> int:
    import os

    return os.cpu_count() or 0


if __name__ == "__main__":
    main()
