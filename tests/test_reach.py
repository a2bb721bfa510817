"""`ingressdoc reach`: scenarios over manifests (a Service, then a host/path through the
ingress controller), then FROM/TO parsing and bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ingressdoc.cli import app
from ingressdoc.errors import RequestSyntaxError, UsageError
from ingressdoc.k8s.selectors import parse_selector, selector_matches
from ingressdoc.reach.parse import ClientSpec, TargetSpec, parse_client, parse_target
from ingressdoc.request import Request

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "reach"
WEB = "shop/deployment/web"
# shop.example.com/api: the nginx class's controller, its Services, the storefront Ingress.
ROUTED = ("ingress-nginx", "ingress-nginx-service", "storefront")
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["reach", *args])
    return result.exit_code, result.stdout, result.stderr


def reach(source: str, target: str, *fixtures: str, extra: tuple[str, ...] = ()) -> tuple[
        int, dict[str, Any]]:
    files = [arg for name in ("base", *fixtures) for arg in ("-f", str(FIXTURES / f"{name}.yaml"))]
    code, out, err = run(source, target, *files, "-o", "json", *extra)
    assert out, err
    return code, json.loads(out)


def hop(doc: dict[str, Any], name: str, index: int = 0) -> dict[str, Any]:
    return [h for h in doc["hops"] if h["hop"] == name][index]


def codes(doc: dict[str, Any], name: str | None = None) -> set[str]:
    return {f["code"] for h in doc["hops"] if name in (None, h["hop"]) for f in h["findings"]}


# Name resolution


def test_same_namespace_short_name_is_reachable() -> None:
    code, doc = reach(WEB, "cart", "ingress-allowed")
    assert (code, doc["verdict"]) == (0, "reachable")
    assert hop(doc, "dns")["summary"] == "cart -> cart.shop.svc.cluster.local (query 1 of 4)"
    assert doc["assumed"] == ["endpoints", "pods"]  # pods from templates, taken as Ready


def test_short_name_from_another_namespace_is_nxdomain() -> None:
    code, doc = reach(WEB, "payments-api", "ingress-allowed")
    assert (code, doc["verdict"]) == (1, "blocked")
    cause = doc["rootCause"]["finding"]
    assert cause["code"] == "IDC710"
    assert "payments-api.shop.svc.cluster.local" in cause["message"]
    assert cause["hint"].startswith("Write payments-api.payments")
    # The Service meant is still checked, so one run shows every other problem too.
    assert hop(doc, "service")["status"] == "ok"
    assert hop(doc, "ingress")["status"] == "ok"


def test_short_name_of_services_in_several_namespaces_names_each() -> None:
    code, doc = reach(WEB, "payments-api", "ingress-allowed", "payments-api-twice")
    assert (code, doc["verdict"]) == (1, "blocked")
    cause = doc["rootCause"]["finding"]
    assert cause["code"] == "IDC710"
    assert cause["hint"] == ("Write the namespace of the Service you mean: "
                             "payments-api.billing or payments-api.payments.")


def test_service_dot_namespace_resolves_on_the_second_query() -> None:
    code, doc = reach(WEB, "payments-api.payments", "ingress-allowed")
    assert (code, doc["verdict"]) == (0, "reachable")
    assert "query 2 of 4, after 1 NXDOMAIN" in hop(doc, "dns")["summary"]


@pytest.mark.parametrize(("target", "query"), [
    ("payments-api.payments.svc.cluster.local:80", "query 4 of 4"),
    ("payments-api.payments.svc.cluster.local.", "query 1 of 1"),
])
def test_full_names_resolve(target: str, query: str) -> None:
    code, doc = reach(WEB, target, "ingress-allowed")
    assert (code, doc["verdict"]) == (0, "reachable")
    assert query in hop(doc, "dns")["summary"]


def test_cluster_domain_comes_from_the_corefile() -> None:
    code, doc = reach(WEB, "payments-api.payments.svc.cluster.local", "ingress-allowed",
                      "coredns")
    assert code == 1
    assert codes(doc, "dns") == {"IDC711"}
    assert "payments-api.payments.svc.k8s.example" in doc["rootCause"]["finding"]["hint"]
    code, doc = reach(WEB, "payments-api.payments.svc.k8s.example", "ingress-allowed", "coredns")
    assert (code, doc["verdict"]) == (0, "reachable")


NODELOCAL = ("ingress-allowed", "nodelocal")


def test_client_naming_the_cache_resolves_through_it() -> None:
    code, doc = reach("shop/deployment/cached", "cart", *NODELOCAL, "nodelocal-corefile")
    assert (code, doc["verdict"]) == (0, "reachable")
    assert "resolver: NodeLocal DNSCache (DaemonSet kube-system/node-local-dns" in hop(
        doc, "dns")["note"]
    assert "at 169.254.20.10 on the client's node (the pod's dnsConfig names" in hop(
        doc, "dns")["note"]


def test_cache_that_drops_the_cluster_domain_blocks_its_clients() -> None:
    code, doc = reach("shop/deployment/cached", "cart", *NODELOCAL, "nodelocal-corefile-broken")
    assert (code, doc["verdict"]) == (1, "blocked")
    assert doc["rootCause"]["hop"] == "dns"
    (found,) = hop(doc, "dns")["findings"]
    assert (found["code"], found["object"]["name"]) == ("IDC760", "node-local-dns")
    assert "cluster.local: forwarded to /etc/resolv.conf by server block .:53" in found["message"]


def test_cache_that_drops_the_cluster_domain_warns_other_clients() -> None:
    """The web pods use the kubelet's clusterDNS, which the API does not show."""
    code, doc = reach(WEB, "cart", *NODELOCAL, "nodelocal-corefile-broken")
    assert (code, doc["verdict"]) == (0, "reachable")
    assert codes(doc, "dns") == {"IDC761"}
    _, doc = reach(WEB, "cart", *NODELOCAL, "nodelocal-corefile")
    assert codes(doc, "dns") == set()


