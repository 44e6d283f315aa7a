"""Statutory culling (gallring) as pure rules: when the retention after the last activity
has passed, in Stockholm's calendar, and erasure facts recorded before culling existed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from services.consent.domain import SubjectErasure, culling_day, idle_cutoff, is_due_for_culling


def test_gallring_is_due_on_the_anniversary_of_the_last_entry_in_stockholm() -> None:
    # 23:30 UTC on 31 December is already New Year's Day in Stockholm.
    last = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert culling_day(last, 5) == date(2032, 1, 1)
    assert not is_due_for_culling(last, date(2031, 12, 31), 5)
    assert is_due_for_culling(last, date(2032, 1, 1), 5)


def test_gallring_from_29_february_waits_until_1_march() -> None:
    last = datetime(2028, 2, 29, 10, 0, tzinfo=UTC)
    assert culling_day(last, 5) == date(2033, 3, 1)
    assert culling_day(last, 4) == date(2032, 2, 29)


def test_gallring_zero_years_never_culls() -> None:
    long_ago = datetime(1990, 1, 1, tzinfo=UTC)
    assert not is_due_for_culling(long_ago, date(2030, 1, 1), 0)


def test_gallring_the_store_search_never_misses_someone_due() -> None:
    """`idle_cutoff` narrows the search: everyone due lies before it, leap years or not."""
    now = datetime(2032, 3, 1, 0, 30, tzinfo=UTC)
    for years in (1, 4, 5, 10):
        for days_back in range(365 * years - 3, 365 * years + 5):
            last = now - timedelta(days=days_back)
            if is_due_for_culling(last, date(2032, 3, 1), years):
                assert last < idle_cutoff(now, years), (years, days_back)


def test_gallring_erasures_recorded_before_culling_existed_were_on_request() -> None:
    state: dict[str, object] = {"subject_id": "ab" * 32, "erased_by": "SE2321000016-A001"}
    SubjectErasure.Erased.upcast_v1_v2(state)
    assert state["reason"] == "request"
    assert SubjectErasure.Erased.class_version == 2


def test_gallring_a_cullings_id_follows_from_whom_it_culls() -> None:
    at = datetime(2032, 3, 1, tzinfo=UTC)
    culled = SubjectErasure.cull(subject_id="ab" * 32, at=at)
    assert culled.id == SubjectErasure.cull(subject_id="ab" * 32, at=at + timedelta(days=1)).id
    assert culled.id != SubjectErasure.cull(subject_id="cd" * 32, at=at).id
    erased = SubjectErasure.on_request(subject_id="ab" * 32, at=at, erased_by="SE2321000016-A001")
    assert erased.id != culled.id
    assert (culled.erased_by, culled.reason, erased.reason) == (None, "culling", "request")
