"""Consent's read models: what may be shared now (`authorisations`, C-9's decisions) and
who has been idle for the retention period (`activity`, statutory culling)."""
