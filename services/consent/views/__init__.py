"""Consent's read models: what may be shared now (`authorisations`, C-9's decisions) and
who has been idle for the retention period (`activity`, statutory culling), and what waits
for a unit (`work_items`, W-1: the day to ask again after a refusal, C-12)."""
