"""The finding catalog: every code the tool can raise, as data.

Codes are grouped by hop (IDC1xx entry ... IDC7xx network and DNS, IDC8xx Gateway API) so the
number alone tells where the request broke. Codes are never reused; a retired code stays here with `retired`.
`docs/findings.md` is generated from this table and a test fails when it drifts.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingressdoc.findings import Severity, help_uri

E, W, N = Severity.ERROR, Severity.WARNING, Severity.INFO


@dataclass(frozen=True)
class Entry:
    code: str
    name: str
    hop: str
    severity: Severity
    why: str
    fix: str
    details: str = ""
    retired: bool = False

    @property
    def help_uri(self) -> str:
        return help_uri(self.code, self.name)


_ENTRIES: tuple[Entry, ...] = (
    # IDC0xx: the tool and its inputs
    Entry("IDC001", "internal-error", "any", E,
          "A check failed unexpectedly, so its hop was not fully checked.",
          "Report the bug with the saved snapshot (`ingressdoc snapshot`)."),
    Entry("IDC002", "kind-forbidden", "any", W,
          "The credentials may not read a kind this hop reads, so the hop is not checked.",
          "Bind the role the finding names (deploy/rbac.yaml) or accept the gap.",
          "ingressdoc lists the kinds it reads, except Secrets and ConfigMaps: it gets only "
          "the TLS Secrets Ingresses name and the cluster DNS's ConfigMaps, by name, under "
          "roles of their own (ingressdoc-tls-reader, ingressdoc-dns-config-reader). A "
          "forbidden kind is recorded and every hop that needs it says 'not checked' "
          "instead of guessing."),
    Entry("IDC003", "kind-unavailable", "any", N,
          "The API server does not serve this kind (for example a CRD is not installed).",
          "Install the API (CRD) if the cluster should serve it; otherwise nothing to do."),
    # IDC1xx: DNS of the host and the entry point
    Entry("IDC050", "optional-read-not-granted", "any", N,
          "The credentials may not read a kind whose role is optional (TLS Secrets: "
          "ingressdoc-tls-reader), so the hop that needs it is not checked; by choice, so "
          "the verdict stands on the other hops.",
          "Bind the role the finding names (deploy/rbac.yaml) to check that hop too.",
          "Reading TLS Secrets is optional: `get` on Secrets, even by name, reaches private "
          "keys, and some clusters grant it to no tool. Without it the TLS hop says 'not "
          "checked' and every other verdict is the same."),
    Entry("IDC101", "host-does-not-resolve", "dns", E,
          "Clients cannot find the entry point because the host name does not resolve.",
          "Create the DNS record (A/AAAA or CNAME) pointing at the entry address."),
    Entry("IDC102", "host-resolves-elsewhere", "dns", E,
          "The host resolves, but not to any address of the ingress controller's entry point.",
          "Point the DNS record at the controller's LoadBalancer address or node addresses."),
    Entry("IDC103", "host-aaaa-only", "dns", W,
          "The host has only AAAA records; IPv4-only clients and entry points cannot use it.",
          "Add an A record, or make sure the entry point and clients speak IPv6."),
    Entry("IDC104", "request-host-is-ip", "rule", W,
          "The request uses an IP address, so the Host header matches no host rule.",
          "Send the request with the host name (or `curl --resolve host:port:ip`)."),
    Entry("IDC110", "load-balancer-pending", "entry", E,
          "The controller's LoadBalancer Service has no address: no LB implementation assigned one.",
          "Install a load-balancer implementation (cloud controller, MetalLB, cloud-provider-kind) "
          "or use the NodePort."),
    Entry("IDC111", "entry-is-nodeport", "entry", N,
          "The controller is exposed only on NodePorts, so ports 80/443 on a node are not served.",
          "Send the request to a node address on the NodePort, or put a load balancer in front."),
    Entry("IDC112", "etp-local-no-local-endpoint", "entry", W,
          "externalTrafficPolicy: Local drops traffic on nodes without a ready controller pod.",
          "Run the controller on every node that receives traffic, or use Cluster."),
    Entry("IDC113", "ingress-ready-label-missing", "entry", E,
          "The controller selects nodes labelled ingress-ready=true and no node has that label.",
          "Label the node (`kubectl label node NODE ingress-ready=true`) or drop the nodeSelector."),
    Entry("IDC114", "internal-load-balancer", "entry", N,
          "The load balancer is internal, so it is reachable only from the private network. "
          "The objects cannot tell where the clients are: IDC131 warns when live evidence "
          "shows they are outside.",
          "Use an internet-facing scheme if the host must be public."),
    Entry("IDC115", "no-entry-service", "entry", W,
          "No Service, hostPort or hostNetwork exposes the controller, so nothing outside reaches it.",
          "Expose the controller with a LoadBalancer or NodePort Service, or hostPort."),
    Entry("IDC130", "entry-port-not-exposed", "entry", E,
          "The request's port is none the controller is exposed on (its LoadBalancer Service "
          "ports, node ports, hostPorts): the connection fails before any proxy answers.",
          "Send the request to an exposed port, or add the port to the controller's Service."),
    Entry("IDC131", "internal-load-balancer-public-host", "entry", W,
          "Live evidence shows clients outside the private network (a public resolver answers "
          "the host, it resolves to public addresses, or with --probe the internal load "
          "balancer gives the request from where ingressdoc runs no answer), but the entry is "
          "an internal load balancer, reachable only from the private network: those clients "
          "cannot connect.",
          "Use an internet-facing scheme (or a second, public load balancer), or publish the "
          "name only in the private zone."),
    Entry("IDC116", "nodeport-out-of-range", "entry", E,
          "A nodePort outside the apiserver's range (default 30000-32767) is rejected on apply.",
          "Pick a nodePort in range or omit it to get one assigned."),
    # IDC2xx: IngressClass and controller
    Entry("IDC201", "no-controller-running", "controller", E,
          "No running controller implements the Ingress's class, so no proxy serves its rules.",
          "Install the ingress controller for this class, or use a class an installed one serves."),
    Entry("IDC202", "controller-not-ready", "controller", E,
          "The controller pods exist but none is Ready, so the entry refuses or drops traffic.",
          "Inspect the controller pods (`kubectl describe pod`, logs) and fix what keeps them unready."),
    Entry("IDC203", "ingressclass-not-found", "controller", E,
          "The Ingress names an IngressClass that does not exist, so no controller claims it.",
          "Create the IngressClass or set spec.ingressClassName to an existing class."),
    Entry("IDC204", "no-class-no-default", "controller", E,
          "The Ingress has no class and no IngressClass is marked default, so no controller claims it.",
          "Set spec.ingressClassName, or mark one IngressClass as default."),
    Entry("IDC205", "multiple-default-classes", "controller", W,
          "Several IngressClasses are marked default; new class-less Ingresses are rejected.",
          "Keep the is-default-class annotation on exactly one IngressClass."),
    Entry("IDC206", "class-annotation-deprecated", "controller", W,
          "The deprecated kubernetes.io/ingress.class annotation is used instead of ingressClassName.",
          "Set spec.ingressClassName and remove the annotation."),
    Entry("IDC207", "annotation-for-other-controller", "controller", W,
          "Annotations of another controller are ignored by the controller that serves this Ingress.",
          "Use the annotations of the controller that serves the class, or change the class."),
    Entry("IDC208", "host-merged-across-ingresses", "controller", N,
          "Several Ingresses define rules for this host; their paths are merged into one route table.",
          "Check that the paths of the Ingresses do not shadow each other."),
    Entry("IDC290", "namespace-not-watched", "controller", E,
          "The controller watches only some namespaces, so it never sees this Ingress: no "
          "address in its status, and another route or the default backend answers.",
          "Add the namespace to the controller's watched namespaces (flag or label selector), "
          "or move the Ingress into a watched namespace."),
    Entry("IDC291", "classless-ingress-served", "controller", N,
          "The Ingress names no class; the serving controller is configured to take classless "
          "Ingresses (ingress-nginx --watch-ingress-without-class, Traefik without "
          "ingressClass), so it serves it.",
          "Set spec.ingressClassName anyway: another controller may take it too."),
    Entry("IDC292", "class-filtered-by-controller", "controller", E,
          "The controller is configured to serve one class name only, and this Ingress has "
          "another, so it is not served.",
          "Use the class the controller is configured for, or widen its class setting."),
    Entry("IDC293", "annotation-too-risky", "controller", E,
          "ingress-nginx drops a whole Ingress whose annotation is riskier than the "
          "annotations-risk-level ConfigMap key (High by default since v1.12): none of its "
          "rules are served.",
          "Remove the annotation (snippets: use the controller ConfigMap instead), or raise "
          "annotations-risk-level if the administrators accept the risk."),
    Entry("IDC294", "snippet-annotation-ignored", "controller", W,
          "Snippet annotations are ignored while allow-snippet-annotations is false (the "
          "default since ingress-nginx v1.10), so the configuration they carry is not applied.",
          "Move the configuration into supported annotations or the ConfigMap, or set "
          "allow-snippet-annotations: \"true\"."),
    Entry("IDC295", "ssl-passthrough-not-enabled", "controller", W,
          "The ssl-passthrough annotation only works when ingress-nginx runs with "
          "--enable-ssl-passthrough; without it the controller terminates TLS with its own "
          "certificate.",
          "Add --enable-ssl-passthrough to the controller's arguments, or drop the annotation."),
    Entry("IDC296", "annotation-ignored-by-implementation", "controller", W,
          "Traefik's ingress-nginx provider emulates only some ingress-nginx annotations; the "
          "others are silently ignored, so the request is not changed as the Ingress says.",
          "Express the behaviour with a Traefik Middleware, or upgrade to a Traefik version "
          "whose provider supports the annotation."),
    Entry("IDC297", "middleware-not-resolved", "controller", E,
          "A Middleware the route references does not resolve, so Traefik does not serve the "
          "route at all: another route or a 404 answers.",
          "Reference it as <namespace>-<name>@kubernetescrd, create the Middleware, and enable "
          "the kubernetescrd provider (and crossProviderNamespaces where set)."),
    Entry("IDC298", "canary-without-primary", "controller", W,
          "An ingress-nginx canary Ingress only adds an alternative backend to an existing "
          "Ingress of the same host and path; without one it is ignored.",
          "Create the primary Ingress for that host and path, or drop the canary annotation."),
    Entry("IDC299", "class-scope-excludes-namespace", "controller", E,
          "The IngressClass's parameters restrict it to some namespaces (AWS Load Balancer "
          "Controller IngressClassParams namespaceSelector); an Ingress elsewhere is refused.",
          "Label the namespace to match the namespaceSelector, or use a class meant for it."),
    # IDC3xx: rule match and TLS
    Entry("IDC230", "class-not-served", "controller", E,
          "The Ingress names a class (spec.ingressClassName or the legacy annotation) that no "
          "IngressClass defines and no running controller claims: no proxy picks it up.",
          "Use one of the existing classes, or create the IngressClass for an installed "
          "controller."),
    Entry("IDC280", "ingress-not-admitted", "controller", W,
          "The Ingress has no status address while other Ingresses of its class have one: "
          "the class's controller has not admitted it (it rejected it, or serves another "
          "class), so it may not be served at all.",
          "Read the controller's logs and events for the Ingress (`kubectl describe ingress`); "
          "check its class, annotations and that it is valid for that controller."),
    Entry("IDC301", "host-no-match", "rule", E,
          "No Ingress rule matches the request host and no default backend catches it: 404.",
          "Add a rule for the host (mind typos, case-insensitive, wildcards cover one label)."),
    Entry("IDC302", "wildcard-host-depth", "rule", E,
          "A wildcard host covers exactly one DNS label; this host has more (or none).",
          "Add a rule for the full host, or a wildcard at the right depth."),
    Entry("IDC303", "path-no-match", "rule", E,
          "The host matches, but no path of its rules matches the request path: 404.",
          "Add a path for the request, or fix the pathType (see the near misses)."),
    Entry("IDC304", "prefix-not-string-prefix", "rule", N,
          "Prefix matches whole path elements: /api does not match /apis.",
          "Add the path you need, or use a path element boundary."),
    Entry("IDC305", "exact-trailing-slash", "rule", N,
          "Exact matching is byte for byte: /x and /x/ are different paths.",
          "Use pathType Prefix, or add both paths."),
    Entry("IDC306", "path-case-mismatch", "rule", N,
          "Paths match case-sensitively; the request differs only in case.",
          "Use the path's exact case, or add the other spelling."),
    Entry("IDC307", "no-fallthrough-to-wildcard", "rule", N,
          "Once a more specific host matches, rules of less specific hosts are not consulted.",
          "Repeat the path under the specific host, or drop the specific host rule."),
    Entry("IDC308", "regex-mode-host-wide", "rule", W,
          "use-regex or rewrite-target on one Ingress turns every path of the host into a "
          "case-insensitive regex on ingress-nginx.",
          "Move regex paths to their own host, or anchor the other paths."),
    Entry("IDC370", "regex-path-without-use-regex", "rule", W,
          "An ImplementationSpecific path is written as a regular expression (brackets, "
          "quantifiers, groups, anchors), but no Ingress of its host turns on ingress-nginx "
          "regex mode: nginx matches the path as a literal string prefix, so the requests "
          "the regex meant do not reach it.",
          "Add nginx.ingress.kubernetes.io/use-regex: \"true\" to the Ingress (regex mode "
          "then applies to every path of the host), or write the path as Prefix/Exact."),
    Entry("IDC309", "implementation-specific-path", "rule", N,
          "pathType ImplementationSpecific means the controller decides how the path matches.",
          "Use Prefix or Exact so the match is portable."),
    Entry("IDC310", "served-by-default-backend", "rule", W,
          "No rule path matches; the request goes to the Ingress's default backend.",
          "Add a rule for the request if it should reach a specific Service."),
    Entry("IDC311", "lost-to-more-specific-path", "rule", N,
          "Another path also matches the request but a longer (or Exact) one wins.",
          "Nothing, if intended; otherwise shorten or remove the competing path."),
    Entry("IDC312", "path-never-served", "rule", W,
          "Another rule answers the requests written for this path (an older Ingress with the "
          "same path, or a more specific path), so its own backend gets none of them; when "
          "that backend is broken, nothing shows it until the other rule goes away.",
          "Remove the duplicate path, or fix its backend before the other rule is removed."),
    Entry("IDC313", "wildcard-host-depth-near-miss", "rule", N,
          "A wildcard rule would match the host at another depth; a host-less rule or a "
          "default backend serves the request instead.",
          "Nothing, if the fallback is intended; otherwise add a rule for the full host.",
          "Replaced by IDC330: a fallback answering a host a rule names is a warning.",
          retired=True),
    Entry("IDC330", "catch-all-answers-named-request", "rule", E,
          "A host-less rule or a default backend answers a request that another rule evidently "
          "names (a wildcard at another depth, a trailing slash, the path's case, an Exact "
          "path asked with a suffix): the request reaches another backend than the one written "
          "for it.",
          "Fix the rule written for the request (host depth, path, pathType), or add a rule "
          "for the request as sent."),
    Entry("IDC331", "duplicate-route-lost", "rule", E,
          "Another Ingress defines the same host and path with another backend and wins the "
          "controller's precedence (ingress-nginx: the oldest Ingress; Traefik: equal "
          "priority, undefined order), so this route never answers.",
          "Delete one of the two routes, or give them different hosts or paths."),
    Entry("IDC332", "near-miss-served-elsewhere", "rule", E,
          "A route nearly matches the request (trailing slash, case, an Exact path asked with "
          "a suffix) while another path of the host answers it: the request reaches another "
          "backend than the one written for it.",
          "Make the route match the request as sent (pathType Prefix, the path's case), or "
          "send the request the route expects."),
    Entry("IDC333", "priority-overrides-specific-route", "rule", E,
          "On Traefik an explicit router.priority makes a shorter, more general route win over "
          "a longer route of the same host written for the request.",
          "Lower or drop the router.priority annotation, or give the specific route a higher "
          "one."),
    Entry("IDC334", "cert-manager-issuer-not-found", "tls", E,
          "The Ingress's cert-manager.io/issuer or cluster-issuer annotation names an issuer "
          "that does not exist: the Certificate is never issued.",
          "Name an existing Issuer (same namespace) or ClusterIssuer, or create it."),
    Entry("IDC335", "certificate-not-ready", "tls", E,
          "The cert-manager Certificate that writes the TLS Secret is not Ready, so the "
          "Secret is missing or stale and the controller serves its fallback certificate.",
          "Read the Certificate's Ready condition and its CertificateRequest/Order events."),
    Entry("IDC336", "certificate-other-namespace", "tls", E,
          "A cert-manager Certificate writes the TLS Secret in another namespace than the "
          "Ingress's; an Ingress only reads Secrets of its own namespace.",
          "Create the Certificate in the Ingress's namespace (or annotate the Ingress for the "
          "ingress-shim)."),
    Entry("IDC340", "path-without-backend", "rule", E,
          "An Ingress path has no usable backend (a Service with a port name or number, or a "
          "resource); the API server rejects the whole Ingress, so none of its rules exist.",
          "Give every path a backend: service.name with port.number or port.name."),
    Entry("IDC320", "tls-secret-not-found", "tls", E,
          "The TLS Secret does not exist in the Ingress's namespace; the controller serves its "
          "fallback certificate.",
          "Create the kubernetes.io/tls Secret in the Ingress's namespace."),
    Entry("IDC337", "tls-secret-not-in-manifests", "tls", W,
          "The TLS Secret is not among the manifests. Manifests rarely carry Secrets, so this "
          "is not checked; if the cluster lacks it, the controller serves its fallback "
          "certificate. Only a snapshot that read the namespace's Secrets shows one missing.",
          "Make sure the Secret exists in the Ingress's namespace (check live, or add it to "
          "the manifests)."),
    Entry("IDC321", "tls-secret-other-namespace", "tls", E,
          "A Secret of that name exists only in another namespace; Ingresses read Secrets from "
          "their own namespace only.",
          "Copy (or issue) the Secret into the Ingress's namespace."),
    Entry("IDC322", "tls-secret-wrong-type", "tls", E,
          "The TLS Secret is not of type kubernetes.io/tls or lacks tls.crt/tls.key.",
          "Recreate it with `kubectl create secret tls NAME --cert=... --key=...`."),
    Entry("IDC323", "tls-certificate-unparseable", "tls", E,
          "tls.crt does not hold a PEM certificate the controller can load.",
          "Store a PEM-encoded certificate (chain) in tls.crt."),
    Entry("IDC324", "tls-host-not-covered", "tls", E,
          "The certificate's SANs do not cover the host; clients reject it.",
          "Issue a certificate whose SANs include the host."),
    Entry("IDC325", "tls-certificate-expired", "tls", E,
          "The certificate's notAfter is in the past; clients reject it.",
          "Renew the certificate."),
    Entry("IDC326", "tls-certificate-not-yet-valid", "tls", E,
          "The certificate's notBefore is in the future; clients reject it.",
          "Check the issuing clock, or wait until it becomes valid."),
    Entry("IDC327", "tls-host-not-a-rule-host", "tls", W,
          "A tls.hosts entry matches no rule host, so the certificate is never selected for it.",
          "Make tls.hosts match the rule hosts."),
    Entry("IDC328", "https-without-tls", "tls", E,
          "The request is HTTPS but no tls entry of the Ingress lists the host; the controller "
          "answers with its fallback certificate.",
          "Add the host to spec.tls with a Secret."),
    Entry("IDC390", "tls-ends-elsewhere", "tls", N,
          "TLS does not end at the controller with an Ingress Secret: a load balancer "
          "terminates it with a cloud certificate, or the controller passes it through to the "
          "backend. The Ingress needs no spec.tls entry for the host then.",
          "Nothing to fix; check the certificate where TLS ends (cloud certificate manager or "
          "the backend)."),
    Entry("IDC391", "redirect-loop", "tls", E,
          "TLS ends before the controller, which receives plain HTTP and redirects it to "
          "HTTPS; the client follows the redirect to the same place and loops.",
          "Let the controller trust X-Forwarded-Proto (ingress-nginx use-forwarded-headers), "
          "forward the load balancer's TLS port to the controller's TLS port, or turn the "
          "redirect off for this host."),
    Entry("IDC392", "backend-request-rewritten", "rule", N,
          "The controller changes the request before the backend sees it (rewrite-target, "
          "StripPrefix, upstream-vhost): the backend receives the method, Host and path shown.",
          "Make sure the backend serves that path and Host."),
    Entry("IDC393", "rewrite-drops-path", "rule", W,
          "rewrite-target replaces the whole path with the target; a path without capture "
          "groups (or a $n beyond them) sends every request under it to the same backend path, "
          "which breaks sub-paths and assets.",
          "Capture the rest of the path: path /app(/|$)(.*), rewrite-target /$2, "
          "pathType ImplementationSpecific."),
    Entry("IDC394", "answered-by-redirect", "rule", N,
          "The controller answers this request with a redirect (app-root, permanent-redirect) "
          "instead of sending it to the backend.",
          "Nothing to fix if intended; request the redirect's target to trace the backend."),
    Entry("IDC395", "allowlist-sees-proxy-address", "rule", W,
          "A source allowlist decides on the client address the controller sees; behind a "
          "Service with externalTrafficPolicy Cluster and no PROXY protocol or trusted "
          "forwarded headers, that is a node's address, so real clients are refused (403).",
          "Set externalTrafficPolicy: Local on the controller's Service, or enable "
          "use-proxy-protocol / use-forwarded-headers to match the load balancer."),
    Entry("IDC396", "alb-no-https-listener", "tls", E,
          "The AWS Load Balancer Controller opens an HTTPS listener only with a certificate "
          "(certificate-arn, or one discovered for spec.tls hosts); without one HTTPS fails.",
          "Set alb.ingress.kubernetes.io/certificate-arn or list the host in spec.tls, with "
          "listen-ports including HTTPS:443."),
    Entry("IDC397", "canary-share", "rule", N,
          "A canary Ingress takes part of this route's requests (by header, cookie or weight) "
          "and sends them to another Service.",
          "Nothing to fix if intended; send the canary header to trace that Service."),
    Entry("IDC399", "externalname-not-allowed", "rule", E,
          "Traefik's Ingress provider refuses ExternalName Services unless "
          "allowExternalNameServices is set: the path gets no route, so another route or a "
          "404 answers.",
          "Start Traefik with --providers.kubernetesingress.allowExternalNameServices=true, or "
          "point the path at a Service with a selector."),
    # IDC4xx: the backend Service
    Entry("IDC401", "backend-service-not-found", "service", E,
          "The backend Service does not exist in the Ingress's namespace: the controller answers 503.",
          "Create the Service, or fix the backend service name (backends are same-namespace only)."),
    Entry("IDC402", "backend-port-not-in-service", "service", E,
          "The backend port (number or name) is not a port of the Service: 503.",
          "Use a port the Service exposes (by number, or by its exact name)."),
    Entry("IDC403", "externalname-backend", "service", N,
          "The backend is an ExternalName Service: the controller proxies to a DNS name.",
          "Make sure the controller allows ExternalName backends and the name resolves in-cluster."),
    Entry("IDC404", "externalname-unresolvable", "cluster-dns", E,
          "The ExternalName target cannot be resolved by the cluster DNS.",
          "Point externalName at a resolvable name, or add a forward/stub zone to CoreDNS."),
    Entry("IDC405", "externalname-port-mismatch", "service", W,
          "The ExternalName aliases an in-cluster Service that does not expose the backend port.",
          "Use the aliased Service's port number in the backend."),
    Entry("IDC406", "resource-backend", "rule", N,
          "The backend is a resource reference, not a Service; only some controllers support it.",
          "Check your controller documents resource backends."),
    Entry("IDC407", "service-without-selector", "service", N,
          "The Service has no selector; its endpoints come from manually managed EndpointSlices.",
          "Make sure the EndpointSlices are maintained (labelled kubernetes.io/service-name)."),
    Entry("IDC410", "targetport-name-unresolved", "pods", E,
          "The named targetPort is not a container port (name and protocol) of the selected pods.",
          "Name a containerPort to match, or set targetPort to the number the app listens on."),
    Entry("IDC411", "targetport-not-declared", "pods", W,
          "The numeric targetPort is none of the containerPorts the pod declares: the app most "
          "likely listens on those, so the connection is refused (502). containerPort is "
          "informational, so it still works if the app listens on the number.",
          "Point targetPort at the port the app listens on (a declared name), or declare it."),
    Entry("IDC412", "internal-traffic-policy-local", "service", W,
          "internalTrafficPolicy: Local sends in-cluster clients only to endpoints on their node.",
          "Use Cluster unless every client node runs an endpoint."),
    # IDC5xx: EndpointSlices
    Entry("IDC430", "backend-tls-to-plain-port", "service", E,
          "The controller speaks TLS (HTTPS, GRPCS) to a port that serves plain HTTP or gRPC: "
          "the handshake fails and the controller answers 502.",
          "Set the controller's backend protocol to what the port serves (ingress-nginx "
          "backend-protocol, Traefik serversscheme), or fix the port's appProtocol/name."),
    Entry("IDC431", "backend-plain-to-tls-port", "service", E,
          "The controller speaks plain HTTP to a port that serves TLS: the backend answers "
          "400 (a plain HTTP request sent to an HTTPS port).",
          "Set backend-protocol HTTPS (ingress-nginx) or serversscheme https (Traefik)."),
    Entry("IDC432", "backend-grpc-mismatch", "service", E,
          "The controller speaks gRPC to an HTTP/1 port, or HTTP/1 to a gRPC port: requests "
          "fail with 502.",
          "Make the backend protocol and the port's appProtocol agree (GRPC, h2c)."),
    Entry("IDC433", "aws-target-type-service-type", "service", E,
          "The AWS Load Balancer Controller's target-type instance (its default) registers "
          "NodePorts, but the backend Service is ClusterIP: the Ingress does not reconcile.",
          "Set alb.ingress.kubernetes.io/target-type: ip, or make the Service NodePort."),
    Entry("IDC501", "no-ready-endpoints", "endpoints", E,
          "The Service has no ready endpoint: the controller answers 503.",
          "Make the selected pods Ready, or make the Service select pods (see the pods hop)."),
    Entry("IDC502", "some-endpoints-not-ready", "endpoints", W,
          "Some endpoints are not ready; capacity is reduced.",
          "Look at the unready pods."),
    Entry("IDC503", "terminating-endpoints", "endpoints", N,
          "Some endpoints are terminating (rollout); requests to them may fail.",
          "Add a preStop delay and graceful shutdown so rollouts drain."),
    Entry("IDC504", "selectorless-without-endpoints", "endpoints", E,
          "The Service has no selector and no EndpointSlice names it: nothing backs it.",
          "Create an EndpointSlice labelled kubernetes.io/service-name, or add a selector."),
    Entry("IDC505", "endpoint-port-missing", "endpoints", E,
          "The EndpointSlices carry no port named like the Service port: traffic has nowhere to go.",
          "Make the Service port name and the EndpointSlice port name agree."),
    Entry("IDC506", "publish-not-ready-addresses", "endpoints", W,
          "publishNotReadyAddresses sends traffic to pods that are not ready.",
          "Drop publishNotReadyAddresses unless the Service is for peer discovery."),
    # IDC6xx: pods
    Entry("IDC601", "selector-matches-no-pods", "pods", E,
          "The Service selector matches no pod in its namespace, so it has no endpoints.",
          "Fix the selector or the pod labels (see the closest pods)."),
    Entry("IDC602", "selector-too-broad", "pods", W,
          "The Service selects pods of several workloads; requests land on the wrong app.",
          "Add a label that only the intended workload carries."),
    Entry("IDC603", "pods-not-ready", "pods", E,
          "Selected pods run but are not Ready, so they are not endpoints.",
          "Fix the readiness probe or what the app needs to become ready."),
    Entry("IDC604", "pods-crashlooping", "pods", E,
          "A container keeps crashing (CrashLoopBackOff or many restarts).",
          "Read the container's previous logs (`kubectl logs --previous`)."),
    Entry("IDC605", "pods-image-pull", "pods", E,
          "An image cannot be pulled, so the pod never starts.",
          "Fix the image name/tag or the registry credentials."),
    Entry("IDC606", "pods-pending", "pods", E,
          "Pods are Pending: the scheduler cannot place them.",
          "Read the PodScheduled condition (resources, taints, affinity, PVCs)."),
    Entry("IDC607", "readiness-probe-port-mismatch", "pods", W,
          "The readiness probe checks a port the container does not declare or serve.",
          "Point the probe at the port the app serves."),
    Entry("IDC608", "pods-not-running", "pods", E,
          "Selected pods have finished or failed; they are never endpoints.",
          "Look at why the pods stopped (phase, container exit codes)."),
    Entry("IDC630", "workload-scaled-to-zero", "pods", E,
          "The workload whose pods the Service selects has spec.replicas 0, so no pod exists "
          "(an HPA does not scale a target at 0; a downscaler or a person set it).",
          "Scale the workload up (kubectl scale --replicas=N), or fix what scaled it down."),
    Entry("IDC631", "requests-exceed-nodes", "pods", E,
          "The pods request more CPU, memory or another resource than any node that passes "
          "the other scheduling filters can allocate: they stay Pending.",
          "Lower the requests in the pod template, or add nodes large enough."),
    Entry("IDC632", "no-node-selectable", "pods", E,
          "nodeSelector or required node affinity matches no schedulable node (or every node "
          "is cordoned): the pods stay Pending.",
          "Fix the labels the template asks for, or label a node to match."),
    Entry("IDC633", "taints-not-tolerated", "pods", E,
          "Every node the pods may use has a NoSchedule/NoExecute taint they do not tolerate: "
          "they stay Pending.",
          "Add a toleration to the pod template, or remove the taint from a node."),
    Entry("IDC634", "anti-affinity-too-few-nodes", "pods", W,
          "Required pod anti-affinity per node allows one replica per node, and fewer nodes "
          "can take them than there are replicas: the rest stay Pending.",
          "Lower the replicas, make the anti-affinity preferred, or add nodes."),
    Entry("IDC635", "claim-cannot-bind", "pods", E,
          "A PersistentVolumeClaim the pods mount does not exist or can never bind (its "
          "StorageClass is missing, no class is default, no volume fits): they stay Pending.",
          "Create the missing claim; for a claim that cannot bind, name an existing "
          "StorageClass (kubectl get storageclass) or provide a volume that fits."),
    Entry("IDC636", "volume-node-conflict", "pods", E,
          "The claim's volume (PV node affinity, class allowedTopologies) is pinned to nodes "
          "the pods cannot run on: they stay Pending.",
          "Run the pods where the volume is (node selection, zones), or use a volume there."),
    Entry("IDC680", "pods-container-cannot-start", "pods", E,
          "A container of the selected pods cannot be created or started "
          "(CreateContainerConfigError, CreateContainerError, RunContainerError...), so the "
          "pod never becomes Ready; the kubelet's message names the cause, often a Secret or "
          "ConfigMap (or one of its keys) that does not exist.",
          "Create what the kubelet's message names, or fix the container's reference to it."),
    # IDC7xx: NetworkPolicy and DNS
    Entry("IDC637", "workload-cannot-create-pods", "pods", E,
          "The workload's controller fails to create its pods (a ResourceQuota is exceeded, a "
          "LimitRange or an admission webhook rejects them), as its ReplicaFailure condition "
          "says.",
          "Raise the quota or lower the template's requests, or fix what the admission "
          "message names."),
    Entry("IDC638", "limit-range-rejects-pods", "pods", E,
          "A LimitRange in the namespace rejects the workload's pods (a container's request or "
          "limit, after the LimitRange's defaults, is below its min, above its max, or past "
          "its limit/request ratio): the controller creates no pod (FailedCreate).",
          "Bring the template's requests and limits within the LimitRange, or change it."),
    Entry("IDC639", "quota-requires-resources", "pods", E,
          "A ResourceQuota matching the pods holds CPU or memory, so every container must state "
          "a request or limit for it; a container of the template states none (and no "
          "LimitRange supplies a default): the API server rejects every pod.",
          "State the requests and limits on every container, or add a LimitRange with "
          "defaults."),
    Entry("IDC640", "quota-exhausted", "pods", E,
          "A ResourceQuota matching the pods has no room for one more: its used amount plus "
          "one pod's requests (or limits, or the pod count) exceeds its hard amount, so the "
          "controller creates no pod.",
          "Raise the quota, lower the template's requests, or free what other pods use."),
    Entry("IDC641", "quota-caps-replicas", "pods", W,
          "A ResourceQuota matching the pods admits fewer of them than the workload's replicas: "
          "the rest are never created, and a rollout needing surge pods stalls.",
          "Raise the quota, or lower the replicas or the template's requests."),
    Entry("IDC642", "rollout-takes-all-pods-down", "pods", E,
          "No selected pod is Ready and the workload's pods are terminating: its update "
          "strategy (Deployment Recreate, a RollingUpdate maxUnavailable that covers every "
          "replica, a StatefulSet of one replica) takes every pod down before new ones are "
          "Ready, so the Service has no ready endpoint and the controller answers 503 until "
          "the new pods are Ready.",
          "Use RollingUpdate with maxUnavailable 0 (and maxSurge 1 or more), or more than one "
          "StatefulSet replica, where the Service must keep serving through a rollout."),
    Entry("IDC643", "workload-short-of-replicas", "pods", W,
          "The workload has fewer pods than its replicas and its controller fails to create "
          "the rest (its ReplicaFailure condition or a FailedCreate event says why: a "
          "ResourceQuota, a LimitRange, an admission webhook): the Service runs on reduced "
          "capacity, and a rollout that needs new pods stalls.",
          "Fix what the controller's message names (raise the quota, change the template), "
          "or lower the replicas."),
    Entry("IDC645", "served-by-terminating-pods", "pods", W,
          "No selected pod is Ready and staying: a rollout takes every pod down (or the "
          "workload was scaled to 0), but the controller keeps sending requests to "
          "terminating pods while they still serve (EndpointSlice serving=true; Traefik's "
          "ingress-nginx provider before 3.7.5 does not fence them), so the request is served "
          "until they stop; then the Service has no endpoint until new pods are Ready.",
          "Use RollingUpdate with maxUnavailable 0 (and maxSurge 1 or more) where the Service "
          "must keep serving through a rollout; do not rely on terminating pods."),
    Entry("IDC701", "netpol-denies-controller", "netpol", E,
          "A NetworkPolicy isolates the backend pods and no rule admits the controller's traffic.",
          "Add an ingress rule admitting the controller's namespace and pods on the pod port."),
    Entry("IDC702", "netpol-namespace-label-mismatch", "netpol", N,
          "A policy rule selects namespaces by a label the source namespace does not carry.",
          "Make the selector match the source namespace: kubernetes.io/metadata.name is its "
          "name (the API server sets it); any other label can be added to the namespace."),
    Entry("IDC703", "netpol-peer-and-or", "netpol", N,
          "podSelector and namespaceSelector in one peer are ANDed; in two peers they are ORed.",
          "Put both selectors in one list item (AND) or separate items (OR) as intended."),
    Entry("IDC704", "netpol-port-is-service-port", "netpol", N,
          "The policy allows the Service port, but policies see the pod (target) port after DNAT.",
          "Allow the container port (targetPort) instead."),
    Entry("IDC770", "netpol-named-port-absent", "netpol", N,
          "A NetworkPolicy rule names its ports only by names no container of the destination "
          "pod declares, so the rule admits no port at all on this pod.",
          "Use a containerPort name the pod declares (see its spec.containers[].ports), or the "
          "port number."),
    Entry("IDC705", "netpol-hostnetwork-controller", "netpol", N,
          "The controller runs with hostNetwork, so its traffic comes from node IPs, not pods.",
          "Admit the node addresses with an ipBlock, or run the controller off hostNetwork."),
    Entry("IDC706", "netpol-egress-blocks", "netpol", E,
          "An egress policy on the client blocks the connection (or its DNS lookups).",
          "Add an egress rule for the destination and for DNS (UDP and TCP 53 to kube-dns)."),
    Entry("IDC710", "dns-short-name-wrong-namespace", "dns", E,
          "A short Service name resolves only in the Service's own namespace.",
          "Use <service>.<namespace> (or the FQDN) from other namespaces."),
    Entry("IDC711", "dns-cluster-domain-mismatch", "dns", E,
          "The name uses a cluster domain that this cluster does not serve.",
          "Use the cluster's domain, or a name without the domain part."),
    Entry("IDC712", "cluster-dns-not-ready", "cluster-dns", E,
          "The cluster DNS Service has no ready endpoints: in-cluster names do not resolve.",
          "Make the CoreDNS pods Ready (logs, Corefile loops)."),
    Entry("IDC713", "dns-name-not-found", "dns", E,
          "The name does not resolve in the cluster: no such Service.",
          "Check the Service name and namespace."),
    Entry("IDC714", "reach-dns-egress-blocked", "dns", E,
          "The client's egress policy blocks DNS, so no name resolves from it.",
          "Allow egress to kube-dns on UDP and TCP 53."),
    Entry("IDC720", "probe-diverges", "probe", W,
          "The live answer at this hop differs from what the objects predict.",
          "Compare the probe with the object findings of the hop; replay it with its printed `replay` line."),
    Entry("IDC721", "probe-fallback-certificate", "probe", E,
          "The entry serves the controller's fallback certificate for the host.",
          "Fix the TLS Secret of the host's Ingress (see the tls hop)."),
    Entry("IDC780", "probe-answered-by-other-backend", "probe", E,
          "The entry's answer is the one another backend gives to the same request, not the "
          "one of the backend the objects route it to: a catch-all, a duplicate rule or a "
          "controller precedence rule serves the request.",
          "Compare the rule that answered (named in the finding) with the one you wrote for the "
          "request; make the intended rule win (host, path, pathType, one Ingress per "
          "host+path)."),
    Entry("IDC781", "probe-served-despite-objects", "probe", W,
          "The objects predict that the request fails, but the controller in use served it: it "
          "relies on that controller's leniency beyond the API's rules, which an upgrade, "
          "another controller or a settings change can take away.",
          "Fix what the object finding says, so the request works by the API's rules."),
    Entry("IDC782", "probe-certificate-not-valid-now", "probe", E,
          "The entry serves a certificate outside its validity window (expired, or not yet "
          "valid): clients refuse the connection.",
          "Renew the certificate in the host's TLS Secret (or its cert-manager Certificate) and "
          "check that the controller serves the new one."),
    Entry("IDC783", "probe-certificate-wrong-host", "probe", E,
          "The entry serves a certificate that does not name the request's host: clients "
          "refuse the connection.",
          "Give the host's spec.tls entry a Secret whose certificate names the host."),
    Entry("IDC784", "probe-certificate-not-the-secrets", "probe", W,
          "The entry serves another certificate than the one in the host's TLS Secret: "
          "another Ingress's Secret, a default certificate or a stale copy wins.",
          "Find which Ingress or controller setting provides the served certificate (another "
          "spec.tls entry for the host, a default certificate), or wait for the controller to "
          "reload the Secret."),
    Entry("IDC722", "netpol-not-enforced", "probe", W,
          "The object verdict says blocked, but a live connection succeeded: the CNI does not "
          "enforce NetworkPolicy.",
          "Use a CNI that enforces NetworkPolicy, or do not rely on the policy."),
    Entry("IDC723", "reach-dns-tcp-egress-blocked", "dns", W,
          "The client's egress policy allows DNS over UDP but not TCP 53: answers too large "
          "for UDP (many records, DNSSEC) fail, small ones work.",
          "Allow egress to kube-dns on TCP 53 as well as UDP 53."),
    Entry("IDC724", "netpol-denies-client", "netpol", E,
          "A NetworkPolicy isolates the destination pods and no rule admits the client's "
          "traffic on the pod port.",
          "Add an ingress rule admitting the client's namespace and pods on the pod (target) "
          "port."),
    Entry("IDC725", "cluster-dns-wrong-answer", "dns", W,
          "The cluster DNS answers the Service's name otherwise than its objects say (other "
          "addresses than the ClusterIP or the ready endpoints, another CNAME, no record, or "
          "SERVFAIL): clients that use the name fail or reach something else.",
          "Check CoreDNS (its logs, plugins such as rewrite, hosts or file in the Corefile) and "
          "any cache in front of it (NodeLocal DNSCache); replay the query with the printed line."),
    Entry("IDC760", "nodelocal-dns-cluster-names-unanswered", "dns", E,
          "The client's pods ask NodeLocal DNSCache on their node, and its Corefile does not "
          "send the cluster domain to the cluster DNS: on a cache miss every Service name "
          "fails (SERVFAIL, REFUSED or an upstream's NXDOMAIN), on every node.",
          "Give the cache's Corefile a server block for the cluster domain that forwards to "
          "CoreDNS (upstream's node-local-dns: `forward . <kube-dns-upstream ClusterIP>`)."),
    Entry("IDC761", "nodelocal-dns-corefile-unanswered", "dns", W,
          "NodeLocal DNSCache's Corefile does not send the cluster domain to the cluster DNS. "
          "Pods use the cache when the kubelet's clusterDNS points at its address, which the "
          "API does not show: those pods cannot resolve Service names.",
          "Give the cache's Corefile a server block for the cluster domain that forwards to "
          "CoreDNS, or check that no kubelet's clusterDNS names the cache."),
    Entry("IDC730", "controller-resolver-not-cluster-dns", "cluster-dns", E,
          "The controller resolves the ExternalName target itself, but its pods use the node's "
          "resolver (hostNetwork with dnsPolicy ClusterFirst, or dnsPolicy Default), which "
          "cannot answer names under the cluster domain: the upstream fails.",
          "Set dnsPolicy: ClusterFirstWithHostNet on the controller pods, or point the "
          "ExternalName at a name the node resolves."),
    # IDC8xx: Gateway API (GatewayClass, Gateway listeners, HTTPRoute/GRPCRoute, backendRefs)
    Entry("IDC801", "gateway-no-listener", "gateway", E,
          "No listener of the Gateway takes the request: none has its port, protocol (HTTP for "
          "http, HTTPS for https) and a hostname matching its Host.",
          "Add a listener for the host and scheme, or send the request to a listener's port.",
          "A listener without hostname matches every host; `*.example.com` matches names with "
          "one or more labels before example.com. The Gateway answers 404 (or refuses TLS)."),
    Entry("IDC802", "gatewayclass-not-accepted", "gateway", E,
          "The Gateway's GatewayClass is missing, or no running controller accepted it, so no "
          "proxy is programmed for the Gateway.",
          "Install the Gateway API implementation the class names (spec.controllerName), or "
          "point gatewayClassName at an accepted class."),
    Entry("IDC803", "gateway-not-programmed", "gateway", E,
          "The Gateway's status says it is not Accepted or not Programmed, so its listeners do "
          "not serve traffic.",
          "Read the condition's reason and message (`kubectl describe gateway`)."),
    Entry("IDC804", "listener-conflicted", "gateway", E,
          "Listeners share protocol, port and hostname (or an HTTP/HTTPS/TLS listener shares a "
          "port with a TCP one): they are Conflicted and none of them is accepted.",
          "Give each listener a distinct port or hostname."),
    Entry("IDC805", "listener-not-ready", "gateway", E,
          "The listener that takes the request is not usable: its status is not Accepted, "
          "Programmed or ResolvedRefs, or its TLS certificate Secret is missing or not "
          "permitted.",
          "Fix the listener (port the implementation can bind, certificateRefs to an existing "
          "kubernetes.io/tls Secret, a ReferenceGrant for a Secret in another namespace)."),
    Entry("IDC806", "listener-port-not-entrypoint", "gateway", E,
          "Traefik attaches a listener only to an entryPoint bound on the listener's port; "
          "no Traefik container port equals it (PortUnavailable).",
          "Use the entryPoint's container port (8000/8443 with the Helm chart), not the "
          "Service port 80/443."),
    Entry("IDC810", "route-not-accepted", "route", E,
          "A route for the host is not accepted by the Gateway it names: the listener does not "
          "admit its namespace or kind, no hostname intersects, or the sectionName/port names "
          "no listener.",
          "Fix the parentRef (sectionName, port), the listener's allowedRoutes, or the route's "
          "hostnames so they intersect the listener's."),
    Entry("IDC811", "route-parent-not-found", "route", E,
          "A route for the host names a parent Gateway that does not exist, so no proxy serves "
          "its rules.",
          "Point spec.parentRefs at an existing Gateway (name and namespace)."),
    Entry("IDC812", "route-no-rule-matches", "route", E,
          "Routes serve the host, but no rule match fits the request's path, method, headers "
          "and query: the Gateway answers 404.",
          "Add or fix a match (PathPrefix matches whole path elements; Exact the whole path)."),
    Entry("IDC870", "extension-filter-unresolved", "route", E,
          "The matching rule has an ExtensionRef filter that does not resolve: the object it "
          "names does not exist in the route's namespace, or the implementation does not "
          "support its kind (Traefik: only traefik.io Middleware, and only with the "
          "kubernetescrd provider on). The filter is never skipped: the request gets 500.",
          "Create the referenced object in the route's namespace (for Traefik a traefik.io/"
          "v1alpha1 Middleware, with --providers.kubernetescrd), or remove the filter."),
    Entry("IDC871", "route-on-other-listener", "route", E,
          "A route has a rule for the request, but its parentRef's sectionName or port binds "
          "it to other listeners of the Gateway than the one the request arrives on (a route "
          "bound to the HTTPS listener only, asked over HTTP): that listener has none of its "
          "rules and answers 404.",
          "Add a parentRef for the request's listener (sectionName), or drop the "
          "sectionName/port that narrows the parentRef."),
    Entry("IDC872", "rule-dropped", "route", E,
          "The rule that would answer the request is dropped by the implementation: Traefik "
          "builds no router for a rule whose ExtensionRef names a Middleware that does not "
          "exist. No other rule matches, so the Gateway answers 404.",
          "Create the Middleware in the route's namespace, or remove the filter."),
    Entry("IDC873", "rule-dropped-other-answers", "route", E,
          "The rule that would answer the request is dropped by the implementation (Traefik: "
          "its ExtensionRef names a Middleware that does not exist), so a less specific rule "
          "answers it, with another backend than the one written for it.",
          "Create the Middleware in the route's namespace, or remove the filter."),
    Entry("IDC813", "route-status-disagrees", "route", W,
          "The object's status (written by the controller) differs from what the spec computes "
          "for it: the controller sees something else, lags, or deviates from the spec.",
          "Read the status condition's message; check that the controller runs and watches "
          "the namespace."),
    Entry("IDC814", "route-lost-precedence", "route", N,
          "Another rule also matches the request but loses on the spec's precedence (hostname, "
          "Exact, longest prefix, method, headers, query, oldest route, namespace/name).",
          "Make the wanted rule more specific, or drop the overlapping one."),
    Entry("IDC815", "route-redirects", "route", N,
          "The matching rule answers with a redirect (RequestRedirect); no backend is called.",
          "Nothing to do if the redirect is intended."),
    Entry("IDC816", "route-rewrites", "route", N,
          "The matching rule rewrites the request (URLRewrite or header modifiers): the backend "
          "receives another Host, path or headers than the client sent.",
          "Nothing to do if the rewrite is intended; the backend must serve the rewritten path."),
    Entry("IDC817", "filter-unsupported", "route", E,
          "The rule uses a filter the implementation does not implement; Traefik v3.6 answers "
          "500 for RequestMirror, CORS and ExternalAuth while the route's status stays healthy.",
          "Drop the filter, or use an implementation that supports it."),
    Entry("IDC818", "value-not-in-v1-4", "route", E,
          "A field value the Gateway API v1.4.0 CRDs reject (RequestRedirect statusCode other "
          "than 301/302): the apply fails on clusters with those CRDs.",
          "Use 301 or 302 (303/307/308 need Gateway API v1.5)."),
    Entry("IDC819", "route-priority-tie", "route", W,
          "Two routes' matching rules have the same Traefik priority: Traefik's order between "
          "them is not defined, unlike the spec's oldest-route rule.",
          "Make one match more specific so the priorities differ."),
    Entry("IDC820", "backend-ref-not-permitted", "backends", E,
          "A backendRef names a Service in another namespace and no ReferenceGrant there "
          "permits it: that share of requests gets 500 (ResolvedRefs RefNotPermitted).",
          "Create a ReferenceGrant in the Service's namespace from the route's kind and "
          "namespace to the Service."),
    Entry("IDC821", "backend-ref-not-found", "backends", E,
          "A backendRef names a Service (or Service port) that does not exist, or an "
          "ExternalName Service the implementation refuses (Traefik): that share of requests "
          "gets 500 (ResolvedRefs BackendNotFound).",
          "Fix the name, namespace or port (the Service port, not the targetPort); for "
          "Traefik, point it at a Service with endpoints instead of an ExternalName."),
    Entry("IDC822", "backend-ref-invalid", "backends", E,
          "A backendRef is not usable: an unsupported kind (InvalidKind), a Service without "
          "a port, or a Service port whose appProtocol the implementation cannot speak "
          "(UnsupportedProtocol; Traefik sends gRPC as h2c or https only): that share of "
          "requests gets 500.",
          "Reference a Service with its port; for gRPC through Traefik, set the port's "
          "appProtocol to kubernetes.io/h2c (or leave it out)."),
    Entry("IDC874", "backend-share-fails", "backends", W,
          "One backendRef of the rule is not usable (missing Service or port, a kind or "
          "reference not permitted): its share of the requests gets 500, while the other "
          "backendRefs serve the rest.",
          "Fix or remove the failing backendRef (name, namespace, port, ReferenceGrant), or "
          "set its weight to 0."),
    Entry("IDC823", "backend-weights-zero", "backends", E,
          "Every backendRef of the rule has weight 0 (or the rule has none): no backend gets "
          "traffic, and the answer is an error (500/503, left to the implementation).",
          "Give at least one backendRef a positive weight."),
    Entry("IDC824", "route-kinds-conflict", "route", W,
          "An HTTPRoute and a GRPCRoute attach to one listener with intersecting hostnames; "
          "the spec accepts only one of them (the oldest, then namespace/name).",
          "Give the gRPC service its own hostname or listener."),
    Entry("IDC825", "backend-tls-ca-missing", "backends", E,
          "The BackendTLSPolicy for the backend names a CA certificate ConfigMap that does not "
          "exist (or has no ca.crt): the Gateway cannot verify the backend and answers 5xx.",
          "Create the ConfigMap with the CA bundle under key ca.crt in the Service's "
          "namespace, or use wellKnownCACertificates: System."),
    Entry("IDC826", "route-match-shadowed", "route", W,
          "A route rule's hostname and match are the same as another route's that wins by "
          "precedence (older, then namespace/name): this rule never serves a request, though "
          "both routes report Accepted.",
          "Delete the duplicate, or make its match differ."),
    Entry("IDC827", "backend-status-disagrees", "backends", W,
          "The route's ResolvedRefs status says its backendRefs resolve, but the spec finds "
          "one invalid (missing Service or port, no ReferenceGrant, another kind): the status "
          "is stale or the controller sees other objects.",
          "Read the route's status message; check the backendRef against the Service and "
          "ReferenceGrants the trace lists."),
    Entry("IDC840", "host-claimed-twice", "any", W,
          "Both an Ingress and a Gateway route serve the request. On different controllers "
          "the host's DNS answer alone decides which one a client reaches (a live trace "
          "follows it); one controller serving both orders them itself.",
          "Point the DNS record at the entry you mean (trace with DNS evidence to see which "
          "one it is), and remove the other rule when the migration is done."),
    Entry("IDC850", "check-scope-empty", "any", E,
          "Nothing to check: no Ingress and no HTTPRoute/GRPCRoute in scope. A CI gate that "
          "passes on nothing hides a wrong namespace, selector or context.",
          "Fix the scope (--namespace, --selector, --context), or pass --allow-empty."),
)

BY_CODE: dict[str, Entry] = {e.code: e for e in _ENTRIES}
BY_NAME: dict[str, Entry] = {e.name: e for e in _ENTRIES}


def entries() -> tuple[Entry, ...]:
    return _ENTRIES


def lookup(code_or_name: str) -> Entry | None:
    key = code_or_name.strip()
    return BY_CODE.get(key.upper()) or BY_NAME.get(key.lower())
