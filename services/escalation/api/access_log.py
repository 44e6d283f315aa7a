"""The escalation service's access log, read back for follow-up (loggkontroll): per individual
and per member of staff, and the hash-chain check. Who may read it, and why, is one
policy for every service: services.runtime.http.access_log."""

from services.runtime.http.access_log import access_log_router

router = access_log_router(prefix="")

__all__ = ["router"]