def test_dns_egress_of_a_cache_client_goes_to_the_cache_address() -> None:
    """Admitting the kube-dns pods is not enough for a client that asks the cache on its
    node: only an ipBlock for the cache's address admits it."""
    base = (*NODELOCAL, "nodelocal-corefile", "egress-dns-to-kube-dns")
    code, doc = reach("shop/deployment/cached", "cart", *base)
    assert (code, doc["verdict"], doc["rootCause"]["hop"]) == (1, "blocked", "dns-egress")
    (found,) = hop(doc, "dns-egress")["findings"]
    assert found["code"] == "IDC714"
    assert found["hint"] == ("Allow egress to ipBlock 169.254.20.10/32 (NodeLocal DNSCache) on "
                             "UDP 53 and TCP 53.")
    code, doc = reach("shop/deployment/cached", "cart", *base, "egress-dns-to-nodelocal")
    assert (code, doc["verdict"]) == (0, "reachable")
    assert hop(doc, "dns-egress")["summary"] == (
        "UDP and TCP 53 to NodeLocal DNSCache 169.254.20.10 on the client's node allowed")
    code, doc = reach(WEB, "cart", *base)  # asks kube-dns (as far as the API shows)
    assert (code, codes(doc, "dns-egress")) == (0, set())


def test_name_of_no_service() -> None:
    code, doc = reach(WEB, "payments-api.payment", "ingress-allowed")
    assert code == 1
    assert codes(doc) == {"IDC713"}
    assert "exists in payments" in doc["rootCause"]["finding"]["message"]
    assert hop(doc, "service")["note"] == "not checked (blocked by the Name resolution hop)"


def test_a_name_outside_the_cluster_is_unknown() -> None:
    code, doc = reach(WEB, "example.com:443", "ingress-allowed")
    assert (code, doc["verdict"]) == (0, "unknown")
    assert hop(doc, "dns")["status"] == "unknown"


