"""ingressdoc trace against live scenarios, one fresh namespace each.

Every scenario is a small web app (agnhost netexec) behind a Service and an Ingress of class
``nginx`` -- served by Traefik's ingress-nginx provider in the built-in cluster and by
ingress-nginx on kind -- with exactly one thing broken. The live trace must name that thing,
and a trace of the same objects given as ``--manifests`` must say the same about the hops
that depend on the objects alone.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from cluster_harness import (
    Scenario,
    TraceResult,
    audited_requests,
    run_trace,
    service_account_kubeconfig,
)

APP = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: web
          image: agnhost
          args: ["netexec", "--http-port=8080"]
          ports:
            - {name: http, containerPort: 8080}
          readinessProbe:
            httpGet: {path: "{readiness_path}", port: http}
            periodSeconds: 1
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: "{selector}"}
  ports:
    - {name: http, port: 80, targetPort: "{target_port}"}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  ingressClassName: "{ingress_class}"
  rules:
    - host: "{host}"
      http:
        paths:
          - path: "{path}"
            pathType: "{path_type}"
            backend:
              service: {name: "{backend}", port: {name: http}}
"""

DEFAULTS = {
    "readiness_path": "/healthz",
    "selector": "web",
    "target_port": "http",
    "ingress_class": "nginx",
    "path": "/",
    "path_type": "Prefix",
    "backend": "web",
}

# Hops decided by the objects alone; the entry point, controller and DNS hops need the
# live cluster (the controller is not part of a scenario's manifests).
STATIC_HOPS = {"rule", "tls", "service", "endpoints", "pods"}


def app(scenario: Scenario, **changes: str) -> str:
    text = APP
    for key, value in {**DEFAULTS, "host": scenario.host, **changes}.items():
        text = text.replace("{" + key + "}", value)
    return text


def trace(scenario: Scenario, target: str, *extra: str) -> TraceResult:
    # Test host names are not in any DNS; the DNS hop is covered by its own tests.
    result = scenario.cluster.trace(target, "--no-dns", *extra)
    assert result.report is not None, result.describe()
    return result


def static_codes(result: TraceResult) -> set[str]:
    return {
        f["code"] for hop in result.hops() if hop.get("hop") in STATIC_HOPS for f in hop.get("findings", [])
    }


def assert_parity(scenario: Scenario, live: TraceResult, target: str, tmp_path: Path) -> None:
    """The manifests source finds the same problems as the live cluster."""
    offline = run_trace(target, "--manifests", str(scenario.manifests_file(tmp_path)))
    assert offline.report is not None, offline.describe()
    assert static_codes(offline) == static_codes(live), (
        f"live: {sorted(static_codes(live))} manifests: {sorted(static_codes(offline))}\n"
        + offline.describe()
    )


def test_healthy_path(scenario: Scenario) -> None:
    scenario.apply(
        app(
            scenario,
        )
    )
    scenario.settle(ingress_status=True)
    result = trace(scenario, f"{scenario.host}/")
    assert result.verdict in {"ok", "warn"}, result.describe()
    assert not [f for f in result.findings() if f["severity"] == "error"], result.describe()


def test_healthy_path_probe(scenario: Scenario) -> None:
    """With --probe the request really travels entry -> controller -> Service -> Pod."""
    if not scenario.cluster.is_harness:
        pytest.skip("the probe's entry address is known for the built-in cluster only")
    scenario.apply(
        app(
            scenario,
        )
    )
    scenario.settle(ingress_status=True)
    assert scenario.wait_routed(scenario.host, "/hostname") == 200
    result = trace(scenario, f"{scenario.host}/hostname", "--probe")
    assert result.verdict in {"ok", "warn"}, result.describe()
    assert "IDC720" not in result.codes(), result.describe()  # probe-diverges


def test_selector_mismatch(scenario: Scenario) -> None:
    scenario.apply(app(scenario, selector="wbe"))
    scenario.settle()
    result = trace(scenario, f"{scenario.host}/")
    assert result.verdict == "fail", result.describe()
    assert "IDC601" in result.codes(), result.describe()  # selector-matches-no-pods
    (finding,) = result.findings("IDC601")
    assert finding["object"]["kind"] == "Service" and finding["object"]["name"] == "web"


def test_named_target_port_not_declared(scenario: Scenario) -> None:
    scenario.apply(app(scenario, target_port="web-http"))
    scenario.settle()
    result = trace(scenario, f"{scenario.host}/")
    assert result.verdict == "fail", result.describe()
    assert "IDC410" in result.codes(), result.describe()  # targetport-name-unresolved


def test_readiness_probe_fails(scenario: Scenario) -> None:
    """Pods run but never become Ready, so the EndpointSlice holds no ready endpoint."""
    scenario.apply(app(scenario, readiness_path="/echo?code=503"))
    scenario.settle()
    assert all(
        c["status"] != "True"
        for pod in scenario.pods()
        for c in pod["status"]["conditions"]
        if c["type"] == "Ready"
    )
    result = trace(scenario, f"{scenario.host}/")
    assert result.verdict == "fail", result.describe()
    assert {"IDC501", "IDC603"} & result.codes(), result.describe()  # no-ready-endpoints / pods-not-ready


