"""Progress of ``make bench`` on stderr, one line as each benchmark starts and one as it ends.

A full run takes minutes; without these lines it printed nothing until the end,
and a stuck run looked like a slow one. They go to stderr, flushed at once, so
the figures on stdout stay a clean report to paste.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO


@dataclass
class Stage:
    """A benchmark underway; it sets `headline` to its main figure before it ends."""

    name: str
    headline: str = ""


class Progress:
    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._started = time.monotonic()

    def _say(self, text: str) -> None:
        stream = sys.stderr if self._stream is None else self._stream
        elapsed = time.monotonic() - self._started
        print(f"bench [{elapsed:6.1f} s] {text}", file=stream, flush=True)

    @contextmanager
    def stage(self, name: str) -> Iterator[Stage]:
        """'start <name>', then 'done <name> in N s: <headline>' (or 'failed … after N s')."""
        stage = Stage(name)
        self._say(f"start {name}")
        began = time.monotonic()
        try:
            yield stage
        except BaseException as error:
            self._say(f"failed {name} after {time.monotonic() - began:.1f} s: {error!r}")
            raise
        self._say(f"done  {name} in {time.monotonic() - began:.1f} s: {stage.headline}")
