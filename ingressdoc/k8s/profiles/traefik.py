"""Traefik: what Traefik v3's kubernetes-ingress provider renders (``loadRouter``,
``buildHostRule``).

Exact is ``Path``. Prefix *and* ImplementationSpecific are ``PathPrefix``, a string prefix
(``strings.HasPrefix``), so ``/api`` matches ``/apis``; with the provider's
``strictPrefixMatching`` (v3.5+, off by default) ``buildRule`` renders it as
``(Path(p) || PathPrefix(p/))``, whole path elements (`Traefik.configured`). Routers form
one flat list ordered by priority, which defaults to the length of the rule string. So unlike
the spec, a request for a known host whose paths all miss falls through to wildcard or
host-less rules.
``spec.defaultBackend`` is only honoured on Ingresses without rules. Request paths are
sanitised (v3): only unreserved %-escapes are decoded before dot segments are resolved.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from ingressdoc.k8s.controller_config import ControllerConfig
from ingressdoc.k8s.controller_settings import (
    ALLOW_EMPTY_SERVICES,
    STRICT_PREFIX_MATCHING,
    TRAEFIK_NGINX_SUPPORT,
    TRAEFIK_PREFIX,
    Version,
    annotations_for,
    settings_for,
)
from ingressdoc.k8s.controller_settings import TRAEFIK as TRAEFIK_PRODUCT
from ingressdoc.k8s.endpoints import EndpointAdmission
from ingressdoc.k8s.gateway.matching import Candidate, GatewaySemantics, rules_of
from ingressdoc.k8s.ingress_match import (
    HostClass,
    NearMiss,
    Outcome,
    PathCandidate,
    RoutePath,
    RouteTable,
    decode_unreserved,
    element_prefix,
    first_default,
    host_misses,
    path_misses,
    resolve_segments,
    select_host_class,
)
from ingressdoc.k8s.objects import annotations_of, name, namespace, spec
from ingressdoc.k8s.profiles import ingress_nginx
from ingressdoc.k8s.profiles.base import Answers, Profile, Signature, Spoken, pod_args

CONTROLLER = "traefik.io/ingress-controller"
GATEWAY_CONTROLLER = "traefik.io/gateway-controller"
ROUTER_PRIORITY = TRAEFIK_PREFIX + "router.priority"
PATH_MATCHER = TRAEFIK_PREFIX + "router.pathmatcher"
SERVERS_SCHEME = TRAEFIK_PREFIX + "service.serversscheme"
# Its Ingress provider drops a router whose Service is missing or has no endpoints
# (`allowEmptyServices` defaults to false): Traefik's own 404. Its ingress-nginx provider
# skips a path whose Service or port is missing, but keeps one without endpoints as an empty
# load balancer (503), and follows ingress-nginx's ssl-redirect annotations.
def gateway_priority(c: Candidate) -> int:
    """Traefik v3.6 `httproute.go` router priority for one match."""
    path = c.match.get("path") or {}
    ptype, pvalue = path.get("type"), str(path.get("value") or "")
    if ptype == "Exact":
        prio = 100000
    elif ptype == "PathPrefix" and pvalue.rstrip("/") == "":
        prio = 1
    else:
        prio = 10000 + 100 * len(pvalue)
    prio += 1000 if c.match.get("method") else 0
    prio += 100 * len(c.match.get("headers") or []) + 10 * len(c.match.get("queryParams") or [])
    prio += max((len(str(h)) for h in spec(c.route).get("hostnames") or []), default=0)
    return prio + len(rules_of(c.route)) - c.rule_index




# Traefik v3.6's Gateway provider: one router per match ranked by `gateway_priority` (Exact
# 100000; PathPrefix 10000 + 100 per character, `/` alone 1; method 1000; 100 per header; 10
# per query param; the longest route hostname's length; earlier rules a little higher), with
# no creationTimestamp tie-break; PathRegexp and HeaderRegexp unanchored; listeners not
# isolated; RequestMirror, CORS and ExternalAuth not implemented (the router answers 500 while
# status stays healthy); listeners on its entryPoints, so on its container ports.
def _gateway_refusal(svc: Mapping[str, Any], port: Mapping[str, Any], route_kind: str
                     ) -> tuple[str, str] | None:
    """What Traefik v3.6's Gateway provider refuses in a Service the spec leaves to the
    implementation (its backend then answers 500): an ExternalName Service, and for a
    GRPCRoute a port whose appProtocol is neither absent (h2c), kubernetes.io/h2c nor https
    (`getGRPCServiceProtocol`)."""
    ref = f"Service {namespace(svc)}/{name(svc)}"
    if spec(svc).get("type") == "ExternalName":
        return "BackendNotFound", (f"{ref} is of type ExternalName, which Traefik does not "
                                   "support as a backendRef")
    app = port.get("appProtocol")
    if route_kind == "GRPCRoute" and app is not None and str(app).lower() not in (
            "kubernetes.io/h2c", "https"):
        return "UnsupportedProtocol", (f"{ref} port {port.get('port')} has appProtocol {app}; "
                                       "Traefik sends gRPC as h2c (no appProtocol or "
                                       "kubernetes.io/h2c) or https only")
    return None


GATEWAY = GatewaySemantics(unanchored_regex=True, priority=gateway_priority,
                           every_listener=True,
                           unsupported_filters=("RequestMirror", "CORS", "ExternalAuth"),
                           listeners_on_pod_ports=True,
                           # ExtensionRef: the kubernetescrd provider registers its
                           # Middlewares (FillExtensionBuilderRegistry); a router naming one
                           # that does not exist is not built.
                           extension_kinds=(("traefik.io", "Middleware"),),
                           extension_switch="providers.kubernetescrd",
                           missing_extension_drops_rule=True,
                           refusal=_gateway_refusal)
_ANSWERS = Answers("Traefik", missing_service="404", empty_upstream="404")
_NGINX_PROVIDER_ANSWERS = Answers("Traefik (its ingress-nginx provider)", missing_service="404",
                                  empty_upstream="503", https_redirect=True)
# Its Ingress and CRD providers keep endpoints whose `serving` is not false (unset is true)
# and mark terminating ones fenced, which the load balancer (wrr.go `nextServer`) never
# picks: "no available server", 503, when every one is.
FENCED = EndpointAdmission("serving", unset_admits=True, fences_terminating=True,
                           what="serving and not terminating",
                           note="Traefik fences terminating endpoints: it sends them no request")
# Its Gateway API provider keeps only endpoints whose `ready` is stated true: unset is
# skipped, unlike the API's reading.
STATED_READY = EndpointAdmission("ready", unset_admits=False, fences_terminating=False,
                                 what="stated ready",
                                 note="Traefik's Gateway provider skips an endpoint whose "
                                 "ready condition is unset")
# Its ingress-nginx provider keeps serving endpoints but passes the fence on to the load
# balancer only from 3.7.5: before, a terminating endpoint that still serves gets requests.
# With its version unknown, the releases before 3.7.5 (every 3.6 among them) are assumed and
# the message says what 3.7.5 does instead.
UNFENCED = EndpointAdmission("serving", unset_admits=True, fences_terminating=False,
                             what="serving (terminating or not)",
                             note="Traefik's ingress-nginx provider before 3.7.5 keeps "
                             "sending requests to terminating endpoints while they serve")
UNFENCED_UNKNOWN = replace(UNFENCED, note=UNFENCED.note + "; its version is unknown here, and "
                           "from 3.7.5 on it fences them (503 where no other endpoint serves)")
NGINX_PROVIDER_FENCES_SINCE: Version = (3, 7, 5)
_ASCII_WILDCARD_LABEL = r"[a-zA-Z0-9-]+\."


def _implements(pod: Mapping[str, Any]) -> frozenset[str]:
    """Its ingress-nginx compatibility provider serves a controller string too:
    `providers.kubernetesingressnginx.controllerclass`, `k8s.io/ingress-nginx` by default;
    its Gateway API provider the GatewayClasses of `traefik.io/gateway-controller`."""
    args = pod_args(pod)
    out = {CONTROLLER}
    if "--providers.kubernetesgateway" in args.lower():
        out.add(GATEWAY_CONTROLLER)
    if "--providers.kubernetesingressnginx" not in args:
        return frozenset(out)
    nginx_class = ingress_nginx.CONTROLLER
    for token in args.split():
        key, _, value = token.partition("=")
        if key.lower() == "--providers.kubernetesingressnginx.controllerclass" and value:
            nginx_class = value
    return frozenset({*out, nginx_class})


def _matcher(p: RoutePath) -> str:
    if p.kind == "Exact":
        return "Path"
    if p.kind == "Prefix":
        return "PathPrefix"
    return str(p.rule.ingress.annotations.get(PATH_MATCHER) or "PathPrefix")


def _strict(path: str) -> str:
    """`buildStrictPrefixMatchingRule`: a PathPrefix by whole path elements."""
    if path == "/":
        return "PathPrefix(`/`)"
    trimmed = path.removesuffix("/")
    return f"(Path(`{trimmed}`) || PathPrefix(`{trimmed}/`))"


def _rule(p: RoutePath, strict: bool) -> str:
    parts: list[str] = []
    host = p.rule.host
    if host.startswith("*."):
        pattern = re.escape(host).replace(r"\*\.", _ASCII_WILDCARD_LABEL, 1)
        parts.append(f"HostRegexp(`^{pattern}$`)")
    elif host:
        parts.append(f"Host(`{host}`)")
    if p.cand.path:
        matcher = _matcher(p)
        parts.append(_strict(p.cand.path) if strict and matcher == "PathPrefix"
                     else f"{matcher}(`{p.cand.path}`)")
    return " && ".join(parts)


def _priority(p: RoutePath, strict: bool) -> int:
    raw = p.rule.ingress.annotations.get(ROUTER_PRIORITY)
    try:
        explicit = int(str(raw)) if raw is not None else 0
    except ValueError:
        explicit = 0
    return explicit or len(_rule(p, strict))


class Traefik(Profile):
    name = "traefik"
    title = "Traefik"
    controllers = (CONTROLLER,)
    gateway_controllers = (GATEWAY_CONTROLLER,)
    gateway = GATEWAY
    fallback_certificate = "TRAEFIK DEFAULT CERT"
    scheme_ports = (("http", "web"), ("https", "websecure"))
    pods = Signature("app.kubernetes.io/name", "traefik", "traefik", _implements)
    ignores_annotations = ("nginx.ingress.kubernetes.io/",)
    settings = settings_for(TRAEFIK_PRODUCT)
    annotations = annotations_for(TRAEFIK_PRODUCT)
    # The ingress-nginx annotations its ingress-nginx provider reads, by version.
    nginx_provider_annotations = TRAEFIK_NGINX_SUPPORT
    answers = _ANSWERS
    router_priority = ROUTER_PRIORITY
    admission = FENCED
    gateway_admission = STATED_READY

    def __init__(self, strict_prefix: bool = False) -> None:
        """`strict_prefix`: its Ingress provider runs with strictPrefixMatching, so PathPrefix
        rules match whole path elements."""
        self.strict_prefix = strict_prefix
        self.prefix_is_string_prefix = not strict_prefix
        self.implementation_specific = (
            "Traefik renders it as PathPrefix, "
            + ("matched by whole path elements (strictPrefixMatching)" if strict_prefix
               else "a literal string prefix")
            + f", unless {PATH_MATCHER} says otherwise")

    def configured(self, config: ControllerConfig | None) -> Profile:
        strict = config is not None and config.product == TRAEFIK_PRODUCT and config.enabled(
            STRICT_PREFIX_MATCHING)
        return STRICT_PREFIX if strict else TRAEFIK

    def answers_for(self, served: Profile) -> Answers:
        return _NGINX_PROVIDER_ANSWERS if served is ingress_nginx.INGRESS_NGINX else served.answers

    def admission_for(self, served: Profile, controller: str | None,
                      config: ControllerConfig | None) -> EndpointAdmission:
        """Its ingress-nginx provider fences terminating endpoints from 3.7.5 on."""
        if served is not ingress_nginx.INGRESS_NGINX or controller in self.gateway_controllers:
            return super().admission_for(served, controller, config)
        version = config.version if config is not None and (
            config.product == TRAEFIK_PRODUCT) else None
        if version is None:
            return UNFENCED_UNKNOWN
        return UNFENCED if version < NGINX_PROVIDER_FENCES_SINCE else FENCED

    def configured_answers(self, answers: Answers, config: ControllerConfig | None) -> Answers:
        """`allowEmptyServices` keeps the router of a Service without endpoints, with an
        empty load balancer: 503 instead of the dropped router's 404 (traefik/traefik#9242)."""
        if config is not None and config.enabled(ALLOW_EMPTY_SERVICES):
            return replace(answers, empty_upstream="503")
        return answers

    def gateway_spoken(self, route_kind: str, port: Mapping[str, Any]) -> Spoken | None:
        """v3.6: gRPC as h2c (https for appProtocol https, `getGRPCServiceProtocol`); an
        HTTPRoute's backend by its appProtocol, else HTTPS to a port named `https*` or
        numbered 443, else HTTP (`getHTTPServiceProtocol`)."""
        app = str(port.get("appProtocol") or "").lower()
        source = "the Gateway provider (the port's appProtocol, name or number)"
        if route_kind == "GRPCRoute":
            return Spoken("https" if app == "https" else "grpc", source)
        if app:
            known = {"kubernetes.io/h2c": "grpc", "http": "http", "kubernetes.io/ws": "http",
                     "https": "https", "kubernetes.io/wss": "https"}.get(app)
            return Spoken(known, source) if known else None
        named_tls = str(port.get("name") or "").lower().startswith("https")
        return Spoken("https" if named_tls or port.get("port") == 443 else "http", source)

    def spoken(self, ingress: Mapping[str, Any] | None, svc: Mapping[str, Any],
               port: Mapping[str, Any]) -> Spoken | None:
        """The Service's serversscheme annotation, else HTTPS to a port named `https*` or
        numbered 443, else HTTP."""
        source = f"the Service (annotation {SERVERS_SCHEME}, port name or number)"
        scheme = str(annotations_of(svc).get(SERVERS_SCHEME) or "").lower()
        if scheme:
            return Spoken({"h2c": "grpc"}.get(scheme, scheme), source)
        named_tls = str(port.get("name") or "").lower().startswith("https")
        return Spoken("https" if named_tls or port.get("port") == 443 else "http", source)

    def path_regex(self, ingress: Mapping[str, Any], path_type: str | None,
                   path: str) -> Callable[[str], bool] | None:
        """An ImplementationSpecific path whose pathmatcher annotation is PathRegexp: an
        unanchored Go regexp."""
        if path_type not in (None, "", "ImplementationSpecific") or annotations_of(
                ingress).get(PATH_MATCHER) != "PathRegexp":
            return None
        try:
            pattern = re.compile(path)
        except re.error:
            return None
        return lambda request: pattern.search(request) is not None

    def duplicate_precedence(self, winner: str, loser: str, served_by: Profile | None) -> str:
        here = " (Traefik implements this class here)" if served_by is not None else ""
        return ("both routers have the same rule and so the same priority, and Traefik does "
                f"not define which of equal-priority routers wins{here}; the trace assumes "
                "the older Ingress")

    def claims(self, controller: str) -> bool:
        return controller.startswith("traefik.io/")

    def normalise_path(self, path: str) -> str:
        return resolve_segments(decode_unreserved(path))

    def key(self, p: RoutePath, path: str) -> tuple[Any, ...] | None:
        if p.cand.path:
            matcher = _matcher(p)
            if matcher == "Path":
                hit = path == p.cand.path
            elif matcher == "PathRegexp":
                hit = re.search(p.cand.path, path) is not None
            elif self.strict_prefix:
                trimmed = p.cand.path.removesuffix("/")
                hit = p.cand.path == "/" or path == trimmed or path.startswith(trimmed + "/")
            else:
                hit = path.startswith(p.cand.path)
            if not hit:
                return None
        return (-_priority(p, self.strict_prefix), *p.order)

    def lost_reason(self, loser: RoutePath, winner: RoutePath, path: str) -> str:
        return (
            f"{loser.describe()} also matches {path}, but Traefik orders routers by priority "
            f"(rule length): {_priority(winner, self.strict_prefix)} for "
            f"{winner.describe()} beats {_priority(loser, self.strict_prefix)}"
        )

    def match(self, table: RouteTable, host: str, path: str,
              near_misses: bool = True) -> Outcome:
        """One flat router list: host match and path match are a single rule, ordered by
        priority."""
        host_rules = table.rules_for(host)
        candidates = table.paths(host_rules)
        scored = sorted(
            ((k, p) for p in candidates if (k := self.key(p, path)) is not None),
            key=lambda kp: kp[0],
        )
        best = scored[0][1] if scored else None
        misses = _captured(path_misses(candidates, best, path, self), best, path) if (
            near_misses) else []
        specific, _ = select_host_class(host_rules, host)
        if near_misses and specific != "exact":
            misses += host_misses(table.rules, host, host_rules,
                                  other_hosts=specific != "wildcard")
        notes = _notes(table, scored, specific, path)
        if best is not None:
            return Outcome(best.rule.host_class, best.cand, False, tuple(misses), tuple(notes))
        fallback = first_default(i for i in table.defaults if not i.has_rules)
        return Outcome(specific, fallback, fallback is not None, tuple(misses), tuple(notes))

    def ignored_annotations(
        self, annotations: Iterable[str], implements: frozenset[str]
    ) -> list[str]:
        """With its ingress-nginx provider on, Traefik reads nginx annotations too."""
        if ingress_nginx.CONTROLLER in implements:
            return []
        return super().ignored_annotations(annotations, implements)


