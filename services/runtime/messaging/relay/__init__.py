"""The outbox relay: the store's notification log, published to the service's topic.

One module per concern: `outbox` (the `OutboxRelay`: leadership, rounds of
read → translate → send → record, parking), `outgoing` (a stored event as the
message it becomes; shared with ``samverkan outbox republish``), `rounds` (a
round and the next one read while it is acknowledged), `bookkeeping` (when the
position is written down), `log_checks` (the look at the topic beside the
rounds), `reading` (where new events are read from), `topic_log`
(what the topic holds: log loss, retention, a tail left by a crashed relay, a
store behind its topic) and `metrics`.
"""
