"""The controller's own configuration applied to the Ingresses it would serve.

The controller hop names the class and finds the pods; this module reads what those pods are
configured to do (ingressdoc/k8s/controller_config.py) and decides, per Ingress, whether the
controller sees it at all (watched namespaces, class filters, classless Ingresses), admits it
(ingress-nginx annotation risk level), and which of its annotations and Middleware references
take effect. An Ingress the controller drops is left out of routing, so the trace shows the
route that answers instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.hops.model import NO_CONFIG, AppliedConfig
from ingressdoc.k8s.controller_config import (
    ControllerConfig,
    Setting,
    read_config,
    with_configmap,
)
from ingressdoc.k8s.controller_settings import (
    ANNOTATIONS_BY_NAME,
    NGINX,
    NGINX_PREFIX,
    RISK_LEVELS,
    SETTINGS,
    TRAEFIK,
    TRAEFIK_INGRESS_PROVIDER,
    TRAEFIK_NGINX_PROVIDER,
    TRAEFIK_PREFIX,
    traefik_nginx_supports,
)
from ingressdoc.k8s.controllers import product_of
from ingressdoc.k8s.ingress_class import LEGACY_ANNOTATION
from ingressdoc.k8s.objects import annotations_of, is_true, labels, name, namespace, spec
from ingressdoc.k8s.selectors import parse_selector, selector_matches
from ingressdoc.snapshot import KindStatus, ObjectRef, Snapshot

Obj = Mapping[str, Any]
MIDDLEWARES = TRAEFIK_PREFIX + "router.middlewares"
PASSTHROUGH = NGINX_PREFIX + "ssl-passthrough"
CANARY = NGINX_PREFIX + "canary"
_V2_GROUP = "traefik.containo.us"  # removed in Traefik v3 (docs/content/migrate/v2-to-v3-details.md)

Show = Callable[[str], str]  # reads a setting and records it as one that decided


def configuration(snap: Snapshot, pod: Obj, product: str) -> ControllerConfig | None:
    """The pod's configuration with the ConfigMap it names, as far as the snapshot has it."""
    config = read_config(pod, product)
    if config is None or config.configmap_name is None:
        return config
    cm_ns, _, cm_name = config.configmap_name.partition("/")
    readable = snap.status("ConfigMap", cm_ns) is KindStatus.LOADED
    return with_configmap(config, snap.get("ConfigMap", cm_ns, cm_name), readable)


def serving_config(snap: Snapshot, controller: str | None,
                   pods: Sequence[Obj]) -> tuple[ControllerConfig | None, str]:
    """The configuration of the pods serving `controller`, and the provider prefix."""
    products = {product_of(p) for p in pods}
    profile = products.pop() if len(products) == 1 else None
    if not pods or profile is None:
        return None, ""
    product = profile.name
    config = configuration(snap, pods[0], product)
    if config is not None and product == TRAEFIK:
        nginx_class = config.value(TRAEFIK_NGINX_PROVIDER + "controllerclass")
        return config, TRAEFIK_NGINX_PROVIDER if controller == nginx_class else TRAEFIK_INGRESS_PROVIDER
    return config, ""


# The setting naming the class a provider answers to by name: the legacy
# `kubernetes.io/ingress.class` annotation needs no IngressClass object. Traefik's Ingress
# provider with no ingressClass set answers to the name "traefik" (shouldProcessIngress).
_CLASS_NAME: Mapping[tuple[str, str], tuple[str, str]] = {
    (NGINX, ""): ("ingress-class", ""),
    (TRAEFIK, TRAEFIK_INGRESS_PROVIDER): (TRAEFIK_INGRESS_PROVIDER + "ingressclass", "traefik"),
    (TRAEFIK, TRAEFIK_NGINX_PROVIDER): (TRAEFIK_NGINX_PROVIDER + "ingressclass", ""),
}


def answers_to(snap: Snapshot, controller: str, pod: Obj, class_name: str) -> bool:
    """Whether `pod`, serving `controller`, takes Ingresses whose class annotation is
    `class_name` without an IngressClass of that name."""
    config, provider = serving_config(snap, controller, [pod])
    if config is None:
        return False
    key, unset = _CLASS_NAME[(config.product, provider)]
    return (config.value(key) or unset) == class_name


