"""What the user typed for FROM and TO, checked before any object is read.

FROM names client pods; TO names a Service either directly (`ns/service[:port]`) or as the
client would write it in its code (a DNS name), because the name is where most cross-namespace
failures start. A `host/path` (or URL) goes through an ingress controller: it is parsed by the
trace's own request parser, so `reach` and `trace` accept and refuse the same requests.

kubectl's resource forms name objects in the default namespace (-n, else the context's):
`po/NAME`, `deploy/NAME` (any workload kind, short or plural) for FROM and `svc/NAME[:port]`
for TO. As in kubectl, a kind word is read as a kind, never as a namespace.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ingressdoc.errors import RequestSyntaxError, UsageError
from ingressdoc.k8s.selectors import describe_selector, parse_selector
from ingressdoc.request import Request, parse_request

CONTROLLER = "ingress-controller"
WORKLOAD_KINDS: Mapping[str, str] = {
    "deployment": "Deployment", "deploy": "Deployment", "deployments": "Deployment",
    "statefulset": "StatefulSet", "sts": "StatefulSet", "statefulsets": "StatefulSet",
    "daemonset": "DaemonSet", "ds": "DaemonSet", "daemonsets": "DaemonSet",
    "replicaset": "ReplicaSet", "rs": "ReplicaSet", "replicasets": "ReplicaSet",
    "job": "Job", "jobs": "Job",
    "cronjob": "CronJob", "cj": "CronJob", "cronjobs": "CronJob",
}
POD_WORDS = ("pod", "pods", "po")
SERVICE_WORDS = ("service", "services", "svc")
DEFAULT_NAMESPACE = "default"
_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_SUBDOMAIN = re.compile(r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$")
_PORT_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$")

ClientKind = Literal["pod", "workload", "selector", "ingress-controller"]


@dataclass(frozen=True)
class ClientSpec:
    """`namespace` is None only for the ingress controller, whose namespace the pods tell."""

    text: str
    kind: ClientKind
    namespace: str | None
    name: str | None = None  # pod or workload name; the IngressClass for the controller
    workload_kind: str | None = None
    selector: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TargetSpec:
    """`namespace` set: the Service is named directly; None: `name` is a DNS name as written.
    `request` set: a host/path, reached through the ingress controller that serves it (`name`
    is then the host, and the port is the request's)."""

    text: str
    name: str
    namespace: str | None
    port: int | str | None
    request: Request | None = None

    @property
    def by_dns(self) -> bool:
        return self.namespace is None

    @property
    def via_ingress(self) -> bool:
        return self.request is not None


def parse_client(text: str, selector: str | None = None,
                 namespace: str | None = None) -> ClientSpec:
    """`namespace`: the default namespace of kubectl's `KIND/NAME` forms."""
    raw = text.strip()
    if not raw:
        raise RequestSyntaxError("empty FROM: expected ns/pod, ns/kind/name, ns -l SELECTOR "
                                 "or ingress-controller")
    head, _, rest = raw.partition("/")
    if head == CONTROLLER:
        _no_selector(selector, raw)
        if rest:
            _check(_SUBDOMAIN, rest, "IngressClass name", f"FROM {raw!r}")
        return ClientSpec(raw, "ingress-controller", None, rest or None)
    parts = raw.split("/")
    if len(parts) == 2 and parts[0].lower() in (*POD_WORDS, *WORKLOAD_KINDS):
        parts.insert(0, namespace or DEFAULT_NAMESPACE)
        if parts[1].lower() in POD_WORDS:
            parts.pop(1)
    _check(_LABEL, parts[0], "namespace", f"FROM {raw!r}")
    if len(parts) == 1:
        if selector is None:
            raise UsageError(f"FROM {raw!r} is a namespace: pick the client pods with "
                             "-l/--selector (e.g. -l app=web)")
        try:
            parsed = parse_selector(selector)
        except ValueError as exc:
            raise RequestSyntaxError(f"invalid --selector {selector!r}: {exc}") from None
        return ClientSpec(raw, "selector", raw, selector=parsed)
    _no_selector(selector, raw)
    if len(parts) == 2:
        _check(_SUBDOMAIN, parts[1], "pod name", f"FROM {raw!r}")
        return ClientSpec(raw, "pod", parts[0], parts[1])
    if len(parts) == 3:
        kind = WORKLOAD_KINDS.get(parts[1].lower())
        if kind is None:
            raise RequestSyntaxError(
                f"FROM {raw!r}: unknown workload kind {parts[1]!r} (use one of "
                f"{', '.join(sorted(set(WORKLOAD_KINDS.values()), key=str.lower)).lower()})")
        _check(_SUBDOMAIN, parts[2], f"{kind} name", f"FROM {raw!r}")
        return ClientSpec(raw, "workload", parts[0], parts[2], workload_kind=kind)
    raise RequestSyntaxError(f"FROM {raw!r}: expected ns/pod, ns/kind/name, ns -l SELECTOR or "
                             "ingress-controller")


def parse_target(text: str, port: int | None = None, namespace: str | None = None) -> TargetSpec:
    """`namespace`: the default namespace of kubectl's `svc/NAME` form."""
    raw = text.strip()
    if not raw:
        raise RequestSyntaxError("empty TO: expected ns/service[:port], a DNS name[:port] or "
                                 "host/path")
    if "://" in raw or ("/" in raw and "." in raw.split("/", 1)[0]):
        return _host_path(raw, port)
    where, _, typed_port = raw.rpartition(":") if ":" in raw else (raw, "", "")
    if "/" in where:
        namespace_or_kind, _, service = where.partition("/")
        namespace = ((namespace or DEFAULT_NAMESPACE) if namespace_or_kind.lower() in SERVICE_WORDS
                     else namespace_or_kind)
        _check(_LABEL, namespace, "namespace", f"TO {raw!r}")
        _check(_LABEL, service, "Service name", f"TO {raw!r}")
        return TargetSpec(raw, service, namespace, _port(typed_port, port, raw, named=True))
    name = where.lower()
    if not all(_LABEL.match(label) for label in name.removesuffix(".").split(".")):
        raise RequestSyntaxError(f"TO {raw!r}: {where!r} is not a DNS name (RFC 1123)")
    return TargetSpec(raw, name, None, _port(typed_port, port, raw, named=False))


def _host_path(raw: str, port: int | None) -> TargetSpec:
    """A namespace has no dot, so `a.b/...` is a host; the port belongs in the request."""
    if port is not None:
        raise UsageError(f"TO {raw!r} is a host/path: write its port in it (host:port/path), "
                         "not with --port")
    request = parse_request(raw)
    return TargetSpec(raw, request.host, None, request.port, request)


def describe_client(spec: ClientSpec) -> str:
    if spec.kind == "selector":
        return f"pods in {spec.namespace} with {describe_selector(spec.selector)}"
    return spec.text


def _port(typed: str, option: int | None, raw: str, named: bool) -> int | str | None:
    value: int | str | None = None
    if typed:
        if typed.isdigit() and 0 < int(typed) < 65536:
            value = int(typed)
        elif named and _PORT_NAME.match(typed) and not typed.isdigit():
            value = typed
        else:
            what = "a port number or Service port name" if named else "a port number"
            raise RequestSyntaxError(f"TO {raw!r}: {typed!r} is not {what}")
    if option is not None and value is not None and option != value:
        raise UsageError(f"TO {raw!r} names port {value} and --port says {option}: give one")
    return value if value is not None else option


def _no_selector(selector: str | None, raw: str) -> None:
    if selector is not None:
        raise UsageError(f"-l/--selector picks pods of a namespace FROM; {raw!r} already "
                         "names them")


def _check(pattern: re.Pattern[str], value: str, what: str, where: str) -> None:
    if not pattern.match(value):
        raise RequestSyntaxError(f"{where}: {value!r} is not a valid {what}")
