"""Reporting HTTP API: deviations in two steps (D-1..D-4), kept and printed (D-8),
statistics and indicators under disclosure control (D-5, D-6), the annual report (D-5), the
work list (W-1). Parse, authorise, call, answer."""

from fastapi import APIRouter

from services.reporting.api import (
    access_log,
    annual,
    annual_review,
    deviation_keeping,
    deviations,
    statistics,
    work_list,
)
from services.reporting.api.statistics import statistics_csv, statistics_report

router = APIRouter()
router.include_router(deviations.router)
router.include_router(deviation_keeping.router)
router.include_router(statistics.router)
router.include_router(annual.router)
router.include_router(annual_review.router)
router.include_router(work_list.router)
router.include_router(access_log.router)

__all__ = ["router", "statistics_csv", "statistics_report"]
