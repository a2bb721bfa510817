"""Strip Secret data at the boundary, so no renderer or saved snapshot can leak it; and
configuration values from saved snapshots unless the user asks to keep them.

What the TLS hop needs survives: the type, the key names and the parsed certificate
metadata of `tls.crt` (never `tls.key`). A redacted Secret is recognisable by `SUMMARY_KEY`
and is stable under a second redaction, so saved snapshots replay unchanged.

ConfigMap values and literal container env values are often credentials in all but name;
a snapshot is meant to be attached to a bug report, so it keeps their keys only. The
Corefile of the cluster DNS ConfigMaps stays: the DNS hops replay it, and it names zones
and upstream resolvers, not credentials.
"""

from __future__ import annotations

import base64
import binascii
import copy
from collections.abc import Iterator, Mapping
from typing import Any

from ingressdoc.k8s.certs import parse_pem_certificate

SUMMARY_KEY = "ingressdocSecretSummary"
REDACTED = "(redacted)"
DNS_NAMESPACE = "kube-system"
COREFILE_KEY = "Corefile"
# Where a kind holds its pod spec, for the env values of its containers.
_POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    **{kind: ("spec", "template", "spec") for kind in (
        "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "PodTemplate")},
}


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


def _keys(data: Any) -> list[str]:
    """A data map's keys; nothing for any other shape, whose items could be values."""
    return [str(k) for k in data] if isinstance(data, Mapping) else []


def _decoded(secret: Mapping[str, Any], key: str) -> bytes | None:
    string_data = secret.get("stringData")
    if isinstance(string_data, Mapping) and key in string_data:
        return str(string_data[key]).encode()
    data = secret.get("data")
    raw = data.get(key) if isinstance(data, Mapping) else None
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
        cert = carried.get("certificate")
        if cert is None or "error" in cert or {"notBefore", "notAfter"} <= set(cert):
            return carried
    keys = sorted({k for field in ("data", "stringData") for k in _keys(secret.get(field))})
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


def redact_config(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    """`obj` with ConfigMap values and literal env values replaced by REDACTED (keys kept);
    `obj` itself when it holds neither. Never changes `obj`."""
    kind = obj.get("kind")
    if kind == "ConfigMap":
        out = dict(obj)
        keep = COREFILE_KEY if (obj.get("metadata") or {}).get("namespace") == DNS_NAMESPACE \
            else None
        for field in ("data", "binaryData"):
            if isinstance(obj.get(field), Mapping):
                out[field] = {k: v if k == keep else REDACTED for k, v in obj[field].items()}
        return out
    path = _POD_SPEC_PATHS.get(str(kind))
    if path is None or not any(True for _ in _literal_env(obj, path)):
        return obj
    out = copy.deepcopy(dict(obj))
    for env in _literal_env(out, path):
        env["value"] = REDACTED
    return out


def _literal_env(obj: Mapping[str, Any], path: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    spec: Any = obj
    for key in path:
        spec = spec.get(key) if isinstance(spec, Mapping) else None
    if not isinstance(spec, Mapping):
        return
    for field in ("containers", "initContainers", "ephemeralContainers"):
        for container in spec.get(field) or []:
            for env in container.get("env") or []:
                if isinstance(env, dict) and env.get("value") is not None:
                    yield env
