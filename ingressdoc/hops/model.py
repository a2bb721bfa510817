"""The trace result: data only, computed completely before anything is rendered."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ingressdoc.findings import Finding, Severity
from ingressdoc.hops.outcome import Outcome
from ingressdoc.k8s.controller_config import ControllerConfig
from ingressdoc.k8s.controller_settings import NGINX, TRAEFIK, TRAEFIK_NGINX_PROVIDER
from ingressdoc.k8s.controllers import product_of
from ingressdoc.k8s.endpoints import EndpointAdmission
from ingressdoc.k8s.profiles import Profile
from ingressdoc.request import Request
from ingressdoc.snapshot import ObjectRef


class HopId(str, enum.Enum):
    """Every hop a trace or reach reports, in the order a request meets them."""

    DNS = "dns"
    ENTRY = "entry"
    CONTROLLER = "controller"
    GATEWAY = "gateway"
    RULE = "rule"
    ROUTE = "route"
    BACKENDS = "backends"
    TLS = "tls"
    SERVICE = "service"
    CLUSTER_DNS = "cluster-dns"
    ENDPOINTS = "endpoints"
    PODS = "pods"
    NETPOL = "netpol"
    CLIENT = "client"
    DNS_EGRESS = "dns-egress"
    EGRESS = "egress"
    INGRESS = "ingress"

    def __str__(self) -> str:
        return self.value


class HopStatus(str, enum.Enum):
    """`skipped` and `unknown` are outcomes of their own, never silent passes or failures."""

    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIPPED = "skipped"
    UNKNOWN = "unknown"


class Verdict(str, enum.Enum):
    """The outcome of a request, for every command. `trace` and `check` say ok, warn or fail;
    `reach` asks whether a connection opens, so its names for the same outcomes are
    reachable (ok) and blocked (fail). `unknown`: nothing fails, but some hop could not be
    judged."""

    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    UNKNOWN = "unknown"
    REACHABLE = "ok"
    BLOCKED = "fail"

    def __str__(self) -> str:
        return self.value

    @property
    def connection(self) -> str:
        """The outcome in reach's words."""
        return {"ok": "reachable", "fail": "blocked"}.get(self.value, self.value)


@dataclass(frozen=True)
class Evidence:
    """What a prober saw at a hop; `replay` is a command the user can run to see it too."""

    kind: str
    target: str
    outcome: str
    detail: str = ""
    replay: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EntryAddress:
    """Where a client sends the request: what probes and DNS comparisons use."""

    address: str
    port: int
    scheme: str
    via: str


@dataclass(frozen=True)
class BackendRef:
    """A Service port as the route names it: by number or by name, never both."""

    namespace: str
    service: str
    port_number: int | None = None
    port_name: str | None = None

    @property
    def port_label(self) -> str:
        return str(self.port_number) if self.port_number is not None else str(self.port_name)


@dataclass(frozen=True)
class AppliedConfig:
    """The configuration of the controller serving the class, and what it does to the
    Ingresses: `dropped` ones never reach routing."""

    config: ControllerConfig | None
    provider: str  # the flag prefix of the serving provider ("" for ingress-nginx)
    dropped: frozenset[ObjectRef]
    findings: tuple[Finding, ...]
    rows: tuple[Mapping[str, str], ...]
    classless_served: bool = False
    canaries: tuple[Mapping[str, Any], ...] = ()  # ingress-nginx canary Ingresses: alternatives, not routes

    @property
    def emulates_nginx(self) -> bool:
        """Traefik's ingress-nginx provider serves the class (nginx annotations emulated)."""
        return self.config is not None and self.config.product == TRAEFIK and (
            self.provider == TRAEFIK_NGINX_PROVIDER)

    @property
    def reads_nginx_annotations(self) -> bool:
        return self.config is not None and (self.config.product == NGINX or self.emulates_nginx)


NO_CONFIG = AppliedConfig(None, "", frozenset(), (), ())