def test_direct_service_target_says_which_name_to_write() -> None:
    code, doc = reach(WEB, "payments/payments-api:http", "ingress-allowed")
    assert (code, doc["verdict"]) == (0, "reachable")
    assert "write payments-api.payments" in hop(doc, "dns")["summary"]


# NetworkPolicy


def test_default_deny_with_a_correct_namespace_selector() -> None:
    code, doc = reach(WEB, "payments-api.payments", "ingress-allowed")
    assert (code, doc["verdict"]) == (0, "reachable")
    ingress = hop(doc, "ingress")
    assert "payments/allow-from-shop ingress[0] admits TCP 8080" in ingress["note"]
    assert {o["name"] for o in ingress["objects"]} == {"allow-from-shop", "default-deny"}


def test_default_deny_with_an_incorrect_namespace_selector() -> None:
    code, doc = reach(WEB, "payments-api.payments", "ingress-wrong-namespace-label")
    assert (code, doc["verdict"]) == (1, "blocked")
    assert doc["rootCause"]["hop"] == "ingress"
    assert codes(doc, "ingress") == {"IDC724", "IDC702"}
    near = next(f for f in hop(doc, "ingress")["findings"] if f["code"] == "IDC702")
    assert "namespace shop has no label name" in near["message"]
    assert "kubernetes.io/metadata.name=shop" in near["message"]


def test_ipblock_for_a_client_without_ip_is_unknown_not_blocked() -> None:
    """Pods from a workload template carry no IP: an ipBlock can neither admit nor refuse them."""
    code, doc = reach(WEB, "payments-api.payments", "ingress-ipblock")
    assert (code, doc["verdict"]) == (0, "unknown")
    ingress = hop(doc, "ingress")
    assert (ingress["status"], ingress["findings"]) == ("unknown", [])
    assert "allows ipBlock 10.244.0.0/16, and the IP of" in ingress["note"]


def test_policy_written_for_the_service_port() -> None:
    code, doc = reach(WEB, "payments-api.payments:80", "ingress-service-port")
    assert code == 1
    assert codes(doc, "ingress") == {"IDC724", "IDC704"}
    near = next(f for f in hop(doc, "ingress")["findings"] if f["code"] == "IDC704")
    assert "80 is the Service port" in near["message"] and "pod port 8080" in near["message"]


def test_dns_egress_blocked_by_an_egress_default_deny() -> None:
    code, doc = reach(WEB, "payments-api.payments", "egress-no-dns")
    assert (code, doc["verdict"]) == (1, "blocked")
    assert doc["rootCause"]["hop"] == "dns-egress"
    assert codes(doc, "dns-egress") == {"IDC714"}  # near misses for other traffic stay out
    assert "UDP 53 and TCP 53" in doc["rootCause"]["finding"]["message"]
    assert hop(doc, "egress")["status"] == "ok"  # the connection itself is admitted


def test_dns_over_udp_only_is_a_warning() -> None:
    code, doc = reach(WEB, "payments-api.payments", "egress-dns-udp-only")
    assert (code, doc["verdict"]) == (0, "reachable")
    assert codes(doc, "dns-egress") == {"IDC723"}
    code, _ = reach(WEB, "payments-api.payments", "egress-dns-udp-only",
                    extra=("--fail-on", "warning"))
    assert code == 1


def test_ingress_controller_as_the_client() -> None:
    code, doc = reach("ingress-controller", "payments-api.payments", "ingress-allowed",
                      "ingress-nginx")
    assert code == 1
    assert hop(doc, "client")["objects"][0]["namespace"] == "ingress-nginx"
    assert doc["rootCause"]["finding"]["code"] == "IDC701"


def test_namespace_and_selector_as_the_client() -> None:
    code, doc = reach("shop", "payments-api.payments", "ingress-allowed", extra=("-l", "app=web"))
    assert (code, doc["verdict"]) == (0, "reachable")
    code, doc = reach("shop", "payments-api.payments", "ingress-allowed", extra=("-l", "app=cart"))
    assert codes(doc) == {"IDC724", "IDC703"}  # the AND of namespace and pod selector


