"""A step on a case that loses a race for it runs again on fresh state (#20, item 2).

Two units act on one case at the same moment: the receiving unit acknowledges a
handover (K-5) while the holding unit changes the case's target groups (D-6). The store's optimistic
concurrency refuses the later save; before `_change` retried, that answered 409
and the acknowledgement was lost to the caller. Now both land, neither
overwriting the other. On eventsourcing's in-memory store, whose version check
is the same as SQL's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError

from contracts.vocabulary import TargetGroup
from services.cases.application import CasesApplication, RequestHandover
from services.cases.domain import Case, Need
from tests.integration.test_cases_application import (
    ADULT,
    AOF,
    AT,
    AT_AOF,
    AT_IOF,
    CONTENT,
    UNITS,
    learn_consent,
    register,
)


def _racing(application: CasesApplication, rival: Callable[[], Any], times: int) -> None:
    """Let `rival` save first, `times` times, just before the application's own save."""
    save = application.save
    left = [times]

    def save_after_rival(*aggregates: Any, **kwargs: Any) -> Any:
        if left[0] > 0:
            left[0] -= 1
            application.save = save  # type: ignore[method-assign]  # the rival's own save
            try:
                rival()
            finally:
                application.save = save_after_rival  # type: ignore[method-assign]
        return save(*aggregates, **kwargs)

    application.save = save_after_rival  # type: ignore[method-assign]


def _target_groups_changing(application: CasesApplication, case_id: Any) -> Callable[[], None]:
    """The holding unit's caseworker setting another set of target groups each time."""
    sets = [
        [TargetGroup.EXPOSED_TO_VIOLENCE],
        [TargetGroup.EXPOSED_TO_VIOLENCE, TargetGroup.CO_MORBIDITY],
    ]
    turn = [0]

    def change() -> None:
        groups = sets[turn[0] % 2]
        turn[0] += 1
        application.set_target_groups(AT_IOF, case_id, groups=groups, at=AT)

    return change


def _case_with_a_handover() -> tuple[CasesApplication, Any, Any]:
    application = CasesApplication(units=UNITS)
    case = register(application, ADULT, date(1990, 1, 1), [Need.SUBSTANCE_MISUSE]).cases[0]
    learn_consent(application, ADULT, [case.unit, AOF])
    first = application.request_handover(
        AT_IOF, case.id, RequestHandover(to_unit=AOF, content=CONTENT), at=AT
    )
    return application, case, first


def test_k5_an_acknowledgement_that_loses_a_race_is_applied_again_not_refused() -> None:
    application, case, first = _case_with_a_handover()

    groups_changed = _target_groups_changing(application, case.id)

    _racing(application, groups_changed, times=1)
    acknowledged = application.acknowledge_handover(
        AT_AOF, case.id, first.id, receiving_caseworker="Kim Mottagare", at=AT
    )

    assert acknowledged.handover(first.id).acknowledged_at is not None
    stored: Case = application.repository.get(case.id)
    assert TargetGroup.EXPOSED_TO_VIOLENCE.value in stored.target_groups  # the rival's change kept
    assert stored.handover(first.id).acknowledged_at is not None


def test_a_step_that_keeps_losing_gives_up_as_a_conflict() -> None:
    application, case, first = _case_with_a_handover()

    groups_changed = _target_groups_changing(application, case.id)

    _racing(application, groups_changed, times=100)
    with pytest.raises(IntegrityError):
        application.acknowledge_handover(
            AT_AOF, case.id, first.id, receiving_caseworker="Kim Mottagare", at=AT
        )
    assert application.repository.get(case.id).handover(first.id).acknowledged_at is None
