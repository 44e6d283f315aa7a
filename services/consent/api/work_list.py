"""Consent's work list (W-1): the refusals whose day to ask again waits for the caller's unit
(C-12). The route is the one every service shares (services.runtime.http.work_list); what goes
on the list, and for whom, is consent's own (services.consent.views.work_items)."""

from services.consent.application import ConsentApplication
from services.consent.views.work_items import WORK_KINDS
from services.runtime.http.work_list import work_list_router

router = work_list_router(ConsentApplication, WORK_KINDS)

__all__ = ["router"]
