"""The backends that could answer a request: the one the trace predicts, and every other
route the snapshot holds for the host (another Ingress with the same host and path, a
wildcard, a rule without a host, a default backend, routes of other classes).

Attribution asks each of them the request directly; the one that answers like the entry is
the one that served it, whatever the objects predicted. Pure: it only names pods and ports.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ingressdoc.hops.cluster_dns import cluster_domain, is_external_name
from ingressdoc.hops.controller import relevant_ingresses
from ingressdoc.hops.model import BackendRef, HopId, TraceResult
from ingressdoc.k8s.dns_names import parse_service_name
from ingressdoc.k8s.endpoints import READY, EndpointAdmission, pod_endpoint
from ingressdoc.k8s.ingress_match import host_matches, shown_host
from ingressdoc.k8s.objects import name, namespace, spec
from ingressdoc.k8s.ports import find_service_port, protocol_of, resolve_target_port, target_port_of
from ingressdoc.snapshot import ObjectRef, Snapshot

MAX_BACKENDS = 6
MAX_PODS = 2
Obj = Mapping[str, Any]


@dataclass(frozen=True)
class PodTarget:
    """`tls`: the Service port says it speaks HTTPS (appProtocol or name), so the pod is
    asked over TLS, as the controller would be told to."""

    namespace: str
    pod: str
    port: int
    tls: bool = False


def speaks_tls(port: Mapping[str, Any]) -> bool:
    return str(port.get("appProtocol") or port.get("name") or "").lower() in (
        "https", "kubernetes.io/https")


@dataclass(frozen=True)
class Candidate:
    """`targets` empty: nothing to ask directly, and `skipped` says why."""

    backend: BackendRef
    role: str
    targets: tuple[PodTarget, ...] = ()
    skipped: str | None = None

    @property
    def key(self) -> str:
        return f"{self.backend.namespace}/{self.backend.service}"


def pod_targets(snap: Snapshot, service: Obj, backend: BackendRef,
                pods: Sequence[Obj]) -> list[PodTarget]:
    """The pod port each pod serves the backend's Service port on (a named targetPort
    resolves per pod); pods whose port does not resolve are left out."""
    port = find_service_port(service, {"number": backend.port_number,
                                       "name": backend.port_name})
    if port is None:
        return []
    out = []
    for pod in pods:
        target = resolve_target_port(pod, target_port_of(port), protocol_of(port))
        if target is not None:
            out.append(PodTarget(str(namespace(pod)), name(pod), target, speaks_tls(port)))
    return out


def candidates(snap: Snapshot, result: TraceResult) -> list[Candidate]:
    """The predicted backend first (asked on the pods the pods hop judged, so an
    ExternalName alias is followed), then the competitors, at most MAX_BACKENDS."""
    out: list[Candidate] = []
    predicted = result.backend
    if predicted is not None:
        out.append(_predicted(snap, result, predicted))
    seen = {(c.backend.namespace, c.backend.service) for c in out}
    for backend, role in _competitors(snap, result.request.host):
        if (backend.namespace, backend.service) in seen or len(out) >= MAX_BACKENDS:
            continue
        seen.add((backend.namespace, backend.service))
        out.append(_competitor(snap, backend, role, _admission(result)))
    return out


def backend_targets(snap: Snapshot, result: TraceResult, ready_only: bool = True,
                    limit: int = MAX_PODS) -> list[PodTarget]:
    """The predicted backend's pods as the pods hop judged them (an ExternalName alias
    followed to its destination's pods), each on the port the request reaches; with
    `ready_only`, those the controller sends requests to."""
    backend = result.backend
    svc = snap.get("Service", backend.namespace, backend.service) if backend else None
    pods_hop = next((h for h in result.hops if h.hop == HopId.PODS), None)
    if backend is None or svc is None or pods_hop is None:
        return []
    pods = [p for r in pods_hop.objects if r.kind == "Pod"
            for p in [snap.get("Pod", r.namespace, r.name)]
            if p is not None and (not ready_only or _admission(result).receives(pod_endpoint(p)))]
    dest = _alias_destination(snap, svc) if is_external_name(svc) else svc
    if dest is None:
        return []
    return pod_targets(snap, dest, _same_port(dest, svc, backend), pods)[:limit]


def _predicted(snap: Snapshot, result: TraceResult, backend: BackendRef) -> Candidate:
    targets = backend_targets(snap, result)
    return Candidate(backend, "predicted", tuple(targets),
                     None if targets else "no ready pod with a resolvable port")


def _same_port(dest: Obj, svc: Obj, backend: BackendRef) -> BackendRef:
    """An ExternalName alias keeps the port number: the client dials the same port."""
    if dest is svc:
        return backend
    port = find_service_port(svc, {"number": backend.port_number, "name": backend.port_name})
    number = port.get("port") if port else backend.port_number
    return BackendRef(str(namespace(dest)), name(dest), number, None)


def _alias_destination(snap: Snapshot, svc: Obj) -> Obj | None:
    """The in-cluster Service an ExternalName names, as the pods hop followed it."""
    target = parse_service_name(str(spec(svc).get("externalName") or ""),
                                cluster_domain(snap).domain)
    return snap.get("Service", target[1], target[0]) if target is not None else None


def _admission(result: TraceResult) -> EndpointAdmission:
    return result.controller.admission if result.controller is not None else READY


def _competitor(snap: Snapshot, backend: BackendRef, role: str,
                admission: EndpointAdmission) -> Candidate:
    svc = snap.get("Service", backend.namespace, backend.service)
    if svc is None:
        return Candidate(backend, role, skipped="Service not in the snapshot")
    dest = _alias_destination(snap, svc) if is_external_name(svc) else svc
    if dest is None:
        return Candidate(backend, role, skipped="ExternalName outside the cluster")
    pods = [p for p in snap.selected_pods(dest) if admission.receives(pod_endpoint(p))]
    targets = pod_targets(snap, dest, _same_port(dest, svc, backend), pods)[:MAX_PODS]
    return Candidate(backend, role, tuple(targets),
                     None if targets else "no ready pod with a resolvable port")


def _competitors(snap: Snapshot, host: str) -> Iterator[tuple[BackendRef, str]]:
    """Every Service backend of the Ingresses that could serve `host`, exact hosts first,
    then wildcards, then rules without a host and default backends."""
    found: list[tuple[int, BackendRef, str]] = []
    for ing in relevant_ingresses(snap, host):
        ref = ObjectRef.of(ing)
        s = spec(ing)
        default = _ref(ref, s.get("defaultBackend"))
        if default is not None:
            found.append((3, default, f"{ref} spec.defaultBackend"))
        for i, rule in enumerate(s.get("rules") or []):
            rule_host = rule.get("host")
            if rule_host and not host_matches(str(rule_host), host):
                continue
            rank = 2 if not rule_host else 1 if str(rule_host).startswith("*.") else 0
            for j, path in enumerate((rule.get("http") or {}).get("paths") or []):
                backend = _ref(ref, path.get("backend"))
                if backend is not None:
                    found.append((rank, backend, f"{ref} spec.rules[{i}].http.paths[{j}] "
                                  f"{shown_host(rule_host)}{path.get('path') or '/'}"))
    for _, backend, role in sorted(found, key=lambda f: f[0]):
        yield backend, role


def _ref(ing: ObjectRef, backend: Obj | None) -> BackendRef | None:
    svc = (backend or {}).get("service")
    if not svc:
        return None
    port = svc.get("port") or {}
    return BackendRef(str(ing.namespace), str(svc.get("name")), port.get("number"),
                      port.get("name"))
