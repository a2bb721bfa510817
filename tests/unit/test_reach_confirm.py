"""`reach --probe` without a cluster: the probe pod manifest, the pure comparison of live
connects with the object verdict, and the pod's life cycle against a fake API."""

from __future__ import annotations

import shlex
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from ingressdoc.hops.model import Hop, Verdict
from ingressdoc.probe.pod import (
    NEVER_READY,
    PROBE_LABEL,
    SETTLE_SECONDS,
    probe_manifest,
    replay_line,
    run_probe_pod,
)
from ingressdoc.reach.confirm import ConnectCheck, Observation, confirm, plan
from ingressdoc.reach.engine import reach
from ingressdoc.reach.model import ReachResult
from ingressdoc.reach.parse import parse_client, parse_target
from ingressdoc.snapshot.live import LiveSource
from ingressdoc.snapshot.manifests import ManifestSource

CLIENT_POD: dict[str, Any] = {
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "web-7d9f-abcde", "namespace": "shop", "uid": "u-1",
                 "labels": {"app": "web", "tier": "front", "pod-template-hash": "7d9f"}},
    "spec": {"nodeName": "node-1", "dnsConfig": {"options": [{"name": "ndots", "value": "2"},
                                                             {"name": "timeout", "value": "9"}]},
             "containers": [{"name": "web", "image": "example/web:1"}]},
    "status": {"phase": "Running", "podIP": "10.244.0.5",
               "conditions": [{"type": "Ready", "status": "True"}]},
}


def _cluster(*extra: str) -> str:
    """A live-looking cluster: a web pod in shop, payments-api's pod Ready with an address."""
    base = [
        {"apiVersion": "v1", "kind": "Namespace",
         "metadata": {"name": ns, "labels": {"kubernetes.io/metadata.name": ns}}}
        for ns in ("shop", "payments")
    ] + [CLIENT_POD, {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "payments-api-0", "namespace": "payments", "uid": "u-2",
                     "labels": {"app": "payments-api"}},
        "spec": {"nodeName": "node-1", "containers": [{
            "name": "api", "image": "example/api:1",
            "ports": [{"name": "http", "containerPort": 8080}]}]},
        "status": {"phase": "Running", "podIP": "10.244.0.9",
                   "conditions": [{"type": "Ready", "status": "True"}]},
    }, {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "payments-api", "namespace": "payments"},
        "spec": {"selector": {"app": "payments-api"}, "clusterIP": "10.96.0.50",
                 "ports": [{"name": "http", "port": 80, "targetPort": "http"}]},
    }, {
        "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
        "metadata": {"name": "payments-api-1", "namespace": "payments",
                     "labels": {"kubernetes.io/service-name": "payments-api"}},
        "addressType": "IPv4", "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
        "endpoints": [{"addresses": ["10.244.0.9"], "conditions": {"ready": True},
                       "targetRef": {"kind": "Pod", "name": "payments-api-0"}}],
    }, {  # selects no pod of the path: only so that policies count as read
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "batch-only", "namespace": "shop"},
        "spec": {"podSelector": {"matchLabels": {"app": "batch"}}, "policyTypes": ["Egress"]},
    }]
    return yaml.safe_dump_all(base) + "".join(f"---\n{e}" for e in extra)


