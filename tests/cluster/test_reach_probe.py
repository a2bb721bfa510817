"""`ingressdoc reach --probe` on a live cluster: the object verdict beside a real connection.

A client Deployment dials an agnhost netexec Service `api` (port 80 -> pod port 8080) in the
scenario's namespace, from a second namespace unless a case says otherwise. Each case adds
NetworkPolicies or an ExternalName alias, then checks the object verdict, the findings on
the deciding hop, and that the probe pod (the client's labels, in the client's namespace)
saw the same. The built-in cluster enforces NetworkPolicy with kube-router's firewall (so
does kind's kindnet); on a cluster whose CNI does not (`INGRESSDOC_TEST_NETPOL_ENFORCED=0`),
the cases that policy blocks expect the disagreement finding IDC722 instead. The probe
dials only the cluster's own addresses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from cluster_harness import (
    REPO_ROOT,
    Cluster,
    Scenario,
    http_ingress,
    http_service,
    netexec_deployment,
    pause_deployment,
    rewrite_images,
    service_account_kubeconfig,
    wait_until,
)

CLIENT = pause_deployment("client")
API = netexec_deployment("api") + "---\n" + http_service("api")
PROBE_LABEL = "ingressdoc.io/probe=true"
ENFORCED = os.environ.get("INGRESSDOC_TEST_NETPOL_ENFORCED", "1") != "0"

DEFAULT_DENY = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny}
spec: {podSelector: {}, policyTypes: [Ingress]}
"""


def _allow_from_client(namespace_labels: str, port: int) -> str:
    return DEFAULT_DENY + f"""---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: allow-from-client}}
spec:
  podSelector: {{matchLabels: {{app: api}}}}
  policyTypes: [Ingress]
  ingress:
    - from: [{{namespaceSelector: {{matchLabels: {namespace_labels}}}}}]
      ports: [{{port: {port}}}]
"""


@dataclass(frozen=True)
class Case:
    """One connection. `{server}` and `{client}` in the texts stand for the two namespaces;
    `server_policy` goes to the server's namespace, `client_objects` to the client's."""

    id: str
    target: str
    verdict: str
    codes: frozenset[str] = frozenset()
    hop: str | None = None  # where the codes are, and the root cause when blocked
    server_policy: str = ""
    client_objects: str = ""
    same_namespace: bool = False
    policy_blocks: bool = False  # only NetworkPolicy says blocked: IDC722 where unenforced


CASES = [
    Case("same-namespace-short-name", "api", "reachable", same_namespace=True),
    Case("cross-namespace-short-name-is-nxdomain", "api", "blocked", frozenset({"IDC710"}),
         "dns"),
    Case("default-deny", "api.{server}", "blocked", frozenset({"IDC724"}), "ingress",
         server_policy=DEFAULT_DENY, policy_blocks=True),
    Case("correct-namespace-selector", "api.{server}", "reachable",
         server_policy=_allow_from_client("{kubernetes.io/metadata.name: {client}}", 8080)),
    Case("incorrect-namespace-selector", "api.{server}", "blocked",
         frozenset({"IDC724", "IDC702"}), "ingress",
         server_policy=_allow_from_client("{name: {client}}", 8080), policy_blocks=True),
    Case("policy-for-the-service-port", "api.{server}:80", "blocked",
         frozenset({"IDC724", "IDC704"}), "ingress",
         server_policy=_allow_from_client("{kubernetes.io/metadata.name: {client}}", 80),
         policy_blocks=True),
    Case("dns-egress-blocked", "api.{server}", "blocked", frozenset({"IDC714"}), "dns-egress",
         client_objects="""
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny-egress}
spec: {podSelector: {}, policyTypes: [Egress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-api}
spec:
  podSelector: {matchLabels: {app: client}}
  policyTypes: [Egress]
  egress:
    - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: {server}}}}]
      ports: [{port: 8080}]
""", policy_blocks=True),
    Case("externalname-bridge", "payments:80", "reachable", frozenset({"IDC403"}), "service",
         client_objects="""
apiVersion: v1
kind: Service
metadata: {name: payments}
spec: {type: ExternalName, externalName: api.{server}.svc.cluster.local}
"""),
]


def _client_namespace(scenario: Scenario, same: bool = False) -> str:
    """The client Deployment, rolled out in a second namespace (or the scenario's own)."""
    where = scenario.namespace if same else scenario.other_namespace()
    docs = rewrite_images([d for d in yaml.safe_load_all(CLIENT) if d], scenario.cluster.image)
    scenario.cluster.kubectl("apply", "-n", where, "-f", "-", input=yaml.safe_dump_all(docs))
    scenario.cluster.kubectl("rollout", "status", "deployment/client", "-n", where,
                             "--timeout=120s", timeout=150)
    return where


def _apis(scenario: Scenario) -> list[str]:
    """The namespaces that hold a Service `api`. An earlier case's namespace is deleted
    without waiting; while it lasts, a short name `api` written in a third namespace names
    two Services, and reach has none to dial (its live verdict is then unknown)."""
    out = scenario.cluster.kubectl("get", "services", "-A", "--field-selector",
                                   "metadata.name=api", "-o",
                                   "jsonpath={.items[*].metadata.namespace}").stdout
    return out.split()


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


