"""The runtime's kernel: rule errors, Swedish time, identity numbers, trace context.

No I/O and no framework: the domain, the store, messaging and HTTP all lean on it.
"""
