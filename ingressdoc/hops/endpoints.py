"""EndpointSlices: the Service has endpoints on the port the route uses that the controller
sends requests to (ready ones by the API; `EndpointAdmission` says which a controller takes)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.hops.base import TraceContext, missing_inputs, not_checked
from ingressdoc.hops.model import Hop, HopId, status_from
from ingressdoc.k8s.endpoints import READY, EndpointAdmission, endpoint_states, slice_port_names
from ingressdoc.k8s.objects import spec
from ingressdoc.snapshot import ObjectRef

Obj = Mapping[str, Any]
INPUTS = ("EndpointSlice",)
TITLE = "EndpointSlices"


def check(ctx: TraceContext, svc: Obj, port: Mapping[str, Any] | None,
          admission: EndpointAdmission = READY) -> Hop:
    note, gaps = missing_inputs(ctx.snapshot, INPUTS)
    if note:
        return not_checked(HopId.ENDPOINTS, TITLE, note, gaps)
    ref = ObjectRef.of(svc)
    slices = ctx.snapshot.service_slices(svc)
    derived = any(ctx.snapshot.is_derived(s) for s in slices)
    found: list[Finding] = []
    if spec(svc).get("publishNotReadyAddresses"):
        found.append(finding("IDC506", ref, f"{ref} publishes not-ready addresses",
                             field="spec.publishNotReadyAddresses"))
    if not slices:
        code = "IDC501" if spec(svc).get("selector") else "IDC504"
        found.append(finding(code, ref, f"no EndpointSlice carries kubernetes.io/service-name="
                             f"{ref.name}"))
        return Hop(HopId.ENDPOINTS, TITLE, status_from(tuple(found)), "no endpoints",
                   objects=(ref,), findings=tuple(found))
    port_name = str((port or {}).get("name") or "")
    # Slices the control plane manages omit a port it cannot resolve on the pods; that
    # is the pods hop's finding (IDC410). Only hand-written slices can name it wrongly.
    if port is not None and not spec(svc).get("selector") and not any(
            port_name in slice_port_names(s) for s in slices):
        names = sorted({n or "<unnamed>" for s in slices for n in slice_port_names(s)})
        found.append(finding(
            "IDC505", ref,
            f"Service port {port_name or '<unnamed>'} has no EndpointSlice port "
            f"(slice ports: {', '.join(names) or 'none'})",
        ))
    # A controller takes a Service port's endpoints only from the slices that carry it; a
    # pod that does not resolve a named targetPort sits in a slice without it.
    carrying = [s for s in slices if port_name in slice_port_names(s)] if port else []
    states = [e for s in carrying or slices
              for e in endpoint_states(s, unknown_readiness=derived)]
    objects = (ref, *(ctx.snapshot.ref(s) for s in slices))
    if derived and not states:
        found.append(finding("IDC501", ref, "no pod is selected, so no endpoint exists",
                             hint="Make the Service selector match the pods' labels, or run "
                             "the workload's pods (see the pods hop)."))
        return Hop(HopId.ENDPOINTS, TITLE, status_from(tuple(found)), "no endpoints",
                   objects=objects, findings=tuple(found))
    if derived:
        summary = f"{len(states)} endpoints derived from the manifests (readiness unknown)"
        return Hop(HopId.ENDPOINTS, TITLE, status_from(tuple(found), unknown=True), summary,
                   objects=objects, findings=tuple(found), note="derived from pod templates")
    ready = [e for e in states if e.ready]
    receiving = [e for e in states if admission.receives(e)]
    terminating = [e for e in states if e.terminating]
    # Terminating endpoints are never ready (the control plane sets ready=false): a rollout
    # is IDC503, not lost capacity.
    staying = len(states) - len(terminating)
    departs = [admission.receives(e) for e in states] != [e.ready for e in states]
    how = f" ({admission.note})" if departs and admission.note else ""
    if not receiving:
        going = f" ({len(terminating)} terminating)" if terminating else ""
        hint = (f"Give the Service endpoints that are {admission.what}: {admission.note}."
                if how else None)
        found.append(finding("IDC501", ref, f"0 of {len(states)} endpoints are "
                             f"{admission.what}{going}{how}", hint=hint))
    elif (kept := sum(1 for e in receiving if not e.terminating)) < staying:
        found.append(finding("IDC502", ref, f"{kept} of {staying} endpoints "
                             f"{admission.what}{how}"))
    if terminating:
        sent = sum(1 for e in terminating if admission.receives(e))
        found.append(finding("IDC503", ref, f"{len(terminating)} endpoints terminating"
                             + (f", {sent} still sent requests{how}" if sent else "")))
    summary = f"{len(ready)}/{len(states)} endpoints ready" + (
        f", {len(receiving)} {admission.what}" if departs else "")
    return Hop(HopId.ENDPOINTS, TITLE, status_from(tuple(found)), summary, objects=objects,
               findings=tuple(found))
