"""NodeLocal DNSCache: a caching DNS agent on every node, between the pods and CoreDNS.

Where it runs, what CoreDNS answers is not what pods see at once: they ask the agent on
their node, which caches answers and forwards cluster names to CoreDNS. Its pods are found by
label (upstream and most distributions use `node-local-dns`, kubespray `nodelocaldns`), and
the addresses it listens on come from its `-localip` argument: the link-local address alone
(pods use it only when the kubelet's clusterDNS points at it, as IPVS setups do), or that
address and the kube-dns ClusterIP (iptables setups: the agent answers the ClusterIP on its
node, so pods use it without any kubelet change).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ingressdoc.k8s.endpoints import pod_ready
from ingressdoc.k8s.objects import meta, name, spec

Obj = Mapping[str, Any]
NAMESPACE = "kube-system"
LABEL_KEY = "k8s-app"
LABEL_VALUES = ("node-local-dns", "nodelocaldns")
LABEL_SELECTOR = f"{LABEL_KEY} in ({','.join(LABEL_VALUES)})"
CONFIGMAPS = ("node-local-dns", "nodelocaldns")  # its Corefile, by the same two names


@dataclass(frozen=True)
class NodeLocalDns:
    owner: str  # "DaemonSet kube-system/node-local-dns", or its pods' label when ownerless
    local_ips: tuple[str, ...]  # empty when no pod states them
    ready: int
    pods: int


def local_ips(pod: Obj) -> tuple[str, ...]:
    """The addresses of `-localip A,B` (or `-localip=A,B`) in the pod's containers."""
    for container in spec(pod).get("containers") or []:
        argv = [str(a) for a in (container.get("command") or []) + (container.get("args") or [])]
        for i, arg in enumerate(argv):
            value = None
            if arg.lstrip("-") == "localip" and i + 1 < len(argv):
                value = argv[i + 1]
            elif arg.lstrip("-").startswith("localip="):
                value = arg.split("=", 1)[1]
            if value is not None:
                return tuple(ip.strip() for ip in value.split(",") if ip.strip())
    return ()


def find(pods: Sequence[Obj]) -> NodeLocalDns | None:
    """The agent from its pods (in kube-system, labelled as above), or None if none runs."""
    if not pods:
        return None
    owners = sorted({f"{o.get('kind')} {NAMESPACE}/{o.get('name')}" for p in pods
                     for o in meta(p).get("ownerReferences") or [] if o.get("kind") == "DaemonSet"})
    owner = ", ".join(owners) or f"pods {', '.join(sorted(name(p) for p in pods))}"
    ips = next((found for p in pods if (found := local_ips(p))), ())
    return NodeLocalDns(owner, ips, sum(1 for p in pods if pod_ready(p)), len(pods))