DEFAULT_DENY = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: payments}
spec: {podSelector: {}, policyTypes: [Ingress]}
"""


def walk(tmp_path: Path, target: str, *extra: str) -> ReachResult:
    path = tmp_path / "cluster.yaml"
    path.write_text(_cluster(*extra))
    snap = ManifestSource([str(path)]).read(None)
    return reach(snap, parse_client("shop/web-7d9f-abcde"), parse_target(target))


def ran(check: ConnectCheck, exit_code: int | None, log: str = "",
        problem: str | None = None) -> Observation:
    return Observation(check, exit_code, log, f"kubectl run ... {check.host}", problem)


def checks(result: ReachResult) -> dict[str, ConnectCheck]:
    return {c.check: c for c in plan(result).checks}


def hop(result: ReachResult, name: str) -> Hop:
    return next(h for h in result.hops if h.hop == name)


# The probe pod


def manifest(**kw: Any) -> dict[str, Any]:
    return probe_manifest(kw.pop("pod", CLIENT_POD), "agnhost:test",
                          {"connect-pod": ["connect", "10.244.0.9:8080", "--timeout=3s"]},
                          deadline=150, dns_timeout=2.5, **kw)


def test_probe_pod_looks_like_the_client_to_network_policies() -> None:
    pod = manifest()
    assert pod["metadata"]["namespace"] == "shop"
    assert pod["metadata"]["generateName"] == "ingressdoc-probe-"
    # Same labels, so policies select it alike, less the one its ReplicaSet claims pods by.
    assert pod["metadata"]["labels"] == {"app": "web", "tier": "front", PROBE_LABEL: "true"}
    assert pod["spec"]["nodeName"] == "node-1"


def test_probe_pod_never_serves_holds_no_token_and_ends() -> None:
    spec = manifest()["spec"]
    assert spec["readinessGates"] == [{"conditionType": NEVER_READY}]
    assert spec["automountServiceAccountToken"] is False
    assert spec["restartPolicy"] == "Never"
    assert spec["activeDeadlineSeconds"] == 150 + SETTLE_SECONDS
    (settle,) = spec["initContainers"]  # policy controllers learn the probe's address first
    assert settle["args"] == ["logs-generator", "--log-lines-total=1",
                              f"--run-duration={SETTLE_SECONDS}s"]
    (box,) = spec["containers"]
    assert (box["name"], box["image"]) == ("connect-pod", "agnhost:test")
    assert box["args"] == ["connect", "10.244.0.9:8080", "--timeout=3s"]
    assert box["securityContext"]["allowPrivilegeEscalation"] is False
    assert spec["securityContext"]["runAsNonRoot"] is True


def test_probe_pod_is_owned_by_the_client_pod_so_no_controller_adopts_it() -> None:
    (owner,) = manifest()["metadata"]["ownerReferences"]
    assert owner == {"apiVersion": "v1", "kind": "Pod", "name": "web-7d9f-abcde", "uid": "u-1",
                     "controller": True}
    unsaved = {**CLIENT_POD, "metadata": {**CLIENT_POD["metadata"], "uid": None}}
    assert "ownerReferences" not in manifest(pod=unsaved)["metadata"]


def test_probe_pod_resolves_like_the_client_within_the_timeout() -> None:
    spec = manifest()["spec"]
    assert spec["dnsPolicy"] == "ClusterFirst"
    assert spec["dnsConfig"]["options"] == [
        {"name": "ndots", "value": "2"}, {"name": "timeout", "value": "3"},
        {"name": "attempts", "value": "1"}]


def test_replay_line_repeats_the_check() -> None:
    line = replay_line(manifest(), "connect-pod")
    argv = shlex.split(line)
    assert argv[:5] == ["kubectl", "run", "ingressdoc-probe", "-n", "shop"]
    assert f"--labels=app=web,tier=front,{PROBE_LABEL}=true" in argv
    assert '--overrides={"spec":{"nodeName":"node-1"}}' in argv
    assert argv[argv.index("--"):] == ["--", "connect", "10.244.0.9:8080", "--timeout=3s"]


# What to dial


def test_plan_dials_the_judged_pod_and_the_name_as_written(tmp_path: Path) -> None:
    result = walk(tmp_path, "payments-api.payments")
    assert result.dial is not None and result.dial.client_pod["metadata"]["uid"] == "u-1"
    found = checks(result)
    assert (found["pod"].hop, found["pod"].host, found["pod"].port) == ("ingress", "10.244.0.9",
                                                                        8080)
    assert found["pod"].target == "payments/payments-api-0 10.244.0.9:8080"
    assert (found["name"].hop, found["name"].host, found["name"].port) == (
        "dns", "payments-api.payments", 80)
    assert found["name"].args(2.5) == ["connect", "payments-api.payments:80", "--timeout=2.5s"]


def test_plan_skips_what_a_probe_pod_cannot_repeat(tmp_path: Path) -> None:
    host_net = {**CLIENT_POD, "spec": {**CLIENT_POD["spec"], "hostNetwork": True}}
    result = walk(tmp_path, "payments-api.payments")
    assert result.dial is not None
    skipped = plan(replace(result, dial=replace(result.dial, client_pod=host_net)))
    assert skipped.checks == ()
    assert "host network" in skipped.unchecked[0].reason
    no_dest = plan(replace(result, dial=replace(result.dial, destinations=())))
    assert [c.check for c in no_dest.checks] == ["name"]
    out = confirm(result, [], no_dest.unchecked)
    assert [e.outcome for e in out.hops[-1].evidence] == [
        "not checked: no ready destination pod with an address"]


def test_a_port_the_service_does_not_serve_is_dialled_all_the_same(tmp_path: Path) -> None:
    result = walk(tmp_path, "payments-api.payments:8443")
    assert result.verdict.value != "reachable"
    found = checks(result)
    assert list(found) == ["name"]
    assert found["name"].args(2.5) == ["connect", "payments-api.payments:8443", "--timeout=2.5s"]
    out = confirm(result, [ran(found["name"], 1, "REFUSED\n")])
    assert "IDC720" not in {f.code for f in out.findings}


# Agnhost's answers


@pytest.mark.parametrize(("code", "log", "connected", "outcome"), [
    (0, "", True, "connected"),
    (1, "TIMEOUT\n", False, "TIMEOUT"),
    (1, "REFUSED\n", False, "REFUSED"),
    (1, "DNS: lookup x on 10.96.0.10:53: no such host\n", False,
     "DNS: lookup x on 10.96.0.10:53: no such host"),
    (1, "OTHER: dial tcp: connect: no route to host\n", False,
     "OTHER: dial tcp: connect: no route to host"),
    (1, 'Error: unknown command "connect" for "agnhost"\n', None,
     'inconclusive: Error: unknown command "connect" for "agnhost"'),
    (None, "", None, "not checked: image pull failed"),
])
def test_agnhost_outcomes(tmp_path: Path, code: int | None, log: str, connected: bool | None,
                          outcome: str) -> None:
    check = checks(walk(tmp_path, "payments-api.payments"))["pod"]
    seen = ran(check, code, log, problem="image pull failed")
    assert (seen.connected, seen.outcome) == (connected, outcome)


# The comparison


def test_connected_through_a_denying_policy_is_not_enforced(tmp_path: Path) -> None:
    result = walk(tmp_path, "payments-api.payments", DEFAULT_DENY)
    assert result.verdict is Verdict.BLOCKED
    found = checks(result)
    out = confirm(result, [ran(found["pod"], 0), ran(found["name"], 0)])
    assert out.verdict is Verdict.BLOCKED  # the object verdict stands, side by side
    assert out.live is Verdict.REACHABLE
    assert [f.code for f in out.findings] == ["IDC724", "IDC722"]  # raised once for two checks
    ingress = hop(out, "ingress")
    (ev,) = ingress.evidence
    assert (ev.kind, ev.outcome, ev.detail) == ("connect", "connected", "objects: blocked (IDC724)")
    assert ev.replay == "kubectl run ... 10.244.0.9"
    not_enforced = ingress.findings[-1]
    assert str(not_enforced.object) == "NetworkPolicy payments/default-deny"
    assert "does not enforce NetworkPolicy" in not_enforced.message


def test_refused_where_objects_say_reachable_diverges(tmp_path: Path) -> None:
    result = walk(tmp_path, "payments-api.payments")
    assert result.verdict is Verdict.REACHABLE
    found = checks(result)
    out = confirm(result, [ran(found["pod"], 1, "TIMEOUT\n"), ran(found["name"], 1, "TIMEOUT")])
    assert [f.code for f in out.findings] == ["IDC720"]
    ingress = hop(out, "ingress")
    assert ingress.findings[0].message.startswith(
        "payments/payments-api-0 10.244.0.9:8080 from a probe pod with the client's labels: "
        "TIMEOUT")
    assert (out.verdict, out.live) == (Verdict.REACHABLE, Verdict.BLOCKED)


def test_agreement_is_evidence_only(tmp_path: Path) -> None:
    blocked = walk(tmp_path, "payments-api.payments", DEFAULT_DENY)
    found = checks(blocked)
    out = confirm(blocked, [ran(found["pod"], 1, "TIMEOUT"), ran(found["name"], 1, "TIMEOUT")])
    assert [f.code for f in out.findings] == ["IDC724"]
    assert out.live is Verdict.BLOCKED
    reachable = walk(tmp_path, "payments-api.payments")
    found = checks(reachable)
    out = confirm(reachable, [ran(found["pod"], 0), ran(found["name"], 0)])
    assert out.findings == ()
    assert [h.status for h in out.hops] == [h.status for h in reachable.hops]
    dns = hop(out, "dns")
    assert [(e.target, e.outcome, e.detail) for e in dns.evidence] == [
        ("payments-api.payments:80", "connected", "objects: reachable")]


def test_a_name_that_resolves_against_the_objects_is_not_a_policy_matter(tmp_path: Path) -> None:
    """The short name from another namespace is NXDOMAIN by the objects: connecting by it
    contradicts the name hop, not a policy."""
    result = walk(tmp_path, "payments-api:80")
    assert [f.code for f in result.findings] == ["IDC710"]
    out = confirm(result, [ran(checks(result)["name"], 0)])
    (diverged,) = [f for f in out.findings if f.code != "IDC710"]
    assert diverged.code == "IDC720"
    assert [h.hop for h in out.hops if diverged in h.findings] == ["dns"]


def test_a_probe_that_did_not_run_says_nothing(tmp_path: Path) -> None:
    result = walk(tmp_path, "payments-api.payments", DEFAULT_DENY)
    found = checks(result)
    out = confirm(result, [ran(c, None, problem="the probe pod cannot start (ErrImagePull)")
                           for c in found.values()])
    assert [f.code for f in out.findings] == ["IDC724"]
    assert out.live is Verdict.UNKNOWN


# A host/path: only the client -> controller leg is probed

CONTROLLER = """
apiVersion: v1
kind: Namespace
metadata: {name: ingress-nginx, labels: {kubernetes.io/metadata.name: ingress-nginx}}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: v1
kind: Pod
metadata:
  name: ingress-nginx-controller-0
  namespace: ingress-nginx
  uid: u-3
  labels: {app.kubernetes.io/name: ingress-nginx}
