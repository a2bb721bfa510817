"""DNS evidence: what a client really gets for a name, from /etc/hosts or a DNS server.

Each lookup queries exactly the name given (no search list): the caller expands short names
with `ingressdoc.k8s.dns_names.expand_name` so every candidate's answer can be shown.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

import dns.exception
import dns.message
import dns.name
import dns.nameserver
import dns.query
import dns.rdatatype
import dns.resolver

from ingressdoc.k8s.ports import is_number

Status = Literal["ok", "nxdomain", "noanswer", "servfail", "timeout", "error"]
Source = Literal["hosts-file", "dns"]
OpenStream = Callable[[], socket.socket]  # a fresh byte stream to a DNS server's TCP port


@dataclass(frozen=True)
class DnsAnswer:
    name: str
    status: Status
    addresses: tuple[str, ...] = ()  # A then AAAA
    cnames: tuple[str, ...] = ()  # the chain followed from `name`, in order
    server: str | None = None
    detail: str = ""
    source: Source = "dns"


class Resolver(Protocol):
    """Anything that answers a name: `DnsResolver`, `StaticResolver` or a test fake."""

    def __call__(self, name: str) -> DnsAnswer: ...


@dataclass(frozen=True)
class DnsResolver:
    """`resolve` with its settings bound, so the engine can hand one object to every hop."""

    server: str | None = None
    port: int = 53
    tcp: bool = False
    timeout: float = 2.0
    hosts_file: str | None = "/etc/hosts"

    def __call__(self, name: str) -> DnsAnswer:
        return resolve(
            name,
            server=self.server,
            port=self.port,
            tcp=self.tcp,
            timeout=self.timeout,
            hosts_file=self.hosts_file,
        )


@dataclass(frozen=True)
class StaticResolver:
    """Fixed answers, for tests and for replaying recorded evidence; unknown names are NXDOMAIN."""

    answers: Mapping[str, DnsAnswer]

    def __call__(self, name: str) -> DnsAnswer:
        key = name.rstrip(".").lower()
        found = self.answers.get(key)
        if found is not None:
            return found
        return DnsAnswer(name=key, status="nxdomain", detail=f"{key} does not exist (NXDOMAIN)")


def resolve(
    name: str,
    *,
    server: str | None = None,
    port: int = 53,
    tcp: bool = False,
    timeout: float = 2.0,
    hosts_file: str | None = "/etc/hosts",
) -> DnsAnswer:
    """Resolve `name` to A and AAAA addresses the way curl would see it.

    Without `server`, the hosts file wins over DNS (as nsswitch's `files dns` makes it for
    getaddrinfo) and DNS means the system resolver. With `server`, only that server is asked:
    the hosts file of this machine says nothing about what that server answers.
    """
    name = name.rstrip(".")
    if server is None and hosts_file is not None:
        listed = hosts_file_addresses(hosts_file, name)
        if listed:
            return DnsAnswer(
                name=name,
                status="ok",
                addresses=listed,
                detail=f"{name} is listed in {hosts_file}: {', '.join(listed)}",
                source="hosts-file",
            )
    try:
        qname = dns.name.from_text(name)
    except dns.exception.DNSException as exc:
        return DnsAnswer(name=name, status="error", detail=f"not a valid DNS name: {exc}")
    try:
        resolver = _make_resolver(server, port, timeout)
    except (dns.resolver.NoResolverConfiguration, OSError, ValueError) as exc:
        return DnsAnswer(name=name, status="error", detail=f"no usable resolver: {exc}")
    return _query(resolver, qname, tcp, _server_label(resolver))


def resolve_over(name: str, open_stream: OpenStream, label: str, timeout: float = 2.0) -> DnsAnswer:
    """Resolve `name` over TCP streams `open_stream` opens, one per query: for a server that
    has no address reachable from here, such as a pod behind the API server's port-forward."""
    name = name.rstrip(".")
    try:
        qname = dns.name.from_text(name)
    except dns.exception.DNSException as exc:
        return DnsAnswer(name=name, status="error", detail=f"not a valid DNS name: {exc}")
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [StreamNameserver(open_stream, label)]
    resolver.timeout = resolver.lifetime = timeout
    resolver.cache = None
    return _query(resolver, qname, True, label)


class StreamNameserver(dns.nameserver.Nameserver):
    """A nameserver reached through streams the caller opens; each query gets its own."""

    def __init__(self, open_stream: OpenStream, label: str) -> None:
        # The base class's __init__ sets nothing (and is untyped): not called.
        self.open_stream = open_stream
        self.label = label

    def __str__(self) -> str:
        return self.label

    def kind(self) -> str:
        return "stream"

    def is_always_max_size(self) -> bool:
        return True  # a stream is TCP: no UDP size limit, no truncation

    def answer_nameserver(self) -> str:
        return self.label

    def answer_port(self) -> int:
        return 53

    def query(self, request: dns.message.QueryMessage, timeout: float, source: str | None,
              source_port: int, max_size: bool, one_rr_per_rrset: bool = False,
              ignore_trailing: bool = False) -> dns.message.Message:
        stream = self.open_stream()
        try:
            return dns.query.tcp(request, self.label, timeout=timeout, sock=stream,
                                 one_rr_per_rrset=one_rr_per_rrset,
                                 ignore_trailing=ignore_trailing)
        except EOFError:
            raise ConnectionError("the connection closed without an answer") from None
        finally:
            stream.close()


