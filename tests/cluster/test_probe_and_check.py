"""`trace --probe` and `check` against live scenarios, one fresh namespace each.

The probe tests send real requests to the built-in cluster's entry point (Traefik on the
node's NodePort) and through the API server's service proxy; `--no-dns` keeps every lookup
on the machine. A NetworkPolicy that keeps Traefik out shows as a 502 the policy hop explains.
The check tests run `ingressdoc check` (on a namespace, or `-A` with a label) and read its
exit code and JUnit report; one freezes the API server mid-run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from cluster_harness import (
    HARNESS_INGRESS,
    REPO_ROOT,
    Scenario,
    TraceResult,
    harness_pid,
    http_ingress,
)
from junitparser import Failure, JUnitXml
from test_trace_scenarios import app, trace


def broken_ingress(host: str) -> str:
    """A second Ingress whose only path names a Service that does not exist (IDC401)."""
    return http_ingress("broken", host, "web-v2", "/old", port="{number: 80}")


READY_DELAY = 10


def needs_harness(scenario: Scenario) -> None:
    if not scenario.cluster.is_harness:
        pytest.skip("the probe's entry address is known for the built-in cluster only")


def entry_status(host: str, path: str) -> int:
    """The status the ingress entry point answers for HOST/PATH (0 when it does not answer)."""
    url = f"http://{HARNESS_INGRESS['address']}:{HARNESS_INGRESS['http']}{path}"
    request = urllib.request.Request(url, headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=3) as response:
            return int(response.status)
    except urllib.error.HTTPError as err:
        return err.code
    except OSError:
        return 0


def wait_entry(host: str, path: str, want: int, timeout: float = 60) -> int:
    """Poll the entry point until it answers WANT (the controller has caught up) or time is up."""
    deadline, status = time.monotonic() + timeout, 0
    while time.monotonic() < deadline:
        status = entry_status(host, path)
        if status == want:
            return status
        time.sleep(0.5)
    return status


def hop(result: TraceResult, name: str) -> dict[str, Any]:
    return next(h for h in result.hops() if h["hop"] == name)


def http_evidence(h: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in h.get("evidence") or [] if e.get("kind") == "http"]


def run_check(scenario: Scenario, *extra: str, timeout: float = 180,
              scope: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """`check` on the scenario's namespace, or on SCOPE (say `-A -l ...`) when given."""
    cluster = scenario.cluster
    argv = [sys.executable, "-m", "ingressdoc", "check", *(scope or ("-n", scenario.namespace)),
            "--kubeconfig", str(cluster.kubeconfig), *extra]  # fmt: skip
    if cluster.context:
        argv += ["--context", cluster.context]
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=REPO_ROOT,
                          env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})  # fmt: skip


def describe(proc: subprocess.CompletedProcess[str]) -> str:
    return f"$ {' '.join(proc.args)}\nexit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"


def test_probe_never_ready_pods_answer_503(scenario: Scenario) -> None:
    """Pods whose readiness probe dials a closed port: Traefik answers 503, explained by the pods."""
    needs_harness(scenario)
    manifest = app(scenario).replace("httpGet: {path: \"/healthz\", port: http}",
                                     "tcpSocket: {port: 9999}")  # fmt: skip
    assert "tcpSocket" in manifest
    scenario.apply(manifest)
    scenario.settle(ingress_status=True)
    assert all(
        c["status"] != "True"
        for pod in scenario.pods()
        for c in pod["status"]["conditions"]
        if c["type"] == "Ready"
    )
    assert wait_entry(scenario.host, "/", 503) == 503
    result = trace(scenario, f"{scenario.host}/", "--probe")
    assert result.returncode == 1 and result.verdict == "fail", result.describe()
    assert {"IDC501", "IDC603"} <= result.codes(), result.describe()

    entry = http_evidence(hop(result, "entry"))
    assert entry, result.describe()
    for evidence in entry:
        assert evidence["outcome"] == "HTTP 503", result.describe()
        assert evidence["detail"] in {"explained by IDC501", "explained by IDC603"}, result.describe()
        assert evidence["replay"].startswith("curl "), result.describe()
        assert scenario.host in evidence["replay"], result.describe()
    node = [e for e in entry if e["target"].startswith(f"{HARNESS_INGRESS['address']}:")]
    assert node and str(HARNESS_INGRESS["http"]) in node[0]["target"], result.describe()

    (proxied,) = http_evidence(hop(result, "service"))
    assert proxied["outcome"] == "HTTP 503", result.describe()
    assert proxied["replay"].startswith("kubectl get --raw "), result.describe()
    assert f"/namespaces/{scenario.namespace}/services/web:http/proxy/" in proxied["replay"]


def test_probe_unmatched_path_answers_404(scenario: Scenario) -> None:
    """An Exact /api rule and a request to /other: 404 at the entry, the rule hop fails."""
    needs_harness(scenario)
    scenario.apply(app(scenario, path="/api", path_type="Exact"))
    scenario.settle(ingress_status=True)
    assert wait_entry(scenario.host, "/api", 200) == 200
    assert entry_status(scenario.host, "/other") == 404
    result = trace(scenario, f"{scenario.host}/other", "--probe")
    assert result.returncode == 1 and result.verdict == "fail", result.describe()

    entry = http_evidence(hop(result, "entry"))
    assert entry, result.describe()
    for evidence in entry:
        assert evidence["outcome"] == "HTTP 404", result.describe()
        assert evidence["detail"] == "explained by IDC303", result.describe()
        assert evidence["replay"].endswith("/other"), result.describe()

    rule = hop(result, "rule")
    assert rule["status"] == "fail", result.describe()
    assert [f["code"] for f in rule["findings"]] == ["IDC303"], result.describe()  # path-no-match
    # No backend was chosen, so nothing is sent through the service proxy.
    for name in ("service", "endpoints", "pods"):
        assert hop(result, name)["status"] == "skipped", result.describe()
    assert not http_evidence(hop(result, "service")), result.describe()