spec:
  nodeName: node-1
  containers:
    - name: controller
      image: registry.k8s.io/ingress-nginx/controller:v1.11.2
      args: [/nginx-ingress-controller]
      ports: [{name: http, containerPort: 8080}]
status:
  phase: Running
  podIP: 10.244.0.7
  conditions: [{type: Ready, status: "True"}]
---
apiVersion: v1
kind: Service
metadata: {name: ingress-nginx-controller, namespace: ingress-nginx}
spec:
  type: LoadBalancer
  selector: {app.kubernetes.io/name: ingress-nginx}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: storefront, namespace: payments}
spec:
  ingressClassName: nginx
  rules:
    - host: shop.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend: {service: {name: payments-api, port: {name: http}}}
"""

CONTROLLER_DENY = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: ingress-nginx}
spec: {podSelector: {}, policyTypes: [Ingress]}
"""

LEG = ("client", "dns-egress", "entry", "egress", "ingress")


def test_plan_for_a_host_dials_the_controller_service_and_a_controller_pod(
        tmp_path: Path) -> None:
    result = walk(tmp_path, "shop.example.com/", CONTROLLER)
    assert result.verdict is Verdict.REACHABLE
    found = checks(result)
    name, pod = found["name"], found["pod"]
    assert (name.hop, name.host, name.port) == ("entry", "ingress-nginx-controller.ingress-nginx",
                                                80)
    assert str(name.subject) == "Service ingress-nginx/ingress-nginx-controller"
    assert name.crosses == LEG  # not the rule, the backend Service, its pods, their policy
    assert (pod.hop, pod.host, pod.port, pod.crosses) == ("ingress", "10.244.0.7", 8080,
                                                          ("egress", "ingress"))
    assert pod.target == "ingress-nginx/ingress-nginx-controller-0 10.244.0.7:8080"


