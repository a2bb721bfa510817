"""A tiny authoritative DNS server on loopback (UDP and TCP on one port) for resolver tests.

It answers from a dict the way CoreDNS answers cluster names: CNAMEs it knows are followed
and put in the answer section, unknown names are NXDOMAIN, and listed names get SERVFAIL.
"""

from __future__ import annotations

import socket
import socketserver
import struct
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset

Records = Mapping[str, Mapping[str, list[str]]]  # name -> {"A": [...], "AAAA": [...], "CNAME": [x]}


@dataclass
class Zone:
    records: Records
    servfail: frozenset[str] = frozenset()
    queries: list[tuple[str, str]] = field(default_factory=list)  # (name, type) received

    def answer(self, wire: bytes) -> bytes:
        query = dns.message.from_wire(wire)
        response = dns.message.make_response(query)
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        rdtype = dns.rdatatype.to_text(question.rdtype)
        self.queries.append((name, rdtype))
        if name in self.servfail:
            response.set_rcode(dns.rcode.SERVFAIL)
            return response.to_wire()
        for _ in range(8):
            data = self.records.get(name)
            if data is None:
                response.set_rcode(dns.rcode.NXDOMAIN)
                break
            if "CNAME" in data:
                target = data["CNAME"][0]
                response.answer.append(_rrset(name, "CNAME", [target + "."]))
                name = target
                continue
            if data.get(rdtype):
                response.answer.append(_rrset(name, rdtype, data[rdtype]))
            break
        return response.to_wire()


def _rrset(name: str, rdtype: str, values: list[str]) -> dns.rrset.RRset:
    return dns.rrset.from_text_list(name + ".", 30, "IN", rdtype, values)


class _UdpServer(socketserver.ThreadingUDPServer):
    def __init__(self, port: int, zone: Zone) -> None:
        super().__init__(("127.0.0.1", port), _Udp)
        self.zone = zone


class _TcpServer(socketserver.ThreadingTCPServer):
    def __init__(self, port: int, zone: Zone) -> None:
        super().__init__(("127.0.0.1", port), _Tcp)
        self.zone = zone


def _zone(handler: socketserver.BaseRequestHandler) -> Zone:
    assert isinstance(handler.server, (_UdpServer, _TcpServer))
    return handler.server.zone


class _Udp(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        data, sock = self.request
        sock.sendto(_zone(self).answer(data), self.client_address)


class _Tcp(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        header = self.request.recv(2)
        if len(header) < 2:
            return
        (length,) = struct.unpack("!H", header)
        wire = b""
        while len(wire) < length:
            chunk = self.request.recv(length - len(wire))
            if not chunk:
                return
            wire += chunk
        reply = _zone(self).answer(wire)
        self.request.sendall(struct.pack("!H", len(reply)) + reply)


@contextmanager
def dns_server(zone: Zone) -> Iterator[int]:
    """Serve `zone` on 127.0.0.1 over UDP and TCP; yields the port."""
    udp, tcp = _bind_pair(zone)
    threads = [threading.Thread(target=s.serve_forever, args=(0.05,), daemon=True) for s in (udp, tcp)]
    for thread in threads:
        thread.start()
    try:
        yield udp.server_address[1]
    finally:
        for server in (udp, tcp):
            server.shutdown()
            server.server_close()


def _bind_pair(zone: Zone) -> tuple[_UdpServer, _TcpServer]:
    """UDP and TCP servers on the same ephemeral port (retrying if TCP's is taken)."""
    for _ in range(10):
        udp = _UdpServer(0, zone)
        try:
            tcp = _TcpServer(udp.server_address[1], zone)
        except OSError:
            udp.server_close()
            continue
        return udp, tcp
    raise RuntimeError("no free port for both UDP and TCP")


@contextmanager
def silent_server() -> Iterator[int]:
    """A UDP port that receives queries and never answers: a DNS server that is down."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()