@dataclass(frozen=True)
class ControllerFacts:
    """What later hops, and reach, need of the controller that serves the request: the class
    it serves, its profile, the route objects it claims by kind (Ingresses today, HTTPRoutes
    beside them), its pods, and the claimed objects no class names."""

    class_name: str | None
    controller: str | None
    profile: Profile
    routes: Mapping[str, tuple[Mapping[str, Any], ...]]
    pods: tuple[Mapping[str, Any], ...]
    unclaimed: tuple[ObjectRef, ...]
    applied: AppliedConfig = NO_CONFIG

    def routes_of(self, kind: str) -> tuple[Mapping[str, Any], ...]:
        return tuple(self.routes.get(kind, ()))

    @property
    def implementer(self) -> Profile | None:
        """The controller its pods run, as its profile, when they agree on one (Traefik runs
        ingress-nginx classes too)."""
        runs = {p for pod in self.pods if (p := product_of(pod)) is not None}
        return runs.pop() if len(runs) == 1 else None

    @property
    def admission(self) -> EndpointAdmission:
        """The endpoints the request can be sent to: as the controller whose pods run the
        class admits them (Traefik's ingress-nginx provider for an ingress-nginx class), or
        as the class's profile says where the pods are unknown or several."""
        product = self.implementer or self.profile
        return product.admission_for(self.profile, self.controller, self.applied.config)


@dataclass(frozen=True)
class Hop:
    hop: HopId
    title: str
    status: HopStatus
    summary: str
    objects: tuple[ObjectRef, ...] = ()
    findings: tuple[Finding, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    rows: tuple[Mapping[str, str], ...] = ()
    note: str | None = None
    # The controller configuration that decided this hop: setting, value, where it came from.
    settings: tuple[Mapping[str, str], ...] = ()


def status_from(findings: tuple[Finding, ...], unknown: bool = False) -> HopStatus:
    """A hop fails on any error, warns on any warning; info findings do not change it."""
    severities = {f.severity for f in findings}
    if Severity.ERROR in severities:
        return HopStatus.FAIL
    if Severity.WARNING in severities:
        return HopStatus.WARN
    return HopStatus.UNKNOWN if unknown else HopStatus.OK


def amend(hop: Hop, evidence: Sequence[Evidence] = (), findings: Sequence[Finding] = ()) -> Hop:
    """`hop` with what a later step found there (a prober's evidence, another check's
    findings). New findings set the status anew; evidence alone never changes it, since a
    prober only reports and the comparison says what the difference means."""
    if not evidence and not findings:
        return hop
    found = (*hop.findings, *findings)
    return replace(hop, evidence=(*hop.evidence, *evidence), findings=found,
                   status=status_from(found) if findings else hop.status)


@dataclass(frozen=True)
class AfterFix:
    """The hops of the route the user most likely meant, walked past the first cause."""

    cause: str  # e.g. "IDC332 near-miss-served-elsewhere"
    route: str
    hops: tuple[Hop, ...]

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for hop in self.hops for f in hop.findings)


@dataclass(frozen=True)
class TraceResult:
    request: Request
    hops: tuple[Hop, ...]
    source: str
    entry_addresses: tuple[EntryAddress, ...] = ()
    backend: BackendRef | None = None
    controller: ControllerFacts | None = None  # what the controller hop found, for reach
    outcome: Outcome | None = None
    after_fix: AfterFix | None = None

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for hop in self.hops for f in hop.findings)

    @property
    def verdict(self) -> Verdict:
        """Worst hop status, or worst finding: a skipped hop can still carry a warning
        (IDC002: the hop could not be checked), which must not read as "ok". The outcome
        bounds it: a request that reaches no pod, or another backend than the route written
        for it, fails."""
        statuses = {h.status for h in self.hops}
        severities = {f.severity for f in self.findings}
        outcome = self.outcome
        if (HopStatus.FAIL in statuses or Severity.ERROR in severities
                or (outcome is not None and not outcome.intended)):
            return Verdict.FAIL
        if HopStatus.WARN in statuses or Severity.WARNING in severities:
            return Verdict.WARN
        return Verdict.OK

    @property
    def root_cause(self) -> Hop | None:
        """The deepest failing hop: upstream failures are usually its symptoms."""
        failing = [h for h in self.hops if h.status is HopStatus.FAIL]
        return failing[-1] if failing else None

    @property
    def root_finding(self) -> Finding | None:
        hop = self.root_cause
        if hop is None:
            return None
        return next((f for f in hop.findings if f.severity is Severity.ERROR), None)
