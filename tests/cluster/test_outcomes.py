"""The predicted outcome against what the entry point really answers.

Each backend is agnhost netexec, whose /hostname answers the name of the pod that served the
request: the test asks the entry point (Traefik's ingress-nginx provider on the built-in
cluster's NodePort) and compares the pod's name with the backend the trace's outcome names.
Pods that can never start are checked against the 503 the entry answers and the cause the
trace names. One fresh namespace per test; the host-less rule of the catch-all test matches
only /hostname, and any host's own rule for that path outranks it.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from typing import Any

from cluster_harness import (
    HARNESS_INGRESS,
    Scenario,
    TraceResult,
    http_ingress,
    http_service,
    netexec_deployment,
)
from test_probe_and_check import needs_harness, wait_entry
from test_trace_scenarios import trace


def ask(host: str, path: str) -> tuple[int, str]:
    """Status and body the entry point answers for HOST/PATH (0 when it does not answer)."""
    url = f"http://{HARNESS_INGRESS['address']}:{HARNESS_INGRESS['http']}{path}"
    request = urllib.request.Request(url, headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=3) as response:
            return int(response.status), response.read().decode(errors="replace").strip()
    except urllib.error.HTTPError as err:
        return err.code, ""
    except OSError:
        return 0, ""


def answering_pods(host: str, path: str, tries: int = 6, timeout: float = 60) -> set[str]:
    """The pods that answer HOST/PATH over TRIES requests, once the route answers 200."""
    deadline = time.monotonic() + timeout
    while ask(host, path)[0] != 200 and time.monotonic() < deadline:
        time.sleep(0.5)
    return {ask(host, path)[1] for _ in range(tries)}


def outcome(result: TraceResult) -> dict[str, Any]:
    assert result.report is not None, result.describe()
    found = result.report.get("outcome")
    assert found, result.describe()
    return dict(found)


def backends(scenario: Scenario, *names: str) -> None:
    scenario.apply("\n---\n".join(f"{netexec_deployment(n)}\n---\n{http_service(n)}"
                                  for n in names))


def test_catch_all_answers_a_wildcard_near_miss(scenario: Scenario) -> None:
    """*.HOST covers one label; deep.sub.HOST falls to the host-less rule, as predicted."""
    needs_harness(scenario)
    backends(scenario, "meant", "catchall")
    scenario.apply(http_ingress("wild", f"*.{scenario.host}", "meant", "/hostname")
                   + "---\n" + http_ingress("catchall", None, "catchall", "/hostname"))
    scenario.settle(ingress_status=True)
    host = f"deep.sub.{scenario.host}"
    result = trace(scenario, f"{host}/hostname", "--probe")
    predicted = outcome(result)
    assert predicted["kind"] == "served", result.describe()
    assert predicted["backend"] == f"Service {scenario.namespace}/catchall:http", result.describe()
    assert "*." in predicted["meant"], result.describe()
    # Another backend than the rule written for the host answers: never OK.
    assert "IDC330" in result.codes() and result.verdict == "fail", result.describe()
    pods = answering_pods(host, "/hostname")
    assert pods and all(p.startswith("catchall-") for p in pods), pods


def test_duplicate_host_path_the_predicted_winner_answers(scenario: Scenario) -> None:
    """Two Ingresses for one host and path: the one the trace predicts is the one that answers.
    Where Traefik runs the class, equal-priority routers have no defined order: the trace
    says so, and whichever answers must be one of the two it names."""
    needs_harness(scenario)
    backends(scenario, "older", "newer")
    scenario.apply(http_ingress("first", scenario.host, "older", "/hostname"))
    time.sleep(1.5)  # creationTimestamp has a resolution of one second
    scenario.apply(http_ingress("second", scenario.host, "newer", "/hostname"))
    scenario.settle(ingress_status=True)
    result = trace(scenario, f"{scenario.host}/hostname", "--probe")
    predicted = outcome(result)
    assert predicted["kind"] == "served", result.describe()
    (duplicate,) = result.findings("IDC331")
    assert result.verdict == "fail", result.describe()  # one of the two rules is never served
    winner = predicted["backend"].split("/")[1].split(":")[0]
    assert winner == "older", result.describe()
    pods = answering_pods(scenario.host, "/hostname")
    answered = {p.split("-")[0] for p in pods}
    if "does not define" in duplicate["message"]:  # no fixed winner: either may answer
        assert answered <= {"older", "newer"}, (pods, result.describe())
    else:
        assert answered == {winner}, (pods, result.describe())


def test_replicas_zero_answers_503_explained_by_the_workload(scenario: Scenario) -> None:
    needs_harness(scenario)
    scenario.apply(netexec_deployment("web", replicas=0) + "---\n" + http_service("web")
                   + "---\n" + http_ingress("web", scenario.host, "web"))
    scenario.settle(ingress_status=True)
    _assert_503_because(scenario, trace(scenario, f"{scenario.host}/", "--probe"), "IDC630")


def _pending(scenario: Scenario, pod_patch: str = "", container_patch: str = "",
             extra: str = "") -> TraceResult:
    """A web Deployment whose pod stays Pending, its Service and Ingress; then the trace."""
    manifest = netexec_deployment("web", pod=pod_patch, container=container_patch)
    scenario.apply(manifest + "---\n" + http_service("web") + "---\n"
                   + http_ingress("web", scenario.host, "web") + extra)
    deadline = time.monotonic() + 60
    while not scenario.pods() and time.monotonic() < deadline:
        time.sleep(0.5)
    scenario.wait_ingress_status(deadline)
    time.sleep(2)  # the scheduler has tried
    (pod,) = scenario.pods()
    assert pod["status"]["phase"] == "Pending" and not pod["spec"].get("nodeName"), pod["status"]
    return trace(scenario, f"{scenario.host}/", "--probe")


def _assert_503_because(scenario: Scenario, result: TraceResult, code: str) -> None:
    predicted = outcome(result)
    assert (predicted["kind"], predicted.get("status")) == ("upstream-error", "503"), \
        result.describe()
    assert predicted["code"] == code and result.verdict == "fail", result.describe()
    assert wait_entry(scenario.host, "/", 503) == 503


def test_claim_with_a_missing_storage_class_is_pending(scenario: Scenario) -> None:
    needs_harness(scenario)
    claim = f"""
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {{name: data}}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: missing-{scenario.namespace}
  resources: {{requests: {{storage: 1Gi}}}}
"""
    volumes = "      volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]\n"
    _assert_503_because(scenario, _pending(scenario, pod_patch=volumes, extra=claim), "IDC635")


def test_requests_larger_than_any_node_are_pending(scenario: Scenario) -> None:
    needs_harness(scenario)
    requests = '          resources: {requests: {cpu: "1000"}}\n'
    _assert_503_because(scenario, _pending(scenario, container_patch=requests), "IDC631")
