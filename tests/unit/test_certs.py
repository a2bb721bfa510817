from __future__ import annotations

from datetime import timedelta

import pytest
from certgen import NOW, make_cert

from ingressdoc.k8s.certs import CertInfo, dns_name_matches, parse_pem_certificate


def test_parse_reads_names_issuer_and_validity() -> None:
    info = parse_pem_certificate(make_cert("app.example.com", ("app.example.com", "*.a.example")).cert_pem)
    assert info.subject_cn == "app.example.com"
    assert info.sans == ("app.example.com", "*.a.example")
    assert info.issuer == "CN=app.example.com"
    assert info.not_before == NOW - timedelta(days=1)
    assert info.not_after == NOW + timedelta(days=30)
    assert info.not_after.tzinfo is not None
    assert not info.is_fallback


def test_a_bundle_is_read_for_its_leaf() -> None:
    chain = make_cert("leaf.example").cert_pem + make_cert("Some CA", None).cert_pem
    assert parse_pem_certificate(chain).subject_cn == "leaf.example"


def test_garbage_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_pem_certificate(b"-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n")


@pytest.mark.parametrize(
    ("cn", "organization"),
    [
        ("Kubernetes Ingress Controller Fake Certificate", "Acme Co"),
        ("TRAEFIK DEFAULT CERT", None),
    ],
)
def test_controller_default_certificates_are_fallbacks(cn: str, organization: str | None) -> None:
    pem = make_cert(cn, ("x.traefik.default",), organization=organization).cert_pem
    assert parse_pem_certificate(pem).is_fallback


def test_validity_window() -> None:
    expired = parse_pem_certificate(
        make_cert(not_before=NOW - timedelta(days=60), not_after=NOW - timedelta(days=1)).cert_pem
    )
    assert not expired.valid_at(NOW)
    assert expired.valid_at(NOW - timedelta(days=2))


def info(cn: str | None, sans: tuple[str, ...]) -> CertInfo:
    return CertInfo(cn, sans, "CN=ca", NOW, NOW, is_fallback=False)


@pytest.mark.parametrize(
    ("sans", "host", "covered"),
    [
        (("app.example.com",), "app.example.com", True),
        (("APP.example.com",), "app.EXAMPLE.com.", True),
        (("app.example.com",), "api.example.com", False),
        (("*.example.com",), "app.example.com", True),
        (("*.example.com",), "example.com", False),
        (("*.example.com",), "a.b.example.com", False),
        (("*.com",), "example.com", False),
        (("a*.example.com",), "ab.example.com", False),
        (("other.example", "*.example.com"), "app.example.com", True),
    ],
)
def test_covers_by_san(sans: tuple[str, ...], host: str, covered: bool) -> None:
    assert info("unrelated.example", sans).covers(host) is covered


def test_cn_is_ignored_by_modern_clients() -> None:
    assert not info("app.example.com", ()).covers("app.example.com")
    assert info("app.example.com", ()).only_cn_names("app.example.com")
    assert not info("app.example.com", ("other.example",)).only_cn_names("app.example.com")
    assert not info(None, ()).only_cn_names("app.example.com")


def test_dns_name_matches_is_exact_without_wildcard() -> None:
    assert dns_name_matches("a.example", "A.example")
    assert not dns_name_matches("a.example", "b.a.example")
