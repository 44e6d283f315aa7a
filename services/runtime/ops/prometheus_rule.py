"""The alert rules as a Prometheus Operator ``PrometheusRule``, generated from rules.yml.

A cluster whose Prometheus is run by the Prometheus Operator does not read
rule files; it reads ``PrometheusRule`` objects. Written by hand, that object
would drift from ``deploy/prometheus/rules.yml``, the file promtool tests and
compose's Prometheus loads; so its ``spec.groups`` are that file's groups,
written here::

    python -m services.runtime.ops.prometheus_rule deploy/prometheus/rules.yml \\
        --write deploy/k8s/monitoring/prometheus-rule.yaml      # refresh
    python -m services.runtime.ops.prometheus_rule deploy/prometheus/rules.yml \\
        --check deploy/k8s/monitoring/prometheus-rule.yaml      # exit 1 when stale

Without ``--write`` or ``--check`` the object is printed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

HEADER = """\
# GENERATED from deploy/prometheus/rules.yml; do not edit. Refresh with
#   python -m services.runtime.ops.prometheus_rule deploy/prometheus/rules.yml \\
#     --write deploy/k8s/monitoring/prometheus-rule.yaml
# (tests/contract/test_k8s_manifests.py fails while it is stale).
#
# The alert rules for a Prometheus run by the Prometheus Operator. If its
# ruleSelector wants a label (kube-prometheus-stack: release: <its release>),
# add it with a kustomize patch of your own.
"""


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (PromQL) as literal blocks, as a person writes them."""


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _string)


def prometheus_rule(rules_file: Path) -> str:
    """The ``PrometheusRule`` manifest whose groups are those of `rules_file`."""
    groups: list[dict[str, Any]] = yaml.safe_load(rules_file.read_text(encoding="utf-8"))["groups"]
    manifest = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "samverkan", "labels": {"app.kubernetes.io/part-of": "samverkan"}},
        "spec": {"groups": groups},
    }
    body = yaml.dump(manifest, Dumper=_Dumper, sort_keys=False, width=100, allow_unicode=True)
    return HEADER + body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m services.runtime.ops.prometheus_rule",
        description="Print the PrometheusRule made from a rules file, or check/refresh one.",
    )
    parser.add_argument("rules", type=Path, help="the Prometheus rules file (rules.yml)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--check", type=Path, metavar="MANIFEST", help="exit 1 if it is stale")
    group.add_argument("--write", type=Path, metavar="MANIFEST", help="rewrite it")
    args = parser.parse_args(argv)
    manifest = prometheus_rule(args.rules)
    if args.check:
        if args.check.exists() and args.check.read_text(encoding="utf-8") == manifest:
            return 0
        print(
            f"{args.check} is stale; run python -m services.runtime.ops.prometheus_rule "
            f"{args.rules} --write {args.check}",
            file=sys.stderr,
        )
        return 1
    if args.write:
        args.write.write_text(manifest, encoding="utf-8")
        return 0
    sys.stdout.write(manifest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
