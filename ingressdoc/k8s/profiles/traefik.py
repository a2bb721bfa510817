"""Traefik: what Traefik v3's kubernetes-ingress provider renders (``loadRouter``,
``buildHostRule``).

Exact is ``Path``. Prefix *and* ImplementationSpecific are ``PathPrefix``, a string prefix
(``strings.HasPrefix``), so ``/api`` matches ``/apis``. Routers form one flat list ordered by
priority, which defaults to the length of the rule string. So unlike the spec, a request for a
known host whose paths all miss falls through to wildcard or host-less rules.
``spec.defaultBackend`` is only honoured on Ingresses without rules. Request paths are
sanitised (v3): only unreserved %-escapes are decoded before dot segments are resolved.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ingressdoc.k8s.controller_settings import TRAEFIK as TRAEFIK_PRODUCT
from ingressdoc.k8s.controller_settings import (
    TRAEFIK_NGINX_SUPPORT,
    TRAEFIK_PREFIX,
    annotations_for,
    settings_for,
)
from ingressdoc.k8s.ingress_match import (
    HostClass,
    Outcome,
    RoutePath,
    RouteTable,
    decode_unreserved,
    element_prefix,
    first_default,
    host_matches,
    host_misses,
    path_misses,
    resolve_segments,
    select_host_class,
)
from ingressdoc.k8s.profiles import ingress_nginx
from ingressdoc.k8s.profiles.base import Profile, Signature, pod_args

CONTROLLER = "traefik.io/ingress-controller"
GATEWAY_CONTROLLER = "traefik.io/gateway-controller"
ROUTER_PRIORITY = TRAEFIK_PREFIX + "router.priority"
PATH_MATCHER = TRAEFIK_PREFIX + "router.pathmatcher"
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


def _rule(p: RoutePath) -> str:
    parts: list[str] = []
    host = p.rule.host
    if host.startswith("*."):
        pattern = re.escape(host).replace(r"\*\.", _ASCII_WILDCARD_LABEL, 1)
        parts.append(f"HostRegexp(`^{pattern}$`)")
    elif host:
        parts.append(f"Host(`{host}`)")
    if p.cand.path:
        parts.append(f"{_matcher(p)}(`{p.cand.path}`)")
    return " && ".join(parts)


def _priority(p: RoutePath) -> int:
    raw = p.rule.ingress.annotations.get(ROUTER_PRIORITY)
    try:
        explicit = int(str(raw)) if raw is not None else 0
    except ValueError:
        explicit = 0
    return explicit or len(_rule(p))


class Traefik(Profile):
    name = "traefik"
    title = "Traefik"
    controllers = (CONTROLLER,)
    gateway_controllers = (GATEWAY_CONTROLLER,)
    fallback_certificate = "TRAEFIK DEFAULT CERT"
    scheme_ports = (("http", "web"), ("https", "websecure"))
    pods = Signature("app.kubernetes.io/name", "traefik", "traefik", _implements)
    ignores_annotations = ("nginx.ingress.kubernetes.io/",)
    settings = settings_for(TRAEFIK_PRODUCT)
    annotations = annotations_for(TRAEFIK_PRODUCT)
    # The ingress-nginx annotations its ingress-nginx provider reads, by version.
    nginx_provider_annotations = TRAEFIK_NGINX_SUPPORT
    prefix_is_string_prefix = True
    implementation_specific = (
        "Traefik renders it as PathPrefix, a literal string prefix, unless "
        f"{PATH_MATCHER} says otherwise"
    )

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
            else:
                hit = path.startswith(p.cand.path)
            if not hit:
                return None
        return (-_priority(p), *p.order)

    def lost_reason(self, loser: RoutePath, winner: RoutePath, path: str) -> str:
        return (
            f"{loser.describe()} also matches {path}, but Traefik orders routers by priority "
            f"(rule length): {_priority(winner)} for {winner.describe()} beats "
            f"{_priority(loser)}"
        )

    def match(self, table: RouteTable, host: str, path: str) -> Outcome:
        """One flat router list: host match and path match are a single rule, ordered by
        priority."""
        host_rules = [r for r in table.rules if host_matches(r.host, host)]
        candidates = table.paths(host_rules)
        scored = sorted(
            ((k, p) for p in candidates if (k := self.key(p, path)) is not None),
            key=lambda kp: kp[0],
        )
        best = scored[0][1] if scored else None
        misses = path_misses(candidates, best, path, self)
        specific, _ = select_host_class(table.rules, host)
        if specific != "exact":
            misses += host_misses(table.rules, host, host_rules,
                                  other_hosts=specific != "wildcard")
        notes = _notes(table, scored, specific, path)
        if best is not None:
            return Outcome(best.rule.host_class, best.cand, False, tuple(misses), tuple(notes))
        fallback = first_default(i for i in table.ingresses if not i.has_rules)
        return Outcome(specific, fallback, fallback is not None, tuple(misses), tuple(notes))

    def ignored_annotations(
        self, annotations: Iterable[str], implements: frozenset[str]
    ) -> list[str]:
        """With its ingress-nginx provider on, Traefik reads nginx annotations too."""
        if ingress_nginx.CONTROLLER in implements:
            return []
        return super().ignored_annotations(annotations, implements)


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
        ignored = [i.ref for i in table.ingresses if i.has_rules and i.default_backend]
        if ignored:
            notes.append(
                "Traefik ignores spec.defaultBackend on Ingresses that also have rules: "
                + ", ".join(ignored)
            )
    return notes


TRAEFIK = Traefik()
