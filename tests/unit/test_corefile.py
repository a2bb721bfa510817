"""The Corefile as far as name resolution needs it: cluster domain, forwards, stub zones."""

from __future__ import annotations

import pytest

from ingressdoc.k8s.corefile import DEFAULT_DOMAIN, parse_corefile

KUBEADM = """\
.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
"""

NO_FORWARD = """\
# an air-gapped cluster: no upstream, one stub zone
.:53 {
    errors
    kubernetes k8s.example in-addr.arpa ip6.arpa
    cache 30
}
corp.internal:53 {
    errors
    forward . 10.0.0.53 10.0.0.54
}
dns://partners.example:53 { forward . 192.0.2.1 }
"""


def test_kubeadm_corefile() -> None:
    core = parse_corefile(KUBEADM)
    assert core.cluster_domain == "cluster.local"
    lookup = core.lookup("api.payments-provider.example.net")
    assert (lookup.outcome, lookup.targets) == ("forward", ("/etc/resolv.conf",))
    assert lookup.describe() == "forwarded to /etc/resolv.conf by server block .:53"
    assert core.lookup("payments.shop.svc.cluster.local.").outcome == "cluster"


def test_stub_zones_and_no_default_forward() -> None:
    core = parse_corefile(NO_FORWARD)
    assert core.cluster_domain == "k8s.example"
    stub = core.lookup("ldap.Corp.Internal")
    assert (stub.outcome, stub.targets) == ("forward", ("10.0.0.53", "10.0.0.54"))
    assert stub.block is not None and stub.block.label == "corp.internal:53"
    assert core.lookup("api.partners.example").targets == ("192.0.2.1",)
    assert [b.label for b in core.stub_zones] == ["corp.internal:53", "partners.example:53"]
    miss = core.lookup("api.example.net")
    assert miss.outcome == "unanswered"
    assert "server block .:53 has no forward" in miss.describe()


def test_a_name_no_server_block_serves_is_refused() -> None:
    core = parse_corefile("cluster.local:53 {\n  kubernetes\n}\n")
    assert core.cluster_domain == "cluster.local"  # the block's own zone
    assert core.lookup("x.example.com").outcome == "refused"
    assert core.lookup("a.b.svc.cluster.local").outcome == "cluster"


@pytest.mark.parametrize(("plugin", "outcome"), [
    ("hosts /etc/coredns/hosts", "other"),  # may answer: do not guess
    ("forward example.net 10.1.1.1", "unanswered"),  # forward for another zone only
    ("forward . 10.1.1.1 {\n  except example.com\n}", "unanswered"),
])
def test_plugins_that_may_answer_and_forward_scope(plugin: str, outcome: str) -> None:
    core = parse_corefile(f".:53 {{\n  kubernetes cluster.local\n  {plugin}\n}}\n")
    assert core.lookup("api.example.com").outcome == outcome


def test_other_ports_and_snippets_are_not_the_cluster_resolver() -> None:
    core = parse_corefile("(common) {\n  errors\n}\n.:5353 {\n  forward . 1.1.1.1\n}\n"
                          ".:53 {\n  import common\n  kubernetes cluster.local\n}\n")
    assert core.lookup("example.com").outcome == "unanswered"


def test_unparseable_or_empty_corefile() -> None:
    assert parse_corefile("").cluster_domain is None
    assert parse_corefile("garbage without braces").blocks == ()
    assert DEFAULT_DOMAIN == "cluster.local"
