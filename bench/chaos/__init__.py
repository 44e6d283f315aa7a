"""The reliability campaign (issue #12): a steady command load, faults, and a checker.

``python -m bench.chaos`` (``make chaos``) runs the long variant and prints
the checker's figures; ``tests/faults/test_chaos.py`` runs a short one in
``make test``. The pieces:

* :mod:`bench.chaos.stack` — the full platform as real processes (embedded
  broker, a private PostgreSQL, the four services), plus processes that run
  only one service's relay or only its consumer, so each can be SIGKILLed on
  its own;
* :mod:`bench.chaos.load` — the HTTP command load and its history of
  acknowledged commands;
* :mod:`bench.chaos.poison` — garbage, wrong-schema, unknown-version and
  oversized messages;
* :mod:`bench.chaos.checker` — acknowledged history against every downstream
  projection and dead-letter topic;
* :mod:`bench.chaos.plan` — how much load and which faults (`SHORT`, `LONG`);
* :mod:`bench.chaos.faults` — the faults, placed at random points of the load;
* :mod:`bench.chaos.report` — what a run found, and its verdict;
* :mod:`bench.chaos.campaign` — the run that puts them together and ends in
  the checker's report.
"""
