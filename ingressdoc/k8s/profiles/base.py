"""What a controller profile is: one controller's reading of Ingress objects, and its pods.

A profile holds everything ingressdoc knows about one controller: which IngressClass
`spec.controller` values it claims, how to recognise its pods, how it normalises a request
path, how it matches and orders paths, where it falls through and which default backend
answers, which annotations it ignores, the certificate it falls back to, the port names of
its Service, the annotation that makes its load balancer private, how it answers what it does
not forward (`Answers`), the protocol it speaks to a backend, which endpoints of a Service it
sends requests to (`EndpointAdmission`), which Ingress wins a host and path defined twice,
which paths it reads as regexes, TLS at its own load balancer, and where its Gateway API
routing departs from the spec. The base class is the host-first algorithm of the Ingress API
(most specific host class, then the best path, then a default backend); a profile overrides
the steps its controller does differently.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ingressdoc.k8s.controller_config import ControllerConfig
from ingressdoc.k8s.controller_settings import AnnotationSpec, SettingSpec
from ingressdoc.k8s.endpoints import READY, EndpointAdmission
from ingressdoc.k8s.gateway.matching import SPEC as SPEC_GATEWAY
from ingressdoc.k8s.gateway.matching import GatewaySemantics
from ingressdoc.k8s.ingress_match import (
    HostClass,
    NearMiss,
    Outcome,
    PathCandidate,
    RoutePath,
    RouteTable,
    Rule,
    Semantics,
    fallthrough_misses,
    first_default,
    host_misses,
    path_misses,
    select_host_class,
)
from ingressdoc.k8s.objects import spec

Obj = Mapping[str, Any]
_REGEX_META = re.compile(r"[*+?\[\](){}|^$\\]")


def pod_containers(pod: Obj) -> list[Mapping[str, Any]]:
    return list(spec(pod).get("containers") or [])


def pod_images(pod: Obj) -> str:
    """Every container's image, space-separated and lower-cased."""
    return " ".join(str(c.get("image", "")) for c in pod_containers(pod)).lower()


def pod_args(pod: Obj) -> str:
    """Every container's command and arguments, space-separated."""
    return " ".join(
        str(a) for c in pod_containers(pod)
        for a in (c.get("args") or []) + (c.get("command") or [])
    )


@dataclass(frozen=True)
class Signature:
    """How to find one controller's pods: pods carry no controller string, so they are
    recognised by label or image; `label_*` also keep the live LIST scoped."""

    label_key: str
    label_value: str
    image: str  # a substring of the image name
    implements: Callable[[Obj], frozenset[str]]  # the controller strings a pod serves

    def matches(self, pod_labels: Mapping[str, str], images: str) -> bool:
        """`images`: the pod's `pod_images`, joined once for every signature it is held to."""
        return pod_labels.get(self.label_key) == self.label_value or self.image in images


@dataclass(frozen=True)
class Answers:
    """How a controller answers a request it does not forward to a backend: what the outcome
    names and the status it returns where controllers differ."""

    proxy: str | None = None  # how the outcome names it; None: by its controller string
    missing_service: str | None = None  # status when the route's Service or port is missing
    empty_upstream: str | None = None  # status when the route's Service has no endpoints
    own_default_backend: bool = False  # an unmatched request reaches its default backend
    https_redirect: bool = False  # it redirects plain HTTP as ingress-nginx annotations say


@dataclass(frozen=True)
class Spoken:
    """The protocol a controller speaks to a backend port and where it takes it from:
    `annotation` is the Ingress annotation that says so, None when the Service does."""

    protocol: str  # http, https, grpc, grpcs or fcgi
    source: str  # for messages
    annotation: str | None = None


@dataclass(frozen=True)
class LoadBalancerTls:
    """Whether the controller's own load balancer listens for HTTPS for an Ingress, and so
    ends TLS there: `why` says where the certificate comes from, or why there is none."""

    where: str
    listens: bool
    why: str


