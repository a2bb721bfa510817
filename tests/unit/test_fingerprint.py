"""Which backend answered: fingerprints of real HTTP answers from local servers, and the match.

A small proxy stands in for the controller: it forwards to one backend and rewrites what
proxies rewrite (Server, Date, Via, request ids, chunked transfer, absolute redirects).
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from ingressdoc.hops.fingerprint import Fingerprint, Sample, attribute, fingerprint, level
from ingressdoc.probe import exchange

HOST = "shop.example.com"
Answer = Callable[[BaseHTTPRequestHandler], tuple[int, list[tuple[str, str]], bytes]]


def _handler(answer: Answer, chunked: bool) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def version_string(self) -> str:
            return "backend/1.0"

        def do_GET(self) -> None:
            status, headers, body = answer(self)
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("X-Request-Id", uuid.uuid4().hex)
            self.send_header("Set-Cookie", f"session={uuid.uuid4().hex}; Path=/")
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                size = max(7, len(body) // 8)
                for start in range(0, len(body), size):
                    part = body[start:start + size]
                    self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
            else:
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:
            """Keep test output clean."""

    return Handler


@contextmanager
def serving(answer: Answer, chunked: bool = False) -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(answer, chunked))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def static(body: bytes, *headers: tuple[str, str], status: int = 200) -> Answer:
    return lambda _h: (status, [("Content-Type", "text/plain"), *headers], body)


def ask(port: int, path: str = "/", host: str = HOST) -> exchange.Response:
    sock = socket.create_connection(("127.0.0.1", port), timeout=2)
    return exchange.get(sock, host, path, time.perf_counter() + 2)


def fp(response: exchange.Response) -> Fingerprint:
    return fingerprint(response.status, response.headers, response.body, response.truncated)


def proxy_to(port: int, public: str = f"https://{HOST}") -> Answer:
    """What a controller does with the backend's answer."""
    def answer(h: BaseHTTPRequestHandler) -> tuple[int, list[tuple[str, str]], bytes]:
        got = ask(port, h.path, h.headers["Host"])
        headers = [(n, v) for n, v in got.headers
                   if n.lower() not in ("server", "date", "content-length", "x-request-id",
                                        "transfer-encoding", "connection")]
        headers = [(n, public + v.split(":8080", 1)[-1] if n.lower() == "location" else v)
                   for n, v in headers]
        headers += [("Server", "proxy"), ("Via", "1.1 proxy"), ("X-Request-Id", "front-1")]
        return got.status, headers, got.body
    return answer


def sample(backend: str, port: int, path: str = "/") -> Sample:
    return Sample(backend, "candidate", f"{backend}:{port}", fp(ask(port, path)))


def test_the_answering_backend_is_named_through_a_rewriting_proxy() -> None:
    with serving(static(b"cart v2\n", ("X-App", "cart"))) as cart, \
            serving(static(b"catch-all\n", ("X-App", "home"))) as home, \
            serving(proxy_to(home), chunked=True) as front:
        entry = fp(ask(front))
        found = attribute(entry, [sample("shop/cart", cart), sample("shop/home", home)])
    assert found.answered_by == "shop/home"
    assert found.level == "identical"
    assert [s.backend for s in found.matched] == ["shop/home"]


def test_same_body_on_two_backends_is_told_apart_by_a_stable_header() -> None:
    with serving(static(b"ok\n", ("X-App", "a"))) as a, \
            serving(static(b"ok\n", ("X-App", "b"))) as b, serving(proxy_to(b)) as front:
        found = attribute(fp(ask(front)), [sample("ns/a", a), sample("ns/b", b)])
    assert found.answered_by == "ns/b"


def test_same_answer_on_two_backends_cannot_be_attributed() -> None:
    with serving(static(b"ok\n")) as a, serving(static(b"ok\n")) as b, \
            serving(proxy_to(a)) as front:
        found = attribute(fp(ask(front)), [sample("ns/a", a), sample("ns/b", b)])
    assert not found.attributed
    assert found.level == "identical"
    assert "ns/a and ns/b answer identically" in found.why


def test_dynamic_headers_do_not_change_the_fingerprint() -> None:
    with serving(static(b"same\n", ("ETag", '"x"'))) as port:
        first, second = fp(ask(port)), fp(ask(port))
    assert first == second
    assert ("set-cookie", "session") in first.headers
    assert not any(name in ("date", "server", "x-request-id") for name, _ in first.headers)


def test_redirects_match_on_their_target_path_whatever_the_authority() -> None:
    def login(h: BaseHTTPRequestHandler) -> tuple[int, list[tuple[str, str]], bytes]:
        return 302, [("Location", f"http://{HOST}:8080/login?next=/cart")], b""

    def other(h: BaseHTTPRequestHandler) -> tuple[int, list[tuple[str, str]], bytes]:
        return 302, [("Location", f"http://{HOST}:8080/signin")], b""

    with serving(login) as a, serving(other) as b, serving(proxy_to(a)) as front:
        entry = fp(ask(front))
        found = attribute(entry, [sample("ns/a", a), sample("ns/b", b)])
    assert entry.location == "/login?next=/cart"
    assert found.answered_by == "ns/a"