def test_a_healthy_leg_is_not_judged_by_a_broken_backend(tmp_path: Path) -> None:
    """payments denies the controller: the object verdict is blocked at the backend's policy,
    but the probe's connection to the controller agrees with the leg's hops."""
    from ingressdoc.render.reach import reach_document, render_reach
    from ingressdoc.render.table import Style

    result = walk(tmp_path, "shop.example.com/", CONTROLLER, DEFAULT_DENY)
    assert result.verdict is Verdict.BLOCKED
    assert hop(result, "netpol").findings[0].code == "IDC701"
    found = checks(result)
    out = confirm(result, [ran(found["pod"], 0), ran(found["name"], 0)])
    assert [f.code for f in out.findings] == ["IDC701"]  # no IDC720/IDC722
    assert (out.verdict, out.live, out.live_leg) == (Verdict.BLOCKED, Verdict.REACHABLE,
                                                     "client -> controller")
    (ev,) = hop(out, "entry").evidence
    assert (ev.target, ev.outcome, ev.detail) == (
        "ingress-nginx-controller.ingress-nginx:80", "connected", "objects: reachable")
    doc = reach_document(out)
    assert (doc["verdict"], doc["live"], doc["liveLeg"]) == ("blocked", "reachable",
                                                             "client -> controller")
    text = render_reach(out, Style(color=False, unicode=True))
    assert ("Verdict: BLOCKED\nLive:    REACHABLE (the probe pod connected), client -> "
            "controller leg only\n") in text


