"""Ask each candidate backend's pods the request directly, through the API server's
port-forward, so their answers can be matched with the entry's.

A port-forward reaches the pod's own port from inside its network namespace: NetworkPolicy
does not apply, and unlike the API server's HTTP proxy it rewrites neither the body nor the
redirect, so the bytes are the application's own. Opt-in (`--probe`); needs create on
pods/portforward.
"""

from __future__ import annotations

import http.client
import socket
import time
from collections.abc import Callable, Sequence

from ingressdoc.hops.candidates import Candidate, PodTarget
from ingressdoc.hops.fingerprint import Sample, fingerprint
from ingressdoc.probe import exchange

OpenPort = Callable[[str, str, int], socket.socket]


def ask(open_port: OpenPort, t: PodTarget, host_header: str, path: str,
        timeout: float) -> exchange.Response | str:
    """The pod's answer, or why there is none."""
    deadline = time.perf_counter() + timeout
    try:
        sock = open_port(t.namespace, t.pod, t.port)
        if t.tls:
            name = host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header
            sock = exchange.tls_wrap(sock, name, deadline)
        return exchange.get(sock, host_header, path, deadline)
    except TimeoutError:
        return f"timed out after {float(timeout)}s"
    except (OSError, http.client.HTTPException) as exc:  # ssl.SSLError is an OSError
        return str(exc) or type(exc).__name__


def samples(cands: Sequence[Candidate], host_header: str, path: str, open_port: OpenPort,
            timeout: float) -> list[Sample]:
    """One answer per candidate pod; a pod that cannot be asked is a sample with its error."""
    out = []
    for cand in cands:
        for t in cand.targets:
            target = f"pod {t.namespace}/{t.pod}:{t.port}"
            got = ask(open_port, t, host_header, path, timeout)
            if isinstance(got, str):
                out.append(Sample(cand.key, cand.role, target, None, got))
            else:
                out.append(Sample(cand.key, cand.role, target, fingerprint(
                    got.status, got.headers, got.body, got.truncated)))
    return out
