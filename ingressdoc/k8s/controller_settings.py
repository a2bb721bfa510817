"""The controller configuration ingressdoc models, as data: flags, ConfigMap keys, annotations.

Each entry names the controller version its behaviour was read from and the source file, so
a reader can check it. docs/findings.md lists these tables (`make docs`), and the hops look
settings up here instead of hard-coding flag names and defaults.

Sources (read at these tags):
- ingress-nginx controller-v1.15.1: pkg/flags/flags.go, internal/ingress/controller/config/
  config.go (`NewDefault`), internal/ingress/annotations/*/main.go (the `Risk` of each
  annotation), internal/ingress/controller/template/template.go (`buildProxyPass`).
- Traefik v3.6.24 and v3.7.0: pkg/provider/kubernetes/ingress/kubernetes.go,
  pkg/provider/kubernetes/ingress-nginx/{kubernetes,annotations}.go,
  pkg/provider/kubernetes/crd/kubernetes.go (`resolveReference`).
- AWS Load Balancer Controller v2.x: docs/guide/ingress/annotations.md,
  docs/deploy/configurations.md.
"""

from __future__ import annotations

from dataclasses import dataclass

NGINX = "ingress-nginx"
TRAEFIK = "traefik"
ALB = "aws-load-balancer-controller"
NGINX_PREFIX = "nginx.ingress.kubernetes.io/"
TRAEFIK_PREFIX = "traefik.ingress.kubernetes.io/"
ALB_PREFIX = "alb.ingress.kubernetes.io/"
# An entry point's redirect; `<name>` is any entry point.
REDIRECT_FLAG = "entrypoints.<name>.http.redirections.entrypoint.to"
# The flag prefixes of Traefik's two Ingress providers (ingress-nginx's flags have none).
TRAEFIK_INGRESS_PROVIDER = "providers.kubernetesingress."
ALLOW_EMPTY_SERVICES = TRAEFIK_INGRESS_PROVIDER + "allowemptyservices"
TRAEFIK_NGINX_PROVIDER = "providers.kubernetesingressnginx."
STRICT_PREFIX_MATCHING = TRAEFIK_INGRESS_PROVIDER + "strictprefixmatching"

Version = tuple[int, ...]


@dataclass(frozen=True)
class SettingSpec:
    """One flag or ConfigMap key; `defaults` pairs a first version with the default from it."""

    product: str
    key: str
    where: str  # "flag" or "configmap"
    defaults: tuple[tuple[Version, str], ...]
    effect: str
    source: str

    def default(self, version: Version | None) -> str:
        """The default of the running version; the newest one when the version is unknown."""
        chosen = self.defaults[-1][1]
        if version is not None:
            for since, value in self.defaults:
                if version >= since:
                    chosen = value
        return chosen


@dataclass(frozen=True)
class AnnotationSpec:
    """An Ingress annotation whose effect on the request ingressdoc models.

    `risk` is ingress-nginx's own risk level: an annotation above the controller's
    `annotations-risk-level` makes the controller drop the whole Ingress.
    """

    product: str
    name: str
    effect: str
    source: str
    risk: str = ""


_NGINX_FLAGS = "ingress-nginx controller-v1.15.1 pkg/flags/flags.go"
_NGINX_CONFIG = "ingress-nginx controller-v1.15.1 internal/ingress/controller/config/config.go"
_TRAEFIK_INGRESS = "Traefik v3.6.24 pkg/provider/kubernetes/ingress/kubernetes.go"
_TRAEFIK_NGINX = "Traefik v3.6.24 pkg/provider/kubernetes/ingress-nginx/kubernetes.go"
_TRAEFIK_CRD = "Traefik v3.6.24 pkg/provider/kubernetes/crd/kubernetes.go"
_ALB_DOCS = "AWS Load Balancer Controller v2.x docs/deploy/configurations.md"
_ALL: Version = (0,)