def test_a_leg_blocked_by_policy_that_connects_is_not_enforced(tmp_path: Path) -> None:
    result = walk(tmp_path, "shop.example.com/", CONTROLLER, CONTROLLER_DENY)
    assert (result.verdict, hop(result, "ingress").findings[0].code) == (Verdict.BLOCKED,
                                                                         "IDC724")
    found = checks(result)
    out = confirm(result, [ran(found["pod"], 0), ran(found["name"], 0)])
    assert [f.code for f in out.findings] == ["IDC724", "IDC722"]
    not_enforced = hop(out, "ingress").findings[-1]
    assert str(not_enforced.object) == "NetworkPolicy ingress-nginx/default-deny"
    assert out.live is Verdict.REACHABLE


def test_a_leg_that_fails_where_its_hops_pass_diverges_on_the_entry(tmp_path: Path) -> None:
    result = walk(tmp_path, "shop.example.com/", CONTROLLER, DEFAULT_DENY)
    found = checks(result)
    out = confirm(result, [ran(found["pod"], 0), ran(found["name"], 1, "TIMEOUT\n")])
    (diverged,) = [f for f in out.findings if f.code == "IDC720"]
    assert [h.hop for h in out.hops if diverged in h.findings] == ["entry"]
    assert str(diverged.object) == "Service ingress-nginx/ingress-nginx-controller"
    assert out.live is Verdict.BLOCKED


def test_a_leg_without_a_ready_controller_pod_is_not_probed(tmp_path: Path) -> None:
    """Its hops cannot tell that the Service has no pod behind it (the controller hop can,
    with class findings a connection knows nothing of): nothing to compare a check with."""
    result = walk(tmp_path, "shop.example.com/", CONTROLLER)
    assert result.dial is not None
    todo = plan(replace(result, dial=replace(result.dial, destinations=())))
    assert todo.checks == ()
    assert [u.hop for u in todo.unchecked] == ["ingress"]


def test_a_controller_on_the_node_port_is_not_probed(tmp_path: Path) -> None:
    docs = [d for d in yaml.safe_load_all(CONTROLLER) if d["kind"] != "Service"]
    pod = next(d for d in docs if d["kind"] == "Pod")
    pod["spec"]["hostNetwork"] = True
    pod["spec"]["containers"][0]["ports"] = [{"name": "http", "containerPort": 80}]
    no_service = yaml.safe_dump_all(docs)
    result = walk(tmp_path, "shop.example.com/", no_service)
    assert hop(result, "entry").summary.startswith("controller pods on the node's port 80")
    todo = plan(result)
    assert todo.checks == ()
    (skipped,) = todo.unchecked
    assert (skipped.hop, skipped.target) == ("entry", "shop.example.com:80")
    assert skipped.reason == ("not checked: no Service on port 80 to dial by name, and which "
                              "node address shop.example.com leads to is outside the cluster")


# The pod's life cycle against a fake API


class FakeCore:
    """CoreV1Api as run_probe_pod uses it; `phases` are what successive reads return."""

    def __init__(self, phases: list[dict[str, Any]], fail: dict[str, int] | None = None) -> None:
        self.phases = phases
        self.fail = fail or {}
        self.calls: list[str] = []

    def _maybe_fail(self, call: str) -> None:
        from kubernetes.client.exceptions import ApiException

        self.calls.append(call)
        if call in self.fail:
            raise ApiException(status=self.fail[call], reason="Forbidden")

    def create_namespaced_pod(self, ns: str, body: Any, **_: Any) -> Any:
        self._maybe_fail("create")
        assert body.metadata.labels[PROBE_LABEL] == "true"
        return type("Created", (), {"metadata": type("M", (), {"name": "ingressdoc-probe-x"})})

    def read_namespaced_pod(self, name: str, ns: str, **_: Any) -> Any:
        from kubernetes import client

        self._maybe_fail("read")
        status = self.phases.pop(0) if len(self.phases) > 1 else self.phases[0]
        return client.V1Pod.from_dict({"status": status})

    def read_namespaced_pod_log(self, name: str, ns: str, container: str, **_: Any) -> str:
        self._maybe_fail("log")
        return "" if container == "connect-pod" else "TIMEOUT\n"

    def delete_namespaced_pod(self, name: str, ns: str, **_: Any) -> None:
        self._maybe_fail("delete")


def _done(code: int, box: str = "connect-pod") -> dict[str, Any]:
    return {"name": box, "image": "a", "imageID": "", "ready": False, "restartCount": 0,
            "state": {"terminated": {"exitCode": code}}}


