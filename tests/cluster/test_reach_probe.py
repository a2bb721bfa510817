"""`ingressdoc reach --probe` on a live cluster: the object verdict beside a real connection.

A client Deployment in one namespace dials an agnhost netexec Service in another. The
built-in cluster's bridge CNI does not enforce NetworkPolicy, so a default-deny policy makes
the objects say blocked while the probe pod connects: that disagreement is IDC722. On a
cluster whose CNI enforces policies (kind with Calico, say) the probe is refused instead and
both agree. The probe dials only the cluster's own addresses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from cluster_harness import (
    REPO_ROOT,
    Cluster,
    Scenario,
    http_service,
    netexec_deployment,
    pause_deployment,
    rewrite_images,
    service_account_kubeconfig,
)

CLIENT = pause_deployment("client")

API = netexec_deployment("api") + "---\n" + http_service("api")

DEFAULT_DENY = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny}
spec: {podSelector: {}, policyTypes: [Ingress]}
"""

PROBE_LABEL = "ingressdoc.io/probe=true"


def _client_namespace(scenario: Scenario) -> str:
    """The client in a second namespace, rolled out; the Service side lives in the scenario's."""
    other = scenario.other_namespace()
    docs = rewrite_images([d for d in yaml.safe_load_all(CLIENT) if d], scenario.cluster.image)
    scenario.cluster.kubectl("apply", "-n", other, "-f", "-", input=yaml.safe_dump_all(docs))
    scenario.cluster.kubectl("rollout", "status", "deployment/client", "-n", other,
                             "--timeout=120s", timeout=150)
    return other


def reach_probe(cluster: Cluster, source: str, target: str,
                kubeconfig: Path | None = None) -> tuple[int, dict[str, Any], str]:
    argv = [sys.executable, "-m", "ingressdoc", "reach", source, target, "--probe",
            "--probe-image", cluster.image, "--timeout", "2", "-o", "json",
            "--kubeconfig", str(kubeconfig or cluster.kubeconfig)]
    if cluster.context:
        argv += ["--context", cluster.context]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=240, cwd=REPO_ROOT,
                          env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout), proc.stderr


def hop(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(h for h in doc["hops"] if h["hop"] == name)


def codes(doc: dict[str, Any]) -> list[str]:
    return [f["code"] for h in doc["hops"] for f in h["findings"]]


def probe_pods(cluster: Cluster, namespace: str) -> list[str]:
    out = cluster.kubectl("get", "pods", "-n", namespace, "-l", PROBE_LABEL, "-o", "name")
    return out.stdout.split()


def test_default_deny_not_enforced_is_idc722(scenario: Scenario) -> None:
    client_ns = _client_namespace(scenario)
    scenario.apply(API + "---" + DEFAULT_DENY)
    scenario.settle()
    code, doc, err = reach_probe(scenario.cluster, f"{client_ns}/deployment/client",
                                 f"api.{scenario.namespace}")
    described = json.dumps(doc, indent=1) + err
    assert (code, doc["verdict"]) == (1, "blocked"), described
    assert "IDC724" in codes(doc), described
    connects = hop(doc, "ingress").get("evidence", [])
    if doc["live"] == "blocked":  # a CNI that enforces NetworkPolicy (e.g. kind with Calico)
        assert "IDC722" not in codes(doc), described
        assert connects[0]["outcome"] == "TIMEOUT", described
    else:
        assert doc["live"] == "reachable", described
        assert codes(doc).count("IDC722") == 1, described
        (pod,) = connects
        assert (pod["outcome"], pod["detail"]) == ("connected", "objects: blocked (IDC724)")
        assert pod["replay"].startswith(f"kubectl run ingressdoc-probe -n {client_ns} "), described
        (by_name,) = hop(doc, "dns")["evidence"]
        assert (by_name["target"], by_name["outcome"]) == (f"api.{scenario.namespace}:80",
                                                           "connected"), described
    assert probe_pods(scenario.cluster, client_ns) == []


def test_allowed_path_agrees(scenario: Scenario) -> None:
    client_ns = _client_namespace(scenario)
    scenario.apply(API)
    scenario.settle()
    code, doc, err = reach_probe(scenario.cluster, f"{client_ns}/deployment/client",
                                 f"{scenario.namespace}/api")
    described = json.dumps(doc, indent=1) + err
    assert (code, doc["verdict"], doc["live"]) == (0, "reachable", "reachable"), described
    assert not {"IDC720", "IDC722"} & set(codes(doc)), described
    outcomes = [e["outcome"] for h in doc["hops"] for e in h.get("evidence", [])]
    assert outcomes == ["connected", "connected"], described
    assert probe_pods(scenario.cluster, client_ns) == []


def test_documented_roles_are_enough(scenario: Scenario, tmp_path: Path) -> None:
    """The reader ClusterRole and ingressdoc-reach-prober bound in the client's namespace."""

    client_ns = _client_namespace(scenario)
    scenario.apply(API)
    scenario.settle()
    roles = {d["metadata"]["name"]: d for d in yaml.safe_load_all(
        (REPO_ROOT / "deploy" / "rbac.yaml").read_text()) if d}
    reader, prober = roles["ingressdoc-reader"], roles["ingressdoc-reach-prober"]
    for role in (reader, prober):
        role["metadata"]["name"] = f"{scenario.namespace}-{role['metadata']['name']}"
    subject = [{"kind": "ServiceAccount", "name": "ingressdoc", "namespace": scenario.namespace}]
    bindings = [
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
         "metadata": {"name": reader["metadata"]["name"]}, "subjects": subject,
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                     "name": reader["metadata"]["name"]}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
         "metadata": {"name": "ingressdoc-reach-prober", "namespace": client_ns},
         "subjects": subject,
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                     "name": prober["metadata"]["name"]}},
    ]
    scenario.cluster.kubectl("create", "serviceaccount", "ingressdoc", "-n", scenario.namespace)
    scenario.apply_cluster_scoped(yaml.safe_dump_all([reader, prober, bindings[0]]))
    scenario.cluster.kubectl("apply", "-f", "-", input=yaml.safe_dump(bindings[1]))
    kubeconfig = service_account_kubeconfig(scenario.cluster, scenario.namespace, "ingressdoc",
                                             tmp_path / "sa.kubeconfig")
    code, doc, err = reach_probe(scenario.cluster, f"{client_ns}/deployment/client",
                                 f"{scenario.namespace}/api", kubeconfig=kubeconfig)
    assert (code, doc["live"]) == (0, "reachable"), json.dumps(doc, indent=1) + err
    assert probe_pods(scenario.cluster, client_ns) == []