def test_chunked_and_sized_bodies_fingerprint_alike() -> None:
    body = b"a body long enough to be sent in several chunks\n" * 3
    with serving(static(body), chunked=True) as chunked, serving(static(body)) as sized:
        assert fp(ask(chunked)) == fp(ask(sized))


def test_a_body_that_changes_per_request_matches_by_shape_only() -> None:
    def clock(_h: BaseHTTPRequestHandler) -> tuple[int, list[tuple[str, str]], bytes]:
        return 200, [], f"NOW: {time.perf_counter_ns() % 10**9:09d}".encode()

    with serving(clock) as a, serving(static(b"elsewhere")) as b, serving(proxy_to(a)) as front:
        found = attribute(fp(ask(front)), [sample("ns/a", a), sample("ns/b", b)])
    assert found.answered_by == "ns/a"
    assert found.level == "shape"


def test_an_answer_no_candidate_gives_is_not_attributed() -> None:
    with serving(static(b"app\n")) as a:
        controller_404 = fingerprint(404, [("Content-Type", "text/plain")], b"404 page not found\n")
        found = attribute(controller_404, [sample("ns/a", a)])
    assert not found.attributed
    assert "no candidate backend answers HTTP 404" in found.why


def test_candidates_that_could_not_be_asked_say_why() -> None:
    entry = fingerprint(200, [], b"x")
    found = attribute(entry, [Sample("ns/a", "predicted", "pod ns/a-1:8080", None,
                                     "port-forward refused")])
    assert not found.attributed
    assert "port-forward refused" in found.why


@pytest.mark.parametrize(("a", "b", "expected"), [
    (fingerprint(200, [("X-App", "a")], b"x"), fingerprint(200, [("x-app", "a")], b"x"), "identical"),
    (fingerprint(200, [("X-App", "a")], b"x"), fingerprint(200, [("X-App", "b")], b"x"), None),
    (fingerprint(200, [], b"x"), fingerprint(500, [], b"x"), None),
    (fingerprint(200, [("Via", "p")], b"x"), fingerprint(200, [], b"x"), "identical"),
    (fingerprint(200, [], b"xy"), fingerprint(200, [], b"zz"), "shape"),
])
def test_levels(a: Fingerprint, b: Fingerprint, expected: str | None) -> None:
    assert level(a, b) == expected


def test_a_large_body_is_read_up_to_its_bound() -> None:
    body = b"z" * (exchange.MAX_BODY + 10)
    with serving(static(body), chunked=True) as port:
        got = ask(port)
    assert got.truncated and len(got.body) == exchange.MAX_BODY
    assert fp(got).describe().startswith("HTTP 200, text/plain, body 262144+ bytes")


def test_a_silent_server_times_out() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    sock = socket.create_connection(listener.getsockname(), timeout=1)
    with pytest.raises((TimeoutError, OSError, http.client.HTTPException)):
        exchange.get(sock, HOST, "/", time.perf_counter() + 0.2)
    listener.close()


def test_samples_ask_each_candidate_pod_through_the_forwarded_socket(tmp_path: Path) -> None:
    import ssl

    from certgen import make_cert

    from ingressdoc.hops.candidates import Candidate, PodTarget
    from ingressdoc.hops.model import BackendRef
    from ingressdoc.probe.attribution import samples

    with serving(static(b"plain\n")) as plain, serving(static(b"secure\n")) as secure:
        pair = make_cert(cn=HOST, sans=(HOST,))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*pair.write(tmp_path))
        ports = {"web-0": plain, "api-0": secure, "gone-0": 1}

        def open_port(ns: str, pod: str, port: int) -> socket.socket:
            if pod == "api-0":  # the TLS server is a plain one behind a TLS relay
                return _tls_relay(context, ports[pod])
            return socket.create_connection(("127.0.0.1", ports[pod]), timeout=1)

        cands = [
            Candidate(BackendRef("ns", "web", 80), "predicted", (PodTarget("ns", "web-0", 8080),)),
            Candidate(BackendRef("ns", "api", 443), "other",
                      (PodTarget("ns", "api-0", 8443, tls=True),)),
            Candidate(BackendRef("ns", "gone", 80), "other", (PodTarget("ns", "gone-0", 80),)),
        ]
        got = samples(cands, HOST, "/", open_port, 1.0)
    assert [(s.backend, s.target) for s in got] == [
        ("ns/web", "pod ns/web-0:8080"), ("ns/api", "pod ns/api-0:8443"),
        ("ns/gone", "pod ns/gone-0:80")]
    assert got[0].fingerprint is not None and got[0].fingerprint.body_length == 6
    assert got[1].fingerprint is not None and got[1].fingerprint.body_length == 7
    assert got[2].fingerprint is None and got[2].error


def _tls_relay(context: Any, backend: int) -> socket.socket:
    """A socket whose far end terminates TLS and relays to a plain local server."""
    here, there = socket.socketpair()

    def relay() -> None:
        with context.wrap_socket(there, server_side=True) as tls, \
                socket.create_connection(("127.0.0.1", backend)) as plain:
            request = tls.recv(65536)
            plain.sendall(request)
            while chunk := plain.recv(65536):
                tls.sendall(chunk)

    threading.Thread(target=relay, daemon=True).start()
    return here