SETTINGS: tuple[SettingSpec, ...] = (
    # ingress-nginx: what the controller sees
    SettingSpec(NGINX, "watch-namespace", "flag", ((_ALL, ""),),
                "Only Ingresses in this namespace are served (empty: all).", _NGINX_FLAGS),
    SettingSpec(NGINX, "watch-namespace-selector", "flag", ((_ALL, ""),),
                "Only Ingresses in namespaces with these labels are served.", _NGINX_FLAGS),
    SettingSpec(NGINX, "ingress-class", "flag", ((_ALL, "nginx"),),
                "The class name (IngressClass or legacy annotation) the controller answers to.",
                _NGINX_FLAGS),
    SettingSpec(NGINX, "controller-class", "flag", ((_ALL, "k8s.io/ingress-nginx"),),
                "IngressClasses whose spec.controller equals this are served.", _NGINX_FLAGS),
    SettingSpec(NGINX, "watch-ingress-without-class", "flag", ((_ALL, "false"),),
                "Also serve Ingresses without any class.", _NGINX_FLAGS),
    SettingSpec(NGINX, "enable-ssl-passthrough", "flag", ((_ALL, "false"),),
                "Without it the ssl-passthrough annotation is ignored and nginx terminates TLS.",
                _NGINX_FLAGS),
    SettingSpec(NGINX, "configmap", "flag", ((_ALL, ""),),
                "The ConfigMap (namespace/name) holding the settings below.", _NGINX_FLAGS),
    # ingress-nginx: ConfigMap
    SettingSpec(NGINX, "allow-snippet-annotations", "configmap",
                ((_ALL, "true"), ((1, 10, 0), "false")),
                "Snippet annotations are ignored unless true.", _NGINX_CONFIG),
    SettingSpec(NGINX, "annotations-risk-level", "configmap",
                ((_ALL, "Critical"), ((1, 12, 0), "High")),
                "An Ingress with an annotation of higher risk is dropped whole.", _NGINX_CONFIG),
    SettingSpec(NGINX, "ssl-redirect", "configmap", ((_ALL, "true"),),
                "HTTP requests to a host with a TLS entry are redirected to HTTPS (308).",
                _NGINX_CONFIG),
    SettingSpec(NGINX, "force-ssl-redirect", "configmap", ((_ALL, "false"),),
                "Every HTTP request is redirected to HTTPS, TLS entry or not.", _NGINX_CONFIG),
    SettingSpec(NGINX, "use-forwarded-headers", "configmap", ((_ALL, "false"),),
                "Trust X-Forwarded-Proto/-For from the load balancer (scheme and client address).",
                _NGINX_CONFIG),
    SettingSpec(NGINX, "use-proxy-protocol", "configmap", ((_ALL, "false"),),
                "Read the client address from the PROXY protocol header.", _NGINX_CONFIG),
    # Traefik: Kubernetes Ingress provider
    SettingSpec(TRAEFIK, "providers.kubernetesingress", "flag", ((_ALL, "false"),),
                "Serve Ingresses of class traefik.io/ingress-controller.", _TRAEFIK_INGRESS),
    SettingSpec(TRAEFIK, "providers.kubernetesingress.namespaces", "flag", ((_ALL, ""),),
                "Only Ingresses in these namespaces are served (empty: all).", _TRAEFIK_INGRESS),
    SettingSpec(TRAEFIK, "providers.kubernetesingress.ingressclass", "flag", ((_ALL, ""),),
                "Only Ingresses of this class name are served (empty: every Traefik class).",
                _TRAEFIK_INGRESS),
    SettingSpec(TRAEFIK, "providers.kubernetesingress.allowexternalnameservices", "flag",
                ((_ALL, "false"),),
                "ExternalName backends are refused (the path answers 404) unless true.",
                _TRAEFIK_INGRESS),
    SettingSpec(TRAEFIK, ALLOW_EMPTY_SERVICES, "flag", ((_ALL, "false"),),
                "A path whose Service has no ready endpoint keeps its router with an empty "
                "load balancer (503) instead of being dropped (404).", _TRAEFIK_INGRESS),
    SettingSpec(TRAEFIK, STRICT_PREFIX_MATCHING, "flag", ((_ALL, "false"),),
                "Prefix (and ImplementationSpecific rendered as PathPrefix) matches whole path "
                "elements, as the Ingress API says, instead of a string prefix (since v3.5.0; "
                "`buildRule`).", _TRAEFIK_INGRESS),
    SettingSpec(TRAEFIK, "providers.kubernetesingress.crossprovidernamespaces", "flag",
                ((_ALL, ""),),
                "When set, only Ingresses in these namespaces may reference Middlewares "
                "(others are dropped).", _TRAEFIK_INGRESS),
    # Traefik: ingress-nginx provider
    SettingSpec(TRAEFIK, "providers.kubernetesingressnginx", "flag", ((_ALL, "false"),),
                "Serve Ingresses of class k8s.io/ingress-nginx, emulating nginx annotations.",
                _TRAEFIK_NGINX),
    SettingSpec(TRAEFIK, "providers.kubernetesingressnginx.watchnamespace", "flag",
                ((_ALL, ""),), "Only Ingresses in this namespace are served (empty: all).",
                _TRAEFIK_NGINX),
    SettingSpec(TRAEFIK, "providers.kubernetesingressnginx.watchnamespaceselector", "flag",
                ((_ALL, ""),), "Only Ingresses in namespaces with these labels are served.",
                _TRAEFIK_NGINX),
    SettingSpec(TRAEFIK, "providers.kubernetesingressnginx.controllerclass", "flag",
                ((_ALL, "k8s.io/ingress-nginx"),),
                "IngressClasses whose spec.controller equals this are served.", _TRAEFIK_NGINX),
    SettingSpec(TRAEFIK, "providers.kubernetesingressnginx.ingressclass", "flag",
                ((_ALL, "nginx"),), "The class name the provider answers to.", _TRAEFIK_NGINX),
    SettingSpec(TRAEFIK, "providers.kubernetesingressnginx.watchingresswithoutclass", "flag",
                ((_ALL, "false"),), "Also serve Ingresses without any class.", _TRAEFIK_NGINX),
    SettingSpec(TRAEFIK, REDIRECT_FLAG, "flag", ((_ALL, ""),),
                "Plain HTTP on that entry point is redirected to the named TLS entry point.",
                "Traefik v3.6.24 pkg/config/static/entrypoints.go"),
    # Traefik: CRD provider
    SettingSpec(TRAEFIK, "providers.kubernetescrd", "flag", ((_ALL, "false"),),
                "Serve Middlewares and IngressRoutes; without it no @kubernetescrd reference "
                "resolves.", _TRAEFIK_CRD),
    SettingSpec(TRAEFIK, "providers.kubernetescrd.allowcrossnamespace", "flag",
                ((_ALL, "false"),),
                "IngressRoute references to Middlewares of other namespaces (and any "
                "@kubernetescrd reference) are refused unless true.",
                _TRAEFIK_CRD),
    SettingSpec(TRAEFIK, "providers.kubernetescrd.namespaces", "flag", ((_ALL, ""),),
                "Only Middlewares and IngressRoutes in these namespaces exist for Traefik.",
                _TRAEFIK_CRD),
    # AWS Load Balancer Controller
    SettingSpec(ALB, "ingress-class", "flag", ((_ALL, "alb"),),
                "The class name the controller answers to.", _ALB_DOCS),
    SettingSpec(ALB, "watch-namespace", "flag", ((_ALL, ""),),
                "Only Ingresses in this namespace are served (empty: all).", _ALB_DOCS),
)