def _captured(misses: list[NearMiss], best: RoutePath | None, path: str) -> list[NearMiss]:
    """Traefik's Ingress provider renders Prefix as PathPrefix, `strings.HasPrefix` (unless
    its strictPrefixMatching option is on): a winner that matches only as a string prefix
    takes the request from the routes that match it by whole path elements, as the spec has
    it. Those are what the user wrote for the request, the longest first (the spec's pick)."""
    if best is None or best.kind == "Exact" or not best.cand.path or element_prefix(
            best.path, path):
        return misses

    def by_spec(c: PathCandidate) -> bool:
        if c.path_type == "Exact":
            return c.path == path
        return c.path_type == "Prefix" and element_prefix(c.path or "/", path)

    captured = sorted((m for m in misses if m.key == "lost-precedence" and by_spec(m.candidate)),
                      key=lambda m: -len((m.candidate.path or "/").rstrip("/")))
    return [NearMiss(m.candidate, (
        f"{best.describe()} matches {path} only as a Traefik PathPrefix string prefix "
        f"({best.path} is not a whole path element of it), and Traefik orders routers by "
        f"rule length; the spec matches whole path elements, so {m.candidate.path_type} "
        f"{m.candidate.path or '/'} would answer"), "string-prefix-captured")
        for m in captured] + [m for m in misses if m not in captured]


