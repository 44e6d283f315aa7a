"""Who may do what in the reporting service: the table every reporting route names its
action in.

A deviation is reported, and its joint summary signed, by someone who is at
least deputy unit manager (D-2; the domain's `DEVIATION_REPORTER_ROLES`, which
it checks again). The annual report is for the managers of the local
collaboration body (D-5). The controller (verksamhetscontroller IoF) keeps every
deviation report of its municipality: lists, reads, prints and files them (D-8),
and is otherwise not staff. Statistics leave the platform anonymised and
suppressed (D-5, D-6), so every authenticated caller may read them. Whether the
caller's unit is concerned by *this* deviation is checked where it is loaded.
"""

from __future__ import annotations

from typing import Any

from contracts import Role
from services.reporting.domain import DEVIATION_REPORTER_ROLES
from services.runtime.http.permissions import CONTROLLERS, STAFF, Permission, Policy, permit

EVERYONE = frozenset(Role)
SIGNED_BY_MANAGERS = "the joint summary is signed by a deputy unit manager or above"
READERS = STAFF | CONTROLLERS
"""Who reads deviations: staff of the units they concern, and the controllers who keep
them (D-2, D-8; the application narrows it to the deviation)."""


def _managers(refusal: str, rule: str) -> Permission:
    """Deputy unit manager or above (D-2, D-5)."""
    return permit(refusal, roles=DEVIATION_REPORTER_ROLES, rule=rule)


POLICY = Policy(
    "reporting",
    {
        "deviation.report": _managers(
            "a deviation is reported by a deputy unit manager or above", "D-2"
        ),
        "deviation.read": permit(
            "only staff and controllers read a deviation", roles=READERS, rule="D-2"
        ),
        "deviation.list": permit(
            "only staff and controllers list deviations", roles=READERS, rule="D-8"
        ),
        "deviation.form": permit(
            "only staff and controllers print a deviation's form", roles=READERS, rule="D-8"
        ),
        "deviation.file": permit(
            "a filled-in deviation report is filed by the municipality's controller",
            roles=CONTROLLERS,
            rule="D-8",
        ),
        "deviation.export": permit("only staff export a deviation", rule="D-4"),
        "deviation.propose_summary": _managers(SIGNED_BY_MANAGERS, "D-2"),
        "deviation.countersign": _managers(SIGNED_BY_MANAGERS, "D-2"),
        "deviation.close": _managers(
            "a deviation is closed early by a deputy unit manager or above (W-2)", "D-2"
        ),
        "statistics.read": permit(
            "statistics are for authenticated callers", roles=EVERYONE, rule="D-5"
        ),
        "annual_report.read": _managers(
            "the annual report is for managers of the collaboration body", "D-5"
        ),
        "annual_report.review": _managers(
            "the working group's review is drafted, analysed and approved by managers", "D-5"
        ),
        "annual_report.publish": _managers(
            "the annual report is published by managers of the collaboration body", "D-5"
        ),
    },
)


def may(action: str) -> Any:
    """The dependency for ``action``: ``caller: Annotated[Caller, may("deviation.report")]``."""
    return POLICY.may(action)
