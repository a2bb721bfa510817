"""Manifest loading, derivation of pods and EndpointSlices, Secret redaction, read plans."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import yaml
from certgen import make_cert

from ingressdoc.errors import ManifestError
from ingressdoc.request import parse_request
from ingressdoc.snapshot import KindStatus, Snapshot
from ingressdoc.snapshot.kinds import Read
from ingressdoc.snapshot.manifests import load
from ingressdoc.snapshot.saved import dump_snapshot
from ingressdoc.trace.plan import reads_for

DEPLOY = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_workload_templates_stand_in_for_pods(tmp_path: Path) -> None:
    snap = load([str(write(tmp_path, "a.yaml", DEPLOY))])
    pods = snap.list("Pod")
    assert [p["metadata"]["labels"] for p in pods] == [{"app": "web"}]
    assert snap.is_derived(pods[0])
    (slice_obj,) = snap.list("EndpointSlice")
    assert snap.is_derived(slice_obj)
    assert slice_obj["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]


def test_workloads_with_identical_template_labels_each_derive_a_pod(tmp_path: Path) -> None:
    """Only real pods stand in for a workload: another workload's derived pod does not."""
    canary = DEPLOY.split("---")[0].replace("name: web,", "name: web-canary,")
    snap = load([str(write(tmp_path, "a.yaml", DEPLOY + "---" + canary))])
    assert sorted(p["metadata"]["name"] for p in snap.list("Pod")) == [
        "web-canary-deployment-pod", "web-deployment-pod"]


def test_kind_list_json_and_directories(tmp_path: Path) -> None:
    items = list(yaml.safe_load_all(DEPLOY))
    write(tmp_path, "list.json", json.dumps({"apiVersion": "v1", "kind": "List",
                                              "items": items}))
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", "ns.yml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n")
    write(tmp_path, "README.md", "not a manifest")
    snap = load([str(tmp_path)])
    assert {k for k, v in snap.objects.items() if v} >= {"Deployment", "Service", "Namespace"}
    assert snap.origin_of(snap.list("Service")[0]) is not None


def test_origins_point_at_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", DEPLOY)
    snap = load([str(path)])
    origin = snap.origin_of(snap.list("Service")[0])
    assert origin is not None and origin.source == str(path) and origin.line == 11


def test_kinds_without_objects_are_not_loaded(tmp_path: Path) -> None:
    snap = load([str(write(tmp_path, "a.yaml", DEPLOY))])
    assert snap.status("Service") is KindStatus.LOADED
    assert snap.status("Ingress") is KindStatus.LOADED
    assert snap.status("NetworkPolicy") is KindStatus.NOT_LOADED
    assert snap.status("Secret") is KindStatus.NOT_LOADED


def test_object_without_name_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="Service without metadata\\.name"):
        load([str(write(tmp_path, "a.yaml", "apiVersion: v1\nkind: Service\nmetadata: {}\n"))])


def test_secret_data_never_survives_loading_or_saving(tmp_path: Path) -> None:
    pair = make_cert("shop.example.com", ("shop.example.com",))
    cert, key = pair.cert_pem, pair.key_pem
    secret = {
        "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
        "metadata": {"name": "tls", "namespace": "shop"},
        "data": {"tls.crt": base64.b64encode(cert).decode(),
                 "tls.key": base64.b64encode(key).decode()},
    }
    snap = load([str(write(tmp_path, "s.json", json.dumps(secret)))])
    saved = dump_snapshot(snap)
    assert base64.b64encode(key).decode()[:40] not in saved
    assert "PRIVATE KEY" not in saved
    assert all("data" not in item and "stringData" not in item
               for item in yaml.safe_load(saved)["items"])
    (redacted,) = snap.list("Secret")
    summary = redacted["ingressdocSecretSummary"]
    assert summary["dataKeys"] == ["tls.crt", "tls.key"]
    assert summary["certificate"]["sans"] == ["shop.example.com"]
    replay = load([str(write(tmp_path, "snap.yaml", saved))])
    assert replay.list("Secret") == [redacted]


