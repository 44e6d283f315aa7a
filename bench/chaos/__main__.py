"""``make chaos``: the long reliability campaign; prints the checker's figures.

Exits 1 when anything acknowledged was lost, doubled or reordered, a poison
message is missing from a dead-letter topic, the API answered a 5xx other
than 503 (or a 503 without Retry-After), or recovery took too long.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench.chaos.campaign import run
from bench.chaos.plan import LONG, SHORT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--short", action="store_true", help="the short variant (as in make test)")
    parser.add_argument("--commands", type=int, help="override the plan's command count")
    parser.add_argument("--kills", type=int, help="override kills per target")
    parser.add_argument("--rate", type=float, help="override commands per second")
    parser.add_argument("--seed", type=int, help="override the random seed")
    parser.add_argument("--var-dir", type=Path, help="keep stores and logs here")
    args = parser.parse_args(argv)
    plan = SHORT if args.short else LONG
    overrides = {
        "commands": args.commands,
        "kills_per_target": args.kills,
        "rate": args.rate,
        "seed": args.seed,
    }
    plan = dataclasses.replace(plan, **{k: v for k, v in overrides.items() if v is not None})

    def log(text: str) -> None:
        print(f"{datetime.now(UTC):%H:%M:%S} {text}", flush=True)

    report = run(plan, args.var_dir, log)
    print(report.render(), flush=True)
    return 1 if report.failures() else 0


if __name__ == "__main__":
    sys.exit(main())
