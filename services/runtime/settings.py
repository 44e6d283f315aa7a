"""Settings shared by every service, read from the environment (prefix ``SAMVERKAN_``).

One class documents every knob an operator can turn; the field descriptions
are the documentation (the README's configuration table is generated from
them), so a setting that is not described here does not exist.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import AfterValidator, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class RuntimeSettings(BaseSettings):
    """Infrastructure settings every service reads the same way."""

    model_config = SettingsConfigDict(env_prefix="SAMVERKAN_", extra="ignore")

    kafka_bootstrap: str = Field(
        "127.0.0.1:9092",
        description="Kafka bootstrap servers (host:port, comma separated).",
    )
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        "PLAINTEXT",
        description=(
            "How services reach the broker: PLAINTEXT (development only), SSL (TLS, optionally "
            "with a client certificate as the principal), SASL_SSL (TLS and a SASL login), "
            "SASL_PLAINTEXT (SASL/SCRAM without TLS; never PLAIN). See docs/kafka-acls.md."
        ),
    )
    kafka_sasl_mechanism: Literal["SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"] | None = Field(
        None, description="SASL mechanism for the SASL_* protocols (SCRAM-SHA-512 preferred)."
    )
    kafka_sasl_username: str | None = Field(
        None, description="The service's SASL principal, e.g. `samverkan-consent`."
    )
    kafka_sasl_password: SecretStr | None = Field(
        None, description="The SASL principal's password (from a secret, never a file in git)."
    )
    kafka_ssl_ca_file: Path | None = Field(
        None,
        description="PEM CA bundle the broker's certificate is checked against (unset: the "
        "system's trust store).",
    )
    kafka_ssl_cert_file: Path | None = Field(
        None, description="PEM client certificate (mutual TLS); needs kafka_ssl_key_file."
    )
    kafka_ssl_key_file: Path | None = Field(
        None, description="PEM private key of kafka_ssl_cert_file."
    )
    kafka_enable_idempotence: bool = Field(
        False,
        description=(
            "Idempotent producer. Turn on against real Apache Kafka; the embedded "
            "Tansu broker does not support it."
        ),
    )
    topic_prefix: str = Field(
        "samverkan",
        description="Prefix of every topic name; lets several stacks share one cluster.",
    )
    topic_replication_factor: int = Field(
        1,
        ge=1,
        le=16,
        description=(
            "Replicas of every topic the platform creates (`samverkan topics create`, and "
            "services creating a missing topic). 1 suits the embedded broker and one-broker "
            "development; production: 3, so a broker can fail without losing an event. "
            "`samverkan topics check` reports a topic that differs."
        ),
    )
    topic_min_insync_replicas: int = Field(
        1,
        ge=1,
        le=16,
        description=(
            "`min.insync.replicas` of every topic: with the relay's acks=all, how many "
            "replicas must hold an event before it counts as published. Production: 2 "
            "(with a replication factor of 3); never above the replication factor."
        ),
    )
    topic_dlq_retention_days: int = Field(
        90,
        ge=1,
        description=(
            "How long dead-letter topics keep a message (`retention.ms`): long enough to "
            "find the cause and replay it. Events and audit-anchor topics keep everything "
            "(retention.ms=-1): rebuilds and new consumers read the events from the start."
        ),
    )
    database_url: str | None = Field(
        None,
        description=(
            "PostgreSQL URL (postgresql://user:password@host:port/dbname). "
            "Unset: one SQLite file per service under var_dir."
        ),
    )
    database_connect_timeout_seconds: int = Field(
        2,
        ge=1,
        description=(
            "PostgreSQL connect (and pool wait) timeout. The store library retries "
            "ten times, so during an outage a request gets its 503 after about ten of these."
        ),
    )
    database_schema_prefix: str = Field(
        "",
        description="Prefix of each service's PostgreSQL schema (schema = prefix + service).",
    )
    var_dir: Path = Field(Path("var"), description="Where SQLite stores and dev keys live.")
    subject_key: SecretStr | None = Field(
        None,
        description=(
            "Secret for the keyed HMAC that turns an identity number into a subject id "
            "(at least 32 bytes). Unset: a development key is created in var_dir."
        ),
    )
    subject_key_previous: SecretStr | None = Field(
        None,
        description=(
            "The subject_key in force before the last rotation, kept for reading only: "
            "access-log extracts by personnummer also find what was recorded under it. "
            "Everything new uses subject_key (docs/runbook.md, rotating the subject-id key)."
        ),
    )
    master_key: SecretStr | None = Field(
        None,
        description=(
            "Master key (64 hex characters) that wraps each subject's data key; personal "
            "data at rest is sealed with those (crypto-shredding). Unset: a development "
            "key is created in var_dir."
        ),
    )
    token_issuer: str = Field(
        "samverkan-dev",
        description=(
            "Expected `iss` of bearer tokens. An https URL with neither token_jwks_url nor "
            "token_public_key_file set: the keys are found by OpenID Connect discovery "
            "(`{issuer}/.well-known/openid-configuration`, whose `issuer` must match)."
        ),
    )
    token_audience: str = Field("samverkan", description="Expected `aud` of bearer tokens.")
    token_jwks_url: str | None = Field(
        None,
        description=(
            "The identity provider's JWKS URL; keys are cached and fetched again when a "
            "token names one not held (rotation). Takes precedence over token_public_key_file."
        ),
    )
    token_public_key_file: Path | None = Field(
        None,
        description=(
            "PEM public key that verifies bearer tokens. Unset: the development "
            "signing key in var_dir is used (created on first start)."
        ),
    )
    relay_batch_size: int = Field(
        500, ge=1, le=10_000, description="Notifications the outbox relay publishes per batch."
    )
    relay_position_interval_seconds: float = Field(
        1.0,
        ge=0,
        le=60,
        description=(
            "How often the outbox relay writes down how far it got (also when idle and "
            "when it stops). A relay that restarts reads back what the topic holds past "
            "that position and does not send it again. 0: after every batch, a commit "
            "each that the next batch waits for."
        ),
    )
    relay_log_check_seconds: float = Field(
        2.0,
        gt=0,
        description="How often the relay checks that the topic still holds what it published.",
    )
    relay_leader_lease_seconds: float = Field(
        15.0,
        ge=1,
        le=3600,
        description=(
            "PostgreSQL only: a relay leader that stops renewing its lease (process frozen, "
            "host crashed, network cut) loses the relay lock after this long, and a standby "
            "replica takes over within about this plus 2 s. The leader renews three times "
            "per lease; PostgreSQL 14 or newer (idle_session_timeout)."
        ),
    )
    kafka_session_timeout_ms: int = Field(
        10_000,
        ge=1_000,
        description=(
            "Consumer group session timeout. The embedded broker delays a group join by "
            "about half of it, so make run uses 3000 there."
        ),
    )
    kafka_metadata_max_age_ms: int = Field(
        30_000,
        ge=1_000,
        description=(
            "How often clients refresh topic metadata. A consumer learns of partitions "
            "added to its upstream topics only then; Kafka's default of five minutes left "
            "them unconsumed that long while every lag gauge read 0."
        ),
    )
    kafka_fetch_max_wait_ms: int = Field(
        10,
        ge=1,
        le=5_000,
        description=(
            "Longest a consumer's fetch waits at the broker for new records. Apache Kafka "
            "answers as soon as records arrive. The embedded broker (Tansu 0.6) looks "
            "when the fetch comes and again only when the wait is over (halfway from "
            "250 ms), so a record arriving meanwhile waits for the rest of it: about half "
            "the wait per consumer hop, loaded or not. Each idle consumer sends a fetch "
            "per wait: the broker and the four services idle take about 30 % of a core "
            "at 10 ms, 11 % at 50 and 7 % at 100 (#24)."
        ),
    )
    kafka_linger_ms: int = Field(
        0,
        ge=0,
        le=1_000,
        description=(
            "How long the outbox relay's producer holds a batch for more messages. The "
            "relay hands each round's messages over at once and waits for their acks "
            "before the next round, so a linger only delays every round; raise it only "
            "for a broker that prefers fewer, larger requests."
        ),
    )
    consumer_commit_interval_ms: int = Field(
        200,
        ge=0,
        le=60_000,
        description=(
            "How often a consumer commits its offsets at most: the first batch after a "
            "quiet spell at once, those handled within the interval together at its end, "
            "and what is left when its partitions are revoked and when it stops. A "
            "consumer that crashes reads again what it handled since its last commit and "
            "skips it (tracking). Kept short of the ~0.5 s a relay takes to make a lost "
            "topic again, so a commit held back is refused by a broker that lost its log, "
            "not taken for the new one. 0: after every batch, one OffsetCommit per event "
            "at low rates."
        ),
    )
    consumer_max_retries: int = Field(
        3,
        ge=1,
        le=20,
        description="Attempts before a failing message goes to the dead-letter topic.",
    )
    max_body_bytes: int = Field(
        256 * 1024, ge=1024, description="Largest request body accepted (413 above it)."
    )
    write_rate_per_second: float = Field(
        50.0, gt=0, description="Sustained writes per second allowed per caller (429 above it)."
    )
    write_burst: int = Field(200, ge=1, description="Writes a caller may make at once.")
    log_level: str = Field("INFO", description="Log level of the JSON logs.")
    http_host: str | None = Field(
        None,
        description="Interface the HTTP APIs listen on (unset: 127.0.0.1; 0.0.0.0 in containers).",
    )

    environment: Literal["development", "production"] = Field(
        "production",
        description=(
            "`development` (make run, tests) allows what is unsafe with real data: keys "
            "created under var_dir, the known placeholder keys, a plain-http identity "
            "provider on localhost. `production` refuses to start on any of them."
        ),
    )
    read_rate_per_second: float = Field(
        200.0, gt=0, description="Sustained reads per second allowed per caller (429 above it)."
    )
    read_burst: int = Field(400, ge=1, description="Reads a caller may make at once.")
    idempotency_ttl_seconds: int = Field(
        86_400,
        ge=60,
        description=(
            "How long an Idempotency-Key is remembered; a retry after that runs as a new "
            "command. Remembered keys hold no personal data, only status and ids."
        ),
    )
    token_max_lifetime_seconds: int = Field(
        12 * 3600,
        ge=60,
        description="Longest lifetime (exp - iat) a bearer token may have; longer ones get 401.",
    )
    audit_chain_key: SecretStr | None = Field(
        None,
        description=(
            "Key (64 hex characters) of the access log's keyed hash chain (HMAC); held "
            "outside the database, so whoever can write the table cannot re-chain it. "
            "Unset: a development key is created in var_dir (development only)."
        ),
    )
    audit_anchor_interval_seconds: float = Field(
        30.0,
        gt=0,
        description=(
            "How often the access log's head (last seq and hash) is anchored on the "
            "service's audit-anchor topic, outside the database."
        ),
    )

    @model_validator(mode="after")
    def _kafka_security_is_coherent(self) -> RuntimeSettings:
        """Refuse, at start-up and by name, a Kafka security setting that cannot work or
        would leak a secret, instead of failing later at the broker."""
        problem = kafka_security_problem(self)
        if problem is not None:
            raise ValueError(problem)
        return self

    @model_validator(mode="after")
    def _insync_replicas_fit(self) -> RuntimeSettings:
        """More in-sync replicas than replicas would make every acks=all send fail."""
        if self.topic_min_insync_replicas > self.topic_replication_factor:
            raise ValueError(
                f"SAMVERKAN_TOPIC_MIN_INSYNC_REPLICAS={self.topic_min_insync_replicas} is above "
                f"SAMVERKAN_TOPIC_REPLICATION_FACTOR={self.topic_replication_factor}: no send "
                "could ever be acknowledged"
            )
        return self

    def resolved_subject_key(self) -> bytes:
        """The HMAC key, creating a development key under var_dir when none is configured.

        A development key on disk keeps subject ids stable across restarts of
        ``make run`` without anyone having to invent a secret.
        """
        if self.subject_key is not None:
            return self.subject_key.get_secret_value().encode()
        return read_or_create_secret(self.var_dir / "dev-subject-key")

    def previous_subject_keys(self) -> tuple[bytes, ...]:
        """The keys subject ids were derived with before the last rotation (reads only)."""
        if self.subject_key_previous is None:
            return ()
        return (self.subject_key_previous.get_secret_value().encode(),)

    def resolved_master_key(self) -> bytes:
        """The 32-byte master key, creating a development key under var_dir if none is set."""
        if self.master_key is not None:
            return bytes.fromhex(self.master_key.get_secret_value())
        return bytes.fromhex(read_or_create_secret(self.var_dir / "dev-master-key").decode())


def checked_by(parse: Callable[[str], object]) -> AfterValidator:
    """For a setting kept as text (so the configuration table shows what an operator
    writes) but read through `parse`: a malformed value refuses to start, not later."""

    def check(value: str) -> str:
        parse(value)
        return value

    return AfterValidator(check)


def round_seconds(default: float, description: str) -> Any:
    """A setting for how often a service's scheduled round runs: seconds, above zero."""
    return Field(default, gt=0, description=description)


