"""Parse what the user typed (`host/path` or a URL) into the request a client would send."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

from ingressdoc.errors import RequestSyntaxError

# RFC 1123 labels, as the Ingress API validates rule hosts; a leading "*." is not a request.
_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


@dataclass(frozen=True)
class Request:
    """The request being traced; host is lower-cased because host matching ignores case."""

    host: str
    path: str
    scheme: str = "http"
    port: int | None = None
    # What Gateway API route matches can also select on; Ingress rules never look at them.
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    query: tuple[tuple[str, str], ...] = ()

    @property
    def is_ip(self) -> bool:
        return _ip(self.host)

    @property
    def host_header(self) -> str:
        """The Host header a client sends: with the port only when the request names one."""
        return self.host if self.port is None else f"{self.host}:{self.port}"

    @property
    def target(self) -> str:
        """The path with the query string, as a redirect's Location keeps it."""
        return self.path + (f"?{urlencode(self.query)}" if self.query else "")

    def __str__(self) -> str:
        port = f":{self.port}" if self.port else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}{port}{self.target}"

    def as_dict(self) -> dict[str, object]:
        return {"scheme": self.scheme, "host": self.host, "port": self.port, "path": self.path}


def parse_request(text: str) -> Request:
    """Accept `host`, `host/path`, `host:port/path` and `http(s)://host[:port]/path`."""
    raw = text.strip()
    if not raw:
        raise RequestSyntaxError("empty request: expected host/path, e.g. shop.example.com/cart")
    if "://" not in raw:
        raw = "http://" + raw
        explicit_scheme = False
    else:
        explicit_scheme = True
    try:
        parts = urlsplit(raw)
    except ValueError as exc:
        raise RequestSyntaxError(f"invalid request {text!r}: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise RequestSyntaxError(f"unsupported scheme {parts.scheme!r}: use http or https")
    try:
        port = parts.port
    except ValueError as exc:
        raise RequestSyntaxError(f"invalid port in {text!r}") from exc
    host = (parts.hostname or "").rstrip(".")
    _validate_host(host, text)
    path = parts.path or "/"
    if any(ch in path for ch in " \t\r\n"):
        raise RequestSyntaxError(f"invalid path {path!r}: whitespace is not allowed")
    scheme = parts.scheme if explicit_scheme else ("https" if port == 443 else "http")
    query = tuple(parse_qsl(parts.query, keep_blank_values=True))
    return Request(host=host, path=path, scheme=scheme, port=port, query=query)


def _ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _validate_host(host: str, text: str) -> None:
    if not host:
        raise RequestSyntaxError(f"no host in {text!r}: expected host/path")
    if host.startswith("*"):
        raise RequestSyntaxError(
            f"{host!r} is a wildcard pattern, not a request host: trace a concrete name"
        )
    if _ip(host):
        return
    labels = host.split(".")
    if len(host) > 253 or not all(_LABEL.match(label) for label in labels):
        raise RequestSyntaxError(f"invalid host {host!r}: not a DNS name (RFC 1123)")