# ExternalName


def test_externalname_bridge_across_namespaces() -> None:
    code, doc = reach(WEB, "payments:80", "ingress-allowed", "externalname")
    assert (code, doc["verdict"]) == (0, "reachable")
    alias, aliased = hop(doc, "service"), hop(doc, "service", 1)
    assert alias["objects"][0] == {"kind": "Service", "namespace": "shop", "name": "payments"}
    assert codes(doc, "service") == {"IDC403"}
    assert aliased["objects"][0]["namespace"] == "payments"
    assert hop(doc, "ingress")["status"] == "ok"


def test_externalname_to_a_relative_name_is_nxdomain() -> None:
    code, doc = reach(WEB, "payments-short", "ingress-allowed", "externalname")
    assert code == 1
    cause = doc["rootCause"]["finding"]
    assert cause["code"] == "IDC404"
    assert cause["hint"] == "Set spec.externalName to payments-api.payments.svc.cluster.local."


def test_externalname_under_another_cluster_domain_is_nxdomain() -> None:
    # coredns.yaml serves k8s.example: the cluster.local alias leaves the cluster.
    code, doc = reach(WEB, "payments:80", "ingress-allowed", "externalname", "coredns")
    assert code == 1
    cause = doc["rootCause"]["finding"]
    assert cause["code"] == "IDC404"
    assert cause["hint"] == "Set spec.externalName to payments-api.payments.svc.k8s.example."


# Unknown


def test_unknown_when_pods_are_not_in_the_snapshot() -> None:
    files = ["-f", str(FIXTURES / "no-pods.yaml")]
    code, out, _ = run("shop/web", "payments-api.payments", *files, "-o", "json")
    doc = json.loads(out)
    assert (code, doc["verdict"]) == (0, "unknown")
    assert hop(doc, "client")["status"] == "skipped"
    assert hop(doc, "egress")["status"] == "ok"  # no policy in shop: nothing to judge
    assert hop(doc, "ingress")["status"] == "unknown"  # default-deny needs the client's labels


def test_table_output() -> None:
    files = [arg for name in ("base", "ingress-wrong-namespace-label")
             for arg in ("-f", str(FIXTURES / f"{name}.yaml"))]
    code, out, _ = run(WEB, "payments-api.payments", *files)
    assert code == 1
    assert out.startswith(f"Reach {WEB} -> payments-api.payments")
    assert "Verdict: BLOCKED" in out
    assert "Root cause (Destination ingress policy): IDC724" in out


# host/path: through the ingress controller, then the trace from the Ingress on


def test_host_path_through_the_controller_is_reachable() -> None:
    code, doc = reach(WEB, "shop.example.com/api", *ROUTED, "ingress-admits-controller")
    assert (code, doc["verdict"]) == (0, "reachable")
    assert [h["hop"] for h in doc["hops"]] == [
        "client", "dns-egress", "controller", "entry", "egress", "ingress",
        "rule", "service", "endpoints", "pods", "netpol"]
    assert doc["request"] == {"scheme": "http", "host": "shop.example.com", "port": None,
                              "path": "/api"}
    entry = hop(doc, "entry")
    assert entry["summary"] == ("Service ingress-nginx/ingress-nginx-controller (LoadBalancer) "
                                "port 80 -> targetPort 80")
    assert "where shop.example.com resolves is outside the cluster" in entry["note"]
    assert hop(doc, "ingress")["title"] == "Controller ingress policy"
    assert "on TCP 80 (controller pods' policies)" in hop(doc, "ingress")["summary"]
    assert hop(doc, "rule")["objects"][0]["name"] == "storefront"
    assert hop(doc, "netpol")["summary"] == "1/1 controller-to-backend pod pairs admitted"
    assert doc["assumed"] == ["endpoints", "pods"]  # the backend's pods from templates


