"""The Kubernetes manifests (deploy/k8s/) are valid and agree with the code.

No cluster runs here. What is checked is what ``kubectl apply -k deploy/k8s``
would apply: the kustomization rendered by ``kubectl kustomize`` (Debian
package kubernetes-client, installed by ``make system-deps``). Every rendered
object is validated against the Kubernetes OpenAPI schemas that the
``kubernetes-validate`` package ships (strict: an unknown field is an error; no
download at test time), and every ``SAMVERKAN_*`` variable is parsed by the
very settings classes the services use, so a renamed setting or a changed port
fails here rather than in a crash-looping pod. The services reach Kafka over
SASL_SSL only, start in production (so the Secret template's placeholders are
refused), and network policies deny everything but the traffic the platform
needs. The four overlays differ only in what is the service's own. For a
cluster that runs the Prometheus Operator, deploy/k8s/monitoring adds a
ServiceMonitor and the alert rules as a PrometheusRule, kept out of deploy/k8s
so that a cluster without those CRDs applies it unchanged.
"""

from __future__ import annotations

import copy
import functools
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from contracts import PARTITIONS, SERVICES
from services.runtime.ops.config_docs import settings
from services.runtime.ops.serve import startup_refusals
from services.runtime.service import load_service
from services.runtime.settings import RuntimeSettings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
KUSTOMIZATION = "kustomization.yaml"
PLATFORM = K8S / "base" / "platform"
OVERLAYS = K8S / "overlays"
SECRET_EXAMPLE = K8S / "secret.example.yaml"
MONITORING = K8S / "monitoring"
SPLIT = K8S / "split"
"""API, relay and consumer as Deployments of their own (tests/contract/test_k8s_split.py)."""
RULES = ROOT / "deploy" / "prometheus" / "rules.yml"
CONFIG_MAP = "samverkan-config"
SECRET = "samverkan-secrets"

KUBERNETES_VERSIONS = ("1.32.0", "1.37.0")
"""An older supported minor and the newest that kubernetes-validate ships."""


