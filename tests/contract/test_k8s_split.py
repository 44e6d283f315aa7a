"""deploy/k8s/split: consent and cases as API, relay and consumer Deployments (issue #24).

What ``kubectl apply -k deploy/k8s/split`` would apply is rendered as
tests/contract/test_k8s_manifests.py renders deploy/k8s, validated against
the same Kubernetes schemas, and compared with the single-process platform:
each role's Deployment is the service's own but for its name, the role
(argument and label) and, for relay and consumer, a fixed replica count; each
Service reaches its own role's pods only, so no API request lands on a relay.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from services.runtime.ops.roles import Role
from tests.contract.test_k8s_manifests import (
    K8S,
    KUBERNETES_VERSIONS,
    all_documents,
    rendered,
    validation_errors,
)

SPLIT = K8S / "split"
SPLIT_SERVICES = ("consent", "cases")
ROLES = {"api": "", "relay": "-relay", "consumer": "-consumer"}
COMPONENT = "app.kubernetes.io/component"


def split_of(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in rendered(SPLIT) if d["kind"] == kind}


def plain_of(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in all_documents() if d["kind"] == kind}


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return selector.items() <= labels.items()


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_split_manifest_follows_the_kubernetes_schema(version: str) -> None:
    errors = {
        f"{doc['kind']}/{doc['metadata']['name']}": error
        for doc in rendered(SPLIT)
        if (error := validation_errors(doc, version))
    }
    assert errors == {}


@pytest.mark.parametrize("service", SPLIT_SERVICES)
def test_each_role_is_a_deployment_of_the_one_image_with_the_role_as_argument(
    service: str,
) -> None:
    deployments = split_of("Deployment")
    plain = plain_of("Deployment")[service]
    for role, suffix in ROLES.items():
        deployment = deployments[f"{service}{suffix}"]
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        assert container["args"] == [service, "--role", role]
        assert Role(container["args"][2]) is Role(role)  # what serve accepts
        assert deployment["spec"]["template"]["metadata"]["labels"][COMPONENT] == role
        # Everything else is the single-process Deployment's: image, probes, settings, secrets.
        same = copy.deepcopy(deployment)
        same["metadata"]["name"] = service
        for labelled in (
            same["metadata"]["labels"],
            same["spec"]["selector"]["matchLabels"],
            same["spec"]["template"]["metadata"]["labels"],
        ):
            del labelled[COMPONENT]
        (same_container,) = same["spec"]["template"]["spec"]["containers"]
        same_container["args"] = [service]
        same["spec"].pop("replicas", None)
        assert same == plain, role


@pytest.mark.parametrize("service", SPLIT_SERVICES)
def test_only_the_api_scales_and_the_relay_has_a_standby(service: str) -> None:
    autoscalers = split_of("HorizontalPodAutoscaler")
    assert autoscalers[service]["spec"]["scaleTargetRef"]["name"] == service
    assert f"{service}-relay" not in autoscalers
    assert f"{service}-consumer" not in autoscalers
    deployments = split_of("Deployment")
    assert deployments[f"{service}-relay"]["spec"]["replicas"] >= 2
    assert 1 <= deployments[f"{service}-consumer"]["spec"]["replicas"] <= 3  # partitions


def test_each_service_and_disruption_budget_reaches_its_own_roles_pods_only() -> None:
    pods = {
        name: d["spec"]["template"]["metadata"]["labels"]
        for name, d in split_of("Deployment").items()
    }
    for kind, selector_of in (
        ("Service", lambda d: d["spec"]["selector"]),
        ("PodDisruptionBudget", lambda d: d["spec"]["selector"]["matchLabels"]),
    ):
        for name, doc in split_of(kind).items():
            reached = [pod for pod, labels in pods.items() if selects(selector_of(doc), labels)]
            assert reached == [name], (kind, name)


def test_the_services_not_split_are_as_in_the_single_process_platform() -> None:
    for kind in ("Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler"):
        for service in ("escalation", "reporting"):
            assert split_of(kind)[service] == plain_of(kind)[service]
    platform = [d for d in rendered(SPLIT) if d["kind"] in ("ConfigMap", "NetworkPolicy")]
    assert platform == [d for d in all_documents() if d["kind"] in ("ConfigMap", "NetworkPolicy")]
