"""Every service's HTTP surface: authentication, permissions, guards, problem details,
idempotency, OpenAPI, the access-log routes and the operational endpoints.
"""