def apply(snap: Snapshot, controller: str | None, pods: Sequence[Obj],
          ingresses: Sequence[Obj], classless: Sequence[ObjectRef]) -> AppliedConfig:
    config, provider = serving_config(snap, controller, pods)
    if config is None:
        return NO_CONFIG
    found: list[Finding] = []
    dropped: set[ObjectRef] = set()
    consulted: dict[str, Setting] = {}

    def show(key: str) -> str:
        """A setting's value, remembered so the controller hop shows what decided."""
        consulted[key] = config.setting(key)
        return consulted[key].value

    for ing in ingresses:
        ref = ObjectRef.of(ing)
        why = _unwatched(snap, config, provider, ing, show)
        if why:
            dropped.add(ref)
            found.append(finding("IDC290", ref, why, field="metadata.namespace"))
            continue
        class_why = _class_filtered(config, provider, ing, show)
        if class_why:
            dropped.add(ref)
            found.append(finding("IDC292", ref, class_why, field="spec.ingressClassName"))
            continue
        admission = _admission(config, provider, ing, show)
        found.extend(admission)
        if any(f.code == "IDC293" for f in admission):
            dropped.add(ref)
            continue
        mw = _middlewares(snap, config, provider, ing, show)
        found.extend(mw)
        if any(f.code == "IDC297" for f in mw):
            dropped.add(ref)
    canaries = _canaries(config, provider, [i for i in ingresses
                                            if ObjectRef.of(i) not in dropped])
    for canary, primary in canaries:
        dropped.add(ObjectRef.of(canary))
        if primary is None:
            found.append(finding(
                "IDC298", ObjectRef.of(canary),
                "canary Ingress with no primary Ingress for the same host and path: "
                "ingress-nginx ignores it", field="metadata.annotations"))
    served_classless = bool(classless) and _serves_classless(config, provider, show)
    for key in explicit_settings(config, provider):
        show(key)
    rows = tuple({"setting": k, "value": v.value or "<empty>", "from": v.source}
                 for k, v in sorted(consulted.items()))
    return AppliedConfig(config, provider, frozenset(dropped), tuple(found), rows, served_classless,
                         tuple(c for c, p in canaries if p is not None))


def class_scope(snap: Snapshot, ingress_class: Obj | None,
                ingresses: Sequence[Obj]) -> list[Finding]:
    """The AWS Load Balancer Controller refuses Ingresses outside the namespaceSelector of
    the IngressClassParams their class names (docs/guide/ingress/ingress_class.md, v2.x)."""
    params = spec(ingress_class or {}).get("parameters") or {}
    if (params.get("apiGroup"), params.get("kind")) != ("elbv2.k8s.aws", "IngressClassParams"):
        return []
    obj = snap.get("IngressClassParams", None, str(params.get("name", "")))
    selector = spec(obj or {}).get("namespaceSelector")
    if not selector or snap.status("Namespace") is not KindStatus.LOADED:
        return []
    out = []
    for ing in ingresses:
        ns = snap.get("Namespace", None, str(namespace(ing)))
        if ns is None or not selector_matches(selector, labels(ns)):
            out.append(finding(
                "IDC299", ObjectRef.of(ing),
                f"IngressClassParams {params.get('name')} admits only namespaces matching its "
                f"namespaceSelector; namespace {namespace(ing)} does not match, so the "
                "controller refuses this Ingress", field="spec.ingressClassName"))
    return out


def _routes(ing: Obj) -> set[tuple[str, str]]:
    return {(str(r.get("host") or ""), str(p.get("path") or "/"))
            for r in spec(ing).get("rules") or []
            for p in (r.get("http") or {}).get("paths") or []}


def _canaries(config: ControllerConfig, provider: str,
              ingresses: Sequence[Obj]) -> list[tuple[Obj, Obj | None]]:
    """Canary Ingresses and the primary each merges into: one of the same host and path
    (controller.go `mergeAlternativeBackends`); without one the canary is deleted."""
    if config.product == TRAEFIK and not (provider == TRAEFIK_NGINX_PROVIDER and traefik_nginx_supports(
            CANARY, config.version)):
        return []
    out: list[tuple[Obj, Obj | None]] = []
    for ing in ingresses:
        if not is_true(annotations_of(ing).get(CANARY)):
            continue
        primary = next((p for p in ingresses if p is not ing and not is_true(annotations_of(
            p).get(CANARY)) and _routes(p) & _routes(ing)), None)
        out.append((ing, primary))
    return out


def explicit_settings(config: ControllerConfig, provider: str) -> list[str]:
    """The modelled settings the pod's arguments or ConfigMap set, for the serving provider
    (Traefik's flags of other providers do not concern this class)."""
    mine = [s.key for s in SETTINGS if s.product == config.product and (
        config.product != TRAEFIK or s.key.startswith(provider) or s.key.startswith(
            "providers.kubernetescrd"))]
    return [k for k in mine if k in config.flags or k in config.configmap]