def codes(doc: dict[str, Any], name: str | None = None) -> set[str]:
    return {f["code"] for h in doc["hops"] if name in (None, h["hop"]) for f in h["findings"]}


def probe_pods(cluster: Cluster, namespace: str) -> list[str]:
    out = cluster.kubectl("get", "pods", "-n", namespace, "-l", PROBE_LABEL, "-o", "name")
    return out.stdout.split()


def _fill(text: str, server: str, client: str) -> str:
    return text.replace("{server}", server).replace("{client}", client)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_object_verdict_and_probe_agree(scenario: Scenario, case: Case) -> None:
    client = _client_namespace(scenario, case.same_namespace)
    server = scenario.namespace
    scenario.apply(API + "---\n" + _fill(case.server_policy, server, client))
    if case.client_objects:
        scenario.cluster.kubectl("apply", "-n", client, "-f", "-",
                                 input=_fill(case.client_objects, server, client))
    scenario.settle()
    wait_until("the Services api of earlier cases to go", lambda: _apis(scenario) == [server])
    code, doc, err = reach_probe(scenario.cluster, f"{client}/deployment/client",
                                 _fill(case.target, server, client))
    described = json.dumps(doc, indent=1) + err
    assert doc["verdict"] == case.verdict, described
    assert code == (0 if case.verdict == "reachable" else 1), described
    if case.hop is not None:
        assert case.codes <= codes(doc, case.hop), described
        if case.verdict == "blocked":
            assert doc["rootCause"]["hop"] == case.hop, described
    if case.policy_blocks and not ENFORCED:
        raised = [f["code"] for h in doc["hops"] for f in h["findings"]]
        assert (doc["live"], raised.count("IDC722")) == ("reachable", 1), described
    else:
        assert doc["live"] == case.verdict, described
        assert not {"IDC720", "IDC722"} & codes(doc), described
    assert probe_pods(scenario.cluster, client) == []


def test_denied_connection_is_refused_or_times_out(scenario: Scenario) -> None:
    """Straight to the pod under a default-deny: the probe's own outcome names the failure."""
    if not ENFORCED:
        pytest.skip("INGRESSDOC_TEST_NETPOL_ENFORCED=0: this cluster does not enforce policy")
    client = _client_namespace(scenario)
    scenario.apply(API + "---\n" + DEFAULT_DENY)
    scenario.settle()
    _, doc, err = reach_probe(scenario.cluster, f"{client}/deployment/client",
                              f"{scenario.namespace}/api")
    (pod,) = hop(doc, "ingress")["evidence"]
    assert pod["outcome"].startswith(("REFUSED", "TIMEOUT")), json.dumps(doc, indent=1) + err
    assert pod["detail"] == "objects: blocked (IDC724)"
    assert pod["replay"].startswith(f"kubectl run ingressdoc-probe -n {client} ")


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


# A host/path: the client goes to the ingress controller's Service, which is all a probe
# pod can repeat (the controller's request to the backend is not the client's).

ALLOW_ONLY_DNS = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny-egress}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - to:
        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
          podSelector: {matchLabels: {k8s-app: kube-dns}}
      ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
"""


@pytest.mark.parametrize("client_policy", ["", ALLOW_ONLY_DNS],
                         ids=["host-path-reachable", "host-path-egress-denied"])
def test_host_path_probes_the_controller_leg(scenario: Scenario, client_policy: str) -> None:
    client = _client_namespace(scenario)
    scenario.apply(API + "---\n" + http_ingress("api", scenario.host, "api"))
    if client_policy:
        scenario.cluster.kubectl("apply", "-n", client, "-f", "-", input=client_policy)
    scenario.settle()
    code, doc, err = reach_probe(scenario.cluster, f"{client}/deployment/client",
                                 f"{scenario.host}/")
    described = json.dumps(doc, indent=1) + err
    entry = hop(doc, "entry")
    (svc,) = [o for o in entry["objects"] if o["kind"] == "Service"]
    by_name = next(e for e in entry["evidence"] if e["kind"] == "connect")
    assert by_name["target"] == f"{svc['name']}.{svc['namespace']}:80", described
    assert doc["liveLeg"] == "client -> controller", described
    if not client_policy:
        assert (code, doc["verdict"], doc["live"]) == (0, "reachable", "reachable"), described
        assert by_name["outcome"] == "connected", described
        assert not {"IDC720", "IDC722"} & codes(doc), described
    else:
        assert (code, doc["verdict"]) == (1, "blocked"), described
        assert doc["rootCause"]["hop"] == "egress", described
        assert "IDC706" in codes(doc, "egress"), described
        assert by_name["detail"].startswith("objects: blocked (IDC706"), described
        if ENFORCED:
            assert doc["live"] == "blocked", described
            assert not {"IDC720", "IDC722"} & codes(doc), described
        else:
            assert (doc["live"], codes(doc, "egress") & {"IDC722"}) == ("reachable",
                                                                          {"IDC722"}), described
    assert probe_pods(scenario.cluster, client) == []
