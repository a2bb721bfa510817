"""NodeLocal DNSCache: a caching DNS agent on every node, between the pods and CoreDNS.

Where it runs, what CoreDNS answers is not what pods see at once: they ask the agent on
their node, which caches answers and forwards cluster names to CoreDNS. Its pods are found by
label (upstream and most distributions use `node-local-dns`, kubespray `nodelocaldns`), and
the addresses it listens on come from its `-localip` argument (or, for an agent that is a
plain CoreDNS, the `bind` lines of its Corefile): the link-local address alone (pods use it
only when the kubelet's clusterDNS or their own dnsConfig points at it, as IPVS setups do), or
that address and the kube-dns ClusterIP (iptables setups: the agent answers the ClusterIP on
its node, so pods use it without any kubelet change). Its Corefile (ConfigMap
`node-local-dns`, kubespray's `nodelocaldns`) decides where cluster names go on a cache miss.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ingressdoc.k8s.corefile import Corefile, parse_corefile
from ingressdoc.k8s.endpoints import pod_ready
from ingressdoc.k8s.objects import meta, name, spec

Obj = Mapping[str, Any]
NAMESPACE = "kube-system"
LABEL_KEY = "k8s-app"
LABEL_VALUES = ("node-local-dns", "nodelocaldns")
LABEL_SELECTOR = f"{LABEL_KEY} in ({','.join(LABEL_VALUES)})"
CONFIGMAPS = LABEL_VALUES  # its Corefile: upstream names the ConfigMap like its label, kubespray too


@dataclass(frozen=True)
class NodeLocalDns:
    owner: str  # "DaemonSet kube-system/node-local-dns", or its pods' label when ownerless
    local_ips: tuple[str, ...]  # empty when neither its pods nor its Corefile state them
    ready: int
    pods: int
    corefile: Corefile | None = None
    configmap: str | None = None  # namespace/name of the Corefile's ConfigMap


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


def bound_ips(corefile: Corefile) -> tuple[str, ...]:
    """The addresses of the Corefile's `bind` lines, in order (interface names left out)."""
    found = [a for b in corefile.resolver_blocks for d in b.directives if d.name == "bind"
             for a in d.args if a[:1].isdigit() or ":" in a]
    return tuple(dict.fromkeys(found))


def find(pods: Sequence[Obj], configmaps: Sequence[Obj] = ()) -> NodeLocalDns | None:
    """The agent from its pods (in kube-system, labelled as above) and its Corefile (from
    `configmaps`, the kube-system ones), or None if none runs."""
    if not pods:
        return None
    owners = sorted({f"{o.get('kind')} {NAMESPACE}/{o.get('name')}" for p in pods
                     for o in meta(p).get("ownerReferences") or [] if o.get("kind") == "DaemonSet"})
    owner = ", ".join(owners) or f"pods {', '.join(sorted(name(p) for p in pods))}"
    mounted = {str(v["configMap"].get("name")) for p in pods for v in spec(p).get("volumes") or []
               if v.get("configMap")}
    corefile, configmap = None, None
    for cm in sorted(configmaps, key=lambda c: name(c) not in mounted):
        text = (cm.get("data") or {}).get("Corefile")
        if text and (name(cm) in mounted or name(cm) in CONFIGMAPS):
            corefile, configmap = parse_corefile(str(text)), f"{NAMESPACE}/{name(cm)}"
            break
    ips = next((found for p in pods if (found := local_ips(p))), ())
    if not ips and corefile is not None:
        ips = bound_ips(corefile)
    return NodeLocalDns(owner, ips, sum(1 for p in pods if pod_ready(p)), len(pods),
                        corefile, configmap)
