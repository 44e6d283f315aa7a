"""Idempotent writes (``Idempotency-Key``) that keep secrets and have exactly one effect.

A client that did not get its answer retries with the same key; the command
must not run twice, and what is kept to recognise the retry must not become
a second, unguarded copy of personal data (issue #18). So:

- The key is scoped by the *verified* principal (HSA-id and unit), never by
  how the ``Authorization`` header is spelt: a refreshed token is the same
  caller. A request without a valid token never reaches the store; the app
  answers its 401 as always.
- Only the status, the ``Location`` and the ids an answer names are kept,
  never its body. A replay reads the resource back through its own route
  (authorised and access-logged under the caller's current token); where
  there is nothing to read, it answers the status and the ids.
- A key is claimed in the database *before* the command runs (one insert
  that only one replica can win); a concurrent retry gets 409 "in progress"
  with Retry-After. A claim carries a lease, so a holder that died blocks the
  key only until the lease runs out; the command's own transaction checks it
  still holds the claim, so a holder that was overtaken stores nothing.
- The command's transaction also marks the key "applied", so a retry after
  a lost answer is refused (409, naming what was changed), never run again.
  A route that says before it saves how it will answer the record it
  creates (`claims.answering_created`) has that answer kept in the same
  transaction: one commit, and no answer to lose (#24).
- Keys expire after ``idempotency_ttl_seconds`` (purged in bounded batches
  with later claims and on a schedule) and are deleted with their subjects
  on erasure (`forget_subject`, called where every erasure ends).

One module per concern: `claims` (a keyed request's claim, held by its work),
`store` (claims and answers in the service's database), `answers` (what is
remembered of an answer, and its replay) and `middleware` (the ASGI layer).
"""
