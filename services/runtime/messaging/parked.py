"""Stored events the outbox relay could not translate, parked instead of looped on.

A notification whose translation raises (a translator bug, an event the
mapper can no longer read) used to stop the relay on it for good: the batch's
prefix was republished every few seconds until a fixed version was deployed,
and everything stored after it waited (#19, item 8). The relay now records it
here and moves on; ``samverkan_outbox_parked_total`` counts it and the
``SamverkanOutboxParked`` alert sends an operator to docs/runbook.md.

The table sits next to the relay's position, in the service's own database,
so a restore brings both back together. Parking is idempotent per
(topic, sequence): a relay that crashes after parking and before recording
its position parks the same notification again without counting it twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from eventsourcing.persistence import Notification
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore

from services.runtime.store.sql import row_values, sql_for


@dataclass(frozen=True)
class ParkedNotification:
    """One stored event the relay did not publish, and why."""

    topic: str
    sequence: int
    originator_id: str
    originator_version: int
    topic_name: str
    error: str
    parked_at: str


class ParkedNotifications:
    """The relay's parked-notifications table, in the service's own database."""

    def __init__(self, datastore: SQLiteDatastore | PostgresDatastore) -> None:
        self._datastore = datastore
        sql = sql_for(datastore)
        self._create = sql.spell(
            "CREATE TABLE IF NOT EXISTS {relay_parked} (topic TEXT NOT NULL, "
            "sequence {bigint} NOT NULL, originator_id TEXT NOT NULL, "
            "originator_version {bigint} NOT NULL, topic_name TEXT NOT NULL, "
            "error TEXT NOT NULL, parked_at TEXT NOT NULL, PRIMARY KEY (topic, sequence))",
            "relay_parked",
        )
        self._insert = sql.spell(
            "INSERT INTO {relay_parked} (topic, sequence, originator_id, originator_version, "
            "topic_name, error, parked_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (topic, sequence) DO NOTHING RETURNING sequence",
            "relay_parked",
        )
        self._select = sql.spell(
            "SELECT topic, sequence, originator_id, originator_version, topic_name, error, "
            "parked_at FROM {relay_parked} WHERE topic = ? ORDER BY sequence",
            "relay_parked",
        )
        with self._datastore.transaction(commit=True) as cursor:
            cursor.execute(self._create)

    def park(self, topic: str, notification: Notification, error: str, at: datetime) -> bool:
        """Record `notification` as not published; True the first time only."""
        row = (
            topic,
            notification.id,
            str(notification.originator_id),
            notification.originator_version,
            notification.topic,
            error[:2000],
            at.isoformat(),
        )
        with self._datastore.transaction(commit=True) as cursor:
            cursor.execute(self._insert, row)
            inserted = cursor.fetchone()  # a row only when this call parked it
        return inserted is not None

    def list(self, topic: str) -> list[ParkedNotification]:
        """What is parked for `topic`, oldest first."""
        with self._datastore.transaction(commit=False) as cursor:
            cursor.execute(self._select, (topic,))
            rows = cursor.fetchall()
        parked = []
        for row in rows:
            values = row_values(row)
            parked.append(
                ParkedNotification(
                    topic=str(values[0]),
                    sequence=int(values[1]),
                    originator_id=str(values[2]),
                    originator_version=int(values[3]),
                    topic_name=str(values[4]),
                    error=str(values[5]),
                    parked_at=str(values[6]),
                )
            )
        return parked
