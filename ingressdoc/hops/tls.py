"""TLS: the Secret behind the host's certificate exists where the controller looks, and fits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.hops import tls_elsewhere
from ingressdoc.hops.base import TraceContext, missing_inputs
from ingressdoc.hops.cert_producers import production
from ingressdoc.hops.model import ControllerFacts, Hop, HopId, HopStatus, status_from
from ingressdoc.hops.routing import RouteOutcome
from ingressdoc.k8s.certs import FALLBACK_SUBJECTS, CertInfo
from ingressdoc.k8s.ingress_match import host_matches
from ingressdoc.k8s.objects import name, namespace, spec
from ingressdoc.snapshot import ObjectRef
from ingressdoc.snapshot.redact import SUMMARY_KEY

Obj = Mapping[str, Any]
INPUTS = ("Secret",)
TITLE = "TLS"


def _tls_entries(ingresses: Sequence[Obj], host: str) -> list[tuple[Obj, int, Mapping[str, Any]]]:
    return [
        (ing, i, entry)
        for ing in ingresses
        for i, entry in enumerate(spec(ing).get("tls") or [])
        if any(host_matches(h, host) for h in entry.get("hosts") or [])
    ]


def check(
    ctx: TraceContext, facts: ControllerFacts, route: RouteOutcome, now: datetime | None = None,
    redirected: bool = False,
) -> Hop | None:
    """None when TLS plays no part: plain HTTP that is not redirected to HTTPS and no tls
    entry for the host. `redirected`: the controller answers this plain request with a
    redirect to https, whose request needs the host's certificate."""
    host = ctx.request.host
    https = ctx.request.scheme == "https"
    entries = _tls_entries(facts.routes_of("Ingress"), host)
    found: list[Finding] = []
    if route.route_object is not None:
        found.extend(_tls_hosts_not_rule_hosts(route.route_object))
    ends = tls_elsewhere.termination(ctx.snapshot, facts, route.route_object)
    loop = tls_elsewhere.redirect_loop(facts, ends, route.route_object, host)
    if ends is not None and (https or loop):
        found.extend([loop] if loop else [])
        if https:
            found.append(finding("IDC390", ends.obj,
                                 f"TLS for {host} ends at {ends.where} ({ends.why}); the "
                                 "certificate there is not checked"))
        return Hop(HopId.TLS, TITLE, status_from(tuple(found)), f"TLS ends at {ends.where}",
                   objects=(ends.obj,), findings=tuple(found))
    if not entries:
        if not https and not redirected:
            return None if not found else Hop(HopId.TLS, TITLE, status_from(tuple(found)),
                                              "plain HTTP", findings=tuple(found))
        ref = route.route or ObjectRef("Request", None, host)
        alb = tls_elsewhere.alb_without_https(facts, route.route_object)
        found.append(alb or finding("IDC328", ref, f"no spec.tls entry lists host {host}",
                                    field="spec.tls"))
        return Hop(HopId.TLS, TITLE, status_from(tuple(found)), f"no certificate for {host}",
                   findings=tuple(found))
    ing, index, entry = entries[0]
    note, gaps = missing_inputs(ctx.snapshot, INPUTS, namespace(ing))
    secret_name = entry.get("secretName")
    ref = ObjectRef.of(ing)
    field = f"spec.tls[{index}].secretName"
    made = production(ctx.snapshot, ing, secret_name, field) if secret_name else None
    if made is not None:
        found.extend(made.findings)
    # Manifests rarely carry Secrets (made by hand or by a secrets operator), so one absent
    # from them is unconfirmed (IDC337), whether other Secrets are there or not; only a
    # snapshot that read the namespace's Secrets shows it missing. Where the manifests name
    # its producer (cert-manager), the producer's state decides.
    from_manifests = not ctx.snapshot.live
    producer_named = made is not None and bool(made.producer or made.findings)
    if note and (not from_manifests or producer_named):
        where = f"; it will be written by {made.producer}" if made and made.producer else ""
        status = status_from(tuple(found)) if found else HopStatus.SKIPPED
        return Hop(HopId.TLS, TITLE, status, f"secret {secret_name}: {note}{where}", objects=(ref,),
                   findings=gaps + tuple(found), note=note)
    if not secret_name:
        summary = "no secretName: the controller's default certificate is used"
        return Hop(HopId.TLS, TITLE, status_from(tuple(found)), summary, objects=(ref,),
                   findings=tuple(found))
    secret = None if note else ctx.snapshot.get("Secret", namespace(ing), secret_name)
    if secret is None:
        # In manifests a producer writes the Secret once applied; live, missing is missing.
        if made is not None and made.producer and from_manifests:
            return Hop(HopId.TLS, TITLE, status_from(tuple(found)), f"secret {secret_name} "
                       f"will be written by {made.producer}", objects=(ref,),
                       findings=tuple(found))
        if not any(f.code == "IDC336" for f in found):
            found.append(_missing_secret(ctx, ing, secret_name, field,
                                         unconfirmed=from_manifests and not producer_named))
        missing = "not in the manifests" if found and found[-1].code == "IDC337" else "missing"
        return Hop(HopId.TLS, TITLE, status_from(tuple(found)),
                   f"secret {secret_name} {missing}", objects=(ref,), findings=tuple(found))
    found.extend(secret_findings(secret, host, now or datetime.now(timezone.utc)))
    summary = f"secret {namespace(ing)}/{secret_name} for {host}"
    return Hop(HopId.TLS, TITLE, status_from(tuple(found)), summary,
               objects=(ref, ObjectRef.of(secret)), findings=tuple(found))


