"""W-2 for deviations: closed early, with a reason, by a manager of one of its parties
(D-2), before its joint summary is countersigned; published without the reason. Pure
domain; time is passed in."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from contracts import DeviationClosed, Role
from services.reporting.domain import (
    AlreadySummarised,
    Deviation,
    DeviationAlreadyClosed,
    DeviationReasonRequired,
    NotASideOfTheDeviation,
    OnlyDeputyUnitManagerOrAboveMayReport,
)
from services.reporting.translate import to_integration_event
from services.runtime.kernel.personal import text_of
from tests.unit.test_reporting_domain import AT, HEALTH_UNIT, SOCIAL_UNIT, report
from tests.unit.test_reporting_summary import OTHER_UNIT, propose, signed

CLOSED_AT = AT + timedelta(days=3)
REASON = "Missförstånd: utskrivningsanteckningen kom fram i tid."


def close(deviation: Deviation, **changes: Any) -> None:
    fields: dict[str, Any] = {
        "role": Role.DEPUTY_UNIT_MANAGER,
        "by": "SE2120000001-S009",
        "by_org": SOCIAL_UNIT,
        "reason": REASON,
        "at": CLOSED_AT,
    }
    fields.update(changes)
    deviation.close_early(**fields)


@pytest.mark.parametrize("org", [HEALTH_UNIT, SOCIAL_UNIT])
def test_w2_d2_the_reporting_unit_or_an_affected_organisation_closes_it_early(org: str) -> None:
    deviation = report()
    close(deviation, by_org=org)

    assert deviation.closed_at == CLOSED_AT
    assert deviation.closing_reason is not None
    assert text_of(deviation.closing_reason) == REASON
    assert deviation.closing_reason.owner == deviation.owner  # sealed like the rest
    closed = deviation.collect_events()[-1]
    public = to_integration_event(closed)
    assert isinstance(public, DeviationClosed)
    assert (public.closed_by_org, public.category.value) == (org, "communication")
    assert REASON not in public.model_dump_json()


def test_w2_d2_only_a_manager_of_a_party_closes_it() -> None:
    deviation = report()
    with pytest.raises(OnlyDeputyUnitManagerOrAboveMayReport) as caseworker:
        close(deviation, role=Role.CASEWORKER)
    with pytest.raises(NotASideOfTheDeviation) as stranger:
        close(deviation, by_org=OTHER_UNIT)
    assert caseworker.value.rule == stranger.value.rule == "D-2"
    assert deviation.closed_at is None


def test_w2_a_deviation_closed_early_says_why() -> None:
    deviation = report()
    with pytest.raises(DeviationReasonRequired) as blank:
        close(deviation, reason="   ")
    assert (blank.value.rule, blank.value.field) == ("W-2", "body.reason")
    assert deviation.closed_at is None


def test_w2_d2_a_countersigned_deviation_is_not_closed_early() -> None:
    deviation = report()
    propose(deviation, HEALTH_UNIT)
    deviation.countersign(signer=signed(SOCIAL_UNIT, "SE2120000001-S009"), at=CLOSED_AT)
    with pytest.raises(AlreadySummarised):
        close(deviation)
    assert deviation.closed_at is None


def test_w2_a_deviation_closed_early_is_not_signed_or_closed_again() -> None:
    deviation = report()
    propose(deviation, HEALTH_UNIT)
    close(deviation)
    with pytest.raises(DeviationAlreadyClosed) as again:
        close(deviation)
    with pytest.raises(DeviationAlreadyClosed):
        deviation.countersign(signer=signed(SOCIAL_UNIT, "SE2120000001-S009"), at=CLOSED_AT)
    with pytest.raises(DeviationAlreadyClosed):
        propose(deviation, HEALTH_UNIT)
    assert again.value.rule == "W-2"
    assert not deviation.summarised
