"""A minimal read-only Kubernetes API server over a list of objects, enforcing a role given
as (resource, verb) pairs and recording every request, to test what ingressdoc asks for."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from ingressdoc.snapshot.kinds import KINDS

PLURALS = {info.plural: kind for kind, info in KINDS.items()}


@dataclass(frozen=True)
class Request:
    verb: str  # list or get, as RBAC names it
    resource: str
    namespace: str | None
    name: str | None


@dataclass
class FakeApi:
    objects: Sequence[Mapping[str, Any]]
    allowed: set[tuple[str, str]]  # (resource, verb); resourceNames not modelled
    requests: list[Request] = field(default_factory=list)

    def page(self, path: str, query: Mapping[str, str]) -> tuple[int, Any]:
        """A list answered in pages of `limit` items: `continue` is the next item's index."""
        status, body = self.answer(path)
        limit = int(query.get("limit") or 0)
        if status != 200 or "items" not in body or not limit:
            return status, body
        start = int(query.get("continue") or 0)
        items = body["items"]
        rest = {"continue": str(start + limit)} if start + limit < len(items) else {}
        return 200, {"kind": "List", "apiVersion": "v1", "metadata": rest,
                     "items": items[start:start + limit]}

    def answer(self, path: str) -> tuple[int, Any]:
        parts = [p for p in path.split("/") if p]
        parts = parts[2:] if parts[0] == "api" else parts[3:]
        ns = None
        if parts[:1] == ["namespaces"] and len(parts) >= 3:
            ns, parts = parts[1], parts[2:]
        resource, name = parts[0], parts[1] if len(parts) > 1 else None
        req = Request("get" if name else "list", resource, ns, name)
        self.requests.append(req)
        if (resource, req.verb) not in self.allowed:
            return 403, {"kind": "Status", "code": 403}
        kind = PLURALS.get(resource)
        items = [o for o in self.objects if o["kind"] == kind and (
            ns is None or o["metadata"].get("namespace", "default") == ns)]
        if name is None:
            return 200, {"items": [dict(o) for o in items], "metadata": {}}
        found = [o for o in items if o["metadata"]["name"] == name]
        return (200, dict(found[0])) if found else (404, {"kind": "Status", "code": 404})


@contextmanager
def serve(api: FakeApi, tmp: Path) -> Iterator[str]:
    """The API on a loopback port; yields the path of a kubeconfig that points at it."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlparse(self.path)
            status, body = api.page(url.path, {k: v[-1] for k, v in parse_qs(url.query).items()})
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    config = tmp / "kubeconfig"
    config.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "fake",
        "clusters": [{"name": "fake", "cluster": {
            "server": f"http://127.0.0.1:{server.server_address[1]}"}}],
        "users": [{"name": "fake", "user": {"token": "t"}}],
        "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "fake"}}]}))
    try:
        yield str(config)
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
