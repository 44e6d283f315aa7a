"""Escalation's work list (W-1): the red threads, matters and meetings waiting for the caller.
The route is the one every service shares (services.runtime.http.work_list); what goes on
the list, and for whom, is escalation's own (services.escalation.views.work_items)."""

from services.escalation.application import EscalationApplication
from services.escalation.views.work_items import WORK_KINDS
from services.runtime.http.work_list import work_list_router

router = work_list_router(EscalationApplication, WORK_KINDS)

__all__ = ["router"]