def parse_server(text: str) -> tuple[str, int]:
    """`ADDR`, `ADDR:PORT`, `[V6]:PORT` or a bare IPv6 address, as --dns-server takes them:
    an IP address, since a server's name would need a resolver of its own."""
    if text.startswith("["):
        address, _, rest = text[1:].partition("]")
        port = rest.removeprefix(":")
    elif text.count(":") == 1:
        address, _, port = text.partition(":")
    else:
        address, port = text, ""
    if _parse_address(address) is None or not is_number(port or "53") or not (
            0 < int(port or 53) < 65536):
        raise ValueError(f"not an IP address with an optional port: {text!r}")
    return address, int(port or 53)


def hosts_file_addresses(path: str, name: str) -> tuple[str, ...]:
    """Every address a hosts file gives `name`; empty if the file is unreadable."""
    wanted = name.rstrip(".").lower()
    try:
        with open(path, encoding="utf-8", errors="replace") as hosts:
            lines = hosts.readlines()
    except OSError:
        return ()
    found: list[str] = []
    for line in lines:
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 2 and wanted in (n.lower() for n in fields[1:]):
            address = _parse_address(fields[0])
            if address is not None and address not in found:
                found.append(address)
    return tuple(found)


def _parse_address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def _make_resolver(server: str | None, port: int, timeout: float) -> dns.resolver.Resolver:
    resolver = dns.resolver.Resolver(configure=server is None)
    if server is not None:
        resolver.nameservers = [server]
        resolver.port = port
    resolver.timeout = timeout
    resolver.lifetime = timeout
    resolver.cache = None
    return resolver


def _server_label(resolver: dns.resolver.Resolver) -> str:
    """How the server is shown: `10.96.0.10`, or `127.0.0.1:5353` off the standard port."""
    server = str(resolver.nameservers[0]) if resolver.nameservers else "?"
    if resolver.port == 53:
        return server
    return f"[{server}]:{resolver.port}" if ":" in server else f"{server}:{resolver.port}"


def _query(resolver: dns.resolver.Resolver, qname: dns.name.Name, tcp: bool, server: str) -> DnsAnswer:
    """A first, then AAAA: a failure of the name itself ends the lookup at the A query."""
    name = qname.to_text(omit_final_dot=True)
    addresses: list[str] = []
    cnames: tuple[str, ...] = ()
    for rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
        try:
            answer = resolver.resolve(qname, rdtype, tcp=tcp, search=False)
        except dns.resolver.NoAnswer as exc:
            cnames = cnames or _cname_chain(exc.kwargs.get("response"))
            continue
        except dns.exception.DNSException as exc:
            if addresses:
                break  # AAAA trouble does not undo the A answer
            return _failure(name, exc, server, resolver.lifetime)
        addresses += [rdata.to_text() for rdata in answer]
        cnames = cnames or _cname_chain(answer.response)
    return _success(name, tuple(addresses), cnames, server)


def _success(name: str, addresses: tuple[str, ...], cnames: tuple[str, ...], server: str) -> DnsAnswer:
    via = f" via CNAME {' -> '.join(cnames)}" if cnames else ""
    if not addresses:
        return DnsAnswer(
            name=name,
            status="noanswer",
            cnames=cnames,
            server=server,
            detail=f"{name} exists{via} but has no A or AAAA record (asked {server})",
        )
    return DnsAnswer(
        name=name,
        status="ok",
        addresses=addresses,
        cnames=cnames,
        server=server,
        detail=f"{name}{via} resolves to {', '.join(addresses)} (asked {server})",
    )


def _failure(name: str, exc: dns.exception.DNSException, server: str, lifetime: float) -> DnsAnswer:
    if isinstance(exc, dns.resolver.NXDOMAIN):
        responses = list((exc.kwargs.get("responses") or {}).values())
        cnames = _cname_chain(responses[0]) if responses else ()
        target = f"its CNAME target {cnames[-1]}" if cnames else name
        return DnsAnswer(
            name=name,
            status="nxdomain",
            cnames=cnames,
            server=server,
            detail=f"{target} does not exist (NXDOMAIN from {server})",
        )
    if isinstance(exc, dns.resolver.LifetimeTimeout):
        return DnsAnswer(
            name=name,
            status="timeout",
            server=server,
            detail=f"no answer from {server} within {lifetime}s",
        )
    if isinstance(exc, dns.resolver.NoNameservers):
        return _no_nameservers(name, exc, server)
    return DnsAnswer(name=name, status="error", server=server, detail=f"DNS lookup failed: {exc}")


def _no_nameservers(name: str, exc: dns.resolver.NoNameservers, server: str) -> DnsAnswer:
    """A server that answered with an error rcode failed; one never reached is a network error."""
    errors = exc.kwargs.get("errors") or []
    reasons = [error[3] for error in errors]
    if any(isinstance(reason, str) for reason in reasons):
        rcodes = "/".join(sorted({reason for reason in reasons if isinstance(reason, str)}))
        return DnsAnswer(
            name=name,
            status="servfail",
            server=server,
            detail=f"{server} could not answer for {name} ({rcodes})",
        )
    text = "; ".join(_describe_os_error(reason) for reason in reasons) or str(exc)
    detail = f"cannot ask {server}: {text}"
    return DnsAnswer(name=name, status="error", server=server, detail=detail)


def _describe_os_error(reason: object) -> str:
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror.lower()
    return str(reason)


def _cname_chain(response: object) -> tuple[str, ...]:
    """The CNAME targets the response leads through, starting from the question name."""
    if not isinstance(response, dns.message.QueryMessage):
        return ()
    chain: list[str] = []
    try:
        result = response.resolve_chaining()
    except dns.exception.DNSException:
        return ()
    for rrset in result.cnames:
        chain += [rdata.target.to_text(omit_final_dot=True) for rdata in rrset]
    return tuple(chain)
