"""Who may do what in the escalation service: the table every escalation route names its
action in.

The pairs come from the domain's own rules where it has them (who pulls the
red thread, E-1; the ladder's roles, E-6), so the table and the domain cannot
drift apart; the domain still checks them, the table only refuses earlier and
in one place. Whether the caller's unit is a party to *this* red thread,
forum, matter or consultation is checked where the object is loaded.
"""

from __future__ import annotations

from typing import Any

from contracts import OrgType, Role
from services.escalation.domain.ladder import MANAGERS
from services.escalation.domain.red_thread import may_pull_red_thread
from services.runtime.http.permissions import Permission, Policy, permit

BLUE_LIGHT = frozenset(t for t in OrgType if may_pull_red_thread(t.value))
COORDINATORS = {Role.COORDINATOR}
"""E-3: the coordinator at the coordination office (koordinator på Närvårdskontoret)."""
LADDER = frozenset({Role.CASEWORKER, *MANAGERS})
"""E-6: the roles on the ladder, caseworker up to department head."""


def _coordinator(what: str) -> Permission:
    return permit(
        f"only a coordinator at the coordination office {what}",
        org_types={OrgType.COORDINATION_OFFICE},
        roles=COORDINATORS,
        rule="E-3",
    )


def _on_the_ladder(what: str) -> Permission:
    return permit(f"only caseworkers and their managers {what}", roles=LADDER, rule="E-6")


def _staff(what: str, rule: str) -> Permission:
    return permit(f"only staff {what}", rule=rule)


def _forum_manager(what: str) -> Permission:
    return permit(
        f"only a deputy unit manager, unit manager or department head {what}",
        roles=MANAGERS,
        rule="E-7",
    )


def _department_head(what: str) -> Permission:
    return permit(
        f"only a department head {what} (seed 003: the departments meet)",
        roles={Role.DEPARTMENT_HEAD},
        rule="E-13",
    )


POLICY = Policy(
    "escalation",
    {
        "red_thread.pull": permit(
            "only ambulance, rescue services or police pull the red thread; "
            "others escalate along the ladder (E-6)",
            org_types=BLUE_LIGHT,
            rule="E-1",
        ),
        "red_thread.read": _staff("read a red thread", "E-3"),
        "red_thread.assign_coordinator": _coordinator("takes the red thread"),
        "red_thread.schedule_meeting": _coordinator("convenes the red-thread meeting"),
        "red_thread.move_meeting": _coordinator("moves the red-thread meeting"),
        "red_thread.cancel_meeting": _coordinator("cancels the red-thread meeting"),
        "red_thread.record_meeting": _coordinator("records the red-thread meeting"),
        "red_thread.book_follow_up": _coordinator("books the follow-up"),
        "red_thread.move_follow_up": _coordinator("moves the follow-up"),
        "red_thread.cancel_follow_up": _coordinator("cancels the follow-up"),
        "red_thread.evaluate_follow_up": _coordinator("records the follow-up evaluation"),
        "red_thread.close": _coordinator("closes the red thread"),
        "deadlines.read": _staff("read their organisation's deadlines", "D-7"),
        "escalation.raise": _on_the_ladder("raise a matter on the ladder"),
        "escalation.read": _staff("read an escalated matter", "E-6"),
        "escalation.step": _on_the_ladder("take a matter up the ladder"),
        "escalation.resolve": _on_the_ladder("settle a matter"),
        "escalation.settle_cost": permit(
            "only a department head settles who pays on a cost question (E-6)",
            roles={Role.DEPARTMENT_HEAD},
            rule="E-12",
        ),
        "forum.create": _forum_manager("sets up a monthly forum"),
        "forum.read": _staff("read a monthly forum", "E-7"),
        "forum.plan_meeting": _forum_manager("plans the forum's meetings"),
        "monthly_meeting.move": _forum_manager("moves a monthly meeting (W-2)"),
        "monthly_meeting.cancel": _forum_manager("cancels a monthly meeting (W-2)"),
        "monthly_meeting.read": _staff("read a monthly meeting", "E-7"),
        "monthly_meeting.register_case": permit(
            "only a deputy unit manager registers cases for the monthly meeting",
            roles={Role.DEPUTY_UNIT_MANAGER},
            rule="E-7",
        ),
        "monthly_meeting.record": _staff(
            "record a monthly meeting's attendance and minutes", "E-7"
        ),
        "routine_review.schedule": _department_head("schedules the yearly routine review"),
        "routine_review.read": _staff("read a routine review", "E-13"),
        "routine_review.hold": _department_head("records the yearly routine review"),
        "acute_matter.raise": permit(
            "only a caseworker or deputy unit manager raises an acute matter",
            roles={Role.CASEWORKER, Role.DEPUTY_UNIT_MANAGER},
            rule="E-8",
        ),
        "acute_matter.read": _staff("read an acute matter", "E-8"),
        "acute_matter.take": permit(
            "only the receiving unit's deputy unit manager takes an acute matter",
            roles={Role.DEPUTY_UNIT_MANAGER},
            rule="E-8",
        ),
        "consultation.hold": _staff("record a consultation", "E-9"),
        "consultation.read": _staff("read a consultation", "E-9"),
        "calendar_feed.issue": permit(
            "only a manager or coordinator issues their unit's calendar feed (a new one "
            "stops the old address for everyone at the unit)",
            roles={*MANAGERS, Role.COORDINATOR},
            rule="W-1",
        ),
    },
)


def may(action: str) -> Any:
    """The dependency for ``action``: ``caller: Annotated[Caller, may("red_thread.pull")]``."""
    return POLICY.may(action)
