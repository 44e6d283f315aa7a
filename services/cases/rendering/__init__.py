"""Documents for people: a meeting as an iCalendar invitation (`invitation`) and the SIP as
the person's own plan, "Min plan" (`plan_document`, K-13)."""

from services.cases.rendering.invitation import invitation
from services.cases.rendering.plan_document import plan_document

__all__ = ["invitation", "plan_document"]
