"""Security tests: each performs one attack from docs/threat-model.md against real
service processes (the fixtures of tests/conftest.py) and asserts it is stopped."""