def _probe(monkeypatch: pytest.MonkeyPatch, core: FakeCore, wait: float = 5) -> Any:
    import kubernetes.client

    monkeypatch.setattr(kubernetes.client, "CoreV1Api", lambda api: core)
    monkeypatch.setattr("ingressdoc.probe.pod.POLL", 0.01)
    return run_probe_pod(LiveSource(object(), "test", "https://api", 1.0), manifest(), wait)


def test_run_reads_each_container_and_deletes_the_pod(monkeypatch: pytest.MonkeyPatch) -> None:
    core = FakeCore([{"phase": "Pending"},
                     {"phase": "Failed", "containerStatuses": [_done(0), _done(1, "connect-name")]}])
    run = _probe(monkeypatch, core)
    assert (run.pod, run.problem, run.leftover) == ("ingressdoc-probe-x", None, None)
    assert {k: (v.exit_code, v.log) for k, v in run.exits.items()} == {
        "connect-pod": (0, ""), "connect-name": (1, "TIMEOUT\n")}
    assert core.calls == ["create", "read", "read", "log", "log", "delete"]


def test_a_pod_that_never_finishes_is_deleted(monkeypatch: pytest.MonkeyPatch) -> None:
    core = FakeCore([{"phase": "Pending"}])
    monkeypatch.setattr("ingressdoc.probe.pod.SETTLE_SECONDS", 1)
    run = _probe(monkeypatch, core, wait=0.05)  # waits for the settle container too
    assert run.problem == "the probe pod did not finish within 1.05s (phase Pending)"
    assert core.calls[-1] == "delete"


def test_an_image_that_cannot_start_stops_the_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    waiting = {**_done(0), "state": {"waiting": {"reason": "ErrImagePull"}}}
    core = FakeCore([{"phase": "Pending", "containerStatuses": [waiting]}])
    run = _probe(monkeypatch, core, wait=30)
    assert run.problem == "the probe pod cannot start (connect-pod: ErrImagePull)"
    assert core.calls == ["create", "read", "delete"]


def test_errors_and_interrupts_still_delete(monkeypatch: pytest.MonkeyPatch) -> None:
    core = FakeCore([{"phase": "Pending"}])

    def interrupted(*_: Any, **__: Any) -> Any:
        core.calls.append("read")
        raise KeyboardInterrupt

    monkeypatch.setattr(core, "read_namespaced_pod", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _probe(monkeypatch, core)
    assert core.calls == ["create", "read", "delete"]


def test_forbidden_says_which_role(monkeypatch: pytest.MonkeyPatch) -> None:
    run = _probe(monkeypatch, FakeCore([{"phase": "Pending"}], fail={"create": 403}))
    assert run.problem == ("cannot create the probe pod: forbidden: grant create on pods (the "
                           "ingressdoc-reach-prober role in deploy/rbac.yaml)")
    core = FakeCore([{"phase": "Succeeded", "containerStatuses": [_done(0)]}],
                    fail={"delete": 403})
    run = _probe(monkeypatch, core)
    assert run.leftover is not None
    assert run.leftover.endswith("kubectl delete pod -n shop ingressdoc-probe-x")


# The command and its output


def test_probe_needs_a_live_cluster() -> None:
    from typer.testing import CliRunner

    from ingressdoc.cli import app

    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "reach" / "base.yaml"
    out = CliRunner().invoke(app, ["reach", "shop/deployment/web", "cart", "-f", str(fixture),
                                   "--probe"])
    assert out.exit_code == 2
    assert "--probe needs a live cluster" in out.stderr


def test_live_verdict_is_shown_beside_the_object_verdict(tmp_path: Path) -> None:
    from ingressdoc.render.reach import reach_document, render_reach
    from ingressdoc.render.table import Style

    result = walk(tmp_path, "payments-api.payments", DEFAULT_DENY)
    assert "live" not in reach_document(result)
    found = checks(result)
    out = confirm(result, [ran(found["pod"], 0), ran(found["name"], 0)])
    doc = reach_document(out)
    assert (doc["verdict"], doc["live"]) == ("blocked", "reachable")
    text = render_reach(out, Style(color=False, unicode=True))
    assert "Verdict: BLOCKED\nLive:    REACHABLE (the probe pod connected)\n" in text
    assert "    connect payments/payments-api-0 10.244.0.9:8080: connected (objects: blocked " \
           "(IDC724))\n        replay: kubectl run ... 10.244.0.9\n" in text
