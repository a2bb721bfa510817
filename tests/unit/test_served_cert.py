"""The certificate the entry serves, judged live and compared with the host's Secret."""

from __future__ import annotations

import base64
from datetime import timedelta

from certgen import NOW, make_cert

from ingressdoc.checks.emit import finding
from ingressdoc.hops.evidence import HttpObservation
from ingressdoc.hops.model import Hop, HopStatus, TraceResult
from ingressdoc.hops.served_cert import attach
from ingressdoc.k8s.certs import CertInfo, parse_pem_certificate
from ingressdoc.request import parse_request
from ingressdoc.snapshot import ObjectRef, Snapshot
from ingressdoc.snapshot.redact import redact_secret

REQ = parse_request("https://app.example.com/")
SECRET = ObjectRef("Secret", "shop", "app-tls")


def cert(**kw: object) -> CertInfo:
    return parse_pem_certificate(make_cert(**kw).cert_pem)  # type: ignore[arg-type]


def snapshot(pem: bytes) -> Snapshot:
    snap = Snapshot(live=True)
    snap.add(redact_secret({"kind": "Secret", "type": "kubernetes.io/tls",
                            "metadata": {"name": "app-tls", "namespace": "shop"},
                            "data": {"tls.crt": base64.b64encode(pem).decode(),
                                     "tls.key": "eA=="}}))
    return snap


def trace(*tls_findings: str) -> TraceResult:
    found = tuple(finding(c, SECRET, "predicted") for c in tls_findings)
    tls = Hop("tls", "TLS", HopStatus.FAIL if found else HopStatus.OK, "secret",
              objects=(ObjectRef("Ingress", "shop", "app"), SECRET), findings=found)
    return TraceResult(REQ, (Hop("entry", "Entry", HopStatus.OK, "ok"), tls), "test")


def served(info: CertInfo) -> HttpObservation:
    return HttpObservation("entry", "10.0.0.1:443 (LoadBalancer)", 200, None, "curl",
                           certificate=info)


def codes(result: TraceResult) -> list[str]:
    return [f.code for f in result.findings]


def test_the_secrets_certificate_served_is_evidence_only() -> None:
    pair = make_cert()
    out = attach(trace(), snapshot(pair.cert_pem),
                 [served(parse_pem_certificate(pair.cert_pem))])
    assert codes(out) == []
    ev = out.hops[1].evidence[0]
    assert ev.kind == "certificate"
    assert ev.outcome.startswith("app.example.com; issuer ")
    assert ev.detail == "the certificate of Secret shop/app-tls"


def test_an_expired_certificate_served_is_an_error() -> None:
    old = cert(not_before=NOW - timedelta(days=90), not_after=NOW - timedelta(days=1))
    out = attach(trace(), Snapshot(live=True), [served(old)])
    assert codes(out) == ["IDC782"]
    assert "expired on" in out.findings[0].message
    assert out.hops[1].status is HopStatus.FAIL


def test_an_expiry_the_secret_already_predicts_is_not_repeated() -> None:
    old = cert(not_before=NOW - timedelta(days=90), not_after=NOW - timedelta(days=1))
    out = attach(trace("IDC325"), Snapshot(live=True), [served(old)])
    assert codes(out) == ["IDC325"]
    assert out.hops[1].evidence[0].detail.startswith("expired on ")


def test_a_certificate_for_another_host_is_an_error() -> None:
    out = attach(trace(), Snapshot(live=True), [served(cert(sans=("other.example.com",)))])
    assert codes(out) == ["IDC783"]
    assert "for other.example.com, not app.example.com" in out.findings[0].message


def test_another_certificate_than_the_secrets_is_a_warning() -> None:
    out = attach(trace(), snapshot(make_cert().cert_pem), [served(cert())])
    assert codes(out) == ["IDC784"]
    assert out.hops[1].evidence[0].detail == "not the certificate of Secret shop/app-tls"


def test_the_fallback_certificate_is_left_to_its_own_finding() -> None:
    fake = cert(cn="TRAEFIK DEFAULT CERT", sans=None)
    out = attach(trace(), Snapshot(live=True), [served(fake)])
    assert codes(out) == []
    assert out.hops[1].evidence[0].detail == "the controller's fallback certificate"