def test_saved_snapshot_replays_kind_statuses(tmp_path: Path) -> None:
    snap = Snapshot(source="cluster (context kind)", live=True)
    snap.mark("NetworkPolicy", KindStatus.FORBIDDEN)
    snap.mark("Ingress", KindStatus.LOADED)
    replay = load([str(write(tmp_path, "snap.yaml", dump_snapshot(snap)))])
    assert replay.live
    assert replay.status("NetworkPolicy") is KindStatus.FORBIDDEN
    assert replay.status("Service") is KindStatus.NOT_LOADED


def _ingress(ns: str, host: str, svc: str) -> dict[str, object]:
    return {
        "kind": "Ingress", "metadata": {"name": f"ing-{ns}", "namespace": ns},
        "spec": {"rules": [{"host": host, "http": {"paths": [{
            "path": "/", "pathType": "Prefix",
            "backend": {"service": {"name": svc, "port": {"number": 80}}}}]}}]},
    }


def test_trace_plan_is_independent_of_cluster_size() -> None:
    """More namespaces and Ingresses for other hosts add no requests."""
    def plan_size(n: int) -> int:
        snap = Snapshot(live=True)
        for kind in ("Ingress", "IngressClass", "Pod", "Node", "Namespace", "Service"):
            snap.mark(kind, KindStatus.LOADED)
        for i in range(n):
            snap.add(_ingress(f"ns{i}", f"app{i}.example.com", "web"))
            snap.add({"kind": "Service", "metadata": {"name": "web", "namespace": f"ns{i}"},
                      "spec": {"selector": {"app": "web"}}})
        return len(set(reads_for(snap, parse_request("app0.example.com/"))))

    assert plan_size(5) == plan_size(500)


def test_trace_plan_scopes_reads_to_the_backend() -> None:
    snap = Snapshot(live=True)
    snap.mark("Service", KindStatus.LOADED)
    snap.add(_ingress("shop", "shop.example.com", "web"))
    snap.add({"kind": "Service", "metadata": {"name": "web", "namespace": "shop"},
              "spec": {"selector": {"app": "web"}}})
    reads = set(reads_for(snap, parse_request("shop.example.com/")))
    assert Read("Pod", "shop", label_selector="app=web") in reads
    assert Read("EndpointSlice", "shop", label_selector="kubernetes.io/service-name=web") in reads
    assert not any(r.kind == "Pod" and r.namespace is None and r.label_selector is None
                   for r in reads)


def test_a_carried_summary_never_lets_data_through(tmp_path: Path) -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "a"},
              "ingressdocSecretSummary": {"dataKeys": []},
              "data": {"password": base64.b64encode(b"hunter2").decode()},
              "stringData": {"token": "SECRETTOKEN"}}
    saved = dump_snapshot(load([str(write(tmp_path, "s.json", json.dumps(secret)))]))
    assert "aHVudGVy" not in saved and "SECRETTOKEN" not in saved
    assert "password" in saved and "token" in saved  # key names stay


def test_list_items_keep_their_own_lines(tmp_path: Path) -> None:
    text = ("apiVersion: v1\nkind: List\nitems:\n"
            "- {kind: Service, metadata: {name: a, namespace: x}}\n"
            "- kind: Service\n  metadata: {name: b, namespace: x}\n")
    snap = load([str(write(tmp_path, "l.yaml", text))])
    lines = [snap.origin_of(s).line for s in snap.list("Service")]  # type: ignore[union-attr]
    assert lines == [4, 5]


def test_trace_plan_follows_externalname_aliases_and_reads_cluster_dns() -> None:
    snap = Snapshot(live=True)
    snap.mark("Service", KindStatus.LOADED)
    snap.add(_ingress("shop", "shop.example.com", "pay"))
    snap.add({"kind": "Service", "metadata": {"name": "pay", "namespace": "shop"},
              "spec": {"type": "ExternalName",
                       "externalName": "payments-api.payments.svc.cluster.local"}})
    snap.add({"kind": "Service", "metadata": {"name": "payments-api", "namespace": "payments"},
              "spec": {"selector": {"app": "payments-api"}}})
    reads = set(reads_for(snap, parse_request("shop.example.com/")))
    assert Read("ConfigMap", "kube-system", field_selector="metadata.name=coredns") in reads
    assert Read("Service", "payments") in reads
    assert Read("Pod", "payments", label_selector="app=payments-api") in reads


