"""Reporting's work list (W-1): the deviations waiting for the caller's unit to summarise or
countersign. The route is the one every service shares (services.runtime.http.work_list);
what goes on the list, and for whom, is reporting's own (services.reporting.views.work_items)."""

from fastapi import APIRouter

from services.reporting.application import ReportingApplication
from services.reporting.views.work_items import WORK_KINDS
from services.runtime.http.work_list import work_list_router

router = APIRouter(prefix="/v1")
router.include_router(work_list_router(ReportingApplication, WORK_KINDS))

__all__ = ["router"]
