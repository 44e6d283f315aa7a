"""The child-welfare report (K-10, SoL 14:1): recorded for statistics, about a child,
to the municipality where the child lives, with no details on the topic; acknowledged by
the social services it went to, once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from contracts import ChildWelfareReportMade, OrgType
from services.cases.domain import (
    ChildWelfareReport,
    ChildWelfareReportAlreadyAcknowledged,
    NotAChild,
    NotTheReceivingUnit,
)
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


RECEIVING = "SE2120000001-IOF1"


def test_k10_the_receiving_social_services_acknowledge_a_report_once() -> None:
    report = make(date(2014, 5, 1))
    later = AT + timedelta(hours=2)

    report.acknowledge(unit=RECEIVING, receiving_unit=RECEIVING, at=later, by="SE2120000001-S101")

    assert (report.acknowledged_at, report.acknowledged_by) == (later, "SE2120000001-S101")
    acknowledged = report.collect_events()[-1]
    assert isinstance(acknowledged, ChildWelfareReport.Acknowledged)
    public = to_integration_event(acknowledged)  # K-10: the acknowledgement is public
    assert (public.unit, public.municipality_code, public.case_id) == (  # type: ignore[union-attr]
        RECEIVING,
        report.municipality_code,
        None,
    )
    with pytest.raises(ChildWelfareReportAlreadyAcknowledged) as twice:
        report.acknowledge(unit=RECEIVING, receiving_unit=RECEIVING, at=later, by="x")
    assert (twice.value.rule, twice.value.status) == ("K-10", 409)


@pytest.mark.parametrize(
    ("unit", "receiving_unit"),
    [
        ("SE2321000016-SK01", RECEIVING),  # the reporter reads it, but does not receive it
        (RECEIVING, None),  # no unit is known for the municipality: nobody receives it here
    ],
)
def test_k10_only_the_unit_the_report_went_to_acknowledges_it(
    unit: str, receiving_unit: str | None
) -> None:
    report = make(date(2014, 5, 1))

    with pytest.raises(NotTheReceivingUnit) as error:
        report.acknowledge(unit=unit, receiving_unit=receiving_unit, at=AT, by="x")

    assert (error.value.rule, error.value.status) == ("K-10", 403)
    assert report.acknowledged_at is None