def test_probe_policy_keeping_the_controller_out_answers_502(scenario: Scenario) -> None:
    """An ingress policy that admits only the scenario's own namespace: Traefik's connection
    to the pods is refused (the cluster enforces NetworkPolicy), so the entry answers 502,
    which the NetworkPolicy hop's IDC701 explains."""
    needs_harness(scenario)
    scenario.apply(app(scenario) + """---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: same-namespace-only}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress: [{from: [{podSelector: {}}]}]
""")
    scenario.settle(ingress_status=True)
    assert wait_entry(scenario.host, "/", 502) == 502
    result = trace(scenario, f"{scenario.host}/", "--probe")
    assert result.returncode == 1 and result.verdict == "fail", result.describe()
    netpol = hop(result, "netpol")
    assert netpol["status"] == "fail", result.describe()
    assert "IDC701" in {f["code"] for f in netpol["findings"]}, result.describe()
    assert "IDC720" not in result.codes(), result.describe()
    entry = http_evidence(hop(result, "entry"))
    assert entry, result.describe()
    for evidence in entry:
        assert evidence["outcome"] == "HTTP 502", result.describe()
        assert evidence["detail"] == "explained by IDC701", result.describe()


def test_check_junit_reports_exactly_the_broken_path(scenario: Scenario, tmp_path: Path) -> None:
    """`check -A` over two namespaces, one healthy Ingress and one broken; the label keeps
    other tests' leftovers out of the run without narrowing it to a namespace."""
    other = scenario.other_namespace()
    scenario.apply(app(scenario))
    broken = broken_ingress(f"b-{scenario.host}")
    scenario.cluster.kubectl("apply", "-n", other, "-f", "-", input=broken)
    label = f"ingressdoc.io/test={scenario.namespace}"
    for ns, ingress in ((scenario.namespace, "web"), (other, "broken")):
        scenario.cluster.kubectl("label", "ingress", ingress, "-n", ns, label)
    scenario.settle()
    report = tmp_path / "check.xml"
    everywhere = ("-A", "-l", label)
    proc = run_check(scenario, "-o", "junit", "--output-file", str(report), scope=everywhere)
    assert proc.returncode == 1, describe(proc)

    cases = [case for suite in JUnitXml.fromfile(str(report)) for case in suite]
    assert len(cases) == 2, report.read_text()
    failing = {}
    for case in cases:
        failures = [r for r in case.result if isinstance(r, Failure)]
        if failures:
            failing[(case.classname, case.name)] = [f.type for f in failures]
    assert failing == {
        (f"{other}/broken", f"b-{scenario.host}/old (Prefix)"): ["IDC401"],
    }, report.read_text()

    ignored = run_check(scenario, "--ignore", f"IDC401={other}/*", scope=everywhere)
    assert ignored.returncode == 0, describe(ignored)


def test_check_wait_until_ready(scenario: Scenario) -> None:
    """`--wait` re-checks until the pods turn Ready READY_DELAY seconds after they start."""
    manifest = app(scenario).replace(
        "periodSeconds: 1", f"periodSeconds: 1\n            initialDelaySeconds: {READY_DELAY}"
    )
    assert "initialDelaySeconds" in manifest
    scenario.apply(manifest)
    started = time.monotonic()
    proc = run_check(scenario, "--wait", "90s")
    took = time.monotonic() - started
    assert proc.returncode == 0, describe(proc)
    assert took > READY_DELAY, describe(proc)
    assert took < 120, describe(proc)


def test_check_api_server_going_away_mid_run(scenario: Scenario) -> None:
    """The API server stops answering while `check --wait` re-checks a broken path: one line
    on stderr, exit 4, no traceback. Built-in cluster only: the test freezes its apiserver
    (SIGSTOP) for a few seconds and always lets it go on (SIGCONT)."""
    needs_harness(scenario)
    scenario.apply(broken_ingress(f"b-{scenario.host}"))
    scenario.settle()
    cluster = scenario.cluster
    argv = [sys.executable, "-m", "ingressdoc", "check", "-n", scenario.namespace, "--wait", "60s",
            "--request-timeout", "1", "--kubeconfig", str(cluster.kubeconfig)]  # fmt: skip
    check = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             cwd=REPO_ROOT, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    apiserver = harness_pid("kube-apiserver")
    try:
        time.sleep(4)  # a few rounds of --wait have read the cluster and found IDC401
        assert check.poll() is None, "check ended before the API server went away"
        os.kill(apiserver, signal.SIGSTOP)
        out, err = check.communicate(timeout=45)
    finally:
        os.kill(apiserver, signal.SIGCONT)
        if check.poll() is None:
            check.kill()
    assert check.returncode == 4, f"exit {check.returncode}\n{out}\n{err}"
    assert "Traceback" not in err, err
    # --wait's progress lines, then the error as the last and only `ingressdoc:` line.
    lines = err.strip().splitlines()
    assert lines[0].startswith("waiting: 1 of 1 requests failing (IDC401)"), err
    assert [line for line in lines if line.startswith("ingressdoc:")] == [lines[-1]], err
    assert lines[-1].startswith("ingressdoc: error: cannot reach API server https://"), err
    assert lines[-1].endswith("timed out"), err
    cluster.kubectl("get", "--raw", "/readyz")  # and the cluster goes on
