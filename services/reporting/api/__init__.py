"""Reporting HTTP API: deviations in two steps (D-1..D-4), statistics and indicators under
disclosure control (D-5, D-6), the annual report (D-5). Parse, authorise, call, answer."""

from fastapi import APIRouter

from services.reporting.api import annual, deviations, statistics
from services.reporting.api.statistics import statistics_csv, statistics_report

router = APIRouter()
router.include_router(deviations.router)
router.include_router(statistics.router)
router.include_router(annual.router)

__all__ = ["router", "statistics_csv", "statistics_report"]
