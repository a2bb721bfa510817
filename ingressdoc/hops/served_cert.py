"""The certificate the entry really serves, judged as a client judges it and compared with
the one the TLS hop predicts from the host's Secret.

A Secret can be right while the entry serves something else (another Ingress's Secret, a
default certificate of the controller, a stale one), and the Secret may not be readable at
all: only the served certificate says what clients get.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timezone

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.hops.evidence import HttpObservation
from ingressdoc.hops.model import Evidence, Hop, HopId, TraceResult, amend
from ingressdoc.hops.tls import secret_certificate
from ingressdoc.k8s.certs import CertInfo
from ingressdoc.snapshot import ObjectRef, Snapshot

# What the TLS hop already says about the Secret's own certificate: the live check confirms
# it instead of repeating it.
_PREDICTED = {"expired": ("IDC325", "IDC326"), "host": ("IDC324", "IDC320", "IDC321")}


def describe(cert: CertInfo) -> str:
    names = ", ".join(cert.sans) or f"CN {cert.subject_cn}"
    return (f"{names}; issuer {cert.issuer}; valid {cert.not_before:%Y-%m-%d} to "
            f"{cert.not_after:%Y-%m-%d}")


def attach(result: TraceResult, snapshot: Snapshot, observations: Sequence[HttpObservation],
           now: datetime | None = None) -> TraceResult:
    """Evidence and findings on the TLS hop (the entry hop when there is none): a served
    certificate out of its validity window (IDC782), not naming the host (IDC783), or not
    the one the host's Secret holds (IDC784). The controller's fallback certificate is
    IDC721's."""
    served = [o for o in observations if o.hop == HopId.ENTRY and o.certificate is not None]
    if not served:
        return result
    when = now or datetime.now(timezone.utc)
    host = result.request.host
    tls = next((h for h in result.hops if h.hop == HopId.TLS), None)
    expected = _expected(snapshot, tls)
    predicted = {f.code for f in tls.findings} if tls is not None else set()
    evidence: list[Evidence] = []
    found: list[Finding] = []
    where = ObjectRef("Host", None, host)
    for o in served:
        cert = o.certificate
        assert cert is not None
        state = _window(cert, when)
        evidence.append(Evidence("certificate", o.target, describe(cert), detail="; ".join(
            p for p in (state, _compared(cert, expected)) if p)))
        if cert.is_fallback or found:
            continue
        if not cert.valid_at(when) and not predicted & set(_PREDICTED["expired"]):
            word = "expired on" if cert.not_after < when else "is valid only from"
            day = cert.not_after if cert.not_after < when else cert.not_before
            found.append(finding("IDC782", where, f"{o.target} serves a certificate that "
                                 f"{word} {day:%Y-%m-%d} ({describe(cert)})"))
        elif not cert.covers(host) and not predicted & set(_PREDICTED["host"]):
            found.append(finding("IDC783", where, f"{o.target} serves a certificate for "
                                 f"{', '.join(cert.sans) or cert.subject_cn}, not {host}"))
        elif expected is not None and not _same(cert, expected[1]):
            found.append(finding("IDC784", where, f"{o.target} serves {describe(cert)}; "
                                 f"Secret {expected[0]} holds {describe(expected[1])}"))
    hops = []
    target = HopId.TLS if tls is not None else HopId.ENTRY
    for h in result.hops:
        hops.append(amend(h, evidence, found) if h.hop == target else h)
    return dataclasses.replace(result, hops=tuple(hops))


def _expected(snapshot: Snapshot, tls: Hop | None) -> tuple[ObjectRef, CertInfo] | None:
    if tls is None:
        return None
    for ref in tls.objects:
        if ref.kind == "Secret":
            secret = snapshot.get("Secret", ref.namespace, ref.name)
            cert = secret_certificate(secret) if secret is not None else None
            if cert is not None:
                return ref, cert
    return None


def _same(a: CertInfo, b: CertInfo) -> bool:
    """By digest when both are known (a snapshot saved before digests has none)."""
    if a.sha256 and b.sha256:
        return a.sha256 == b.sha256
    return (a.sans, a.subject_cn, a.issuer, a.not_before, a.not_after) == (
        b.sans, b.subject_cn, b.issuer, b.not_before, b.not_after)


def _window(cert: CertInfo, when: datetime) -> str:
    if cert.not_after < when:
        return f"expired on {cert.not_after:%Y-%m-%d}"
    if cert.not_before > when:
        return f"not valid before {cert.not_before:%Y-%m-%d}"
    return ""


def _compared(cert: CertInfo, expected: tuple[ObjectRef, CertInfo] | None) -> str:
    if cert.is_fallback:
        return "the controller's fallback certificate"
    if expected is None:
        return ""
    return (f"the certificate of Secret {expected[0].namespace}/{expected[0].name}"
            if _same(cert, expected[1]) else
            f"not the certificate of Secret {expected[0].namespace}/{expected[0].name}")
