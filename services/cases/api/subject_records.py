"""The cases service's records by individual (W-3): the routes every service shares
(services.runtime.http.subject_records), over the cases service's own index
(services.cases.views.subject_records)."""

from services.cases.application import CasesApplication
from services.cases.views.subject_records import RECORD_KINDS
from services.runtime.http.subject_records import subject_records_router

router = subject_records_router(CasesApplication, RECORD_KINDS)

__all__ = ["router"]