_NGINX_SRC = "ingress-nginx controller-v1.15.1 internal/ingress/annotations/"
_TRAEFIK_ANN = "Traefik v3.6.24 pkg/provider/kubernetes/ingress/annotations.go"
_ALB_ANN = "AWS Load Balancer Controller v2.x docs/guide/ingress/annotations.md"

ANNOTATIONS: tuple[AnnotationSpec, ...] = (
    AnnotationSpec(NGINX, NGINX_PREFIX + "rewrite-target",
                   "The backend receives the target, $n filled from the path regex; the whole "
                   "host switches to regex locations.", _NGINX_SRC + "rewrite/main.go", "Medium"),
    AnnotationSpec(NGINX, NGINX_PREFIX + "use-regex",
                   "Paths are case-insensitive regexes for the whole host.",
                   _NGINX_SRC + "rewrite/main.go", "Low"),
    AnnotationSpec(NGINX, NGINX_PREFIX + "app-root",
                   "A request for / is redirected (302) to this path.",
                   _NGINX_SRC + "rewrite/main.go", "Medium"),
    AnnotationSpec(NGINX, NGINX_PREFIX + "ssl-redirect",
                   "HTTP is redirected to HTTPS when the host has a TLS entry.",
                   _NGINX_SRC + "rewrite/main.go", "Medium"),
    AnnotationSpec(NGINX, NGINX_PREFIX + "force-ssl-redirect",
                   "HTTP is redirected to HTTPS even without a TLS entry.",
                   _NGINX_SRC + "rewrite/main.go", "Medium"),
    AnnotationSpec(NGINX, NGINX_PREFIX + "permanent-redirect",
                   "Every request is answered with a 301 to this URL.",
                   _NGINX_SRC + "redirect/redirect.go", "Medium"),
    AnnotationSpec(NGINX, NGINX_PREFIX + "ssl-passthrough",
                   "TLS goes to the backend untouched (needs --enable-ssl-passthrough); the "
                   "Ingress's TLS entry and L7 annotations are unused.",
                   _NGINX_SRC + "sslpassthrough/main.go", "Low"),
    AnnotationSpec(NGINX, NGINX_PREFIX + "upstream-vhost",
                   "The Host header the backend receives.",
                   _NGINX_SRC + "upstreamvhost/main.go", "Low"),
    AnnotationSpec(NGINX, NGINX_PREFIX + "backend-protocol",
                   "The protocol spoken to the backend (HTTP, HTTPS, GRPC, GRPCS, FCGI).",
                   _NGINX_SRC + "backendprotocol/main.go", "Low"),
    AnnotationSpec(NGINX, NGINX_PREFIX + "whitelist-source-range",
                   "Client addresses outside these CIDRs get 403.",
                   _NGINX_SRC + "ipallowlist/main.go", "Medium"),
    AnnotationSpec(NGINX, NGINX_PREFIX + "allowlist-source-range",
                   "Client addresses outside these CIDRs get 403.",
                   _NGINX_SRC + "ipallowlist/main.go", "Medium"),
    AnnotationSpec(NGINX, NGINX_PREFIX + "configuration-snippet",
                   "Raw nginx configuration for the location.",
                   _NGINX_SRC + "snippet/main.go", "Critical"),
    AnnotationSpec(NGINX, NGINX_PREFIX + "server-snippet",
                   "Raw nginx configuration for the server.",
                   _NGINX_SRC + "serversnippet/main.go", "Critical"),
    AnnotationSpec(NGINX, NGINX_PREFIX + "auth-snippet",
                   "Raw nginx configuration for the auth request.",
                   _NGINX_SRC + "authreq/main.go", "Critical"),
    AnnotationSpec(NGINX, NGINX_PREFIX + "auth-url",
                   "Every request is first authorised by this URL.",
                   _NGINX_SRC + "authreq/main.go", "High"),
    AnnotationSpec(NGINX, NGINX_PREFIX + "mirror-target",
                   "Requests are copied to this URL.", _NGINX_SRC + "mirror/main.go", "High"),
    AnnotationSpec(NGINX, NGINX_PREFIX + "canary",
                   "This Ingress is the canary of another one for the same host and path.",
                   _NGINX_SRC + "canary/main.go", "Low"),
    AnnotationSpec(NGINX, NGINX_PREFIX + "canary-weight",
                   "The share of requests (of canary-weight-total, default 100) the canary gets.",
                   _NGINX_SRC + "canary/main.go", "Low"),
    AnnotationSpec(NGINX, NGINX_PREFIX + "canary-weight-total",
                   "The total canary-weight is measured against (default 100).",
                   _NGINX_SRC + "canary/main.go", "Low"),
    AnnotationSpec(NGINX, NGINX_PREFIX + "canary-by-header",
                   "Requests with this header set to always go to the canary.",
                   _NGINX_SRC + "canary/main.go", "Medium"),
    AnnotationSpec(NGINX, NGINX_PREFIX + "canary-by-header-value",
                   "Only this value of the canary header selects the canary.",
                   _NGINX_SRC + "canary/main.go", "Medium"),
    AnnotationSpec(NGINX, NGINX_PREFIX + "permanent-redirect-code",
                   "The status of permanent-redirect (default 301).",
                   _NGINX_SRC + "redirect/redirect.go", "Low"),
    AnnotationSpec(TRAEFIK, TRAEFIK_PREFIX + "router.middlewares",
                   "Middlewares (<namespace>-<name>@<provider>) applied to the route; one that "
                   "does not resolve drops the route.", _TRAEFIK_ANN),
    AnnotationSpec(TRAEFIK, TRAEFIK_PREFIX + "router.priority",
                   "The route's priority; by default the length of its rule, longest first.",
                   _TRAEFIK_ANN),
    AnnotationSpec(TRAEFIK, TRAEFIK_PREFIX + "router.pathmatcher",
                   "The matcher of ImplementationSpecific paths (default PathPrefix).",
                   _TRAEFIK_ANN),
    AnnotationSpec(ALB, ALB_PREFIX + "scheme",
                   "internal: the ALB is reachable only from the VPC.", _ALB_ANN),
    AnnotationSpec(ALB, ALB_PREFIX + "listen-ports",
                   "The listeners of the ALB (default HTTP:80; HTTPS:443 once a certificate "
                   "is found).", _ALB_ANN),
    AnnotationSpec(ALB, ALB_PREFIX + "certificate-arn",
                   "The ACM certificate TLS ends with at the ALB.", _ALB_ANN),
)