def _route(ns: str, host: str, svc: str, backend_ns: str | None = None) -> dict[str, object]:
    ref: dict[str, object] = {"name": svc, "port": 80}
    if backend_ns:
        ref["namespace"] = backend_ns
    return {"kind": "HTTPRoute", "metadata": {"name": f"rt-{ns}", "namespace": ns},
            "spec": {"hostnames": [host], "parentRefs": [{"name": "gw"}],
                     "rules": [{"backendRefs": [ref]}]}}


def test_trace_plan_reads_gateway_api_kinds_and_the_routes_backends() -> None:
    snap = Snapshot(live=True)
    for kind in ("Service", "HTTPRoute"):
        snap.mark(kind, KindStatus.LOADED)
    snap.add(_route("shop", "shop.example.com", "web", backend_ns="payments"))
    snap.add(_route("other", "other.example.com", "api"))
    reads = set(reads_for(snap, parse_request("shop.example.com/")))
    for kind in ("GatewayClass", "Gateway", "HTTPRoute", "GRPCRoute", "ReferenceGrant",
                 "BackendTLSPolicy"):
        assert Read(kind) in reads
    assert Read("Service", "payments") in reads
    assert Read("Service", "other") not in reads


def test_gateway_api_kinds_are_loaded_together_and_cluster_scoped_classes(
        tmp_path: Path) -> None:
    gw = ("apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: gc}\n"
          "spec: {controllerName: example.com/gw}\n")
    snap = load([str(write(tmp_path, "gc.yaml", gw))])
    assert snap.get("GatewayClass", None, "gc") is not None
    assert all(snap.status(k) is KindStatus.LOADED for k in ("HTTPRoute", "ReferenceGrant"))
    plain = load([str(write(tmp_path, "a.yaml", DEPLOY))])
    assert plain.status("HTTPRoute") is KindStatus.NOT_LOADED


def test_trace_plan_reads_the_controller_configmap_and_referenced_middlewares() -> None:
    snap = Snapshot(live=True)
    snap.add({"kind": "Pod", "metadata": {
        "name": "ctl", "namespace": "ingress", "labels": {"app.kubernetes.io/name": "ingress-nginx"}},
        "spec": {"containers": [{"image": "registry.k8s.io/ingress-nginx/controller:v1.12.1",
                                 "args": ["--configmap=$(POD_NAMESPACE)/ctl-config"],
                                 "env": [{"name": "POD_NAMESPACE", "valueFrom": {
                                     "fieldRef": {"fieldPath": "metadata.namespace"}}}]}]}})
    ing = _ingress("shop", "shop.example.com", "web")
    ing["metadata"]["annotations"] = {
        "traefik.ingress.kubernetes.io/router.middlewares":
            "shop-strip@kubernetescrd,platform-auth@kubernetescrd"}
    snap.add(ing)
    reads = set(reads_for(snap, parse_request("shop.example.com/")))
    assert Read("ConfigMap", "ingress", field_selector="metadata.name=ctl-config") in reads
    assert {Read("Middleware", "shop"), Read("Middleware", None)} <= reads


def test_trace_plan_reads_ingressclass_params_a_class_names() -> None:
    snap = Snapshot(live=True)
    snap.add({"kind": "IngressClass", "metadata": {"name": "alb"},
              "spec": {"controller": "ingress.k8s.aws/alb", "parameters": {
                  "apiGroup": "elbv2.k8s.aws", "kind": "IngressClassParams", "name": "a"}}})
    snap.add(_ingress("shop", "shop.example.com", "web"))
    assert Read("IngressClassParams") in set(reads_for(snap, parse_request("shop.example.com/")))
