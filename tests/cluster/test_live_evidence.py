"""Live evidence on the real cluster: the controller's fallback certificate, and the
cross-namespace short-name mistake seen from a real client pod."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml
from cluster_harness import (
    REPO_ROOT,
    Scenario,
    http_service,
    netexec_deployment,
    pause_deployment,
    rewrite_images,
)

SERVICE = "---\n" + http_service("web")

TLS_INGRESS = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  ingressClassName: nginx
  tls: [{hosts: ["{host}"], secretName: web-tls-missing}]
  rules:
    - host: "{host}"
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}
"""

CLIENT = pause_deployment("client")


def ingressdoc(*args: str) -> tuple[int, dict[str, object]]:
    proc = subprocess.run([sys.executable, "-m", "ingressdoc", *args, "-o", "json"],
                          capture_output=True, text=True, timeout=180, cwd=REPO_ROOT,
                          env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def codes(report: dict[str, object]) -> set[str]:
    hops = report["hops"]
    assert isinstance(hops, list)
    return {f["code"] for h in hops for f in h["findings"]}


def test_tls_host_without_its_secret_gets_the_fallback_certificate(scenario: Scenario) -> None:
    if not scenario.cluster.is_harness:
        pytest.skip("the probe's entry address is known for the built-in cluster only")
    scenario.apply(netexec_deployment("web") + SERVICE + "---\n"
                   + TLS_INGRESS.replace("{host}", scenario.host))
    scenario.settle(ingress_status=True)
    code, report = ingressdoc("trace", f"https://{scenario.host}/", "--probe", "--no-dns",
                              "--kubeconfig", str(scenario.cluster.kubeconfig))
    assert code == 1, report
    found = codes(report)
    assert "IDC320" in found, report  # the objects: tls-secret-not-found
    assert "IDC721" in found, report  # the live entry: the controller's fallback certificate
    entry = next(h for h in report["hops"] if h["hop"] == "entry")  # type: ignore[union-attr]
    assert any(e["kind"] == "http" and e["replay"].startswith("curl")
               for e in entry["evidence"]), entry


def test_short_name_from_another_namespace(scenario: Scenario) -> None:
    """`web` works only inside the Service's namespace; `web.<ns>` works from anywhere."""
    scenario.apply(netexec_deployment("web") + SERVICE)
    client_ns = scenario.other_namespace()
    client = rewrite_images([yaml.safe_load(CLIENT)], scenario.cluster.image)
    scenario.cluster.kubectl("apply", "-n", client_ns, "-f", "-",
                             input=yaml.safe_dump_all(client))
    scenario.cluster.kubectl("rollout", "status", "-n", client_ns, "deploy/client",
                             "--timeout=120s")
    scenario.settle()
    kc = ("--kubeconfig", str(scenario.cluster.kubeconfig))
    code, short = ingressdoc("reach", f"{client_ns}/deployment/client", "web:80", "--probe",
                             *kc)
    assert code == 1, short
    assert "IDC710" in codes(short), short  # dns-short-name-wrong-namespace
    assert "IDC720" not in codes(short), short  # the live lookup fails too: they agree
    code, qualified = ingressdoc("reach", f"{client_ns}/deployment/client",
                                 f"web.{scenario.namespace}:80", "--probe", *kc)
    assert code == 0, qualified
    assert not {"IDC710", "IDC720"} & codes(qualified), qualified
