"""The child-welfare report (K-10, SoL 14:1): recorded for statistics, about a child,
to the municipality where the child lives, with no details on the topic."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from contracts import OrgType
from contracts.cases import ChildWelfareReportMade
from services.cases.domain import ChildWelfareReport, NotAChild
from services.cases.translate import to_integration_event

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def make(birth_date: date | None, subject_id: str | None = "7" * 64) -> ChildWelfareReport:
    return ChildWelfareReport.make(
        subject_id=subject_id,
        birth_date=birth_date,
        municipality_code="2281",
        reporter_org_type=OrgType.SCHOOL,
        reporter_unit="SE2321000016-SK01",
        reported_by="SE2321000016-SK11",
        at=AT,
    )


def test_k10_a_report_names_the_municipality_and_the_reporters_organisation_type() -> None:
    report = make(date(2014, 5, 1))

    public = to_integration_event(report.collect_events()[0])

    assert isinstance(public, ChildWelfareReportMade)
    assert public.model_dump(exclude={"report_id"}) == {
        "subject_id": "7" * 64,
        "municipality_code": "2281",
        "reporter_org_type": OrgType.SCHOOL,
        "reported_at": AT,
    }


def test_k10_the_child_may_be_unknown_by_number() -> None:
    public = to_integration_event(make(None, subject_id=None).collect_events()[0])

    assert isinstance(public, ChildWelfareReportMade)
    assert public.subject() is None
    assert public.partition_key() == str(public.report_id)


def test_k10_concerns_children_under_18_on_the_day() -> None:
    make(date(2008, 3, 3))  # 17 until tomorrow
    with pytest.raises(NotAChild) as error:
        make(date(2008, 3, 2))  # 18 today

    assert (error.value.rule, error.value.field) == ("K-10", "body.personnummer")
