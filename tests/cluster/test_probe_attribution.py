"""Live probes that prove the outcome: which backend answered, and no silent contradiction.

Every backend is agnhost netexec and every request asks `/hostname`: each pod answers with
its own name, so the attribution can be checked against the pod that really answered,
without any cooperation from ingressdoc's side.
"""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path
from typing import Any

import pytest
from cluster_harness import (
    Scenario,
    TraceResult,
    http_ingress,
    http_service,
    netexec_deployment,
)

PROBE = ("--probe", "--no-dns")


@pytest.fixture(autouse=True)
def harness_only(scenario: Scenario) -> None:
    if not scenario.cluster.is_harness:
        pytest.skip("the probe's entry address is known for the built-in cluster only")


def apps(*names: str) -> str:
    return "".join(netexec_deployment(n) + "---\n" + http_service(n) + "---\n" for n in names)


def hostname_apps(*names: str) -> str:
    """Backends that answer every path with their pod's name (agnhost serve-hostname)."""
    return "".join(
        netexec_deployment(n).replace('args: ["netexec", "--http-port=8080"]',
                                      'args: ["serve-hostname", "--port=8080"]')
        + "---\n" + http_service(n) + "---\n" for n in names)


def attributions(result: TraceResult) -> list[dict[str, Any]]:
    entry = next(h for h in result.hops() if h["hop"] == "entry")
    return [e for e in entry.get("evidence", []) if e["kind"] == "attribution"]


def answered_by(result: TraceResult) -> set[str | None]:
    return {e["data"]["answeredBy"] for e in attributions(result)}


def pod_of(scenario: Scenario, app: str) -> str:
    return next(p["metadata"]["name"] for p in scenario.pods()
                if p["metadata"].get("labels", {}).get("app") == app)


def body_app(scenario: Scenario, attribution: dict[str, Any]) -> str | None:
    """The app whose pod's name is the body the entry answered (by the body's SHA-256 in
    the entry's fingerprint): the truth at the moment of the probe."""
    found = re.search(r"sha256:([0-9a-f]{12})", attribution["data"]["entry"])
    assert found, attribution
    for pod in scenario.pods():
        pod_name = pod["metadata"]["name"]
        for body in (pod_name, pod_name + "\n"):
            if hashlib.sha256(body.encode()).hexdigest().startswith(found.group(1)):
                return str(pod["metadata"]["labels"]["app"])
    return None


def entry_statuses(result: TraceResult) -> set[str]:
    entry = next(h for h in result.hops() if h["hop"] == "entry")
    return {e["outcome"] for e in entry.get("evidence", []) if e["kind"] == "http"}


def test_a_catch_all_answering_a_near_miss_host_is_named(scenario: Scenario) -> None:
    """`*.app.<ns>` is one label short of the request's host; a host-less rule (under a path
    only this scenario uses) catches the request instead."""
    ns = scenario.namespace
    catch_all = f"""
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: home}}
spec:
  ingressClassName: nginx
  rules:
    - http:
        paths:
          - {{path: /{ns}, pathType: Prefix, backend: {{service: {{name: home, port: {{name: http}}}}}}}}
"""
    scenario.apply(hostname_apps("app", "home")
                   + http_ingress("app", f"*.app.{scenario.host}", "app")
                   + "---\n" + catch_all)
    scenario.settle(ingress_status=True)
    host = f"x.y.app.{scenario.host}"
    assert scenario.wait_routed(host, f"/{ns}/hostname") == 200
    result = scenario.cluster.trace(f"http://{host}/{ns}/hostname", *PROBE)
    assert answered_by(result) == {f"{ns}/home"}, result.describe()
    assert {body_app(scenario, a) for a in attributions(result)} == {"home"}, result.describe()
    assert all(e["data"]["matched"] and pod_of(scenario, "home") in e["data"]["matched"][0]
               for e in attributions(result)), result.describe()
    assert result.verdict != "ok", result.describe()


