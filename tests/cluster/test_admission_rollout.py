"""Why a Service has no ready endpoint when the pods are refused or being replaced.

Admission: the same objects traced from manifests predict which LimitRange or ResourceQuota
refuses the pods (IDC638-IDC640); the real API server refuses them for that reason (its
message reaches the Deployment's ReplicaFailure condition, which the live trace reports as
IDC637) and the entry point answers 503. Rollout: a Deployment with strategy Recreate whose
old pod takes its time to stop leaves the Service with no ready endpoint; the live trace
names the rollout, and is clean once it is done. What the request meets meanwhile follows the
controller: ingress-nginx (and Traefik's ingress-nginx provider from 3.7.5) sends nothing to a
terminating endpoint, so the trace predicts 503 (IDC642); Traefik's ingress-nginx provider
before 3.7.5 (the built-in cluster's v3.6.12) keeps sending requests to a terminating pod that
still serves, so the trace predicts the request served by it (IDC645). Either way the probe
agrees with the prediction: no leniency (IDC781) and no unexplained answer (IDC720).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cluster_harness import (
    Scenario,
    http_ingress,
    http_service,
    netexec_deployment,
    run_trace,
    wait_until,
)
from test_outcomes import _assert_503_because, outcome
from test_probe_and_check import needs_harness, wait_entry
from test_trace_scenarios import trace

REQUIRES_CPU = """
apiVersion: v1
kind: ResourceQuota
metadata: {name: compute}
spec: {hard: {requests.cpu: "2"}}
"""
NO_PODS = """
apiVersion: v1
kind: ResourceQuota
metadata: {name: pods}
spec: {hard: {pods: "0"}}
"""
SMALL_CONTAINERS = """
apiVersion: v1
kind: LimitRange
metadata: {name: small}
spec:
  limits:
    - {type: Container, max: {cpu: 100m}}
"""
CPU_200M = '          resources: {requests: {cpu: 100m}, limits: {cpu: 200m}}\n'
ARGS = '          args: ["netexec", "--http-port=8080"]\n'


def _replica_failure(scenario: Scenario, fragment: str) -> str | None:
    deployment = scenario.cluster.get_json("deployment", "web", "-n", scenario.namespace)
    for cond in deployment.get("status", {}).get("conditions", []):
        if cond["type"] == "ReplicaFailure" and fragment in cond.get("message", ""):
            return str(cond["message"])
    return None


@pytest.mark.parametrize(("admission", "patch", "code", "fragment"), [
    (REQUIRES_CPU, "", "IDC639", "must specify requests.cpu"),
    (NO_PODS, "", "IDC640", "exceeded quota: pods"),
    (SMALL_CONTAINERS, CPU_200M, "IDC638", "maximum cpu usage per Container is 100m"),
], ids=["quota-requires-requests", "quota-exhausted", "limit-range-max"])
def test_refused_pods_predicted_from_manifests(scenario: Scenario, tmp_path: Path,
                                               admission: str, patch: str, code: str,
                                               fragment: str) -> None:
    needs_harness(scenario)
    scenario.apply(admission)
    if "ResourceQuota" in admission:  # admission refuses every pod until the quota has status
        wait_until("the quota's status", lambda: scenario.cluster.get_json(
            "resourcequota", "-n", scenario.namespace)["items"][0].get("status", {}).get("used"))
    web = netexec_deployment("web")
    assert ARGS in web
    scenario.apply(web.replace(ARGS, ARGS + patch) + "---\n" + http_service("web") + "---\n"
                   + http_ingress("web", scenario.host, "web"))
    message = wait_until(f"ReplicaFailure saying {fragment!r}",
                    lambda: _replica_failure(scenario, fragment))
    offline = run_trace(f"{scenario.host}/", "--manifests",
                        str(scenario.manifests_file(tmp_path)))
    predicted = outcome(offline)
    assert (predicted["kind"], predicted.get("status"), predicted["code"]) == (
        "upstream-error", "503", code), offline.describe()
    source = next(d for d in scenario.docs if d["kind"] in ("ResourceQuota", "LimitRange"))
    assert f"{source['kind']} {source['metadata']['name']}" in predicted["reason"]
    live = trace(scenario, f"{scenario.host}/", "--probe")
    _assert_503_because(scenario, live, "IDC637")
    assert fragment in outcome(live)["reason"] and fragment in message, live.describe()


RECREATE = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  strategy: {type: Recreate}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}, annotations: {revision: "1"}}
    spec:
      terminationGracePeriodSeconds: 60
      containers:
        - name: web
          image: agnhost
          args: ["netexec", "--http-port=8080"]
          ports: [{name: http, containerPort: 8080}]
          readinessProbe:
            httpGet: {path: /healthz, port: http}
            periodSeconds: 1
          lifecycle: {preStop: {sleep: {seconds: 40}}}
"""


def _rolled_out(scenario: Scenario) -> bool:
    pods = scenario.pods()
    return bool(pods) and all(
        not p["metadata"].get("deletionTimestamp") and any(
            c["type"] == "Ready" and c["status"] == "True"
            for c in p.get("status", {}).get("conditions", [])) for p in pods)


def test_recreate_rollout_leaves_only_terminating_endpoints(scenario: Scenario) -> None:
    needs_harness(scenario)
    scenario.apply(RECREATE + "---\n" + http_service("web") + "---\n"
                   + http_ingress("web", scenario.host, "web"))
    scenario.settle(ingress_status=True)
    assert wait_entry(scenario.host, "/", 200) == 200
    before = trace(scenario, f"{scenario.host}/", "--probe")
    assert "IDC642" not in before.codes() and before.verdict == "ok", before.describe()
    scenario.cluster.kubectl("patch", "deployment", "web", "-n", scenario.namespace,
                             "--type=merge", "-p",
                             '{"spec":{"template":{"metadata":{"annotations":{"revision":"2"}}}}}')
    wait_until("the old pod terminating", lambda: any(
        p["metadata"].get("deletionTimestamp") for p in scenario.pods()), timeout=30)
    during = trace(scenario, f"{scenario.host}/", "--probe")
    predicted = outcome(during)
    served = during.findings("IDC645")
    if served:  # the controller keeps using the terminating pod while it serves
        (rollout,) = served
        assert predicted["kind"] == "served" and "IDC642" not in during.codes(), (
            during.describe())
        expected = 200
    else:
        (rollout,) = during.findings("IDC642")
        assert (predicted["kind"], predicted.get("status"), predicted["code"]) == (
            "upstream-error", "503", "IDC642"), during.describe()
        expected = 503
    assert "strategy Recreate" in rollout["message"], during.describe()
    assert not {"IDC720", "IDC781"} & set(during.codes()), during.describe()
    assert wait_entry(scenario.host, "/", expected) == expected, during.describe()
    wait_until("the old pod gone and the new one Ready", lambda: _rolled_out(scenario), timeout=120)
    scenario.settle()
    after = trace(scenario, f"{scenario.host}/", "--probe")
    assert "IDC642" not in after.codes() and after.verdict == "ok", after.describe()
