"""Pods: the selector finds the intended pods, they run, are Ready, and serve the port."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding, Severity
from ingressdoc.hops.base import TraceContext, missing_inputs, not_checked
from ingressdoc.hops.model import Hop, HopId, status_from
from ingressdoc.hops.workloads import (
    no_pod_causes,
    pending_causes,
    rollout_causes,
    short_of_replicas,
    template_subject,
)
from ingressdoc.k8s.endpoints import READY, EndpointAdmission, pod_ready
from ingressdoc.k8s.events import FAILED_SCHEDULING, last_seen, latest
from ingressdoc.k8s.objects import condition, labels, name, namespace, spec, status
from ingressdoc.k8s.ports import container_ports, resolve_in, target_port_of
from ingressdoc.k8s.selectors import describe_selector, selector_mismatches
from ingressdoc.snapshot import ObjectRef, Snapshot

Obj = Mapping[str, Any]
INPUTS = ("Pod",)
TITLE = "Pods"
_TERMINAL = ("Succeeded", "Failed")
_PULL = {"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"}
# Waiting reasons of a container on its normal way to running.
_STARTING = {"ContainerCreating", "PodInitializing"}


def check(ctx: TraceContext, svc: Obj, port: Mapping[str, Any] | None,
          admission: EndpointAdmission = READY) -> tuple[Hop, list[Obj]]:
    """The hop and the selected pods (the NetworkPolicy hop's destinations); `admission`:
    the endpoints the controller sends requests to."""
    selector = spec(svc).get("selector")
    if not selector:
        return not_checked(HopId.PODS, TITLE, "no selector: pods are not selected by the Service"), []
    note, gaps = missing_inputs(ctx.snapshot, INPUTS)
    if note:
        return not_checked(HopId.PODS, TITLE, note, gaps), []
    ref = ObjectRef.of(svc)
    pods = ctx.snapshot.selected_pods(svc)
    if not pods:
        causes = tuple(no_pod_causes(ctx.snapshot, svc)) or (
            _no_pods(ctx.snapshot, ref, selector, ctx.snapshot.list("Pod", namespace(svc))),)
        return Hop(HopId.PODS, TITLE, status_from(causes), f"selector "
                   f"{describe_selector(selector)} matches no pod", objects=(ref,),
                   findings=causes), []
    found: list[Finding] = []
    running = [p for p in pods if status(p).get("phase") not in _TERMINAL]
    if not running:
        found.append(_all_terminal(ref, pods))
    pods = running or pods
    found.extend(_too_broad(ref, pods))
    found.extend(rollout_causes(ctx.snapshot, running, admission))
    found.extend(short_of_replicas(ctx.snapshot, running))
    per_pod, explained = pending_causes(ctx.snapshot, running)
    for pod in running:
        if ctx.snapshot.ref(pod) not in explained:
            per_pod.extend(_pod_state(ctx.snapshot, pod))
    ready = sum(1 for p in pods if pod_ready(p) and not _terminating(p))
    found.extend(_capacity(per_pod, ready, len(pods)) if ready else per_pod)
    if port is not None:
        found.extend(_port_findings(ctx.snapshot, pods, port))
    unknown = any(ctx.snapshot.is_derived(p) for p in pods)
    summary = (f"{len(pods)} pods selected by {describe_selector(selector)}"
               + ("" if unknown else f", {ready} ready"))
    return Hop(HopId.PODS, TITLE, status_from(tuple(found), unknown=unknown), summary,
               objects=tuple(ctx.snapshot.ref(p) for p in pods), findings=tuple(found),
               note="pods from workload templates: status unknown" if unknown else None), running


def _terminating(pod: Obj) -> bool:
    return bool((pod.get("metadata") or {}).get("deletionTimestamp"))


def _capacity(per_pod: Sequence[Finding], ready: int, selected: int) -> list[Finding]:
    """While a Ready pod serves, a pod that cannot start or is not Ready costs capacity, not
    the request: the controller only sends to ready endpoints, so these errors become
    warnings that say so. With no pod ready they stay errors: they are why nothing serves."""
    note = f" ({ready} of {selected} pods ready and serving: capacity is reduced)"
    return [replace(f, severity=Severity.WARNING, message=f.message + note)
            if f.severity is Severity.ERROR else f for f in per_pod]


def _no_pods(snap: Snapshot, ref: ObjectRef, selector: Mapping[str, Any],
             ns_pods: Sequence[Obj]) -> Finding:
    ranked = sorted(ns_pods, key=lambda p: len(selector_mismatches(selector, labels(p))))
    message = f"selector {describe_selector(selector)} matches none of {len(ns_pods)} pods"
    if ranked:
        closest = ranked[0]
        subject = template_subject(snap, closest)[0]
        shown = f"pod {name(closest)}" if subject.kind == "Pod" else f"{subject}'s pods"
        message += (f"; closest {shown} differ: "
                    + "; ".join(selector_mismatches(selector, labels(closest))))
    return finding("IDC601", ref, message, field="spec.selector")


def _all_terminal(ref: ObjectRef, pods: Sequence[Obj]) -> Finding:
    """Finished pods (Completed, Evicted) are never endpoints; they only matter when they
    are all the Service has."""
    states = sorted({f"{status(p).get('phase')}"
                     + (f" ({status(p)['reason']})" if status(p).get("reason") else "")
                     for p in pods})
    return finding("IDC608", ref, f"all {len(pods)} selected pods have finished: "
                   + ", ".join(states), field="status.phase")


def _owner(pod: Obj) -> str:
    owners = (pod.get("metadata") or {}).get("ownerReferences") or []
    if owners:
        owner = owners[0]
        base = str(owner.get("name", ""))
        if owner.get("kind") == "ReplicaSet" and "-" in base:
            base = base.rsplit("-", 1)[0]
        return base
    return name(pod)


def _repository(image: str) -> str:
    """An image without its tag or digest: `ghcr.io/example/api:1.2` -> `ghcr.io/example/api`."""
    image = image.split("@", 1)[0]
    head, _, tail = image.rpartition(":")
    return head if head and "/" not in tail else image


def _app(pod: Obj) -> frozenset[str]:
    return frozenset(_repository(str(c.get("image") or ""))
                     for c in spec(pod).get("containers") or [])


def _too_broad(ref: ObjectRef, pods: Sequence[Obj]) -> list[Finding]:
    """Pods of several workloads behind one selector; workloads that run the same images
    (tags aside) are versions of one app, split on purpose (blue/green, canary)."""
    owned = [p for p in pods if (p.get("metadata") or {}).get("ownerReferences")]
    owners = sorted({_owner(p) for p in owned})
    if len(owners) > 1 and len({_app(p) for p in owned}) > 1:
        return [finding("IDC602", ref, f"selector matches pods of {', '.join(owners)}",
                        field="spec.selector")]
    return []


def scheduler_event(snap: Snapshot, pod: Obj) -> Mapping[str, Any] | None:
    """The scheduler's newest word on a pod, when Events were read."""
    events = snap.list("Event", namespace(pod)) if snap.loaded("Event") else []
    return latest(events, FAILED_SCHEDULING,
                  lambda o: o.get("kind") == "Pod" and o.get("name") == name(pod))


def _pod_state(snap: Snapshot, pod: Obj) -> list[Finding]:
    if not status(pod) or (pod.get("metadata") or {}).get("deletionTimestamp"):
        return []  # no status: from a template; deletionTimestamp: terminating (see IDC503)
    ref = ObjectRef.of(pod)
    phase = status(pod).get("phase")
    waiting = _waiting(pod)
    if _PULL & set(waiting):
        reason = sorted(_PULL & set(waiting))[0]
        what, cs = waiting[reason]
        return [finding("IDC605", ref, f"{what} {cs.get('name')}: {reason} for image "
                        f"{cs.get('image')}{_said(cs)}")]
    if "CrashLoopBackOff" in waiting:
        what, cs = waiting["CrashLoopBackOff"]
        return [finding("IDC604", ref, f"{what} {cs.get('name')} in CrashLoopBackOff "
                        f"({cs.get('restartCount', 0)} restarts{_last_exit(cs)})")]
    stuck = sorted(set(waiting) - _STARTING)
    if stuck:
        return [_cannot_start(pod, stuck[0], *waiting[stuck[0]])]
    if phase == "Pending":
        sched = condition(pod, "PodScheduled") or {}
        if sched.get("status") == "False":
            why = sched.get("message") or sched.get("reason") or "not scheduled"
            event = scheduler_event(snap, pod)
            if event is not None and last_seen(event) >= str(sched.get("lastTransitionTime")
                                                             or ""):
                why = f"{event.get('message')} (FailedScheduling, {last_seen(event)})"
        else:  # scheduled: an old scheduler message no longer says why it waits
            why = (f"scheduled on {spec(pod).get('nodeName')}, " if spec(pod).get("nodeName")
                   else "") + _starting(waiting)
        return [finding("IDC606", ref, f"pod Pending: {why}", field="status.phase")]
    if not pod_ready(pod):
        unready = [cs.get("name") for cs in status(pod).get("containerStatuses") or []
                   if not cs.get("ready")]
        return [finding("IDC603", ref, "pod Running but not Ready"
                        + (f" (containers not ready: {', '.join(map(str, unready))})"
                           if unready else ""),
                        field="status.conditions[Ready]")]
    return []


def _said(cs: Mapping[str, Any]) -> str:
    message = ((cs.get("state") or {}).get("waiting") or {}).get("message")
    return f": {' '.join(str(message).split())[:300]}" if message else ""


def _last_exit(cs: Mapping[str, Any]) -> str:
    last = (cs.get("lastState") or {}).get("terminated") or {}
    if not last:
        return ""
    reason = last.get("reason") or "exited"
    return f"; last exit: {reason}, code {last.get('exitCode')}"


def _starting(waiting: Mapping[str, tuple[str, Mapping[str, Any]]]) -> str:
    if not waiting:
        return "waiting to start"
    return "; ".join(f"{what} {cs.get('name')} {reason}" for reason, (what, cs)
                     in waiting.items())


_MISSING_KEY = re.compile(r"couldn't find key (\S+) in (Secret|ConfigMap) (\S+)/(\S+)")
_MISSING_OBJ = re.compile(r'(secret|configmap) "([^"]+)" not found')


def _cannot_start(pod: Obj, reason: str, what: str, cs: Mapping[str, Any]) -> Finding:
    """A container the kubelet cannot create or run (CreateContainerConfigError and the
    like): the kubelet's message names the cause, often a missing Secret or ConfigMap key."""
    message = f"{what} {cs.get('name')}: {reason}{_said(cs)}"
    text = str(((cs.get("state") or {}).get("waiting") or {}).get("message") or "")
    key = _MISSING_KEY.search(text)
    obj = _MISSING_OBJ.search(text)
    hint = None
    if key:
        hint = (f"Add key {key.group(1)} to {key.group(2)} {key.group(3)}/{key.group(4)}, or "
                "fix the key the container references (or mark the reference optional).")
    elif obj:
        kind = "Secret" if obj.group(1) == "secret" else "ConfigMap"
        hint = (f"Create {kind} {obj.group(2)} in namespace {namespace(pod)}, or fix the name "
                "the container references.")
    return finding("IDC680", ObjectRef.of(pod), message, hint=hint,
                   field=_reference_field(pod, cs, key, obj))


def _reference_field(pod: Obj, cs: Mapping[str, Any], key: re.Match[str] | None,
                     obj: re.Match[str] | None) -> str | None:
    """Where the container references the missing key or object, when it does so in env."""
    if key is None and obj is None:
        return None
    wanted_name = key.group(4) if key else obj.group(2) if obj else None
    wanted_key = key.group(1) if key else None
    for c in (*(spec(pod).get("initContainers") or []), *(spec(pod).get("containers") or [])):
        if c.get("name") != cs.get("name"):
            continue
        for i, env in enumerate(c.get("env") or []):
            source = env.get("valueFrom") or {}
            for ref_kind in ("secretKeyRef", "configMapKeyRef"):
                ref = source.get(ref_kind) or {}
                if ref.get("name") == wanted_name and wanted_key in (None, ref.get("key")):
                    return f"spec.containers[{c.get('name')}].env[{i}].valueFrom.{ref_kind}"
    return None


def _waiting(pod: Obj) -> dict[str, tuple[str, Mapping[str, Any]]]:
    """Waiting containers by reason, init containers first: while one of them fails, the
    pod is Pending and its app containers only wait (PodInitializing) behind it."""
    out: dict[str, tuple[str, Mapping[str, Any]]] = {}
    for what, key in (("init container", "initContainerStatuses"),
                      ("container", "containerStatuses")):
        for cs in status(pod).get(key) or []:
            reason = ((cs.get("state") or {}).get("waiting") or {}).get("reason")
            if reason:
                out.setdefault(str(reason), (what, cs))
    return out


def _port_findings(snap: Snapshot, pods: Sequence[Obj],
                   port: Mapping[str, Any]) -> list[Finding]:
    target = target_port_of(port)
    protocol = str(port.get("protocol") or "TCP")
    out: list[Finding] = []
    declaring = [(pod, ports, resolve_in(ports, target, protocol))
                 for pod in pods for ports in [container_ports(pod)]]
    resolving = sum(1 for _, _, resolved in declaring if resolved is not None)
    for pod, ports, resolved in declaring:
        ref, prefix = template_subject(snap, pod)
        declared = {p["containerPort"] for p in ports if isinstance(p.get("containerPort"), int)}
        if resolved is None:
            out.append(_unresolved(pod, ref, prefix, f"{target}/{protocol}", resolving,
                                   len(pods)))
            continue
        if declared and resolved not in declared and resolved not in _probed(pod, ports):
            out.append(finding("IDC411", ref, f"targetPort {resolved} is none of the declared "
                               f"containerPorts ({', '.join(map(str, sorted(declared)))}), "
                               "where the app most likely listens"))
        out.extend(_probe_port(pod, ports, resolved, declared, ref, prefix))
    return _dedupe_by_workload(out)


def _unresolved(pod: Obj, ref: ObjectRef, prefix: str, target: str, resolving: int,
                selected: int) -> Finding:
    """The EndpointSlice controller resolves a named targetPort pod by pod and leaves out
    the pods that do not name it; while other selected pods name it, they are the
    endpoints and the request is served, so it costs capacity, not the request."""
    names = ", ".join(f"{p.get('name') or '<unnamed>'}:{p.get('containerPort')}/"
                      f"{p.get('protocol') or 'TCP'}" for p in container_ports(pod))
    found = finding("IDC410", ref, f"targetPort {target} names no container port (ports: "
                    f"{names or 'none declared'})", field=f"{prefix}.containers[].ports")
    if not resolving:
        return found
    return replace(found, severity=Severity.WARNING, message=found.message + (
        f" ({resolving} of {selected} selected pods name it and are the endpoints; these "
        "pods get no traffic)"))


def _probe_port(pod: Obj, ports: Sequence[Mapping[str, Any]], served: int, declared: set[int],
                ref: ObjectRef, prefix: str) -> list[Finding]:
    out = []
    for c in spec(pod).get("containers") or []:
        probe = c.get("readinessProbe") or {}
        action = probe.get("httpGet") or probe.get("tcpSocket") or probe.get("grpc")
        if not action or "port" not in action:
            continue
        port = resolve_in(ports, action["port"])
        if port is None or (port != served and port not in declared):
            out.append(finding(
                "IDC607", ref,
                f"container {c.get('name')} readinessProbe checks port {action['port']}, "
                f"traffic goes to {served}",
                field=f"{prefix}.containers[{c.get('name')}].readinessProbe",
            ))
    return out


def _probed(pod: Obj, ports: Sequence[Mapping[str, Any]]) -> set[int]:
    """Ports a container's probes check: the kubelet's probe succeeding there shows the app
    listens on them, declared or not."""
    out = set()
    for c in spec(pod).get("containers") or []:
        for kind in ("readinessProbe", "livenessProbe", "startupProbe"):
            probe = c.get(kind) or {}
            action = probe.get("httpGet") or probe.get("tcpSocket") or probe.get("grpc") or {}
            port = resolve_in(ports, action["port"]) if "port" in action else None
            if port is not None:
                out.add(port)
    return out


def _dedupe_by_workload(found: list[Finding]) -> list[Finding]:
    """Replicas of one workload fail identically; one finding per (code, message) is enough."""
    seen: set[tuple[str, str]] = set()
    out = []
    for f in found:
        if (f.code, f.message) not in seen:
            seen.add((f.code, f.message))
            out.append(f)
    return out