def test_a_duplicate_host_and_path_is_named_by_the_backend_that_answers(
        scenario: Scenario) -> None:
    """Two Ingresses claim the same host and path: whichever one the controller keeps, the
    attribution names the backend whose pod really answered."""
    scenario.apply(apps("old", "new"))
    scenario.apply(http_ingress("first", scenario.host, "old"))
    time.sleep(1.5)  # creationTimestamp has a resolution of one second
    scenario.apply(http_ingress("second", scenario.host, "new"))
    scenario.settle(ingress_status=True)
    assert scenario.wait_routed(scenario.host, "/hostname") == 200
    result = scenario.cluster.trace(f"http://{scenario.host}/hostname", *PROBE)
    ns = scenario.namespace
    found = attributions(result)
    assert found, result.describe()
    for attribution in found:
        really = body_app(scenario, attribution)
        assert really in ("old", "new"), result.describe()
        assert attribution["data"]["answeredBy"] == f"{ns}/{really}", result.describe()
    for wrong in result.findings("IDC780"):  # the prediction named the other one: an error
        assert wrong["object"]["name"] in ("old", "new"), result.describe()
    assert result.verdict != "ok", result.describe()


def test_a_backend_protocol_mismatch_answering_500_is_a_finding(scenario: Scenario) -> None:
    ingress = http_ingress("web", scenario.host, "web").replace(
        "metadata: {name: web}", "metadata:\n  name: web\n  annotations:\n"
        "    nginx.ingress.kubernetes.io/backend-protocol: HTTPS")
    scenario.apply(apps("web") + ingress)
    scenario.settle(ingress_status=True)
    scenario.wait_routed(scenario.host, "/hostname")
    result = scenario.cluster.trace(f"http://{scenario.host}/hostname", *PROBE)
    assert any(o.startswith("HTTP 5") for o in entry_statuses(result)), result.describe()
    assert result.verdict != "ok", result.describe()
    assert result.findings(), result.describe()
    assert {None} == answered_by(result), result.describe()  # the controller's own answer


def test_a_request_served_although_the_objects_predict_failure_is_reported(
        scenario: Scenario) -> None:
    """The Service declares its port UDP; the controller proxies TCP to the same port number
    all the same, which the objects do not allow."""
    service = http_service("web").replace("targetPort: http}", "targetPort: 8080, "
                                          "protocol: UDP}")
    scenario.apply(netexec_deployment("web") + "---\n" + service + "---\n"
                   + http_ingress("web", scenario.host, "web"))
    scenario.settle(ingress_status=True)
    if scenario.wait_routed(scenario.host, "/hostname") != 200:
        pytest.skip("this controller does not serve a UDP Service port")
    result = scenario.cluster.trace(f"http://{scenario.host}/hostname", *PROBE)
    lenient = result.findings("IDC781")
    assert lenient, result.describe()
    assert "another controller" in lenient[0]["message"], result.describe()
    assert result.verdict != "ok", result.describe()


def test_an_externalname_backend_that_works_raises_no_warning(scenario: Scenario) -> None:
    ns = scenario.namespace
    bridge = f"""
apiVersion: v1
kind: Service
metadata: {{name: bridge}}
spec:
  type: ExternalName
  externalName: web.{ns}.svc.cluster.local
  ports: [{{name: http, port: 80}}]
"""
    scenario.apply(apps("web") + bridge + "---\n" + http_ingress("web", scenario.host, "bridge"))
    scenario.settle(ingress_status=True)
    if scenario.wait_routed(scenario.host, "/hostname") != 200:
        pytest.skip("this controller does not route to ExternalName Services")
    result = scenario.cluster.trace(f"http://{scenario.host}/hostname", *PROBE)
    assert result.verdict == "ok", result.describe()
    service = next(h for h in result.hops() if h["hop"] == "service")
    assert any(e["outcome"].startswith("not probed (an ExternalName Service")
               for e in service.get("evidence", [])), result.describe()
    assert answered_by(result) == {f"{ns}/bridge"}, result.describe()


