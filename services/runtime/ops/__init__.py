"""What operators run: ``make run``, one service's server, the ``samverkan`` CLI,
the configuration reference and JSON logs.
"""
