"""Whether a service's settings are safe to run with real data: every key set, long
enough, random and not a published placeholder, and tokens not verified with the
development key. ``serve`` refuses to start on any problem found here (why each one
matters is in `unsafe_settings`)."""

from __future__ import annotations

from pydantic import SecretStr

from services.runtime.settings import RuntimeSettings

MIN_KEY_BYTES = 32
_MIN_DISTINCT_BYTES = 8
"""A random 32-byte key has about 30 distinct bytes; all zeros, `abab…` or a
repeated character have fewer than this."""
_PLACEHOLDER_MARKERS = ("change-me", "changeme", "replace-me", "placeholder", "dev-only")
"""Words that mark the keys shipped in docker-compose.yml and the Secret template."""


def unsafe_settings(settings: RuntimeSettings) -> list[str]:
    """What makes these settings unsafe with real data, one sentence per setting.

    Empty in development (``make run``, tests), which allows keys created
    under var_dir and the published placeholders on purpose. In production
    every key must be set, long enough and not a placeholder: an all-zero
    master key or the subject key docker-compose shipped is public, so
    sealed data could be read and subject ids linked back to personnummer by
    anyone; a key created in var_dir differs per pod and lies on a volume
    beside the data it protects. ``serve`` refuses to start on any of them;
    the check is not in the model validator because tests build settings
    in-process without keys.
    """
    if settings.environment == "development":
        return []
    problems: list[str] = []
    hex_keys = (("master_key", settings.master_key), ("audit_chain_key", settings.audit_chain_key))
    for name, value in hex_keys:
        problem = _hex_key_problem(value)
        if problem is not None:
            problems.append(f"{_variable(name)} {problem}")
    text_keys = (
        ("subject_key", settings.subject_key, True),
        ("subject_key_previous", settings.subject_key_previous, False),
    )
    for name, value, required in text_keys:
        problem = _text_key_problem(value, required=required)
        if problem is not None:
            problems.append(f"{_variable(name)} {problem}")
    if (
        settings.token_jwks_url is None
        and settings.token_public_key_file is None
        and not settings.token_issuer.startswith(("https://", "http://"))
    ):
        problems.append(
            "SAMVERKAN_TOKEN_PUBLIC_KEY_FILE (or SAMVERKAN_TOKEN_JWKS_URL, or an https "
            "SAMVERKAN_TOKEN_ISSUER for OpenID Connect discovery) is unset: tokens would be "
            "verified with the development signing key in var_dir, and whoever reads that "
            "file can act as anyone"
        )
    return problems


def _variable(field: str) -> str:
    return f"SAMVERKAN_{field.upper()}"


_UNSET = "is unset: a development key would be created in var_dir"


def _hex_key_problem(value: SecretStr | None) -> str | None:
    if value is None:
        return _UNSET
    text = value.get_secret_value()
    if _is_placeholder(text):
        return "is a published placeholder; generate one with `openssl rand -hex 32`"
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != MIN_KEY_BYTES:
        return "must be 64 hex characters (32 random bytes): `openssl rand -hex 32`"
    return _randomness_problem(key)


def _text_key_problem(value: SecretStr | None, *, required: bool) -> str | None:
    if value is None:
        return _UNSET if required else None
    text = value.get_secret_value()
    if _is_placeholder(text):
        return "is a published placeholder; generate one with `openssl rand -hex 32`"
    key = text.encode()
    if len(key) < MIN_KEY_BYTES:
        return f"is {len(key)} bytes; at least {MIN_KEY_BYTES} are needed: `openssl rand -hex 32`"
    return _randomness_problem(key)


def _is_placeholder(text: str) -> bool:
    lowered = text.lower()
    return any(marker in lowered for marker in _PLACEHOLDER_MARKERS)


def _randomness_problem(key: bytes) -> str | None:
    if len(set(key)) < _MIN_DISTINCT_BYTES:
        return "is not random (e.g. all zeros or one repeated pattern): `openssl rand -hex 32`"
    return None