# The ingress-nginx annotations Traefik's kubernetesIngressNGINX provider reads, by the first
# Traefik version with that set (pkg/provider/kubernetes/ingress-nginx/annotations.go at
# v3.5.0 and v3.7.0). Any other nginx annotation is ignored by that provider.
_TRAEFIK_NGINX_V35 = frozenset((
    "auth-type", "auth-secret", "auth-realm", "auth-secret-type", "auth-url",
    "auth-response-headers", "force-ssl-redirect", "ssl-redirect", "ssl-passthrough", "use-regex",
    "affinity", "session-cookie-name", "session-cookie-secure", "session-cookie-path",
    "session-cookie-domain", "session-cookie-samesite", "session-cookie-max-age",
    "service-upstream", "backend-protocol", "proxy-ssl-secret", "proxy-ssl-verify",
    "proxy-ssl-name", "proxy-ssl-server-name", "enable-cors", "cors-allow-credentials",
    "cors-expose-headers", "cors-allow-headers", "cors-allow-methods", "cors-allow-origin",
    "cors-max-age",
))
_TRAEFIK_NGINX_V37 = _TRAEFIK_NGINX_V35 | frozenset((
    "auth-signin", "auth-snippet", "auth-method", "enable-global-auth", "auth-tls-secret",
    "auth-tls-verify-client", "auth-tls-pass-certificate-to-upstream", "rewrite-target",
    "app-root", "permanent-redirect", "permanent-redirect-code", "temporal-redirect",
    "temporal-redirect-code", "from-to-www-redirect", "server-alias", "affinity-canary-behavior",
    "session-cookie-expires", "upstream-hash-by", "proxy-connect-timeout", "proxy-read-timeout",
    "proxy-send-timeout", "proxy-next-upstream", "proxy-next-upstream-tries",
    "proxy-next-upstream-timeout", "proxy-http-version", "enable-access-log",
    "whitelist-source-range", "allowlist-source-range", "limit-rpm", "limit-rps",
    "limit-burst-multiplier", "limit-connections", "custom-headers", "upstream-vhost",
    "x-forwarded-prefix", "custom-http-errors", "default-backend", "proxy-request-buffering",
    "client-body-buffer-size", "proxy-body-size", "proxy-buffering", "proxy-buffer-size",
    "proxy-buffers-number", "proxy-max-temp-file-size", "configuration-snippet", "server-snippet",
    "canary", "canary-by-cookie", "canary-by-header", "canary-by-header-value",
    "canary-by-header-pattern", "canary-weight", "canary-weight-total", "enable-modsecurity",
    "enable-owasp-core-rules", "modsecurity-transaction-id", "modsecurity-snippet",
))
TRAEFIK_NGINX_SUPPORT: tuple[tuple[Version, frozenset[str]], ...] = (
    ((3, 5, 0), _TRAEFIK_NGINX_V35),
    ((3, 7, 0), _TRAEFIK_NGINX_V37),
)

