#!/usr/bin/env python3
"""Ask a DNS server for one A record and check the answer (standard library only).

    dns-query.py SERVER NAME [EXPECTED_ADDRESS]

Exit 0 when SERVER answers NAME with NOERROR and at least one address (EXPECTED_ADDRESS among
them, if given); 1 otherwise, with the reason on stderr. up.sh uses it inside a node's
network namespace, where no resolver tool of the host applies.
"""

from __future__ import annotations

import random
import socket
import struct
import sys


def query(server: str, name: str, timeout: float = 2.0) -> tuple[int, list[str]]:
    qid = random.randrange(1 << 16)
    question = b"".join(bytes([len(p)]) + p.encode() for p in name.rstrip(".").split(".")) + b"\0"
    packet = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + question + struct.pack(">HH", 1, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.sendto(packet, (server, 53))
        data, _ = sock.recvfrom(4096)
    rid, flags, _, ancount, _, _ = struct.unpack(">HHHHHH", data[:12])
    if rid != qid:
        raise OSError("reply to another query")
    pos = 12 + len(question) + 4
    addresses = []
    for _ in range(ancount):
        while data[pos] and data[pos] < 0xC0:  # the owner name: labels, then 0 or a pointer
            pos += data[pos] + 1
        pos += 2 if data[pos] >= 0xC0 else 1
        rtype, _, _, rdlength = struct.unpack(">HHIH", data[pos:pos + 10])
        pos += 10
        if rtype == 1 and rdlength == 4:
            addresses.append(socket.inet_ntoa(data[pos:pos + 4]))
        pos += rdlength
    return flags & 0xF, addresses


def main() -> int:
    if len(sys.argv) not in (3, 4):
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    server, name = sys.argv[1], sys.argv[2]
    try:
        rcode, addresses = query(server, name)
    except OSError as exc:
        print(f"{server}: no answer for {name}: {exc}", file=sys.stderr)
        return 1
    ok = rcode == 0 and addresses and (len(sys.argv) == 3 or sys.argv[3] in addresses)
    if not ok:
        print(f"{server}: {name} -> rcode {rcode}, {addresses or 'no address'}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