@pytest.mark.parametrize(("target", "fixtures", "root", "found"), [
    # The client's egress default-deny: its lookups and the controller leg are both dropped.
    ("shop.example.com/api", ("egress-no-dns", "ingress-admits-controller"), "egress",
     {"dns-egress": {"IDC714"}, "egress": {"IDC706"}}),
    # The controller pods admit nobody: the client's leg ends at them.
    ("shop.example.com/api", ("controller-default-deny", "ingress-admits-controller"),
     "ingress", {"ingress": {"IDC724"}}),
    # payments admits only web from shop: the trace's own NetworkPolicy hop denies the
    # controller, with the near miss that explains it.
    ("shop.example.com/api", ("ingress-allowed",), "netpol", {"netpol": {"IDC701", "IDC702"}}),
    # No rule for the host or the path: blocked at routing, with the trace's findings.
    ("other.example.com/api", ("ingress-admits-controller",), "rule", {"rule": {"IDC301"}}),
    ("shop.example.com/cart", ("ingress-admits-controller",), "rule", {"rule": {"IDC303"}}),
    # https: the controller's 443 (not its admission webhook's), and the trace's TLS hop.
    ("https://shop.example.com/api", ("ingress-admits-controller",), "tls",
     {"tls": {"IDC328"}}),
])
def test_host_path_blocked(target: str, fixtures: tuple[str, ...], root: str,
                           found: dict[str, set[str]]) -> None:
    code, doc = reach(WEB, target, *ROUTED, *fixtures)
    assert (code, doc["verdict"]) == (1, "blocked")
    assert doc["rootCause"]["hop"] == root
    assert {h: codes(doc, h) for h in found} == found
    assert codes(doc) == set().union(*found.values())


def test_host_path_https_dials_the_controller_on_443() -> None:
    _, doc = reach(WEB, "https://shop.example.com/api", *ROUTED, "ingress-admits-controller")
    assert hop(doc, "entry")["objects"][0]["name"] == "ingress-nginx-controller"
    assert "port 443 -> targetPort 443" in hop(doc, "entry")["summary"]
    assert "on TCP 443" in hop(doc, "egress")["summary"]


def test_host_path_blocked_at_routing_checks_nothing_after_it() -> None:
    _, doc = reach(WEB, "other.example.com/api", *ROUTED, "ingress-admits-controller")
    assert hop(doc, "service")["note"] == "not checked (blocked by the rule hop)"
    # No Ingress serves the host; the only IngressClass's controller still takes the
    # connection (checked) and answers with its own 404.
    assert {hop(doc, h)["status"] for h in ("entry", "egress", "ingress")} == {"ok"}
    assert doc["rootCause"]["hop"] == "rule"


def test_host_path_without_controller_pods_is_unknown() -> None:
    code, doc = reach(WEB, "shop.example.com/api", "nginx-class", "storefront",
                      "ingress-admits-controller")
    assert (code, doc["verdict"]) == (0, "unknown")
    why = "not checked: no pod of controller k8s.io/ingress-nginx in the snapshot"
    for name in ("entry", "egress", "ingress"):
        assert (hop(doc, name)["status"], hop(doc, name)["note"]) == ("skipped", why)
    assert hop(doc, "netpol")["status"] == "unknown"  # the trace's hop: sources unknown
    assert codes(doc) == set()


def test_host_path_without_a_controller_service_is_unknown() -> None:
    code, doc = reach(WEB, "shop.example.com/api", "ingress-nginx", "storefront",
                      "ingress-admits-controller")
    assert (code, doc["verdict"]) == (0, "unknown")
    entry = hop(doc, "entry")
    assert entry["status"] == "unknown"
    assert "no Service in ingress-nginx selects the controller pods on port 80" in entry["note"]
    assert hop(doc, "egress")["status"] == "ok"  # still judged, on the pods' port 80