# Service annotations by which a cloud load balancer in front of the controller terminates
# TLS itself (the certificate lives in the cloud, not in a Secret): the port list annotation
# says which ports, when the provider has one.
LB_TLS_ANNOTATIONS: tuple[tuple[str, str | None, str], ...] = (
    ("service.beta.kubernetes.io/aws-load-balancer-ssl-cert",
     "service.beta.kubernetes.io/aws-load-balancer-ssl-ports", "AWS (in-tree and LBC)"),
    ("service.beta.kubernetes.io/do-loadbalancer-certificate-id",
     "service.beta.kubernetes.io/do-loadbalancer-tls-ports", "DigitalOcean"),
    ("service.beta.kubernetes.io/oci-load-balancer-ssl-ports", None, "Oracle Cloud"),
)

SETTINGS_BY_KEY = {(s.product, s.key): s for s in SETTINGS}
ANNOTATIONS_BY_NAME = {a.name: a for a in ANNOTATIONS}
RISK_LEVELS = ("Low", "Medium", "High", "Critical")


def settings_for(product: str) -> tuple[SettingSpec, ...]:
    return tuple(s for s in SETTINGS if s.product == product)


def annotations_for(product: str) -> tuple[AnnotationSpec, ...]:
    return tuple(a for a in ANNOTATIONS if a.product == product)


def traefik_nginx_supports(annotation: str, version: Version | None) -> bool:
    """Whether Traefik's ingress-nginx provider at `version` reads `annotation`. With the
    version unknown, only what every version reads counts (the first set)."""
    short = annotation.removeprefix(NGINX_PREFIX)
    supported = TRAEFIK_NGINX_SUPPORT[0][1]
    if version is not None:
        supported = frozenset()
        for since, names in TRAEFIK_NGINX_SUPPORT:
            if version >= since:
                supported = names
    return short in supported
