from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from certgen import NOW, KeyPair, make_cert

from ingressdoc.probe.http import HttpProbe, Scheme, probe

FAST = 0.3
HOST = "app.example.com"


requests_seen: list[tuple[str, str, str | None, str | None]] = []  # method, path, Host, Content-Length
ROUTES: dict[str, tuple[int, dict[str, str]]] = {
    "/": (200, {}),
    "/missing": (404, {}),
    "/down": (503, {}),
    "/login": (302, {"Location": "https://sso.example.org/login"}),
}


class Handler(BaseHTTPRequestHandler):
    def version_string(self) -> str:
        return "test-ingress/1.0"

    def do_GET(self) -> None:
        requests_seen.append((self.command, self.path, self.headers["Host"], self.headers["Content-Length"]))
        status, headers = ROUTES.get(self.path, (404, {}))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output clean."""


@contextmanager
def serving(tls: KeyPair | None = None, tmp_path: Path | None = None) -> Iterator[tuple[int, list[str]]]:
    """An HTTP(S) server on loopback; yields its port and the SNI names it was sent."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    names: list[str] = []
    if tls is not None:
        assert tmp_path is not None
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls.write(tmp_path))

        def record_sni(_sock: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
            names.append(name or "")

        context.sni_callback = record_sni
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server.server_address[1], names
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def http_port() -> Iterator[int]:
    with serving() as (port, _):
        yield port


@pytest.fixture(autouse=True)
def fresh_log() -> None:
    requests_seen.clear()


def http(port: int, path: str = "/") -> HttpProbe:
    return HttpProbe("http", "127.0.0.1", port, HOST, path)


def test_ok_records_status_server_and_latency(http_port: int) -> None:
    evidence = probe(http(http_port), timeout=FAST)
    assert evidence.status == 200
    assert evidence.server == "test-ingress/1.0"
    assert evidence.error is None
    assert evidence.location is None
    assert evidence.certificate is None
    assert 0 < evidence.latency_ms < FAST * 1000


def test_sends_one_get_without_body_with_the_host_header(http_port: int) -> None:
    probe(http(http_port, "/missing"), timeout=FAST)
    assert requests_seen == [("GET", "/missing", f"{HOST}:{http_port}", None)]


@pytest.mark.parametrize(("path", "status"), [("/missing", 404), ("/down", 503)])
def test_error_statuses_are_evidence_not_errors(http_port: int, path: str, status: int) -> None:
    evidence = probe(http(http_port, path), timeout=FAST)
    assert evidence.status == status
    assert evidence.error is None


def test_redirect_is_reported_not_followed(http_port: int) -> None:
    evidence = probe(http(http_port, "/login"), timeout=FAST)
    assert evidence.status == 302
    assert evidence.location == "https://sso.example.org/login"
    assert [path for _, path, _, _ in requests_seen] == ["/login"]


def test_refused_port() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        evidence = probe(http(closed.getsockname()[1]), timeout=FAST)
    assert evidence.status is None
    assert evidence.error == "connection refused"


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_server_that_never_answers_times_out(scheme: Scheme) -> None:
    with socket.socket() as stuck:
        stuck.bind(("127.0.0.1", 0))
        stuck.listen(1)  # the kernel accepts the connection; nobody ever reads it
        target = HttpProbe(scheme, "127.0.0.1", stuck.getsockname()[1], HOST)
        evidence = probe(target, timeout=FAST)
    assert evidence.status is None
    assert evidence.error == f"timed out after {FAST}s"
    assert FAST * 1000 <= evidence.latency_ms < FAST * 1000 + 200


def test_tls_to_a_plain_http_port_fails_the_handshake(http_port: int) -> None:
    evidence = probe(HttpProbe("https", "127.0.0.1", http_port, HOST), timeout=FAST)
    assert evidence.status is None
    assert evidence.error == (
        "TLS handshake failed: wrong version number (the port does not seem to speak TLS)"
    )


def test_https_sends_sni_and_records_the_certificate(tmp_path: Path) -> None:
    with serving(make_cert(HOST, (HOST,)), tmp_path) as (port, names):
        evidence = probe(HttpProbe("https", "127.0.0.1", port, HOST, "/down"), timeout=FAST)
    assert names == [HOST]
    assert evidence.status == 503
    assert evidence.certificate is not None
    assert evidence.certificate.covers(HOST)
    assert evidence.certificate.valid_at(NOW)
    assert not evidence.certificate.is_fallback


def test_certificate_for_another_host_is_recorded_not_rejected(tmp_path: Path) -> None:
    with serving(make_cert("other.example", ("other.example",)), tmp_path) as (port, _):
        evidence = probe(HttpProbe("https", "127.0.0.1", port, HOST), timeout=FAST)
    assert evidence.status == 200
    assert evidence.certificate is not None
    assert evidence.certificate.sans == ("other.example",)
    assert not evidence.certificate.covers(HOST)


def test_expired_certificate_is_recorded(tmp_path: Path) -> None:
    expired = make_cert(not_before=NOW - timedelta(days=90), not_after=NOW - timedelta(days=1))
    with serving(expired, tmp_path) as (port, _):
        evidence = probe(HttpProbe("https", "127.0.0.1", port, HOST), timeout=FAST)
    assert evidence.status == 200
    assert evidence.certificate is not None
    assert evidence.certificate.not_after == NOW - timedelta(days=1)
    assert not evidence.certificate.valid_at(NOW)


def test_traefik_default_certificate_is_a_fallback(tmp_path: Path) -> None:
    traefik = make_cert("TRAEFIK DEFAULT CERT", ("0f3a9c.traefik.default",))
    with serving(traefik, tmp_path) as (port, _):
        evidence = probe(HttpProbe("https", "127.0.0.1", port, HOST), timeout=FAST)
    assert evidence.certificate is not None
    assert evidence.certificate.is_fallback
    assert not evidence.certificate.covers(HOST)


def test_explicit_sni_differs_from_host(tmp_path: Path) -> None:
    with serving(make_cert(), tmp_path) as (port, names):
        target = HttpProbe("https", "127.0.0.1", port, HOST, sni="sni.example.com")
        probe(target, timeout=FAST)
    assert names == ["sni.example.com"]
    assert requests_seen[0][2] == f"{HOST}:{port}"


def test_curl_https_pins_the_address_with_resolve() -> None:
    target = HttpProbe("https", "203.0.113.7", 443, HOST, "/api")
    assert target.curl() == (
        "curl -sk -o /dev/null -w '%{http_code}' --resolve app.example.com:443:203.0.113.7 "
        "https://app.example.com:443/api"
    )


def test_curl_https_with_another_sni_and_ipv6() -> None:
    target = HttpProbe("https", "2001:db8::1", 30443, HOST, sni="edge.example.com")
    assert target.curl() == (
        "curl -sk -o /dev/null -w '%{http_code}' --resolve 'edge.example.com:30443:[2001:db8::1]' "
        "-H 'Host: app.example.com:30443' https://edge.example.com:30443/"
    )


def test_curl_http_sets_the_host_header() -> None:
    target = HttpProbe("http", "10.0.0.5", 30080, HOST, "/a b")
    assert target.curl() == (
        "curl -s -o /dev/null -w '%{http_code}' -H 'Host: app.example.com:30080' 'http://10.0.0.5:30080/a b'"
    )
    assert HttpProbe("http", "10.0.0.5", 80, HOST).host_header == HOST
