"""One GET over a socket that is already connected: to an entry address, or to a pod port
through the API server's port-forward. Both must send the same request and read the answer
the same way, or their fingerprints could not be compared.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass

from ingressdoc import __version__

MAX_BODY = 256 * 1024  # enough to tell pages apart; a larger body is compared by its prefix


@dataclass(frozen=True)
class Response:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes  # decoded from chunks; at most MAX_BODY bytes
    truncated: bool

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for n, v in self.headers if n.lower() == wanted), None)


def remaining(deadline: float) -> float:
    """Seconds left before `deadline` (a `time.perf_counter()` value); TimeoutError past it."""
    left = deadline - time.perf_counter()
    if left <= 0:
        raise TimeoutError
    return left


def tls_wrap(sock: socket.socket, server_name: str, deadline: float) -> ssl.SSLSocket:
    """A TLS session that accepts any certificate: it is evidence to report, not a gate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        sock.settimeout(remaining(deadline))
        return context.wrap_socket(sock, server_hostname=server_name)
    except BaseException:
        sock.close()
        raise


def get(sock: socket.socket, host_header: str, path: str, deadline: float,
        address: str = "localhost", port: int = 80) -> Response:
    """Send GET `path` with `host_header` over `sock` and read the answer until `deadline`.

    Raises OSError or http.client.HTTPException; the socket is closed either way."""
    conn = http.client.HTTPConnection(address, port)
    conn.sock = sock
    try:
        sock.settimeout(remaining(deadline))
        conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host_header)
        conn.putheader("User-Agent", f"ingressdoc/{__version__}")
        conn.putheader("Accept", "*/*")
        conn.putheader("Connection", "close")
        conn.endheaders()
        sock.settimeout(remaining(deadline))
        response = conn.getresponse()
        body = b""
        while len(body) <= MAX_BODY:
            sock.settimeout(remaining(deadline))
            chunk = response.read1(MAX_BODY + 1 - len(body))
            if not chunk:
                break
            body += chunk
        return Response(response.status, tuple(response.getheaders()), body[:MAX_BODY],
                        len(body) > MAX_BODY)
    finally:
        conn.close()
