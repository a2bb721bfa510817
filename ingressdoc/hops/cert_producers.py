"""Who produces a TLS Secret: cert-manager Certificates and the ingress-shim annotations.

cert-manager (cert-manager.io/v1) writes a Certificate's `spec.secretName` in the
Certificate's own namespace once its issuer signs it. The ingress-shim creates that
Certificate for every `spec.tls` entry of an Ingress annotated `cert-manager.io/issuer`
(an Issuer in the Ingress's namespace) or `cert-manager.io/cluster-issuer`. So a missing
Secret may be on its way, may never come (issuer missing, Certificate not Ready), or may be
written where the Ingress cannot read it (another namespace). Certificates answer "which
Secret will exist where" even when Secrets cannot be read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.k8s.objects import annotations_of, condition, name, namespace, spec
from ingressdoc.snapshot import ObjectRef, Snapshot

Obj = Mapping[str, Any]
ISSUER = "cert-manager.io/issuer"
CLUSTER_ISSUER = "cert-manager.io/cluster-issuer"


@dataclass(frozen=True)
class Production:
    """`producer` names what will write the Secret in the Ingress's namespace (None: nothing
    known); `findings` say why it will not, or writes it elsewhere."""

    producer: str | None
    findings: tuple[Finding, ...]


def _issuer(snap: Snapshot, ing: Obj) -> tuple[str | None, Finding | None]:
    """The shim's issuer, and IDC334 when the annotation names one that does not exist."""
    notes = annotations_of(ing)
    for key, kind, ns in ((ISSUER, "Issuer", namespace(ing)),
                          (CLUSTER_ISSUER, "ClusterIssuer", None)):
        wanted = notes.get(key)
        if not wanted:
            continue
        label = f"{kind} {wanted}"
        if snap.loaded(kind) and snap.get(kind, ns, wanted) is None:
            have = ", ".join(name(i) for i in snap.list(kind, ns)) or "none"
            return label, finding("IDC334", ObjectRef.of(ing), f"annotation {key}={wanted} names "
                                  f"no {kind}" + (f" in namespace {ns}" if ns else "")
                                  + f" (have: {have}): the certificate is never issued",
                                  field=f"metadata.annotations.{key}")
        return label, None
    return None, None


def production(snap: Snapshot, ing: Obj, secret_name: str, field: str) -> Production:
    label, missing_issuer = _issuer(snap, ing)
    found = [missing_issuer] if missing_issuer else []
    certs = [c for c in snap.list("Certificate") if spec(c).get("secretName") == secret_name]
    here = [c for c in certs if namespace(c) == namespace(ing)]
    for cert in here:
        ready = condition(cert, "Ready")
        if ready is not None and ready.get("status") != "True":
            found.append(finding(
                "IDC335", ObjectRef.of(cert), f"Certificate {namespace(cert)}/{name(cert)} "
                f"for secret {secret_name} is not Ready: {ready.get('reason') or 'unknown'}"
                + (f": {ready['message']}" if ready.get("message") else ""),
                field="status.conditions[Ready]"))
            return Production(None, tuple(found))
        return Production(f"Certificate {namespace(cert)}/{name(cert)}", tuple(found))
    elsewhere = [c for c in certs if namespace(c) != namespace(ing)]
    if elsewhere:
        other = elsewhere[0]
        found.append(finding(
            "IDC336", ObjectRef.of(ing), f"secret {secret_name} is produced by Certificate "
            f"{namespace(other)}/{name(other)} in namespace {namespace(other)}, but the Ingress "
            f"reads it from namespace {namespace(ing)}", field=field))
    if label and not missing_issuer and not snap.live:
        return Production(f"the cert-manager ingress-shim ({label})", tuple(found))
    return Production(None, tuple(found))
