"""Escalation's records by individual (W-3): the routes every service shares
(services.runtime.http.subject_records), over escalation's own index
(services.escalation.views.subject_records)."""

from services.escalation.application import EscalationApplication
from services.escalation.views.subject_records import RECORD_KINDS
from services.runtime.http.subject_records import subject_records_router

router = subject_records_router(EscalationApplication, RECORD_KINDS)

__all__ = ["router"]
