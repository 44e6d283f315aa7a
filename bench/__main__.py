"""``make bench``: start an embedded broker, run the benchmarks, print and save the figures."""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench import decision, flow, resources
from services.runtime.broker import EmbeddedBroker, free_port

RESULTS = Path(__file__).parent / "results" / "latest.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=5000, help="messages per benchmark")
    parser.add_argument("--rate", type=float, default=500, help="decision requests per second")
    parser.add_argument("--seconds", type=float, default=10, help="decision load duration")
    args = parser.parse_args()
    with EmbeddedBroker(free_port()) as broker, tempfile.TemporaryDirectory() as var_dir:
        figures = asyncio.run(flow.run(broker.bootstrap, Path(var_dir) / "flow", args.count))
        latencies = decision.measure(broker, Path(var_dir) / "decision", args.rate, args.seconds)
        platform_resources = resources.measure(Path(var_dir) / "resources")
    print(f"{'figure':<34} {'rate':>12} {'baseline':>12} {'ratio':>7}")
    for f in figures:
        print(f"{f.name:<34} {f.rate:>10,.0f}/s {f.baseline:>10,.0f}/s {f.ratio:>7.0%}")
    heading = f"latency at {args.rate:.0f} req/s (open loop)"
    print(f"\n{heading:<34} {'p50':>9} {'p99':>9} {'max':>9} {'errors':>7}")
    for name, lat in latencies.items():
        p50, p99, worst = f"{lat.p50_ms:.2f}ms", f"{lat.p99_ms:.2f}ms", f"{lat.max_ms:.1f}ms"
        print(f"{name:<34} {p50:>9} {p99:>9} {worst:>9} {lat.errors:>7}")
    print(f"\nall four services ready (make run's way) in {platform_resources.ready_seconds:.1f} s")
    for service, mb in platform_resources.rss_mb.items():
        print(f"{service:<34} {mb:>7.0f} MB resident, idle")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "measured_at": datetime.now(UTC).isoformat(),
                "machine": platform.platform(),
                "count": args.count,
                "figures": [
                    {"name": f.name, "rate": f.rate, "baseline": f.baseline, "ratio": f.ratio}
                    for f in figures
                ],
                "latency": {name: vars(lat) for name, lat in latencies.items()},
                "ready_seconds": platform_resources.ready_seconds,
                "idle_rss_mb": platform_resources.rss_mb,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"saved {RESULTS}")


if __name__ == "__main__":
    main()
