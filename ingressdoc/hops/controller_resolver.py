"""Which resolver the controller uses for an ExternalName backend.

The controller, not the cluster DNS alone, resolves an ExternalName target. A pod with
`hostNetwork: true` and `dnsPolicy: ClusterFirst` (the default) gets the node's resolv.conf
(`ClusterFirst` falls back to `Default` on the host network), so names under the cluster
domain do not resolve there; `ClusterFirstWithHostNet` keeps the cluster DNS.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.hops.workloads import template_subject
from ingressdoc.k8s.objects import spec
from ingressdoc.snapshot import Snapshot

Obj = Mapping[str, Any]


def node_resolver(pod: Obj) -> bool:
    s = spec(pod)
    return (bool(s.get("hostNetwork")) and s.get("dnsPolicy", "ClusterFirst") in (
        "ClusterFirst", "Default")) or s.get("dnsPolicy") == "Default"


def check(snap: Snapshot, controller_pods: Sequence[Obj], alias_name: str,
          in_cluster: bool) -> list[Finding]:
    """IDC730 when the controller pods resolve with the node's resolver and the ExternalName
    leads to a name only the cluster DNS answers."""
    blind = [p for p in controller_pods if node_resolver(p)]
    if not in_cluster or not blind:
        return []
    pod = blind[0]
    policy = spec(pod).get("dnsPolicy", "ClusterFirst")
    how = ("hostNetwork with dnsPolicy ClusterFirst uses the node's resolver"
           if spec(pod).get("hostNetwork") and policy != "Default"
           else "dnsPolicy Default uses the node's resolver")
    ref, prefix = template_subject(snap, pod)
    return [finding("IDC730", ref, f"the controller resolves the ExternalName "
                    f"target {alias_name} itself, and {how}, which does not answer names "
                    f"under the cluster domain ({len(blind)} of {len(controller_pods)} "
                    "controller pods)", field=f"{prefix}.dnsPolicy")]
