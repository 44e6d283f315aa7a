"""A service process of the chaos stack: ``python -m bench.chaos.serve consent``.

Exactly ``python -m services.runtime.ops.serve``, with the campaign's two fault
hooks installed first: consent's relay sends the marked subjects' events a
contract version ahead (:mod:`bench.chaos.chain`), and dead-letter topics
can be made unavailable (:mod:`bench.chaos.outage`). Without the campaign's
environment both hooks change nothing.
"""

from __future__ import annotations

from bench.chaos import chain, outage
from services.runtime.ops import serve


def main() -> None:
    chain.install()
    outage.install()
    serve.main()


if __name__ == "__main__":
    main()
