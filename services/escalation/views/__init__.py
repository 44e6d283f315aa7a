"""Escalation's read models: every deadline the red thread, the ladder and the forums set
(`deadlines`), for the overdue schedule and each unit's list of what is due."""