def kafka_security_problem(settings: RuntimeSettings) -> str | None:
    """What is wrong with the Kafka security settings, in words; None when they fit."""
    protocol = settings.kafka_security_protocol
    sasl = protocol.startswith("SASL_")
    tls = protocol.endswith("SSL")
    login = (
        settings.kafka_sasl_mechanism,
        settings.kafka_sasl_username,
        settings.kafka_sasl_password,
    )
    if sasl and None in login:
        return (
            f"SAMVERKAN_KAFKA_SECURITY_PROTOCOL={protocol} needs SAMVERKAN_KAFKA_SASL_MECHANISM, "
            "SAMVERKAN_KAFKA_SASL_USERNAME and SAMVERKAN_KAFKA_SASL_PASSWORD"
        )
    if not sasl and any(value is not None for value in login):
        return (
            f"SAMVERKAN_KAFKA_SASL_* are set but SAMVERKAN_KAFKA_SECURITY_PROTOCOL={protocol} "
            "does not log in; use SASL_SSL (or SASL_PLAINTEXT)"
        )
    if protocol == "SASL_PLAINTEXT" and settings.kafka_sasl_mechanism == "PLAIN":
        return "SASL mechanism PLAIN over SASL_PLAINTEXT sends the password in clear; use SASL_SSL"
    files = (settings.kafka_ssl_ca_file, settings.kafka_ssl_cert_file, settings.kafka_ssl_key_file)
    if not tls and any(file is not None for file in files):
        return (
            f"SAMVERKAN_KAFKA_SSL_* files are set but SAMVERKAN_KAFKA_SECURITY_PROTOCOL={protocol} "
            "uses no TLS; use SSL or SASL_SSL"
        )
    if (settings.kafka_ssl_cert_file is None) != (settings.kafka_ssl_key_file is None):
        return "SAMVERKAN_KAFKA_SSL_CERT_FILE and SAMVERKAN_KAFKA_SSL_KEY_FILE go together"
    for name, file in zip(("CA", "CERT", "KEY"), files, strict=True):
        if file is not None and not file.is_file():
            return f"SAMVERKAN_KAFKA_SSL_{name}_FILE: {file} is not a readable file"
    return None


def read_or_create_secret(path: Path) -> bytes:
    """Read a secret file, creating it atomically when absent.

    Several services start at once under ``make run``; linking a finished
    temporary file into place means exactly one of them wins and every one
    reads the same complete secret. The file is created 0600, never widened
    and narrowed later: a chmod after the write leaves a moment in which
    anyone on the machine may read the key.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_hex(32))
        # Another process won the race: its secret is the one everybody reads.
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
        tmp.unlink()
    return path.read_text().strip().encode()
