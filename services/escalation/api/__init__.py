"""Escalation HTTP API: the red thread (E-1..E-5), the ladder (E-6), the monthly meetings
(E-7), acute matters (E-8) and consultations (E-9). Parse, authorise, call, answer."""

from fastapi import APIRouter

from services.escalation.api import access_log, ladder, meetings, red_threads

router = APIRouter()
router.include_router(red_threads.router)
router.include_router(ladder.router)
router.include_router(meetings.router)
router.include_router(access_log.router)

__all__ = ["router"]