def test_host_path_to_a_host_network_controller() -> None:
    code, doc = reach(WEB, "shop.example.com/api", "ingress-nginx-hostnetwork", "storefront",
                      "ingress-admits-controller")
    assert (code, doc["verdict"]) == (1, "blocked")
    assert hop(doc, "entry")["summary"] == ("controller pods on the node's port 80 "
                                            "(hostNetwork or hostPort)")
    assert hop(doc, "ingress")["status"] == "ok"  # no policy isolates the host network
    assert codes(doc) == {"IDC701", "IDC705"}  # its traffic to payments comes from nodes


def test_host_path_table_and_yaml_output() -> None:
    files = [arg for name in ("base", *ROUTED, "ingress-allowed")
             for arg in ("-f", str(FIXTURES / f"{name}.yaml"))]
    code, out, _ = run(WEB, "shop.example.com/api", *files)
    assert code == 1
    assert out.startswith(f"Reach {WEB} -> shop.example.com/api")
    assert "Controller ingress policy" in out and "Verdict: BLOCKED" in out
    assert "Root cause (NetworkPolicy): IDC701" in out
    code, out, _ = run(WEB, "shop.example.com/api", *files, "-o", "yaml")
    assert code == 1
    assert "to: shop.example.com/api\n" in out and "verdict: blocked\n" in out


# FROM and TO


@pytest.mark.parametrize(("text", "expected"), [
    ("shop/web-7d4b9-x2x", ClientSpec("shop/web-7d4b9-x2x", "pod", "shop", "web-7d4b9-x2x")),
    ("shop/deployment/web", ClientSpec("shop/deployment/web", "workload", "shop", "web",
                                       workload_kind="Deployment")),
    ("shop/sts/db", ClientSpec("shop/sts/db", "workload", "shop", "db",
                               workload_kind="StatefulSet")),
    ("ingress-controller", ClientSpec("ingress-controller", "ingress-controller", None)),
    ("ingress-controller/nginx", ClientSpec("ingress-controller/nginx", "ingress-controller",
                                            None, "nginx")),
])
def test_parse_client(text: str, expected: ClientSpec) -> None:
    assert parse_client(text) == expected


def test_parse_client_namespace_with_selector() -> None:
    spec = parse_client("shop", "app=web,tier in (a,b)")
    assert (spec.kind, spec.namespace) == ("selector", "shop")
    assert selector_matches(spec.selector, {"app": "web", "tier": "a"})
    assert not selector_matches(spec.selector, {"app": "web", "tier": "c"})


@pytest.mark.parametrize(("text", "port", "expected"), [
    ("payments-api", None, TargetSpec("payments-api", "payments-api", None, None)),
    ("Payments-API.payments:8080", None,
     TargetSpec("Payments-API.payments:8080", "payments-api.payments", None, 8080)),
    ("payments-api.payments.svc.cluster.local.", 80,
     TargetSpec("payments-api.payments.svc.cluster.local.",
                "payments-api.payments.svc.cluster.local.", None, 80)),
    ("payments/payments-api", None,
     TargetSpec("payments/payments-api", "payments-api", "payments", None)),
    ("payments/payments-api:http", None,
     TargetSpec("payments/payments-api:http", "payments-api", "payments", "http")),
    ("payments/payments-api:80", 80,
     TargetSpec("payments/payments-api:80", "payments-api", "payments", 80)),
    ("shop.example.com/cart", None,
     TargetSpec("shop.example.com/cart", "shop.example.com", None, None,
                Request("shop.example.com", "/cart"))),
    ("https://Shop.Example.com:8443", None,
     TargetSpec("https://Shop.Example.com:8443", "shop.example.com", None, 8443,
                Request("shop.example.com", "/", "https", 8443))),
])
def test_parse_target(text: str, port: int | None, expected: TargetSpec) -> None:
    assert parse_target(text, port) == expected


