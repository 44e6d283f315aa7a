"""Service-to-service Kafka security: the settings become the clients' connection arguments
in one place, and a combination that cannot work (or would leak a password) is refused at
start-up with a message that names the settings."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from faststream.kafka.security import parse_security
from faststream.security import SASLScram512
from pydantic import ValidationError

from services.runtime.messaging.kafka import broker_security, client_options, producer_options
from services.runtime.settings import RuntimeSettings


def write_certificate(directory: Path, name: str) -> tuple[Path, Path]:
    """A made-up self-signed certificate and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / f"{name}.crt", directory / f"{name}.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
def pki(tmp_path: Path) -> dict[str, Path]:
    ca, _ = write_certificate(tmp_path, "samverkan-test-ca")
    cert, key = write_certificate(tmp_path, "samverkan-consent")
    return {"ca": ca, "cert": cert, "key": key}


def settings(**overrides: Any) -> RuntimeSettings:
    return RuntimeSettings(kafka_bootstrap="kafka-1:9093,kafka-2:9093", **overrides)


def sasl_ssl(
    ca_file: Path, username: str, password: str, mechanism: str = "SCRAM-SHA-512"
) -> RuntimeSettings:
    """A service's login to a SASL_SSL broker whose certificate `ca_file` vouches for."""
    return settings(
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_mechanism=mechanism,
        kafka_sasl_username=username,
        kafka_sasl_password=password,
        kafka_ssl_ca_file=ca_file,
    )


def test_plaintext_by_default_adds_nothing_but_the_protocol() -> None:
    options = client_options(settings())
    assert options == {
        "bootstrap_servers": "kafka-1:9093,kafka-2:9093",
        "security_protocol": "PLAINTEXT",
    }
    assert broker_security(settings()) is None


def test_the_relay_producer_sends_each_round_at_once_unless_a_linger_is_set() -> None:
    """The relay awaits each round's acks before the next, so a linger only delayed
    every round (2 ms before #24); acks from every replica stay."""
    assert producer_options(settings())["linger_ms"] == 0
    assert producer_options(settings())["acks"] == "all"
    assert producer_options(settings(kafka_linger_ms=5))["linger_ms"] == 5


def test_sasl_ssl_with_scram_gives_the_login_and_a_verifying_tls_context(
    pki: dict[str, Path],
) -> None:
    configured = sasl_ssl(pki["ca"], "samverkan-consent", "s3cret-from-the-vault")

    options = client_options(configured)

    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert options["sasl_plain_username"] == "samverkan-consent"
    assert options["sasl_plain_password"] == "s3cret-from-the-vault"
    context = options["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2
    issuers = [dict(entry[0] for entry in ca["subject"]) for ca in context.get_ca_certs()]
    assert {"commonName": "samverkan-test-ca"} in issuers
    assert "s3cret" not in repr(configured)


def test_the_faststream_broker_gets_the_same_login_as_the_plain_clients(
    pki: dict[str, Path],
) -> None:
    configured = sasl_ssl(pki["ca"], "samverkan-cases", "pw")
    security = broker_security(configured)
    assert isinstance(security, SASLScram512)
    broker_options = parse_security(security)
    plain_options = client_options(configured)
    for name in ("security_protocol", "sasl_mechanism", "sasl_plain_username"):
        assert broker_options[name] == plain_options[name]
    assert broker_options["sasl_plain_password"] == "pw"
    assert isinstance(broker_options["ssl_context"], ssl.SSLContext)


def test_mutual_tls_loads_the_client_certificate(pki: dict[str, Path]) -> None:
    configured = settings(
        kafka_security_protocol="SSL",
        kafka_ssl_ca_file=pki["ca"],
        kafka_ssl_cert_file=pki["cert"],
        kafka_ssl_key_file=pki["key"],
    )
    options = client_options(configured)
    assert options["security_protocol"] == "SSL"
    assert "sasl_mechanism" not in options
    assert parse_security(broker_security(configured))["security_protocol"] == "SSL"


def test_a_key_that_does_not_belong_to_the_certificate_is_refused(
    pki: dict[str, Path], tmp_path: Path
) -> None:
    _, other_key = write_certificate(tmp_path, "someone-else")
    configured = settings(
        kafka_security_protocol="SSL", kafka_ssl_cert_file=pki["cert"], kafka_ssl_key_file=other_key
    )
    with pytest.raises(ssl.SSLError):
        client_options(configured)


async def test_the_kafka_clients_accept_the_options_as_built(pki: dict[str, Path]) -> None:
    """aiokafka checks security arguments when a client is made: every kind we build."""
    configured = sasl_ssl(pki["ca"], "samverkan-reporting", "pw", mechanism="SCRAM-SHA-256")
    producer = AIOKafkaProducer(**producer_options(configured))
    consumer = AIOKafkaConsumer(**client_options(configured))
    admin = AIOKafkaAdminClient(**client_options(configured))
    assert producer.client._security_protocol == "SASL_SSL"
    assert consumer._client._sasl_mechanism == "SCRAM-SHA-256"
    assert admin._client._sasl_plain_username == "samverkan-reporting"
    await producer.stop()
    await consumer.stop()
    await admin.close()


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        (
            {"kafka_security_protocol": "SASL_SSL", "kafka_sasl_mechanism": "SCRAM-SHA-512"},
            "SAMVERKAN_KAFKA_SASL_USERNAME",
        ),
        (
            {"kafka_sasl_username": "samverkan-consent", "kafka_sasl_password": "pw"},
            "does not log in",
        ),
        (
            {
                "kafka_security_protocol": "SASL_PLAINTEXT",
                "kafka_sasl_mechanism": "PLAIN",
                "kafka_sasl_username": "u",
                "kafka_sasl_password": "pw",
            },
            "password in clear",
        ),
        ({"kafka_security_protocol": "SASL_SSL", "kafka_sasl_mechanism": "GSSAPI"}, "mechanism"),
        ({"kafka_security_protocol": "TLS"}, "security_protocol"),
    ],
)
def test_incoherent_settings_are_refused_at_start_up_by_name(
    overrides: dict[str, Any], named: str
) -> None:
    with pytest.raises(ValidationError, match=named):
        settings(**overrides)


def test_tls_files_without_tls_or_half_a_client_certificate_are_refused(
    pki: dict[str, Path], tmp_path: Path
) -> None:
    with pytest.raises(ValidationError, match="uses no TLS"):
        settings(kafka_ssl_ca_file=pki["ca"])
    with pytest.raises(ValidationError, match="go together"):
        settings(kafka_security_protocol="SSL", kafka_ssl_cert_file=pki["cert"])
    with pytest.raises(ValidationError, match="not a readable file"):
        settings(kafka_security_protocol="SSL", kafka_ssl_ca_file=tmp_path / "missing.pem")


def test_the_settings_come_from_the_environment(
    pki: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAMVERKAN_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("SAMVERKAN_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
    monkeypatch.setenv("SAMVERKAN_KAFKA_SASL_USERNAME", "samverkan-escalation")
    monkeypatch.setenv("SAMVERKAN_KAFKA_SASL_PASSWORD", "from-a-secret")
    monkeypatch.setenv("SAMVERKAN_KAFKA_SSL_CA_FILE", str(pki["ca"]))
    options = client_options(RuntimeSettings())
    assert options["sasl_plain_username"] == "samverkan-escalation"
    assert options["sasl_plain_password"] == "from-a-secret"