def _serves_classless(config: ControllerConfig, provider: str, show: Show) -> bool:
    """ingress-nginx and Traefik's nginx provider need --watch-ingress-without-class; the
    Traefik Ingress provider serves classless Ingresses unless its ingressClass is set
    (`shouldProcessIngress`, v3.6.24)."""
    if config.product == NGINX:
        return is_true(show("watch-ingress-without-class"))
    if provider == TRAEFIK_INGRESS_PROVIDER:
        return not show(provider + "ingressclass")
    return is_true(show(provider + "watchingresswithoutclass"))


# The settings that limit which namespaces a provider sees: a namespace list and a label
# selector over Namespaces (None where the provider has none).
_WATCH: Mapping[tuple[str, str], tuple[str, str | None]] = {
    (NGINX, ""): ("watch-namespace", "watch-namespace-selector"),
    (TRAEFIK, TRAEFIK_NGINX_PROVIDER): (
        "providers.kubernetesingressnginx.watchnamespace",
        "providers.kubernetesingressnginx.watchnamespaceselector"),
    (TRAEFIK, TRAEFIK_INGRESS_PROVIDER): (TRAEFIK_INGRESS_PROVIDER + "namespaces", None),
}


def _unwatched(snap: Snapshot, config: ControllerConfig, provider: str, ing: Obj,
               show: Show) -> str | None:
    ns = str(namespace(ing))
    only_key, selector_key = _WATCH[(config.product, provider)]
    watched = config.listed(only_key)
    if watched:
        show(only_key)
        if ns not in watched:
            return (f"the controller watches only namespace{'s' if len(watched) > 1 else ''} "
                    f"{', '.join(watched)} ({only_key}); this Ingress is in {ns}")
    selector = config.value(selector_key) if selector_key else ""
    if selector and selector_key:
        show(selector_key)
        shown = f"{selector_key}={selector}"
        ns_obj = snap.get("Namespace", None, ns)
        if ns_obj is None and snap.status("Namespace") is KindStatus.LOADED:
            return f"namespace {ns} does not exist, so {shown} cannot select it"
        try:
            wanted = parse_selector(selector)
        except ValueError:
            return None
        if ns_obj is not None and not selector_matches(wanted, labels(ns_obj)):
            return f"namespace {ns} has no labels matching {shown}"
    return None


def _class_filtered(config: ControllerConfig, provider: str, ing: Obj, show: Show) -> str | None:
    """Traefik's Ingress provider with `ingressClass` set serves only that class name."""
    if provider != TRAEFIK_INGRESS_PROVIDER:
        return None
    wanted = config.value(provider + "ingressclass")
    if not wanted:
        return None
    show(provider + "ingressclass")
    have = spec(ing).get("ingressClassName") or annotations_of(ing).get(LEGACY_ANNOTATION)
    if have == wanted:
        return None
    return (f"Traefik serves only class {wanted} ({provider}ingressclass); this Ingress "
            f"has class {have or '<none>'}")


def _admission(config: ControllerConfig, provider: str, ing: Obj, show: Show) -> list[Finding]:
    """ingress-nginx drops an Ingress with an annotation riskier than `annotations-risk-level`
    (annotations.go `Extract` fails, store.go skips the Ingress) and ignores snippets unless
    `allow-snippet-annotations` (controller.go); without --enable-ssl-passthrough the
    passthrough annotation does nothing. Traefik's nginx provider ignores what it does not
    implement (annotations.go of the running version)."""
    ref = ObjectRef.of(ing)
    anns = annotations_of(ing)
    nginx_anns = sorted(a for a in anns if a.startswith(NGINX_PREFIX))
    if not nginx_anns:
        return []
    out: list[Finding] = []
    if config.product == TRAEFIK:
        if provider != TRAEFIK_NGINX_PROVIDER:
            return []
        ignored = [a for a in nginx_anns if not traefik_nginx_supports(a, config.version)]
        if ignored:
            version = (f"Traefik {'.'.join(map(str, config.version))}" if config.version
                       else f"Traefik of unknown version ({config.image}; assumed older than "
                       "v3.7)")
            out.append(finding(
                "IDC296", ref,
                f"{version}'s ingress-nginx provider ignores "
                + ", ".join(a.removeprefix(NGINX_PREFIX) for a in ignored),
                field="metadata.annotations"))
        return out
    level = show("annotations-risk-level")
    limit = RISK_LEVELS.index(level) if level in RISK_LEVELS else len(RISK_LEVELS) - 1
    risky = [a for a in nginx_anns if a in ANNOTATIONS_BY_NAME and ANNOTATIONS_BY_NAME[a].risk
             and RISK_LEVELS.index(ANNOTATIONS_BY_NAME[a].risk) > limit]
    if risky:
        out.append(finding(
            "IDC293", ref,
            "ingress-nginx drops this Ingress: "
            + ", ".join(f"{a.removeprefix(NGINX_PREFIX)} (risk {ANNOTATIONS_BY_NAME[a].risk})"
                        for a in risky)
            + (" exceeds" if len(risky) == 1 else " exceed")
            + f" annotations-risk-level {level}",
            field="metadata.annotations"))
        return out
    snippets = [a for a in nginx_anns if a.endswith("-snippet")]
    if snippets and not is_true(show("allow-snippet-annotations")):
        out.append(finding(
            "IDC294", ref,
            f"{', '.join(s.removeprefix(NGINX_PREFIX) for s in snippets)} ignored: "
            "allow-snippet-annotations is false", field="metadata.annotations"))
    if is_true(anns.get(PASSTHROUGH)) and not is_true(
            show("enable-ssl-passthrough")):
        out.append(finding(
            "IDC295", ref, "ssl-passthrough is ignored: the controller runs without "
            "--enable-ssl-passthrough, so it terminates TLS itself",
            field=f"metadata.annotations.{PASSTHROUGH}"))
    return out