def test_a_policy_admitting_only_the_controller_raises_no_warning(scenario: Scenario) -> None:
    policy = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: only-traefik}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress:
    - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: traefik}}}]
"""
    scenario.apply(apps("web") + policy + "---\n" + http_ingress("web", scenario.host, "web"))
    scenario.settle(ingress_status=True)
    assert scenario.wait_routed(scenario.host, "/hostname") == 200
    result = scenario.cluster.trace(f"http://{scenario.host}/hostname", *PROBE)
    assert result.verdict == "ok", result.describe()
    pods = next(h for h in result.hops() if h["hop"] == "pods")
    assert any(e["target"].endswith("(port-forward)") and e["outcome"] == "HTTP 200"
               for e in pods.get("evidence", [])), result.describe()
    assert answered_by(result) == {f"{scenario.namespace}/web"}, result.describe()


def expired_pair(host: str, directory: Path) -> tuple[Path, Path]:
    """A key and a certificate for `host` that expired yesterday."""
    from datetime import datetime, timedelta, timezone

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "expired test certificate")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=2)).not_valid_after(now - timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .sign(key, hashes.SHA256()))
    key_path, crt_path = directory / "tls.key", directory / "tls.crt"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    crt_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, crt_path


def test_an_expired_certificate_served_live_is_an_error(scenario: Scenario,
                                                        tmp_path: Path) -> None:
    key, crt = expired_pair(scenario.host, tmp_path)
    scenario.cluster.kubectl("create", "secret", "tls", "web-tls", "-n", scenario.namespace,
                             f"--cert={crt}", f"--key={key}")
    ingress = http_ingress("web", scenario.host, "web").replace(
        "  rules:", f"  tls: [{{hosts: [\"{scenario.host}\"], secretName: web-tls}}]\n  rules:")
    scenario.apply(apps("web") + ingress)
    scenario.settle(ingress_status=True)
    scenario.wait_routed(scenario.host, "/hostname")
    result = scenario.cluster.trace(f"https://{scenario.host}/hostname", *PROBE)
    assert result.verdict == "fail", result.describe()
    tls = next(h for h in result.hops() if h["hop"] == "tls")
    served = [e for e in tls.get("evidence", []) if e["kind"] == "certificate"]
    assert served, result.describe()
    codes = result.codes()
    # The Secret's certificate is expired (IDC325); the served one is judged too: the same
    # certificate confirms it, any other is a live finding of its own.
    assert "IDC325" in codes, result.describe()
    detail = served[0].get("detail", "")
    assert detail == (f"expired on {time.strftime('%Y-%m-%d', time.gmtime(time.time() - 86400))}"
                      f"; the certificate of Secret {scenario.namespace}/web-tls") \
        or {"IDC721", "IDC782", "IDC784"} & codes, result.describe()


def test_a_pod_missing_a_secret_key_shows_the_reason(scenario: Scenario) -> None:
    scenario.cluster.kubectl("create", "secret", "generic", "db", "-n", scenario.namespace,
                             "--from-literal=user=cart")
    web = netexec_deployment("web").replace(
        '          ports: [{name: http, containerPort: 8080}]',
        '          ports: [{name: http, containerPort: 8080}]\n'
        '          env: [{name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db, '
        'key: password}}}]')
    scenario.apply(web + "---\n" + http_service("web") + "---\n"
                   + http_ingress("web", scenario.host, "web"))
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        states = [cs.get("state", {}).get("waiting", {}).get("reason")
                  for p in scenario.pods() for cs in p.get("status", {}).get(
                      "containerStatuses", [])]
        if "CreateContainerConfigError" in states:
            break
        time.sleep(1)
    result = scenario.cluster.trace(f"http://{scenario.host}/hostname", *PROBE)
    found = result.findings("IDC680")
    assert found, result.describe()
    assert "couldn't find key password in Secret" in found[0]["message"], result.describe()
    assert "Add key password to Secret" in found[0]["hint"], result.describe()
    assert result.verdict == "fail", result.describe()
