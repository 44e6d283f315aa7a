"""Who may pull the red thread (E-1) and when (E-2), seed 000.

"Det röda snöret" is for when an individual is being harmed and one or more
organisations are unreasonably burdened *despite measures including SIP*. The
pull therefore states both facts: that the individual is being harmed, and
the measures tried, SIP among them. Pulls stored before the harm was stated
read it as unknown (None).

Pure domain: no I/O, no clock.
"""

from __future__ import annotations

from services.escalation.domain.errors import (
    IndividualHarmMustBeStated,
    MeasuresMustBeRecorded,
    OnlyBlueLightMayPull,
)

BLUE_LIGHT_ORG_TYPES = frozenset({"ambulance", "rescue", "police"})
SIP = "sip"


def may_pull_red_thread(org_type: str) -> bool:
    """E-1 (seed 000): only ambulance, rescue services and police pull the red thread.

    Everyone else escalates along the ordinary ladder (E-6).
    """
    return org_type in BLUE_LIGHT_ORG_TYPES


def check_pull(*, org_type: str, measures_tried: list[str], individual_harmed: bool) -> None:
    """E-1 who, then E-2 when: measures were tried, SIP among them, and the individual is
    being harmed."""
    if not may_pull_red_thread(org_type):
        raise OnlyBlueLightMayPull(
            f"only ambulance, rescue services and police may pull the red thread, "
            f"not {org_type}; use the escalation ladder (E-6)"
        )
    if not measures_tried:
        raise MeasuresMustBeRecorded(
            "record which measures (including SIP) were tried before pulling"
        )
    if SIP not in measures_tried:
        raise MeasuresMustBeRecorded(
            "the red thread is pulled despite measures including SIP: a SIP must be among "
            "the measures tried; without one, start with a SIP (K-6)"
        )
    if individual_harmed is not True:
        raise IndividualHarmMustBeStated(
            "the red thread is pulled when the individual is being harmed: state it "
            "(individual_harmed: true)"
        )
