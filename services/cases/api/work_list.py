"""The cases work list (W-1): the handovers, reports, meetings, plans and age transitions
waiting for the caller. The route is the one every service shares
(services.runtime.http.work_list); what goes on the list, and for whom, is the cases
service's own (services.cases.views.work_items)."""

from services.cases.application import CasesApplication
from services.cases.views.work_kinds import WORK_KINDS
from services.runtime.http.work_list import work_list_router

router = work_list_router(CasesApplication, WORK_KINDS)

__all__ = ["router"]
