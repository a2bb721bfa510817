from __future__ import annotations

import pytest

from ingressdoc.k8s.dns_names import (
    expand_name,
    parse_service_name,
    search_list,
    service_fqdn,
)

D = "cluster.local"


def test_search_list_is_what_kubelet_writes() -> None:
    assert search_list("test", D) == [
        "test.svc.cluster.local",
        "svc.cluster.local",
        "cluster.local",
    ]


def test_search_list_ignores_a_rooted_domain() -> None:
    expected = ["a.svc.k8s.example", "svc.k8s.example", "k8s.example"]
    assert search_list("a", "k8s.example.") == expected


def test_bare_name_tries_own_namespace_first() -> None:
    assert expand_name("data", "test", D) == [
        "data.test.svc.cluster.local",
        "data.svc.cluster.local",
        "data.cluster.local",
        "data",
    ]


def test_name_with_namespace_reaches_the_service_on_the_second_try() -> None:
    # The documented `data.prod` from namespace `test`: the first candidate is NXDOMAIN.
    candidates = expand_name("data.prod", "test", D)
    assert candidates == [
        "data.prod.test.svc.cluster.local",
        "data.prod.svc.cluster.local",
        "data.prod.cluster.local",
        "data.prod",
    ]
    assert [parse_service_name(c, D) for c in candidates] == [
        None,
        ("data", "prod"),
        None,
        None,
    ]


def test_full_name_without_root_dot_is_still_searched_first() -> None:
    # 4 dots < ndots:5, so even the FQDN costs three NXDOMAIN queries before the real one.
    assert expand_name("data.prod.svc.cluster.local", "test", D) == [
        "data.prod.svc.cluster.local.test.svc.cluster.local",
        "data.prod.svc.cluster.local.svc.cluster.local",
        "data.prod.svc.cluster.local.cluster.local",
        "data.prod.svc.cluster.local",
    ]


def test_trailing_dot_is_absolute() -> None:
    assert expand_name("data.prod.svc.cluster.local.", "test", D) == ["data.prod.svc.cluster.local"]


def test_names_with_ndots_dots_are_tried_as_is_first() -> None:
    assert expand_name("a.b.c.d.e.f", "test", D) == [
        "a.b.c.d.e.f",
        "a.b.c.d.e.f.test.svc.cluster.local",
        "a.b.c.d.e.f.svc.cluster.local",
        "a.b.c.d.e.f.cluster.local",
    ]


def test_ndots_is_honoured() -> None:
    assert expand_name("api.example.com", "test", D, ndots=2)[0] == "api.example.com"
    assert expand_name("api.example.com", "test", D, ndots=3)[-1] == "api.example.com"


def test_service_fqdn() -> None:
    assert service_fqdn("web", "shop", "k8s.example.") == "web.shop.svc.k8s.example"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("web.shop.svc.cluster.local", ("web", "shop")),
        ("Web.Shop.svc.cluster.local.", ("web", "shop")),
        ("web.shop", None),
        ("web.shop.svc", None),
        ("web", None),
        ("shop.svc.cluster.local", None),
        ("svc.cluster.local", None),
        ("pod-0.web.shop.svc.cluster.local", None),
        ("_http._tcp.web.shop.svc.cluster.local", None),
        ("web.shop.svc.other.domain", None),
        (".shop.svc.cluster.local", None),
    ],
)
def test_parse_service_name(name: str, expected: tuple[str, str] | None) -> None:
    assert parse_service_name(name, D) == expected


def test_parse_uses_the_given_cluster_domain() -> None:
    assert parse_service_name("web.shop.svc.k8s.example", "k8s.example") == ("web", "shop")
    assert parse_service_name("web.shop.svc.cluster.local", "k8s.example") is None
