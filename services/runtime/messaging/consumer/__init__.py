"""The tracked consumer: upstream integration events applied exactly once.

One module per concern: `subscription` (the `TrackedConsumer`: batches,
partitions, offsets), `target` (`TrackedTarget`, where effects and tracking
records land, and applying a run of records in a worker thread), `gaps` (a
missing predecessor: rewind, hold, apply over), `dead_lettering`,
`records` (handing records over undecoded, a record's place in its producer's
chain), `membership` (rebalances), `rejoin` (topics ensured before a join),
`watchdog` (a join that never ends), `commits` (offsets not committed onto a
log the broker made again), `metrics` and `backoff`.
"""

# cases, consent and reporting import `TrackedTarget` from here; once they import it
# from `target`, this line goes.
from services.runtime.messaging.consumer.target import TrackedTarget as TrackedTarget