@functools.cache
def rendered(directory: Path) -> list[dict[str, Any]]:
    """The objects ``kubectl kustomize directory`` prints, shared by every test:
    copy one before changing it."""
    executable = shutil.which("kubectl")
    if executable is None:
        pytest.fail("kubectl is missing: run `make system-deps` (Debian package kubernetes-client)")
    result = subprocess.run(
        [executable, "kustomize", str(directory)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # Newer kubectl warns on stderr that kustomize v2's fields are deprecated.
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def all_documents() -> list[dict[str, Any]]:
    return rendered(K8S)


def of_kind(kind: str) -> dict[str, dict[str, Any]]:
    found = {doc["metadata"]["name"]: doc for doc in all_documents() if doc["kind"] == kind}
    return found


def kustomization(directory: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((directory / KUSTOMIZATION).read_text())
    return loaded


def used_files(directory: Path) -> set[Path]:
    """The kustomization in ``directory``, and every file it and the
    kustomizations it builds on read."""
    spec = kustomization(directory)
    files = {directory / KUSTOMIZATION}
    files |= {directory / name for name in spec.get("resources", [])}
    files |= {directory / name for name in spec.get("patchesStrategicMerge", [])}
    files |= {directory / patch["path"] for patch in spec.get("patchesJson6902", [])}
    for base in spec.get("bases", []):
        files |= used_files(directory / base)
    return {path.resolve() for path in files}


def default_port(service: str) -> int:
    """The port the service's settings class defaults to, whatever the environment says."""
    settings_class = load_service(service).Settings
    port: int = settings_class.model_fields["http_port"].default
    return port


def container(service: str) -> dict[str, Any]:
    (only,) = of_kind("Deployment")[service]["spec"]["template"]["spec"]["containers"]
    return only


def validation_errors(document: dict[str, Any], version: str) -> str | None:
    try:
        from kubernetes_validate import utils
    except ImportError:  # pragma: no cover - a missing dev dependency
        pytest.fail("kubernetes-validate is missing: pip install -e '.[dev]'")
    try:
        utils.validate(document, version, strict=True)
    except utils.ValidationError as error:
        return str(error)
    return None


@pytest.fixture(scope="module")
def known_variables() -> set[str]:
    return {row.variable for row in settings()}


# --- schema ----------------------------------------------------------------------


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_manifest_follows_the_kubernetes_schema(version):
    docs = [*all_documents(), *documents(SECRET_EXAMPLE)]
    errors = {
        f"{doc['kind']}/{doc['metadata']['name']}": error
        for doc in docs
        if (error := validation_errors(doc, version))
    }
    assert errors == {}


def test_the_schema_check_actually_rejects_mistakes():
    deployment = copy.deepcopy(of_kind("Deployment")["consent"])
    deployment["spec"]["template"]["spec"]["containers"][0]["enviroment"] = []
    assert validation_errors(deployment, KUBERNETES_VERSIONS[-1])
    hpa = copy.deepcopy(of_kind("HorizontalPodAutoscaler")["consent"])
    hpa["spec"]["maxReplicas"] = "three"
    assert validation_errors(hpa, KUBERNETES_VERSIONS[-1])


def test_the_platform_is_its_base_and_one_overlay_per_service():
    composed = [K8S / base for base in kustomization(K8S)["bases"]]
    assert composed == [PLATFORM, *(OVERLAYS / service for service in SERVICES)]
    assert {path.name for path in OVERLAYS.iterdir()} == set(SERVICES)


def test_every_file_is_used_but_the_secret_template():
    on_disk = {path.resolve() for path in K8S.rglob("*") if path.is_file()}
    used = used_files(K8S) | used_files(MONITORING) | used_files(SPLIT)
    assert on_disk - used == {SECRET_EXAMPLE.resolve()}


def test_the_secret_is_only_a_template():
    text = SECRET_EXAMPLE.read_text()
    assert "TEMPLATE" in text
    (secret,) = documents(SECRET_EXAMPLE)
    assert secret["kind"] == "Secret"
    assert secret["metadata"]["name"] == SECRET
    assert all("REPLACE-ME" in value for value in secret["stringData"].values())
    assert not [d for d in all_documents() if d["kind"] == "Secret"], "never applied"


# --- each service ------------------------------------------------------------------


def test_one_set_of_objects_per_service():
    for kind in ("Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler"):
        assert set(of_kind(kind)) == set(SERVICES), kind


@pytest.mark.parametrize("service", SERVICES)
def test_deployment_runs_the_image_with_the_service_as_argument(service):
    spec = container(service)
    assert spec["image"] == "samverkan:latest"
    assert spec["args"] == [service]
    assert "command" not in spec, "the image's entrypoint is python -m services.runtime.ops.serve"


@pytest.mark.parametrize("service", SERVICES)
def test_deployment_probes_health_and_readiness(service):
    spec = container(service)
    assert spec["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert spec["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert spec["startupProbe"]["httpGet"]["path"] == "/healthz"
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        assert spec[probe]["httpGet"]["port"] in ("http", default_port(service))


@pytest.mark.parametrize("service", SERVICES)
def test_deployment_has_requests_and_limits(service):
    resources = container(service)["resources"]
    for kind in ("requests", "limits"):
        assert set(resources[kind]) == {"cpu", "memory"}, kind


@pytest.mark.parametrize("service", SERVICES)
def test_deployment_runs_unprivileged_on_a_read_only_root(service):
    deployment = of_kind("Deployment")[service]
    pod = deployment["spec"]["template"]["spec"]
    spec = container(service)
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["allowPrivilegeEscalation"] is False
    assert spec["securityContext"]["readOnlyRootFilesystem"] is True
    assert spec["securityContext"]["capabilities"]["drop"] == ["ALL"]
    # What the service writes (dev keys, SQLite when no database is set) needs a volume.
    mounts = {m["mountPath"]: m["name"] for m in spec["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "emptyDir" in volumes[mounts[config_map_data()["SAMVERKAN_VAR_DIR"]]]
    assert "emptyDir" in volumes[mounts["/tmp"]]


@pytest.mark.parametrize("service", SERVICES)
def test_ports_are_the_services_default_ports(service):
    port = default_port(service)
    spec = container(service)
    assert spec["ports"] == [{"name": "http", "containerPort": port}]
    env = {e["name"]: e for e in spec["env"]}
    assert env[f"SAMVERKAN_{service.upper()}_HTTP_PORT"]["value"] == str(port)
    annotations = of_kind("Deployment")[service]["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == str(port)
    (service_port,) = of_kind("Service")[service]["spec"]["ports"]
    assert service_port["port"] == port
    assert service_port["targetPort"] in ("http", port)


@pytest.mark.parametrize("service", SERVICES)
def test_selectors_match_the_pods(service):
    labels = of_kind("Deployment")[service]["spec"]["template"]["metadata"]["labels"]
    selectors = [
        of_kind("Deployment")[service]["spec"]["selector"]["matchLabels"],
        of_kind("Service")[service]["spec"]["selector"],
        of_kind("PodDisruptionBudget")[service]["spec"]["selector"]["matchLabels"],
    ]
    for selector in selectors:
        assert selector.items() <= labels.items()
        assert selector["app.kubernetes.io/name"] == service


@pytest.mark.parametrize("service", SERVICES)
def test_scaling_stops_at_the_partition_count(service):
    hpa = of_kind("HorizontalPodAutoscaler")[service]
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": service,
    }
    assert hpa["spec"]["maxReplicas"] == PARTITIONS
    assert 1 < hpa["spec"]["minReplicas"] <= PARTITIONS, "one pod and minAvailable 1 block drains"
    assert "replicas" not in of_kind("Deployment")[service]["spec"], "the HPA owns the count"
    assert of_kind("PodDisruptionBudget")[service]["spec"]["minAvailable"] == 1


# --- overlays ------------------------------------------------------------------------


def masked(value: Any, service: str) -> Any:
    """``value`` with the service's name and port in it replaced by placeholders."""
    port = default_port(service)
    if isinstance(value, dict):
        return {masked(key, service): masked(item, service) for key, item in value.items()}
    if isinstance(value, list):
        return [masked(item, service) for item in value]
    if value in (port, str(port)):
        return "<port>"
    if isinstance(value, str):
        return value.replace(service, "<service>").replace(service.upper(), "<SERVICE>")
    return value


def generic(service: str) -> dict[str, dict[str, Any]]:
    """The service's overlay rendered on its own, by kind, masked, and without
    the settings only this service reads (SAMVERKAN_<SERVICE>_*) but its port."""
    objects = {doc["kind"]: masked(doc, service) for doc in rendered(OVERLAYS / service)}
    (only,) = objects["Deployment"]["spec"]["template"]["spec"]["containers"]
    only["env"] = [
        e
        for e in only["env"]
        if not e["name"].startswith("SAMVERKAN_<SERVICE>_")
        or e["name"] == "SAMVERKAN_<SERVICE>_HTTP_PORT"
    ]
    return objects


@pytest.mark.parametrize("service", SERVICES)
def test_an_overlay_renders_what_the_platform_applies_for_its_service(service):
    alone = {doc["kind"]: doc for doc in rendered(OVERLAYS / service)}
    composed = {d["kind"]: d for d in all_documents() if d["metadata"]["name"] == service}
    assert alone == composed


@pytest.mark.parametrize("service", SERVICES[1:])
def test_the_overlays_differ_only_in_what_is_the_services_own(service):
    """Name, labels, port, argument, Kafka login and the service's own settings:
    everything else comes from base/service, the same for all four."""
    assert generic(service) == generic(SERVICES[0])


# --- settings ------------------------------------------------------------------------


def config_map_data() -> dict[str, str]:
    data: dict[str, str] = of_kind("ConfigMap")[CONFIG_MAP]["data"]
    return data


@pytest.mark.parametrize("service", SERVICES)
def test_every_samverkan_variable_is_a_real_setting(service, known_variables):
    names = set(config_map_data())
    names |= {e["name"] for e in container(service)["env"]}
    unknown = sorted(n for n in names if n.startswith("SAMVERKAN_") and n not in known_variables)
    assert unknown == [], "not read by any settings class (see services.runtime.ops.config_docs)"
    assert all(n.startswith("SAMVERKAN_") for n in names)
    assert [n for n in names if n.endswith("_HTTP_PORT")] == [
        f"SAMVERKAN_{service.upper()}_HTTP_PORT"
    ]


@pytest.mark.parametrize("service", SERVICES)
def test_config_and_secrets_reach_every_service(service):
    spec = container(service)
    assert spec["envFrom"] == [{"configMapRef": {"name": CONFIG_MAP}}]
    secret_refs = {
        e["name"]: e["valueFrom"]["secretKeyRef"]
        for e in spec["env"]
        if "secretKeyRef" in e.get("valueFrom", {})
    }
    # The master key too: replicas of a service must share it, or one cannot
    # read what another sealed; and the access log's chain key, which the
    # database must not hold.
    assert set(secret_refs) == {
        "SAMVERKAN_SUBJECT_KEY",
        "SAMVERKAN_MASTER_KEY",
        "SAMVERKAN_AUDIT_CHAIN_KEY",
        "SAMVERKAN_DATABASE_URL",
        "SAMVERKAN_KAFKA_SASL_PASSWORD",
    }
    # Each service logs in to Kafka with a password of its own.
    assert secret_refs["SAMVERKAN_KAFKA_SASL_PASSWORD"]["key"] == f"kafka-password-{service}"
    (secret,) = documents(SECRET_EXAMPLE)
    for ref in secret_refs.values():
        assert ref["name"] == SECRET
        assert ref["key"] in secret["stringData"]
        assert not ref.get("optional"), "without it a pod would quietly fall back to SQLite"
    # No secret value is written into a manifest.
    assert not [e for e in spec["env"] if e["name"] in secret_refs and "value" in e]
    assert not set(secret_refs) & set(config_map_data())


@pytest.mark.parametrize("service", SERVICES)
def test_token_public_key_file_is_mounted_from_the_secret(service):
    path = Path(config_map_data()["SAMVERKAN_TOKEN_PUBLIC_KEY_FILE"])
    pod = of_kind("Deployment")[service]["spec"]["template"]["spec"]
    mounts = {m["mountPath"]: m for m in container(service)["volumeMounts"]}
    mount = mounts[str(path.parent)]
    assert mount["readOnly"] is True
    (volume,) = [v for v in pod["volumes"] if v["name"] == mount["name"]]
    assert volume["secret"]["secretName"] == SECRET
    (item,) = volume["secret"]["items"]
    assert item["path"] == path.name
    (secret,) = documents(SECRET_EXAMPLE)
    assert item["key"] in secret["stringData"]


@pytest.mark.parametrize("service", SERVICES)
def test_the_kafka_ca_file_is_mounted_from_the_secret(service):
    path = Path(config_map_data()["SAMVERKAN_KAFKA_SSL_CA_FILE"])
    files = secret_files(service)
    assert str(path) in files
    (secret,) = documents(SECRET_EXAMPLE)
    assert files[str(path)] in secret["stringData"]


def secret_files(service: str) -> dict[str, str]:
    """Each file a service's pod gets from the Secret: its path -> the Secret's key."""
    pod = of_kind("Deployment")[service]["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    files: dict[str, str] = {}
    for mount in container(service)["volumeMounts"]:
        volume = volumes[mount["name"]]
        if "secret" not in volume:
            continue
        assert volume["secret"]["secretName"] == SECRET
        assert mount["readOnly"] is True
        for item in volume["secret"]["items"]:
            files[f"{mount['mountPath']}/{item['path']}"] = item["key"]
    return files


def manifest_env(service: str, tmp_path: Path, stored: dict[str, str]) -> dict[str, str]:
    """What the pod's process sees, with ``stored`` as the Secret's values and the
    files mounted from it written under ``tmp_path``."""
    env = dict(config_map_data())
    for item in container(service)["env"]:
        if "value" in item:
            env[item["name"]] = item["value"]
        else:
            env[item["name"]] = stored[item["valueFrom"]["secretKeyRef"]["key"]]
    for path, key in secret_files(service).items():
        local = tmp_path / path.lstrip("/")
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_text(stored[key])
        env = {name: str(local) if value == path else value for name, value in env.items()}
    return env


def real_secret() -> dict[str, str]:
    """The Secret as an operator fills it in: the template's keys, real values."""
    (secret,) = documents(SECRET_EXAMPLE)
    stored = {key: secrets.token_hex(32) for key in secret["stringData"]}
    stored["database-url"] = "postgresql://samverkan:s3cret@postgres:5432/samverkan"
    for key, value in secret["stringData"].items():
        if "-----BEGIN" in value:
            stored[key] = value
    return stored


@pytest.mark.parametrize("service", SERVICES)
def test_settings_classes_accept_what_the_manifests_set(service, monkeypatch, tmp_path):
    for name in [k for k in os.environ if k.startswith("SAMVERKAN_")]:
        monkeypatch.delenv(name)
    for name, value in manifest_env(service, tmp_path, real_secret()).items():
        monkeypatch.setenv(name, value)

    runtime = RuntimeSettings()
    module = load_service(service)
    assert module.Settings().http_port == container(service)["ports"][0]["containerPort"]
    assert runtime.http_host == "0.0.0.0"  # noqa: S104 - inside the container
    assert runtime.kafka_enable_idempotence is True  # real Apache Kafka supports it
    assert runtime.database_url is not None
    assert runtime.database_url.startswith("postgresql://")
    assert runtime.token_public_key_file is not None
    # Kafka over TLS with the service's own SCRAM login, never PLAINTEXT.
    assert runtime.kafka_security_protocol == "SASL_SSL"
    assert runtime.kafka_sasl_mechanism == "SCRAM-SHA-512"
    assert runtime.kafka_sasl_username == f"samverkan-{service}"
    assert runtime.kafka_ssl_ca_file is not None
    assert runtime.environment == "production"
    assert startup_refusals(runtime) == []


@pytest.mark.parametrize("service", SERVICES)
def test_the_secret_templates_placeholders_are_refused_at_start_up(service, monkeypatch, tmp_path):
    """Applied as it is, the template's REPLACE-ME keys stop every pod, by name."""
    for name in [k for k in os.environ if k.startswith("SAMVERKAN_")]:
        monkeypatch.delenv(name)
    (secret,) = documents(SECRET_EXAMPLE)
    for name, value in manifest_env(service, tmp_path, secret["stringData"]).items():
        monkeypatch.setenv(name, value)

    refusals = " ".join(startup_refusals(RuntimeSettings()))
    for variable in ("SUBJECT_KEY", "MASTER_KEY", "AUDIT_CHAIN_KEY"):
        assert f"SAMVERKAN_{variable} is a published placeholder" in refusals


# --- network policies ------------------------------------------------------------------


def network_policy(name: str) -> dict[str, Any]:
    spec: dict[str, Any] = of_kind("NetworkPolicy")[name]["spec"]
    return spec


def selects_every_service(selector: dict[str, Any]) -> bool:
    return all(
        selector["matchLabels"].items()
        <= of_kind("Deployment")[s]["spec"]["template"]["metadata"]["labels"].items()
        for s in SERVICES
    )


def test_everything_is_denied_by_default():
    spec = network_policy("default-deny")
    assert spec["podSelector"] == {}
    assert sorted(spec["policyTypes"]) == ["Egress", "Ingress"]
    assert "ingress" not in spec
    assert "egress" not in spec


def test_the_services_reach_only_kafka_postgresql_and_dns():
    spec = network_policy("samverkan-egress")
    assert selects_every_service(spec["podSelector"])
    assert spec["policyTypes"] == ["Egress"]
    rules = spec["egress"]
    assert all(rule.get("to") and rule.get("ports") for rule in rules), "no allow-all rule"
    allowed = {(p["protocol"], p["port"]) for rule in rules for p in rule["ports"]}
    kafka_port = int(config_map_data()["SAMVERKAN_KAFKA_BOOTSTRAP"].rsplit(":", 1)[1])
    (secret,) = documents(SECRET_EXAMPLE)
    database_port = int(secret["stringData"]["database-url"].rsplit(":", 1)[1].split("/")[0])
    assert allowed == {("TCP", kafka_port), ("TCP", database_port), ("UDP", 53), ("TCP", 53)}


def test_only_the_ingress_and_prometheus_reach_the_http_port():
    spec = network_policy("samverkan-ingress")
    assert selects_every_service(spec["podSelector"])
    assert spec["policyTypes"] == ["Ingress"]
    (rule,) = spec["ingress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": "http"}]
    assert all(container(s)["ports"][0]["name"] == "http" for s in SERVICES)
    sources = [peer["namespaceSelector"]["matchLabels"] for peer in rule["from"]]
    assert sources == [
        {"kubernetes.io/metadata.name": "ingress-nginx"},
        {"kubernetes.io/metadata.name": "monitoring"},
    ]
    assert all("ipBlock" not in peer for peer in rule["from"])


# --- the Prometheus Operator (deploy/k8s/monitoring) ------------------------------------


def monitoring() -> dict[str, dict[str, Any]]:
    return {doc["kind"]: doc for doc in rendered(MONITORING)}


def prometheus_rule_tool(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "services.runtime.ops.prometheus_rule", str(RULES), *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_the_platform_applies_without_the_prometheus_operator():
    """Plain clusters have no monitoring.coreos.com CRDs: deploy/k8s must not need them."""
    assert not [d for d in all_documents() if d["apiVersion"].startswith("monitoring.coreos.com")]
    assert sorted(monitoring()) == ["PrometheusRule", "ServiceMonitor"]
    assert all(d["apiVersion"] == "monitoring.coreos.com/v1" for d in monitoring().values())


def test_the_service_monitor_scrapes_every_service_with_its_service_label():
    spec = monitoring()["ServiceMonitor"]["spec"]
    selector = spec["selector"]["matchLabels"]
    selected = {
        name
        for name, svc in of_kind("Service").items()
        if selector.items() <= svc["metadata"]["labels"].items()
    }
    assert selected == set(SERVICES)
    (endpoint,) = spec["endpoints"]
    assert all(
        endpoint["port"] in {port["name"] for port in of_kind("Service")[s]["spec"]["ports"]}
        for s in SERVICES
    )
    assert endpoint["path"] == "/metrics"
    # The label the rules and the dashboard group by, from the service's name.
    assert {
        "sourceLabels": ["__meta_kubernetes_service_label_app_kubernetes_io_name"],
        "targetLabel": "service",
        "action": "replace",
    } in endpoint["relabelings"]
    assert all(
        of_kind("Service")[s]["metadata"]["labels"]["app.kubernetes.io/name"] == s for s in SERVICES
    )


def test_the_prometheus_rule_holds_exactly_the_tested_rules():
    """The groups promtool tests (rules.yml) are the groups the operator loads."""
    rule = monitoring()["PrometheusRule"]
    assert rule["spec"]["groups"] == yaml.safe_load(RULES.read_text())["groups"]
    check = prometheus_rule_tool("--check", str(MONITORING / "prometheus-rule.yaml"))
    assert check.returncode == 0, check.stderr


def test_a_stale_prometheus_rule_is_caught(tmp_path):
    stale = tmp_path / "prometheus-rule.yaml"
    stale.write_text(
        (MONITORING / "prometheus-rule.yaml").read_text().replace("for: 5m", "for: 9m")
    )
    check = prometheus_rule_tool("--check", str(stale))
    assert check.returncode == 1
    assert "--write" in check.stderr
    assert prometheus_rule_tool("--write", str(stale)).returncode == 0
    assert prometheus_rule_tool("--check", str(stale)).returncode == 0