def _middlewares(snap: Snapshot, config: ControllerConfig, provider: str, ing: Obj,
                 show: Show) -> list[Finding]:
    """Traefik resolves `<namespace>-<name>@kubernetescrd` among the CRD provider's
    Middlewares; an unqualified name stays in the Ingress provider, which defines none. A
    reference that does not resolve fails the router, so the route is not served."""
    raw = annotations_of(ing).get(MIDDLEWARES)
    if config.product != TRAEFIK or provider != TRAEFIK_INGRESS_PROVIDER or not raw:
        return []
    ref = ObjectRef.of(ing)
    field = f"metadata.annotations.{MIDDLEWARES}"
    allowed = config.listed(provider + "crossprovidernamespaces")
    if provider + "crossprovidernamespaces" in config.flags:
        show(provider + "crossprovidernamespaces")
        if str(namespace(ing)) not in allowed:
            return [finding("IDC297", ref, f"Middleware references are allowed only from "
                            f"namespaces {', '.join(allowed) or '<none>'}; the Ingress is "
                            "dropped", field=field)]
    out: list[Finding] = []
    for item in (m.strip() for m in raw.split(",") if m.strip()):
        mw_name, _, mw_provider = item.partition("@")
        if not mw_provider:
            out.append(finding("IDC297", ref, f"middleware {item} has no @provider, so it is "
                               f"looked up as {item}@kubernetes, where none exists", field=field,
                               hint=f"Write it as <namespace>-<name>@kubernetescrd, e.g. "
                               f"{namespace(ing)}-{item}@kubernetescrd."))
        elif mw_provider == "kubernetescrd":
            why = _crd_middleware(snap, config, mw_name, show)
            if why:
                out.append(finding("IDC297", ref, f"middleware {item}: {why}", field=field))
    return out


def _crd_middleware(snap: Snapshot, config: ControllerConfig, full: str, show: Show) -> str | None:
    if not is_true(show("providers.kubernetescrd")):
        return "the kubernetescrd provider is not enabled"
    if not snap.loaded("Middleware"):
        return None
    namespaces = config.listed("providers.kubernetescrd.namespaces")
    for mw in snap.list("Middleware"):
        if f"{namespace(mw)}-{name(mw)}" == full:
            if str(mw.get("apiVersion", "")).startswith(_V2_GROUP + "/") and (
                    config.version or (3,)) >= (3,):
                return (f"Middleware {namespace(mw)}/{name(mw)} uses API group {_V2_GROUP}, "
                        "which Traefik v3 no longer reads (v2-to-v3 migration)")
            if namespaces and str(namespace(mw)) not in namespaces:
                show("providers.kubernetescrd.namespaces")
                return (f"Middleware {namespace(mw)}/{name(mw)} is in a namespace the CRD "
                        "provider does not watch")
            return None
    return "no Middleware of that <namespace>-<name> exists"


def middleware_objects(snap: Snapshot, ing: Obj) -> list[Obj]:
    """The resolved CRD Middlewares an Ingress references, in order."""
    raw = annotations_of(ing).get(MIDDLEWARES) or ""
    by_full = {f"{namespace(m)}-{name(m)}": m for m in snap.list("Middleware")}
    return [by_full[n] for n in (m.strip().removesuffix("@kubernetescrd")
                                 for m in raw.split(",")) if n in by_full]