def _missing_secret(ctx: TraceContext, ing: Obj, secret_name: str, field: str, *,
                    unconfirmed: bool) -> Finding:
    elsewhere = [namespace(s) for s in ctx.snapshot.list("Secret") if name(s) == secret_name
                 and namespace(s) != namespace(ing)]
    if elsewhere:
        return finding(
            "IDC321", ObjectRef.of(ing),
            f"secret {secret_name} is not in namespace {namespace(ing)}; it exists in "
            + ", ".join(str(n) for n in elsewhere),
            field=field,
            hint=f"Create the Secret in namespace {namespace(ing)} (Ingresses cannot "
            "reference Secrets of other namespaces).",
        )
    if unconfirmed:
        return finding("IDC337", ObjectRef.of(ing),
                       f"secret {secret_name} (namespace {namespace(ing)}) is not among the "
                       "manifests: not checked", field=field)
    return finding("IDC320", ObjectRef.of(ing),
                   f"secret {secret_name} not found in namespace {namespace(ing)}", field=field)


def secret_findings(secret: Obj, host: str, now: datetime) -> list[Finding]:
    """A TLS Secret against the host it is served for: type and keys, a parseable
    certificate that names the host, valid now (Ingress TLS and Gateway listeners alike)."""
    ref = ObjectRef.of(secret)
    summary = secret.get(SUMMARY_KEY) or {}
    keys = set(summary.get("dataKeys") or [])
    if secret.get("type") != "kubernetes.io/tls" or not {"tls.crt", "tls.key"} <= keys:
        return [finding(
            "IDC322", ref,
            f"type is {secret.get('type')} with keys {', '.join(sorted(keys)) or 'none'}; "
            "need type kubernetes.io/tls with tls.crt and tls.key",
            field="type",
        )]
    cert = summary.get("certificate") or {}
    if "error" in cert:
        return [finding("IDC323", ref, cert["error"], field="data.tls.crt")]
    info = cert_info(cert)
    out: list[Finding] = []
    if not info.covers(host):
        out.append(finding("IDC324", ref, _not_covered(info, host), field="data.tls.crt"))
    if info.not_after < now:
        out.append(finding("IDC325", ref, f"certificate expired on {info.not_after:%Y-%m-%d}",
                           field="data.tls.crt"))
    elif info.not_before > now:
        out.append(finding("IDC326", ref, f"certificate is valid from {info.not_before:%Y-%m-%d}",
                           field="data.tls.crt"))
    return out


def secret_certificate(secret: Obj) -> CertInfo | None:
    """The certificate a (redacted) TLS Secret holds, when it holds a parseable one."""
    cert = (secret.get(SUMMARY_KEY) or {}).get("certificate") or {}
    return cert_info(cert) if cert and "error" not in cert else None


def cert_info(cert: Mapping[str, Any]) -> CertInfo:
    """The certificate metadata a redacted Secret carries (`certificate_summary`), as the
    `CertInfo` live probes use, so both judge a certificate by the same rules."""
    subject = cert.get("subject")
    return CertInfo(
        subject_cn=subject,
        sans=tuple(cert.get("sans") or ()),
        issuer=str(cert.get("issuer") or ""),
        not_before=datetime.fromisoformat(cert["notBefore"]),
        not_after=datetime.fromisoformat(cert["notAfter"]),
        is_fallback=subject in FALLBACK_SUBJECTS,
        sha256=cert.get("sha256"),
    )


def _not_covered(info: CertInfo, host: str) -> str:
    if info.only_cn_names(host):
        return (f"certificate has no DNS SANs; its CN {info.subject_cn} is ignored by modern "
                f"clients (browsers, Go), so it does not cover {host}")
    if not info.sans:
        return f"certificate has no DNS SANs (CN {info.subject_cn or 'none'}); not {host}"
    return f"certificate names {', '.join(info.sans)}; not {host}"


def _tls_hosts_not_rule_hosts(ing: Obj) -> list[Finding]:
    rule_hosts = {r.get("host") for r in spec(ing).get("rules") or [] if r.get("host")}
    out = []
    for i, entry in enumerate(spec(ing).get("tls") or []):
        for h in entry.get("hosts") or []:
            if h not in rule_hosts and not any(host_matches(h, r) or host_matches(r, h)
                                               for r in rule_hosts):
                out.append(finding(
                    "IDC327", ObjectRef.of(ing),
                    f"tls host {h} is not a rule host ({', '.join(sorted(rule_hosts))})",
                    field=f"spec.tls[{i}].hosts",
                ))
    return out