def _notes(
    table: RouteTable, scored: Sequence[tuple[Any, RoutePath]], specific: HostClass | None,
    path: str,
) -> list[str]:
    notes: list[str] = []
    if scored:
        best = scored[0][1]
        if specific is not None and best.rule.host_class != specific:
            notes.append(
                f"Traefik routers are flat: no {specific} rule for this host matches {path}, so "
                f"the {best.rule.shown_host} rule {best.describe()} serves it (the spec would "
                "not fall through)"
            )
        if best.kind != "Exact" and best.cand.path and not element_prefix(best.path, path):
            notes.append(
                f"{best.describe()} matches {path} only as a Traefik PathPrefix string prefix; "
                "the spec matches whole path elements"
            )
        if len(scored) > 1 and scored[1][0][0] == scored[0][0][0]:
            notes.append(
                f"{best.describe()} and {scored[1][1].describe()} have equal Traefik priority; "
                "Traefik does not define which wins"
            )
    else:
        ignored = [i.ref for i in table.defaults if i.has_rules]
        if ignored:
            notes.append(
                "Traefik ignores spec.defaultBackend on Ingresses that also have rules: "
                + ", ".join(ignored)
            )
    return notes


TRAEFIK = Traefik()
STRICT_PREFIX = Traefik(strict_prefix=True)
