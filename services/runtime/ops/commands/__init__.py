"""The ``samverkan`` commands, one module per thing an operator looks after: `topics`
(and ``peek``), `outbox`, `rebuild`, `dead_letters`, `erasure`, `audit`. The command
line itself is assembled in services.runtime.ops.cli; `terminal` and `named_service`
hold what several commands share.
"""