class Profile(ABC):
    """One controller. Instances are stateless; `profiles.PROFILES` registers one per
    controller, and `configured` may give a variant for the running controller's options.

    The class attributes are the controller's data; the methods its matching rules. As a
    `Semantics` the profile is its plain path matching; a profile may switch a pool of rules
    to another semantics (`pool_semantics`, e.g. ingress-nginx's regex mode).
    """

    name: str
    title: str  # how messages name the controller
    controllers: tuple[str, ...] = ()  # IngressClass spec.controller values, lower-case
    pods: Signature | None = None  # None: the controller has no pods ingressdoc recognises
    runs_outside = False  # a cloud load balancer: no pods in the cluster to look for
    # GatewayClass spec.controllerName values its pods implement (Gateway API).
    gateway_controllers: tuple[str, ...] = ()
    gateway: GatewaySemantics = SPEC_GATEWAY  # where its Gateway API routing departs from the spec
    ignores_annotations: tuple[str, ...] = ()  # annotation prefixes of other controllers
    internal_annotation: tuple[str, str] | None = None  # (key, value) of a private LB
    fallback_certificate: str | None = None  # subject CN served when no Secret matches the SNI
    # (scheme, port name) its charts give the controller's Service ports.
    scheme_ports: tuple[tuple[str, str], ...] = ()
    prefix_is_string_prefix = False  # Prefix paths match as plain string prefixes
    # Its configuration as ingressdoc models it (k8s/controller_settings.py): the flags and
    # ConfigMap keys read from its pods, and the annotations whose effect is applied.
    settings: tuple[SettingSpec, ...] = ()
    annotations: tuple[AnnotationSpec, ...] = ()
    implementation_specific: str  # why an ImplementationSpecific path may still be meant
    answers = Answers()
    router_priority: str | None = None  # the annotation that overrides its route precedence
    # The endpoints its Ingress provider and its Gateway API provider send requests to.
    admission: EndpointAdmission = READY
    gateway_admission: EndpointAdmission = READY

    def configured(self, config: ControllerConfig | None) -> Profile:
        """The profile as the running controller's configuration (`config`, when read) has
        it match; itself where no option changes matching."""
        return self

    def answers_for(self, served: Profile) -> Answers:
        """How this controller's pods answer when they serve a class of `served` (most
        often its own)."""
        return served.answers

    def admission_for(self, served: Profile, controller: str | None,
                      config: ControllerConfig | None) -> EndpointAdmission:
        """The endpoints this controller's pods send a request to when they serve a class of
        `served` whose controller string is `controller` (a GatewayClass's for its Gateway API
        provider), as the running version (`config`, when read) does."""
        return self.gateway_admission if controller in self.gateway_controllers else (
            self.admission)

    def configured_answers(self, answers: Answers, config: ControllerConfig | None) -> Answers:
        """`answers` as the running controller's configuration changes them; unchanged where
        no option does."""
        return answers

    def path_regex(self, ingress: Obj, path_type: str | None,
                   path: str) -> Callable[[str], bool] | None:
        """Whether a request path matches `path` where the controller reads this Ingress
        path as a regular expression; None where it reads it as written."""
        return None

    def load_balancer_tls(self, ingress: Obj) -> LoadBalancerTls | None:
        """TLS at its own load balancer; None where it runs none (the Service's load
        balancer is another matter: hops/tls_elsewhere.py)."""
        return None

    def spoken(self, ingress: Obj | None, svc: Obj, port: Obj) -> Spoken | None:
        """The protocol it speaks to the Service port; None when ingressdoc does not know."""
        return None

    def gateway_spoken(self, route_kind: str, port: Obj) -> Spoken | None:
        """The protocol its Gateway API implementation speaks to a backendRef's Service port
        for an HTTPRoute or GRPCRoute. None: implementations honour the port's appProtocol
        (GEP-1911), and without it nothing is known."""
        return None

    def duplicate_precedence(self, winner: str, loser: str, served_by: Profile | None) -> str:
        """Why `winner` (namespace/name, created ...) answers a host and path that `loser`
        defines too; `served_by`: the controller whose pods run the class, where another."""
        return f"the oldest Ingress keeps a host and path defined twice ({winner}, {loser})"

    def claims(self, controller: str) -> bool:
        """Whether an IngressClass `spec.controller` (lower-case) names this controller."""
        return controller in self.controllers

    # ------------------------------------------------------------ request

    def normalise_path(self, path: str) -> str:
        return path

    def request_notes(self, raw_path: str) -> list[str]:
        """Notes about a request path the profile leaves as it is."""
        return []

    # ------------------------------------------------------------ path semantics

    @abstractmethod
    def key(self, p: RoutePath, path: str) -> tuple[Any, ...] | None: ...

    @abstractmethod
    def lost_reason(self, loser: RoutePath, winner: RoutePath, path: str) -> str: ...

    def winner_notes(self, best: RoutePath, path: str) -> list[str]:
        return []

    def winner_redirect(self, best: RoutePath, path: str) -> tuple[int, str, str] | None:
        """The redirect (status, Location path, why) the proxy answers the winner's request
        with instead of forwarding it, if it does."""
        return None

    def miss(self, p: RoutePath, path: str) -> tuple[str, str]:
        rule_path, desc = p.path, p.describe()
        if p.kind == "Exact" and rule_path.rstrip("/") == path.rstrip("/"):
            return "exact-trailing-slash", (
                f"{desc} does not match {path}: Exact compares byte for byte, so a trailing "
                "slash matters"
            )
        lowered = RoutePath(p.rule, replace(p.cand, path=rule_path.lower()))
        if self.key(lowered, path.lower()) is not None:
            return "path-case", f"{desc} does not match {path}: paths are case-sensitive"
        string_prefix = path.startswith(rule_path.rstrip("/"))
        if p.kind == "Prefix" and not self.prefix_is_string_prefix and string_prefix:
            return "prefix-not-string-prefix", (
                f"{desc} does not match {path}: Prefix matches whole path elements, not a "
                "string prefix"
            )
        if p.kind == "ImplementationSpecific" and (
                string_prefix or _REGEX_META.search(rule_path)):
            return ("implementation-specific",
                    f"{desc} does not match {path}: {self.implementation_specific}")
        return "path-no-match", f"{desc} does not match {path}"

    # ------------------------------------------------------------ host-first matching

    def pool_semantics(self, pool: Sequence[Rule]) -> tuple[Semantics, list[str]]:
        """The semantics the rules of one host are matched with, and notes on why."""
        return self, []

    def pool_misses(
        self, candidates: Sequence[RoutePath], best: RoutePath | None, path: str,
        pool: Sequence[Rule],
    ) -> list[NearMiss]:
        """Near misses the pool's semantics caused beyond the plain ones."""
        return []

    def default_backend(
        self, table: RouteTable, host_class: HostClass | None, pool: Sequence[Rule]
    ) -> PathCandidate | None:
        """The oldest Ingress with a defaultBackend among those that own the selected rules
        (any Ingress when no rule host matched)."""
        owners = {r.ingress.rank for r in pool}
        eligible = (i for i in table.defaults if not owners or i.rank in owners)
        return first_default(eligible)

    def match(self, table: RouteTable, host: str, path: str,
              near_misses: bool = True) -> Outcome:
        host_class, pool = select_host_class(table.rules_for(host), host)
        semantics, notes = self.pool_semantics(pool)
        candidates = table.paths(pool)
        scored = [(k, p) for p in candidates if (k := semantics.key(p, path)) is not None]
        best = min(scored, key=lambda kp: kp[0])[1] if scored else None
        misses: list[NearMiss] = []
        if near_misses:
            misses += path_misses(candidates, best, path, semantics)
            misses += fallthrough_misses(table, host_class, pool, host, path, self)
            if host_class != "exact":
                misses += host_misses(table.rules, host, pool,
                                      other_hosts=host_class != "wildcard")
            misses += self.pool_misses(candidates, best, path, pool)
        if best is not None:
            redirect = None
            if semantics is self:
                notes += self.winner_notes(best, path)
                redirect = self.winner_redirect(best, path)
            return Outcome(host_class, best.cand, False, tuple(misses), tuple(notes), redirect)
        fallback = self.default_backend(table, host_class, pool)
        return Outcome(host_class, fallback, fallback is not None, tuple(misses), tuple(notes))

    # ------------------------------------------------------------ annotations

    def ignored_annotations(
        self, annotations: Iterable[str], implements: frozenset[str]
    ) -> list[str]:
        """Annotations of an Ingress this controller does not read (`implements`: every
        controller string its pods serve)."""
        prefixes = self.ignores_annotations
        return [a for a in annotations if prefixes and a.startswith(prefixes)]