def test_missing_backend_service(scenario: Scenario) -> None:
    scenario.apply(app(scenario, backend="web-v2"))
    scenario.settle()
    result = trace(scenario, f"{scenario.host}/")
    assert result.verdict == "fail", result.describe()
    assert "IDC401" in result.codes(), result.describe()  # backend-service-not-found


def test_ingress_no_controller_claims(scenario: Scenario) -> None:
    scenario.apply(app(scenario, ingress_class="no-such-class"))
    scenario.settle()
    result = trace(scenario, f"{scenario.host}/")
    assert result.verdict == "fail", result.describe()
    assert "IDC203" in result.codes(), result.describe()  # ingressclass-not-found


def _tls_app(scenario: Scenario, tmp_path: Path, secret_namespace: str) -> None:
    """The app served over TLS, its Secret web-tls created in `secret_namespace`."""
    key, crt = tmp_path / "tls.key", tmp_path / "tls.crt"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-days", "2", "-subj", "/CN=web",  # a CN has at most 64 characters
         "-addext", f"subjectAltName=DNS:{scenario.host}",
         "-keyout", str(key), "-out", str(crt)],
        check=True, capture_output=True,
    )  # fmt: skip
    scenario.cluster.kubectl(
        "create", "secret", "tls", "web-tls", "-n", secret_namespace, f"--cert={crt}",
        f"--key={key}"
    )
    scenario.apply(app(scenario))
    scenario.cluster.kubectl(
        "patch", "ingress", "web", "-n", scenario.namespace, "--type=merge",
        "-p", json.dumps({"spec": {"tls": [{"hosts": [scenario.host], "secretName": "web-tls"}]}}),
    )  # fmt: skip
    scenario.settle()


def test_tls_secret_in_other_namespace(scenario: Scenario, tmp_path: Path) -> None:
    """A live run gets Secrets by name in the Ingress's namespace only (it never lists them),
    so it says the Secret is missing there; manifests also say where it is (IDC321)."""
    _tls_app(scenario, tmp_path, scenario.other_namespace())
    result = trace(scenario, f"https://{scenario.host}/")
    assert result.verdict == "fail", result.describe()
    assert "IDC320" in result.codes(), result.describe()  # tls-secret-missing


@pytest.mark.parametrize("roles", [("ingressdoc-reader",),
                                   ("ingressdoc-reader", "ingressdoc-tls-reader")],
                         ids=["reader", "reader+tls-reader"])
def test_tls_is_checked_only_with_the_tls_reader(scenario: Scenario, tmp_path: Path,
                                                 roles: tuple[str, ...]) -> None:
    """The reader alone gives the verdict of an unrestricted run with the TLS hop not
    checked; with ingressdoc-tls-reader the TLS hop is checked."""
    _tls_app(scenario, tmp_path, scenario.namespace)
    full = trace(scenario, f"https://{scenario.host}/")
    kubeconfig = _bound(scenario, roles, tmp_path)
    result = scenario.cluster.trace(f"https://{scenario.host}/", "--no-dns",
                                    kubeconfig=kubeconfig)
    assert result.report is not None, result.describe()
    tls = next(h for h in result.hops() if h["hop"] == "tls")
    if "ingressdoc-tls-reader" in roles:
        assert tls["status"] == "ok", result.describe()
        assert result.verdict == full.verdict, result.describe()
    else:
        assert tls["status"] == "skipped", result.describe()
        assert "not checked: cannot read Secret" in tls["summary"], result.describe()
        assert result.verdict == full.verdict, result.describe() + full.describe()
        assert "IDC050" in result.codes(), result.describe()  # optional-read-not-granted
    others = [(h["hop"], h["status"]) for h in result.hops() if h["hop"] != "tls"]
    assert others == [(h["hop"], h["status"]) for h in full.hops() if h["hop"] != "tls"]
    _assert_audited_within(scenario, roles)


def _assert_audited_within(scenario: Scenario, roles: tuple[str, ...]) -> None:
    """The API server's audit log (cluster/up.sh) holds no request of the run outside
    `roles`: lists of the reader's resources, and gets of the one Secret the Ingress names.
    The one request the roles may refuse is that get, without the optional TLS reader: it is
    how the run learns that the TLS hop cannot be checked."""
    import yaml
    from cluster_harness import REPO_ROOT

    seen = audited_requests(scenario.namespace, "ingressdoc")
    if seen is None:
        pytest.skip("no audit log: the cluster was not started by cluster/up.sh")
    docs = {d["metadata"]["name"]: d for d in yaml.safe_load_all(
        (REPO_ROOT / "deploy" / "rbac.yaml").read_text()) if d}
    granted = {(verb, resource) for name in roles for rule in docs[name]["rules"]
               for resource in rule["resources"] for verb in rule["verbs"]}
    assert seen, "the run made no audited request"
    tls_get = ("get", "secrets", scenario.namespace, "web-tls")
    outside = [r for r in seen if (r[0], r[1]) not in granted and r[:4] != tls_get]
    assert not outside, outside
    assert all(r[4] == 403 for r in seen if (r[0], r[1]) not in granted), seen
    # 404: a kind whose CRD the cluster does not serve (cert-manager here), "not checked".
    assert all(r[4] < 400 or r[4] == 404 for r in seen if (r[0], r[1]) in granted), seen
    secrets = {r[:4] for r in seen if r[1] == "secrets"}
    assert secrets <= {tls_get}, secrets


