"""A read model's own constraint failure is not "already projected" (#19, item 10).

The follower took any IntegrityError as another replica having projected the
notification first, and moved past it: a view whose statement broke one of its
own constraints silently dropped that event for good. Only a tracking row that
is already there proves a duplicate.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Tracking

from services.runtime.store.application import OutboxApplication
from services.runtime.store.read_models import Follower, SqlReadModel, sql_read_model


class Thing(Aggregate):
    def __init__(self, name: str) -> None:
        self.name = name


class Things(SqlReadModel):
    TABLES: ClassVar = ["CREATE TABLE IF NOT EXISTS {things} (name TEXT PRIMARY KEY)"]
    NAMES: ClassVar = ["things"]


class ThingProjection:
    """Projects each thing's name; two things of one name break the view's key."""

    def __init__(self, view: Things) -> None:
        self.view = view

    def process_event(self, event: Any, tracking: Tracking) -> None:
        self.view.apply([("INSERT INTO {things} (name) VALUES (?)", (event.name,))], tracking)


class ThingApplication(OutboxApplication, Application[Any]):
    """As a service's application: its saves tell the follower to catch up."""


def _application(tmp_path: Path) -> Application[Any]:
    return ThingApplication(
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "s.db")}
    )


def test_a_view_that_breaks_its_own_constraint_does_not_move_past_the_event(
    tmp_path: Path,
) -> None:
    application = _application(tmp_path)
    view = sql_read_model(Things, application)
    follower = Follower(application, ThingProjection(view), name="things")
    application.save(Thing("a"))
    follower.catch_up()
    application.save(Thing("a"))  # the view's key refuses it: not a duplicate notification

    with pytest.raises(IntegrityError):
        follower.catch_up()

    assert view.max_tracking_id("things") == 1  # still before the event it could not project


class OvertakenProjection(ThingProjection):
    """Another replica projects each notification just before this one does."""

    def process_event(self, event: Any, tracking: Tracking) -> None:
        super().process_event(event, tracking)  # the other replica, first
        super().process_event(event, tracking)  # this one: its tracking row is refused


def test_a_notification_another_replica_projected_is_skipped(tmp_path: Path) -> None:
    application = _application(tmp_path)
    view = sql_read_model(Things, application)
    application.save(Thing("a"))
    application.save(Thing("b"))
    follower = Follower(application, OvertakenProjection(view), name="things")

    follower.catch_up()

    assert view.max_tracking_id("things") == 2
    assert sorted(row[0] for row in view.select("SELECT name FROM {things}")) == ["a", "b"]
