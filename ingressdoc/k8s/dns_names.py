"""Cluster DNS names and how a pod's resolver expands them.

Most cross-namespace DNS mistakes are about what the search list and `ndots:5` turn a short
name into, so the expansion is computed here exactly, without any I/O: kubelet writes
`search <ns>.svc.<domain> svc.<domain> <domain>` and `options ndots:5` into every
ClusterFirst pod's resolv.conf, and the C libraries apply it as `res_nsearch` does.
"""

from __future__ import annotations

DEFAULT_NDOTS = 5


def _strip_root(name: str) -> str:
    return name[:-1] if name.endswith(".") else name


def search_list(namespace: str, cluster_domain: str) -> list[str]:
    """The search domains kubelet gives a ClusterFirst pod in `namespace`."""
    domain = _strip_root(cluster_domain)
    return [f"{namespace}.svc.{domain}", f"svc.{domain}", domain]


def expand_name(name: str, namespace: str, cluster_domain: str, ndots: int = DEFAULT_NDOTS) -> list[str]:
    """The names a pod's resolver queries for `name`, in order, until one answers.

    A trailing dot makes the name absolute: only it is queried. A name with at least `ndots`
    dots is queried as-is first and then with each search domain (glibc; musl stops after the
    as-is query, which only changes what happens when that query fails). Any other name gets
    each search domain first and is queried as-is last, which is why `svc.ns` works from
    another namespace: its second candidate is `svc.ns.svc.<domain>`.
    Candidates are returned without the trailing root dot.
    """
    if name.endswith("."):
        return [_strip_root(name)]
    searched = [f"{name}.{domain}" for domain in search_list(namespace, cluster_domain)]
    if name.count(".") >= ndots:
        return [name, *searched]
    return [*searched, name]


def service_fqdn(service: str, namespace: str, cluster_domain: str) -> str:
    """The one name CoreDNS answers with a Service's ClusterIP (or its ready pods if headless)."""
    return f"{service}.{namespace}.svc.{_strip_root(cluster_domain)}"


def parse_service_name(name: str, cluster_domain: str) -> tuple[str, str] | None:
    """The (service, namespace) a resolver candidate names, or None if it names no Service.

    Only `<svc>.<ns>.svc.<domain>` names a Service: `svc.ns` or `svc.ns.svc` reach one only
    through the search list, so they are None here (pass the candidates of `expand_name` to
    see which one does). Longer names under `.svc.` are pod hostnames of headless Services or
    SRV names, not Services. No client namespace is needed: candidates are absolute, so the
    same candidate names the same Service from every namespace.
    """
    suffix = f".svc.{_strip_root(cluster_domain)}".lower()
    candidate = _strip_root(name).lower()
    if not candidate.endswith(suffix):
        return None
    labels = candidate[: -len(suffix)].split(".")
    if len(labels) != 2 or not all(labels):
        return None
    return labels[0], labels[1]
