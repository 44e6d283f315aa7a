"""E-13 (seed 003): "En gång per år ska avdelningarna … träffas i syfte att förankra,
revidera och levandegöra rutinen": one review a municipality a year, held with attendance
and minutes of what was revised; about no one individual."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.escalation.domain import (
    NotAReviewMember,
    RoutineReview,
    RoutineReviewAlreadyHeld,
    RoutineReviewInvalid,
    review_year,
    routine_review_id,
)
from services.escalation.translate import to_integration_event
from tests.unit.units import AOF, IOF

HEAD = "SE2120000001-A001"
NOW = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
ON = datetime(2026, 3, 10, 13, 0, tzinfo=UTC)


def scheduled(starts_at: datetime = ON) -> RoutineReview:
    return RoutineReview.schedule(
        municipality_code="0180",
        members=[IOF, AOF],
        starts_at=starts_at,
        by=HEAD,
        by_org=IOF,
        now=NOW,
    )


def test_e13_the_review_is_the_municipalitys_one_of_its_year() -> None:
    review = scheduled()
    assert review.id == routine_review_id("0180", 2026)
    assert review.year == 2026
    assert routine_review_id("0180", 2027) != review.id
    assert routine_review_id("1480", 2026) != review.id
    # New Year's Eve at 23:30 UTC is already the next year in Stockholm.
    assert review_year(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == 2027


def test_e13_scheduled_is_published_naming_no_one() -> None:
    review = scheduled()
    published = to_integration_event(review.collect_events()[0])
    assert type(published).__name__ == "RoutineReviewScheduled"
    assert published is not None
    assert published.subject() is None
    assert published.model_dump()["year"] == 2026
    assert set(published.model_dump()["members"]) == {IOF, AOF}


def test_e13_the_departments_meet_in_the_future_the_scheduler_among_them() -> None:
    with pytest.raises(RoutineReviewInvalid) as one:
        RoutineReview.schedule(
            municipality_code="0180", members=[IOF], starts_at=ON, by=HEAD, by_org=IOF, now=NOW
        )
    assert one.value.rule == "E-13"
    with pytest.raises(RoutineReviewInvalid, match="past"):
        scheduled(starts_at=NOW - timedelta(days=1))
    with pytest.raises(NotAReviewMember):
        RoutineReview.schedule(
            municipality_code="0180",
            members=[IOF, AOF],
            starts_at=ON,
            by=HEAD,
            by_org="SE2120000001-X999",
            now=NOW,
        )


def test_e13_held_with_attendance_and_minutes_of_what_was_revised() -> None:
    review = scheduled()
    review.hold(
        present_orgs=[IOF],
        minutes="Rutinen gicks igenom och förankrades.",
        revisions=["Kontaktvägar uppdaterade.", "Blanketten för avvikelser ändrad."],
        by=HEAD,
        by_org=IOF,
        now=ON + timedelta(hours=2),
    )
    assert review.present_orgs == [IOF]
    assert review.absent_orgs == [AOF]
    assert review.minutes is not None
    assert review.minutes.text.startswith("Rutinen")
    assert [r.text for r in review.revisions][1] == "Blanketten för avvikelser ändrad."
    published = to_integration_event(review.collect_events()[-1])
    dumped = published.model_dump() if published else {}
    assert type(published).__name__ == "RoutineReviewHeld"
    assert dumped["revisions"] == 2
    assert dumped["absent_orgs"] == (AOF,)
    assert "minutes" not in dumped  # free text stays in escalation
    with pytest.raises(RoutineReviewAlreadyHeld) as again:
        review.hold(
            present_orgs=[IOF],
            minutes="Igen.",
            revisions=[],
            by=HEAD,
            by_org=IOF,
            now=ON + timedelta(hours=3),
        )
    assert again.value.rule == "E-13"


@pytest.mark.parametrize(
    ("present", "minutes", "revisions", "now", "error"),
    [
        ([IOF], "Protokoll.", [], ON - timedelta(minutes=1), RoutineReviewInvalid),
        ([], "Protokoll.", [], ON, RoutineReviewInvalid),
        ([IOF], "  ", [], ON, RoutineReviewInvalid),
        ([IOF], "Protokoll.", [" "], ON, RoutineReviewInvalid),
        (["SE2120000001-X999"], "Protokoll.", [], ON, NotAReviewMember),
    ],
)
def test_e13_a_review_is_recorded_once_begun_by_members_with_minutes(
    present: list[str], minutes: str, revisions: list[str], now: datetime, error: type[Exception]
) -> None:
    review = scheduled()
    with pytest.raises(error):
        review.hold(
            present_orgs=present, minutes=minutes, revisions=revisions, by=HEAD, by_org=IOF, now=now
        )
    assert review.held_at is None


def test_e13_a_stranger_does_not_record_the_review() -> None:
    review = scheduled()
    with pytest.raises(NotAReviewMember):
        review.hold(
            present_orgs=[IOF],
            minutes="Protokoll.",
            revisions=[],
            by=HEAD,
            by_org="SE2120000001-X999",
            now=ON,
        )