@pytest.mark.parametrize(("text", "error"), [
    ("payments-api:http", RequestSyntaxError),
    ("payments-api:0", RequestSyntaxError),
    ("pay_ments", RequestSyntaxError),
    ("a/b/c", RequestSyntaxError),
    ("", RequestSyntaxError),
    ("payments-api:80", UsageError),  # conflicts with --port 8080
])
def test_parse_target_rejects(text: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_target(text, 8080 if text.endswith(":80") else None)


@pytest.mark.parametrize(("args", "status", "message"), [
    (["shop/foo/web", "cart"], 3, "unknown workload kind 'foo'"),
    (["Shop/web", "cart"], 3, "'Shop' is not a valid namespace"),
    (["shop/web", "shop.exa_mple.com/cart"], 3, "invalid host 'shop.exa_mple.com'"),
    (["shop/web", "ftp://shop.example.com/cart"], 3, "unsupported scheme 'ftp'"),
    (["shop/web", "shop.example.com:99999/cart"], 3, "invalid port"),
    (["shop/web", "*.example.com/cart"], 3, "is a wildcard pattern"),
    (["shop/web", "shop.example.com/cart", "--port", "80"], 2, "write its port in it"),
    (["shop/web", "shop.example.com/cart", "--probe"], 2, "--probe needs a live cluster"),
    (["shop/web", "cart:http"], 3, "'http' is not a port number"),
    (["shop", "cart"], 2, "pick the client pods with -l/--selector"),
    (["shop/web", "cart", "-l", "app=web"], 2, "already names them"),
    (["shop", "cart", "-l", "app in (web"], 3, "invalid --selector"),
])
def test_bad_input_is_a_one_line_error(args: list[str], status: int, message: str) -> None:
    code, out, err = run(*args, "-f", str(FIXTURES / "base.yaml"))
    assert code == status
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("ingressdoc: error: ")
    assert message in err


def test_a_pod_name_that_is_a_workload_points_at_the_workload() -> None:
    code, _, err = run("shop/web", "cart", "-f", str(FIXTURES / "base.yaml"))
    assert code == 3
    assert "no such pod in namespace shop" in err and "deployment/web" in err


def test_parse_selector_terms() -> None:
    assert parse_selector("a=1, b==2,c!=3,d,!e,f notin (x, y)") == {
        "matchLabels": {"a": "1", "b": "2"},
        "matchExpressions": [
            {"key": "c", "operator": "NotIn", "values": ["3"]},
            {"key": "d", "operator": "Exists"},
            {"key": "e", "operator": "DoesNotExist"},
            {"key": "f", "operator": "NotIn", "values": ["x", "y"]},
        ],
    }
    with pytest.raises(ValueError, match="cannot parse"):
        parse_selector("a in (b")


def test_cluster_dns_without_ready_endpoints() -> None:
    code, doc = reach(WEB, "payments-api.payments", "ingress-allowed", "cluster-dns-down")
    assert code == 1
    assert codes(doc, "dns-egress") == {"IDC712"}


def test_internal_traffic_policy_local_warns() -> None:
    code, doc = reach(WEB, "ledger.payments", "ingress-allowed", "local-traffic")
    assert (code, doc["verdict"]) == (0, "reachable")
    assert codes(doc, "service") == {"IDC412"}


def test_dns_egress_hop_says_what_it_checks() -> None:
    _, doc = reach(WEB, "cart")  # no NetworkPolicy in the snapshot
    dns = hop(doc, "dns-egress")
    assert dns["title"] == "DNS egress to kube-dns"
    assert dns["summary"] == "not checked: cannot list NetworkPolicy (not in the snapshot)"


def test_a_host_a_gateway_route_serves_is_reached_through_the_gateways_pods() -> None:
    manifests = (Path(__file__).resolve().parent / "scenarios"
                 / "gateway-netpol-blocks-gateway-pods" / "manifests.yaml")
    code, out, err = run("shop/deployment/cart", "shop.example.com/cart/items", "-f",
                         str(manifests), "-o", "json")
    doc = json.loads(out)
    assert [h["hop"] for h in doc["hops"]][2:5] == ["gateway", "entry", "egress"]
    assert "traefik/traefik" in hop(doc, "entry")["summary"]
    assert codes(doc, "netpol") >= {"IDC701"}
    assert code == 1, err
