"""Strip Secret data at the boundary, so no renderer or saved snapshot can leak it.

What the TLS hop needs survives: the type, the key names and the parsed certificate
metadata of `tls.crt` (never `tls.key`). A redacted Secret is recognisable by `SUMMARY_KEY`
and is stable under a second redaction, so saved snapshots replay unchanged.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from ingressdoc.k8s.certs import parse_pem_certificate

SUMMARY_KEY = "ingressdocSecretSummary"


def certificate_summary(pem: bytes) -> dict[str, Any]:
    try:
        cert = parse_pem_certificate(pem)
    except ValueError as exc:
        return {"error": f"tls.crt is not a PEM certificate ({str(exc).splitlines()[0][:80]})"}
    return {
        "subject": cert.subject_cn,
        "sans": list(cert.sans),
        "issuer": cert.issuer,
        "notBefore": cert.not_before.isoformat(),
        "notAfter": cert.not_after.isoformat(),
        "sha256": cert.sha256,
    }


def _decoded(secret: Mapping[str, Any], key: str) -> bytes | None:
    string_data = secret.get("stringData") or {}
    if key in string_data:
        return str(string_data[key]).encode()
    raw = (secret.get("data") or {}).get(key)
    if raw is None:
        return None
    try:
        return base64.b64decode(str(raw), validate=False)
    except (binascii.Error, ValueError):
        return b""


def _summary(secret: Mapping[str, Any]) -> dict[str, Any]:
    """The summary of the data, or the one a saved snapshot carries when there is no data."""
    carried = secret.get(SUMMARY_KEY)
    if isinstance(carried, dict) and not secret.get("data") and not secret.get("stringData"):
        return carried
    keys = sorted(set(secret.get("data") or {}) | set(secret.get("stringData") or {}))
    summary: dict[str, Any] = {"dataKeys": keys}
    crt = _decoded(secret, "tls.crt")
    if crt is not None:
        summary["certificate"] = certificate_summary(crt)
    return summary


def redact_secret(secret: Mapping[str, Any]) -> dict[str, Any]:
    """Rebuilt from an allow-list of fields: whatever else the input holds is dropped."""
    summary = _summary(secret)
    meta = dict(secret.get("metadata") or {})
    meta.pop("managedFields", None)
    annotations = {
        k: v for k, v in (meta.get("annotations") or {}).items()
        if k != "kubectl.kubernetes.io/last-applied-configuration"
    }
    if annotations:
        meta["annotations"] = annotations
    else:
        meta.pop("annotations", None)
    return {
        "apiVersion": secret.get("apiVersion", "v1"),
        "kind": "Secret",
        "metadata": meta,
        "type": secret.get("type", "Opaque"),
        SUMMARY_KEY: summary,
    }
