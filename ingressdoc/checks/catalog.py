"""The finding catalog: every code the tool can raise, as data.

Codes are grouped by hop (IDC1xx entry ... IDC7xx network and DNS) so the number alone tells
where the request broke. Codes are never reused; a retired code stays here with `retired`.
`docs/findings.md` is generated from this table and a test fails when it drifts.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingressdoc.findings import Severity

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


_ENTRIES: tuple[Entry, ...] = (
    # IDC0xx: the tool and its inputs
    Entry("IDC001", "internal-error", "any", E,
          "A check failed unexpectedly, so its hop was not fully checked.",
          "Report the bug with the saved snapshot (`ingressdoc snapshot`)."),
    Entry("IDC002", "kind-forbidden", "any", W,
          "The credentials may not list a kind this hop reads, so the hop is not checked.",
          "Grant get/list on the resource (see deploy/rbac.yaml) or accept the gap.",
          "ingressdoc reads with get/list only. A forbidden kind is recorded and every hop "
          "that needs it says 'not checked' instead of guessing."),
    Entry("IDC003", "kind-unavailable", "any", N,
          "The API server does not serve this kind (for example a CRD is not installed).",
          "Install the API (CRD) if the cluster should serve it; otherwise nothing to do."),
    # IDC1xx: DNS of the host and the entry point
    Entry("IDC101", "host-does-not-resolve", "dns", E,
          "Clients cannot find the entry point because the host name does not resolve.",
          "Create the DNS record (A/AAAA or CNAME) pointing at the entry address."),
    Entry("IDC102", "host-resolves-elsewhere", "dns", E,
          "The host resolves, but not to any address of the ingress controller's entry point.",
          "Point the DNS record at the controller's LoadBalancer address or node addresses."),
    Entry("IDC103", "host-aaaa-only", "dns", W,
          "The host has only AAAA records; IPv4-only clients and entry points cannot use it.",
          "Add an A record, or make sure the entry point and clients speak IPv6."),
    Entry("IDC104", "request-host-is-ip", "dns", W,
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
    Entry("IDC114", "internal-load-balancer", "entry", W,
          "The load balancer is internal, so it is reachable only from the private network.",
          "Use an internet-facing scheme if the host must be public."),
    Entry("IDC115", "no-entry-service", "entry", W,
          "No Service, hostPort or hostNetwork exposes the controller, so nothing outside reaches it.",
          "Expose the controller with a LoadBalancer or NodePort Service, or hostPort."),
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
    # IDC3xx: rule match and TLS
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
          "Nothing, if the fallback is intended; otherwise add a rule for the full host."),
    Entry("IDC320", "tls-secret-not-found", "tls", E,
          "The TLS Secret does not exist in the Ingress's namespace; the controller serves its "
          "fallback certificate.",
          "Create the kubernetes.io/tls Secret in the Ingress's namespace."),
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
    Entry("IDC404", "externalname-unresolvable", "service", E,
          "The ExternalName target cannot be resolved by the cluster DNS.",
          "Point externalName at a resolvable name, or add a forward/stub zone to CoreDNS."),
    Entry("IDC405", "externalname-port-mismatch", "service", W,
          "The ExternalName aliases an in-cluster Service that does not expose the backend port.",
          "Use the aliased Service's port number in the backend."),
    Entry("IDC406", "resource-backend", "service", N,
          "The backend is a resource reference, not a Service; only some controllers support it.",
          "Check your controller documents resource backends."),
    Entry("IDC407", "service-without-selector", "service", N,
          "The Service has no selector; its endpoints come from manually managed EndpointSlices.",
          "Make sure the EndpointSlices are maintained (labelled kubernetes.io/service-name)."),
    Entry("IDC410", "targetport-name-unresolved", "service", E,
          "The named targetPort is not a container port (name and protocol) of the selected pods.",
          "Name a containerPort to match, or set targetPort to the number the app listens on."),
    Entry("IDC411", "targetport-not-declared", "service", N,
          "The numeric targetPort is not declared as a containerPort; it still works if the app "
          "listens there.",
          "Declare the containerPort, or check the app listens on that number."),
    Entry("IDC412", "internal-traffic-policy-local", "service", W,
          "internalTrafficPolicy: Local sends in-cluster clients only to endpoints on their node.",
          "Use Cluster unless every client node runs an endpoint."),
    # IDC5xx: EndpointSlices
    Entry("IDC501", "no-ready-endpoints", "endpoints", E,
          "The Service has no ready endpoint: the controller answers 503.",
          "Make the selected pods Ready (see the pods hop)."),
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
    # IDC7xx: NetworkPolicy and DNS
    Entry("IDC701", "netpol-denies-controller", "netpol", E,
          "A NetworkPolicy isolates the backend pods and no rule admits the controller's traffic.",
          "Add an ingress rule admitting the controller's namespace and pods on the pod port."),
    Entry("IDC702", "netpol-namespace-label-mismatch", "netpol", N,
          "A policy rule selects namespaces by a label the source namespace does not carry.",
          "Select with kubernetes.io/metadata.name, or add the label to the namespace."),
    Entry("IDC703", "netpol-peer-and-or", "netpol", N,
          "podSelector and namespaceSelector in one peer are ANDed; in two peers they are ORed.",
          "Put both selectors in one list item (AND) or separate items (OR) as intended."),
    Entry("IDC704", "netpol-port-is-service-port", "netpol", N,
          "The policy allows the Service port, but policies see the pod (target) port after DNAT.",
          "Allow the container port (targetPort) instead."),
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
    Entry("IDC712", "cluster-dns-not-ready", "dns", E,
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
)

BY_CODE: dict[str, Entry] = {e.code: e for e in _ENTRIES}
BY_NAME: dict[str, Entry] = {e.name: e for e in _ENTRIES}


def entries() -> tuple[Entry, ...]:
    return _ENTRIES


def lookup(code_or_name: str) -> Entry | None:
    key = code_or_name.strip()
    return BY_CODE.get(key.upper()) or BY_NAME.get(key.lower())
