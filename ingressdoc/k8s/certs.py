"""X.509 certificates as ingress debugging needs them: who they are for and whether they fit.

One parser serves both the certificate a TLS Secret holds and the one an entry point really
serves, so a Secret finding and a live probe can never disagree about the same certificate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

from ingressdoc.k8s.profiles import PROFILES

# Self-signed certificates the controllers serve when no Secret matches the SNI: seeing one
# means the host's TLS configuration was not picked up.
FALLBACK_SUBJECTS = frozenset(p.fallback_certificate for p in PROFILES if p.fallback_certificate)


@dataclass(frozen=True)
class CertInfo:
    subject_cn: str | None
    sans: tuple[str, ...]  # DNS names of the subjectAltName extension
    issuer: str  # RFC 4514
    not_before: datetime  # UTC
    not_after: datetime  # UTC
    is_fallback: bool  # a controller's built-in default certificate
    sha256: str | None = None  # of the DER encoding: tells two look-alike certificates apart

    def valid_at(self, when: datetime) -> bool:
        return self.not_before <= when <= self.not_after

    def covers(self, host: str) -> bool:
        """Whether a modern client checking names accepts this certificate for `host`.

        Only DNS SANs count: browsers (Chrome 58, Firefox 48) and Go's crypto/x509 (1.15,
        which controllers and most probes use) ignore the CN even when there are no SANs.
        """
        return any(dns_name_matches(name, host) for name in self.sans)

    def only_cn_names(self, host: str) -> bool:
        """The certificate names `host` only in its CN, the pre-SAN habit clients dropped."""
        return not self.sans and bool(self.subject_cn) and dns_name_matches(
            str(self.subject_cn), host)


def dns_name_matches(pattern: str, host: str) -> bool:
    """RFC 6125 matching: `*.` stands for exactly one whole leftmost label.

    A wildcard over a single label (`*.com`) or a partial label (`a*.example.com`) matches
    nothing but itself, as clients refuse them.
    """
    pattern = pattern.lower().rstrip(".")
    host = host.lower().rstrip(".")
    if not pattern.startswith("*."):
        return pattern == host
    base = pattern[2:]
    first, _, rest = host.partition(".")
    return "." in base and bool(first) and rest == base


def parse_pem_certificate(pem: bytes) -> CertInfo:
    """The first (leaf) certificate of a PEM bundle such as a Secret's `tls.crt`.

    Raises ValueError when the data holds no parseable certificate.
    """
    cert = x509.load_pem_x509_certificate(pem)
    subject_cn = _common_name(cert.subject)
    return CertInfo(
        subject_cn=subject_cn,
        sans=_dns_sans(cert),
        issuer=cert.issuer.rfc4514_string(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        is_fallback=subject_cn in FALLBACK_SUBJECTS,
        sha256=cert.fingerprint(hashes.SHA256()).hex(),
    )


def _common_name(name: x509.Name) -> str | None:
    attributes = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not attributes:
        return None
    value = attributes[0].value
    return value.decode() if isinstance(value, bytes) else value


def _dns_sans(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        extension = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return ()
    return tuple(extension.value.get_values_for_type(x509.DNSName))
