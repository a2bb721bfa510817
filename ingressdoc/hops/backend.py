"""From a Service to its pods: the walk trace and reach share.

Both end the same way once a Service (and its port) is known: its endpoints, the pods it
selects, then the policy between whoever sends the traffic (the ingress controller for a
trace, the client for reach) and those pods. The caller brings that last step.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ingressdoc.hops import endpoints, pods
from ingressdoc.hops.base import TraceContext, guarded
from ingressdoc.hops.model import Hop, HopId
from ingressdoc.hops.service import ServiceFacts
from ingressdoc.k8s.endpoints import READY, EndpointAdmission

Obj = Mapping[str, Any]
# The policy hops towards the selected pods.
PolicyStep = Callable[[Sequence[Obj]], Sequence[Hop]]


def walk(ctx: TraceContext, dest: ServiceFacts, policy: PolicyStep,
         admission: EndpointAdmission = READY) -> list[Hop]:
    """`admission`: the endpoints the sender sends requests to (the controller's for a
    trace; the API's reading for reach)."""
    hops: list[Hop] = [guarded(HopId.ENDPOINTS, endpoints.TITLE,
                               lambda: endpoints.check(ctx, dest.service, dest.port, admission))]
    pods_hop, selected = pods.check(ctx, dest.service, dest.port, admission)
    return [*hops, pods_hop, *policy(selected)]
