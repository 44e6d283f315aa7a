"""The cases service's read models: the deadlines the schedule raises, the units' lists of
coming age transitions and of other units' decisions (`case_views`), and the work lists
(`work_items`, W-1)."""