def _bound(scenario: Scenario, roles: tuple[str, ...], tmp_path: Path) -> Path:
    """A kubeconfig of a service account bound to `roles` of deploy/rbac.yaml (copied under
    names of this scenario's)."""
    import yaml
    from cluster_harness import REPO_ROOT

    docs = {d["metadata"]["name"]: d for d in yaml.safe_load_all(
        (REPO_ROOT / "deploy" / "rbac.yaml").read_text()) if d}
    out: list[dict[str, object]] = []
    for name in roles:
        role = docs[name]
        role["metadata"]["name"] = f"{scenario.namespace}-{name}"
        out += [role, {
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": role["metadata"]["name"]},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                        "name": role["metadata"]["name"]},
            "subjects": [{"kind": "ServiceAccount", "name": "ingressdoc",
                          "namespace": scenario.namespace}]}]
    scenario.cluster.kubectl("create", "serviceaccount", "ingressdoc", "-n", scenario.namespace)
    scenario.apply_cluster_scoped(yaml.safe_dump_all(out))
    return service_account_kubeconfig(scenario.cluster, scenario.namespace, "ingressdoc",
                                      tmp_path / "sa.kubeconfig")


def test_exact_path_and_trailing_slash(scenario: Scenario) -> None:
    scenario.apply(app(scenario, path="/api", path_type="Exact"))
    scenario.settle()
    exact = trace(scenario, f"{scenario.host}/api")
    assert exact.verdict in {"ok", "warn"}, exact.describe()
    slash = trace(scenario, f"{scenario.host}/api/")
    assert slash.verdict == "fail", slash.describe()
    assert "IDC303" in slash.codes(), slash.describe()  # path-no-match
    assert "IDC305" in slash.codes(), slash.describe()  # exact-trailing-slash


# Parity: the same objects, read live and given as --manifests, give the same findings in the
# hops that depend on the objects alone.
PARITY = {
    "healthy": ({}, "/"),
    "selector-mismatch": ({"selector": "wbe"}, "/"),
    "named-target-port": ({"target_port": "web-http"}, "/"),
    "missing-service": ({"backend": "web-v2"}, "/"),
    "exact-trailing-slash": ({"path": "/api", "path_type": "Exact"}, "/api/"),
}
@pytest.mark.parametrize("case", list(PARITY))
def test_live_and_manifests_agree(scenario: Scenario, tmp_path: Path, case: str) -> None:
    changes, path = PARITY[case]
    scenario.apply(app(scenario, **changes))
    scenario.settle()
    target = f"{scenario.host}{path}"
    assert_parity(scenario, trace(scenario, target), target, tmp_path)


@pytest.mark.parametrize("drop_netpol", [False, True], ids=["documented-role", "without-netpol"])
def test_least_privilege(scenario: Scenario, tmp_path: Path, drop_netpol: bool) -> None:
    """deploy/rbac.yaml is enough; without NetworkPolicy access the trace says what it skipped."""
    import yaml
    from cluster_harness import REPO_ROOT

    cluster = scenario.cluster
    (role,) = [d for d in yaml.safe_load_all((REPO_ROOT / "deploy" / "rbac.yaml").read_text())
               if d and d["metadata"]["name"] == "ingressdoc-reader"]  # fmt: skip
    role["metadata"]["name"] = f"{scenario.namespace}-reader"
    if drop_netpol:
        for rule in role["rules"]:
            rule["resources"] = [r for r in rule["resources"] if r != "networkpolicies"]
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": role["metadata"]["name"]},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                    "name": role["metadata"]["name"]},
        "subjects": [{"kind": "ServiceAccount", "name": "ingressdoc",
                      "namespace": scenario.namespace}],
    }  # fmt: skip
    cluster.kubectl("create", "serviceaccount", "ingressdoc", "-n", scenario.namespace)
    scenario.apply_cluster_scoped(yaml.safe_dump_all([role, binding]))
    scenario.apply(
        app(
            scenario,
        )
    )
    scenario.settle()
    kubeconfig = service_account_kubeconfig(
        cluster, scenario.namespace, "ingressdoc", tmp_path / "sa.kubeconfig"
    )
    result = scenario.cluster.trace(f"{scenario.host}/", "--no-dns", kubeconfig=kubeconfig)
    assert result.report is not None, result.describe()
    forbidden = [f for f in result.findings("IDC002")]  # kind-forbidden
    if drop_netpol:
        assert forbidden, result.describe()
        assert any("NetworkPolicy" in f["message"] for f in forbidden), result.describe()
        assert not [f for f in result.findings() if f["severity"] == "error"], result.describe()
    else:
        assert result.verdict in {"ok", "warn"}, result.describe()
        assert not forbidden, result.describe()
