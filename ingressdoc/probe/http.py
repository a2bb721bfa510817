"""HTTP(S) evidence: one real GET to an address the cluster's objects gave us.

The request is sent to an address, not a name, with the Host header (and for HTTPS the SNI) the
user's client would send: public DNS may point elsewhere, and the question is what this hop
answers. It is safe by construction: one GET without a body, redirects reported and never
followed, the answer's body read up to a bound (to fingerprint it), the certificate recorded
rather than verified, every step bounded by the timeout.
"""

from __future__ import annotations

import http.client
import shlex
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Literal

from ingressdoc.k8s.certs import CertInfo, parse_pem_certificate
from ingressdoc.probe import exchange

Scheme = Literal["http", "https"]
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class HttpProbe:
    scheme: Scheme
    address: str  # IP or hostname to connect to
    port: int
    host: str  # the request's host: Host header, and SNI unless `sni` says otherwise
    path: str = "/"
    sni: str | None = None

    @property
    def server_name(self) -> str:
        return self.sni or self.host

    @property
    def host_header(self) -> str:
        """As curl and browsers send it: the port only when it is not the scheme's default."""
        if self.port == _DEFAULT_PORTS[self.scheme]:
            return self.host
        return f"{self.host}:{self.port}"

    def curl(self) -> str:
        """The command that sends the same request, for the user to replay."""
        args = ["curl", "-sk" if self.scheme == "https" else "-s", "-o", "/dev/null"]
        args += ["-w", "%{http_code}"]
        address = f"[{self.address}]" if ":" in self.address else self.address
        if self.scheme == "http":
            args += ["-H", f"Host: {self.host_header}"]
            args.append(f"http://{address}:{self.port}{self.path}")
            return shlex.join(args)
        # curl takes the SNI from the URL, so the URL names the SNI and --resolve pins it.
        args += ["--resolve", f"{self.server_name}:{self.port}:{address}"]
        if self.server_name != self.host:
            args += ["-H", f"Host: {self.host_header}"]
        args.append(f"https://{self.server_name}:{self.port}{self.path}")
        return shlex.join(args)


@dataclass(frozen=True)
class HttpEvidence:
    status: int | None
    server: str | None  # the Server header: which proxy or app answered
    location: str | None  # a redirect's target, reported, not followed
    latency_ms: float  # until the response headers, or until the failure
    error: str | None  # why there is no status, in words
    certificate: CertInfo | None  # what the server presented, whatever the error
    response: exchange.Response | None = None  # headers and the bounded body, to fingerprint


def probe(p: HttpProbe, timeout: float = 2.0) -> HttpEvidence:
    """Send the probe's GET and record what came back, never raising for network trouble."""
    started = time.perf_counter()
    deadline = started + timeout
    certificate: CertInfo | None = None

    def failed(error: str) -> HttpEvidence:
        return HttpEvidence(None, None, None, _elapsed_ms(started), error, certificate)

    try:
        sock = socket.create_connection((p.address, p.port), timeout=timeout)
    except OSError as exc:
        return failed(_describe(exc, timeout))
    try:
        if p.scheme == "https":
            try:
                sock = exchange.tls_wrap(sock, p.server_name, deadline)
            except ssl.SSLError as exc:
                return failed(f"TLS handshake failed: {_tls_reason(exc)}")
            certificate = _peer_certificate(sock)
        response = exchange.get(sock, p.host_header, p.path, deadline, p.address, p.port)
    except (OSError, http.client.HTTPException) as exc:
        return failed(_describe(exc, timeout))
    finally:
        sock.close()
    return HttpEvidence(
        status=response.status,
        server=response.header("Server"),
        location=response.header("Location"),
        latency_ms=_elapsed_ms(started),
        error=None,
        certificate=certificate,
        response=response,
    )


def _peer_certificate(sock: ssl.SSLSocket) -> CertInfo | None:
    der = sock.getpeercert(binary_form=True)
    if der is None:
        return None
    try:
        return parse_pem_certificate(ssl.DER_cert_to_PEM_cert(der).encode("ascii"))
    except ValueError:
        return None


def _tls_reason(exc: ssl.SSLError) -> str:
    if not exc.reason:
        return str(exc)
    reason = str(exc.reason).replace("_", " ").lower()
    if reason == "wrong version number":
        return f"{reason} (the port does not seem to speak TLS)"
    return reason


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _describe(exc: BaseException, timeout: float) -> str:
    """The failure as a person debugging a network path would name it."""
    if isinstance(exc, TimeoutError):
        return f"timed out after {float(timeout)}s"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, http.client.RemoteDisconnected):  # before its base, ConnectionResetError
        return "connection closed without a response"
    if isinstance(exc, ConnectionResetError):
        return "connection reset by peer"
    if isinstance(exc, http.client.HTTPException):
        return f"invalid HTTP response: {exc}"
    if isinstance(exc, socket.gaierror):
        return f"cannot resolve the address: {exc.strerror}"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror[0].lower() + exc.strerror[1:]
    return str(exc)
