"""The live source: with `probe_pod.py` (opt-in `reach --probe`), the only code that talks
to the Kubernetes API.

Read-only: LIST requests, and GETs by name for the kinds never listed (Secrets, ConfigMaps;
see `kinds`), plus the opt-in service proxy and port-forward of `--probe`; paginated, raw
JSON parsed with `json.loads` (the client's model deserialisation costs an order of
magnitude more on large lists). A 403 or 404 on a kind is recorded as its status so hops
say "not checked" instead of guessing; a 404 on a named GET is an absent object.
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, cast

import yaml

from ingressdoc.errors import ClusterError, KubeconfigError
from ingressdoc.snapshot import KindStatus, ObjectRef, Origin, Snapshot, collector_paused
from ingressdoc.snapshot.kinds import KINDS, KindInfo, Read
from ingressdoc.snapshot.redact import redact_secret

PAGE_SIZE = 500
READERS = 4  # lists read at once (each with its next page asked for ahead)
RETRIES = 4
MAX_RETRY_AFTER = 30.0  # seconds
_DECODER = json.JSONDecoder()
Plan = Callable[[Snapshot], Sequence[object]]


@dataclass
class Stats:
    """What a run cost: the benchmark reads these."""

    requests: int = 0
    bytes: int = 0
    reads: list[Read] = field(default_factory=list)


class LiveSource:
    def __init__(self, api: Any, context: str, server: str, timeout: float,
                 namespace: str | None = None) -> None:
        self._api = api
        self.context = context
        self.server = server
        self.timeout = timeout
        self.namespace = namespace  # the context's default namespace, as kubectl uses it
        self.stats = Stats()
        self._counting = threading.Lock()

    @property
    def api_client(self) -> Any:
        """The authenticated client, for the opt-in writers in `probe_pod.py`."""
        return self._api

    @classmethod
    def connect(cls, kubeconfig: str | None, context: str | None, timeout: float) -> LiveSource:
        from kubernetes import client, config
        from kubernetes.config.config_exception import ConfigException

        cfg = client.Configuration()
        path = _kubeconfig_path(kubeconfig)
        context = context or _first_current_context(path)
        try:
            if path or os.path.exists(os.path.expanduser("~/.kube/config")) or context:
                config.load_kube_config(config_file=path, context=context,
                                        client_configuration=cfg)
                contexts, active = config.list_kube_config_contexts(config_file=path)
                chosen = next((c for c in contexts if c.get("name") == context), active)
                name = (chosen or {}).get("name", "")
                namespace = ((chosen or {}).get("context") or {}).get("namespace")
            else:
                config.load_incluster_config(client_configuration=cfg)
                name, namespace = "in-cluster", _in_cluster_namespace()
        except ConfigException as exc:
            raise KubeconfigError(_config_message(exc, path, context)) from None
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise KubeconfigError(f"cannot load kubeconfig {path or '~/.kube/config'}: "
                                  f"not YAML text ({type(exc).__name__})") from None
        except (TypeError, AttributeError, KeyError, ValueError, RecursionError) as exc:
            # The client indexes the file's structure as it expects it to be.
            raise KubeconfigError(f"cannot load kubeconfig {path or '~/.kube/config'}: "
                                  f"not a kubeconfig ({type(exc).__name__})") from None
        cfg.retries = 0
        # Each reader, and the pages it asks for ahead (two at most), hold a connection each.
        cfg.connection_pool_maxsize = max(cfg.connection_pool_maxsize, 3 * READERS)
        return cls(client.ApiClient(cfg), str(name), str(cfg.host), timeout, namespace)

    def read(self, plan: Plan | None = None) -> Snapshot:
        """Every listed kind cluster-wide (plan None), or what `plan` asks for until it is
        satisfied (`trace.plan.everything` adds the Secrets and ConfigMaps read by name).

        The collector is paused while the pages pile up: each full collection would re-scan
        every object read so far, and parsed JSON forms no cycles (see `collector_paused`)."""
        with collector_paused():
            return self._read(plan)

    def _read(self, plan: Plan | None) -> Snapshot:
        snap = Snapshot(source=f"cluster (context {self.context})", live=True,
                        meta={"context": self.context, "server": self.server})
        seen: set[ObjectRef] = set()
        if plan is None:
            self._fetch([Read(k) for k, info in KINDS.items() if info.bulk and info.listed],
                        snap, seen)
            return snap
        done: set[Read] = set()
        while True:
            todo = list(dict.fromkeys(
                r for r in plan(snap) if isinstance(r, Read) and r not in done))
            if not todo:
                return snap
            done.update(todo)
            self._fetch(todo, snap, seen)

    def _fetch(self, reads: Sequence[Read], snap: Snapshot, seen: set[ObjectRef]) -> None:
        """The reads' requests run side by side (READERS at a time), and their answers are
        added in the order of `reads`: the same snapshot as reading one after the other."""
        with ThreadPoolExecutor(max_workers=READERS) as pool:
            answers = [pool.submit(self._answer, read) for read in reads]
            try:
                for read, answer in zip(reads, answers, strict=True):
                    self._add(read, answer, snap, seen)
            except BaseException:
                for answer in answers:
                    answer.cancel()
                raise

    def _answer(self, read: Read) -> list[dict[str, Any]] | _KindError:
        try:
            return self.list_objects(read)
        except _KindError as exc:
            return exc

    def _add(self, read: Read, answer: Future[list[dict[str, Any]] | _KindError],
             snap: Snapshot, seen: set[ObjectRef]) -> None:
        self.stats.reads.append(read)
        items = answer.result()
        if isinstance(items, _KindError):
            if not snap.loaded(read.kind):
                snap.mark(read.kind, items.status)
            snap.mark_scope(read.kind, read.namespace, items.status)
            return
        snap.mark(read.kind, KindStatus.LOADED)
        origin = Origin(f"cluster {self.context}")
        for obj in items:
            ref = ObjectRef.of(obj)
            if ref not in seen:
                seen.add(ref)
                snap.add(redact_secret(obj) if read.kind == "Secret" else obj, origin)

    def list_objects(self, read: Read) -> list[dict[str, Any]]:
        """Every page of one LIST. The next page is asked for as soon as this one's
        `continue` token is seen at the head or the tail of the answer, so that the API
        server prepares it while this one is parsed."""
        info = KINDS[read.kind]
        if read.name is not None:
            return self._get_named(read, info)
        path = info.path(read.namespace)
        items: list[dict[str, Any]] = []
        # Two: a page asked for on a token misread runs out beside the right one.
        with ThreadPoolExecutor(max_workers=2) as ahead:

            def ask(token: str | None) -> Future[bytes]:
                asking = threading.Event()
                page = ahead.submit(self._page, path, read, token, asking)
                # Parsing holds the interpreter lock: let the page's thread start first.
                asking.wait()
                return page

            page = ask(None)
            while True:
                try:
                    data = page.result()
                except _Expired:
                    items, page = [], ask(None)
                    continue
                token = _continue_token(data)
                if token:
                    page = ask(token)
                body = _json_object(data, path, self.server)
                items_page = body.get("items") or []
                if not isinstance(items_page, list) or not all(isinstance(i, dict)
                                                                for i in items_page):
                    raise ClusterError(f"API server {self.server} answered a malformed list "
                                       f"for {path}")
                for item in items_page:
                    item["kind"] = read.kind
                    item["apiVersion"] = f"{info.group}/{info.version}" if info.group else "v1"
                    items.append(item)
                stated = (body.get("metadata") or {}).get("continue") or None
                if not stated:
                    return items
                if stated != token:  # misread or not found: ask for the stated page
                    page = ask(stated)

    def _page(self, path: str, read: Read, token: str | None,
              asking: threading.Event) -> bytes:
        asking.set()
        query: list[tuple[str, Any]] = [("limit", PAGE_SIZE)]
        if read.label_selector:
            query.append(("labelSelector", read.label_selector))
        if read.field_selector:
            query.append(("fieldSelector", read.field_selector))
        if token:
            query.append(("continue", token))
        return self._get_bytes(path, query)

    def _get_named(self, read: Read, info: KindInfo) -> list[dict[str, Any]]:
        """The one object `read` names, or none (a 404 here is an absent object: the kinds
        read by name are core kinds every API server serves)."""
        try:
            item = self._get(f"{info.path(read.namespace)}/{read.name}", [])
        except _KindError as exc:
            if exc.status is KindStatus.UNAVAILABLE:
                return []
            raise
        item["kind"] = read.kind
        item["apiVersion"] = f"{info.group}/{info.version}" if info.group else "v1"
        return [item]

    def proxy_get(self, resource: str, ns: str, name: str, port: str,
                  path: str) -> tuple[int | None, str | None]:
        """GET through the API server's proxy subresource (needs get on <resource>/proxy).

        Opt-in (`--probe`): it is the one request that reaches workloads, not the API.
        """
        url = f"/api/v1/namespaces/{ns}/{resource}/{name}:{port}/proxy{path}"
        try:
            status, _, _ = self.get_raw(url, [])
        except ClusterError as exc:
            return None, exc.message
        if status == 403:
            return None, f"forbidden: grant get on {resource}/proxy"
        return status, None

    def open_port(self, namespace: str, pod: str, port: int) -> socket.socket:
        """A TCP stream to a pod's port through the API server's port-forward.

        Opt-in (`--probe`): it needs create on pods/portforward, more than reading. Failures
        raise ConnectionError with the reason, as a refused connection would.
        """
        from kubernetes import client
        from kubernetes.client.exceptions import ApiException
        from kubernetes.stream import portforward

        api = client.CoreV1Api(self._api)
        with self._counting:
            self.stats.requests += 1
        try:
            forward = portforward(api.connect_get_namespaced_pod_portforward, pod, namespace,
                                  ports=str(port))
        except (ApiException, OSError) as exc:
            raise ConnectionError(_forward_failure(exc, namespace, pod)) from None
        # A socketpair end wrapped by the client: it behaves as a connected TCP socket.
        return cast(socket.socket, forward.socket(port))

    def get_raw(self, path: str, query: list[tuple[str, Any]]) -> tuple[int, str, bytes]:
        """One GET; transport failures become ClusterError, HTTP statuses are returned."""
        status, reason, data, _ = self._request(path, query)
        return status, reason, data

    def _request(self, path: str, query: list[tuple[str, Any]]) -> tuple[int, str, bytes, Any]:
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError

        method, url, headers, _, _ = self._api.param_serialize(
            "GET", path, query_params=query, auth_settings=["BearerToken"])
        with self._counting:
            self.stats.requests += 1
        try:
            resp = self._api.call_api(method, url, header_params=headers,
                                      _request_timeout=self.timeout)
            data = resp.read() or b""
        except (HTTPError, ApiException, OSError) as exc:
            raise ClusterError(f"cannot reach API server {self.server}: {_reason(exc)}") from None
        with self._counting:
            self.stats.bytes += len(data)
        return int(resp.status), str(resp.reason or ""), bytes(data), resp.getheaders()

    def _get(self, path: str, query: list[tuple[str, Any]]) -> dict[str, Any]:
        return _json_object(self._get_bytes(path, query), path, self.server)

    def _get_bytes(self, path: str, query: list[tuple[str, Any]]) -> bytes:
        for attempt in range(RETRIES + 1):
            try:
                status, reason, data, headers = self._request(path, query)
            except ClusterError:
                if attempt < 1:
                    time.sleep(0.5)
                    continue
                raise
            if status == 200:
                return data
            if status in (429, 500, 502, 503, 504) and attempt < RETRIES:
                time.sleep(max(min(2.0, 0.2 * 2 ** attempt), _retry_after(headers)))
                continue
            raise _classify(status, reason, path, self.server)
        raise ClusterError(f"API server {self.server} kept failing on {path}")


def _retry_after(headers: Any) -> float:
    """The wait a throttling API server asks for (429 from API Priority and Fairness, or a
    503), parsed by urllib3's own Retry-After parser (seconds or an HTTP date), capped so a
    misbehaving proxy cannot stall a CI job."""
    from urllib3.exceptions import InvalidHeader
    from urllib3.util import Retry

    value = (headers or {}).get("Retry-After")
    if not value:
        return 0.0
    try:
        return min(MAX_RETRY_AFTER, Retry().parse_retry_after(str(value)))
    except InvalidHeader:
        return 0.0


class _KindError(Exception):
    def __init__(self, status: KindStatus) -> None:
        self.status = status


class _Expired(Exception):
    """A `continue` token expired (410): restart the list from the beginning."""


_LIST_META = re.compile(r'"metadata"\s*:\s*')
_END = 4096  # bytes at either end of a list that hold its metadata


def _continue_token(data: bytes) -> str | None:
    """The `metadata.continue` of a list, read without parsing its items: at the head of
    the JSON for built-in kinds (kind, apiVersion and metadata come first), at the tail for
    custom resources (their keys are sorted: apiVersion, items, kind, metadata). None when
    there is none or it cannot be read there; the full parse then decides."""
    head = data[:_END].decode("utf-8", "replace")
    first = _LIST_META.search(head)
    meta = _list_meta_at(head, first.end()) if first is not None else None
    if meta is None:
        tail = data[-_END:].decode("utf-8", "replace")
        ends = [found.end() for found in _LIST_META.finditer(tail)]
        meta = _list_meta_at(tail, ends[-1]) if ends else None
    token = (meta or {}).get("continue")
    return token if isinstance(token, str) and token else None


def _list_meta_at(text: str, at: int) -> dict[str, Any] | None:
    """The metadata object at `at` if it is a list's (an object's has a name)."""
    try:
        meta, _ = _DECODER.raw_decode(text, at)
    except ValueError:
        return None
    return meta if isinstance(meta, dict) and "name" not in meta else None


def _json_object(data: bytes, path: str, server: str) -> dict[str, Any]:
    try:
        body = json.loads(data)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        body = None
    if not isinstance(body, dict):
        raise ClusterError(f"API server {server} answered {path} with something other than "
                           "a JSON object")
    return body


def _classify(status: int, reason: str, path: str, server: str) -> Exception:
    if status == 403:
        return _KindError(KindStatus.FORBIDDEN)
    if status == 404:
        return _KindError(KindStatus.UNAVAILABLE)
    if status == 410:
        return _Expired()
    if status == 401:
        return ClusterError(f"API server {server} refused the credentials (401 Unauthorized)")
    return ClusterError(f"API server {server} answered {status} {reason} for {path}")


def _forward_failure(exc: Exception, namespace: str, pod: str) -> str:
    """The client reports a refused port-forward as `Handshake status 403 Forbidden ...`."""
    text = str(getattr(exc, "reason", None) or exc)
    if "status 403" in text:
        return "port-forward forbidden: grant create on pods/portforward (see deploy/rbac.yaml)"
    if "status 404" in text:
        return f"pod {namespace}/{pod} not found"
    return f"port-forward to {namespace}/{pod} failed: {_reason(exc)}"


def _reason(exc: Exception) -> str:
    reason = getattr(exc, "reason", None) or exc
    text = str(reason)
    for marker in ("Connection refused", "timed out", "Name or service not known",
                   "No route to host", "certificate verify failed"):
        if marker.lower() in text.lower():
            return marker.lower()
    return text.splitlines()[0][:120]


def kubeconfig_contexts(kubeconfig: str | None) -> list[str]:
    """The context names of the (merged) kubeconfig, for shell completion."""
    from kubernetes import config

    contexts, _ = config.list_kube_config_contexts(config_file=_kubeconfig_path(kubeconfig))
    return [str(c["name"]) for c in contexts]


def _kubeconfig_path(flag: str | None) -> str | None:
    """--kubeconfig (one file), else $KUBECONFIG as kubectl reads it: a list of files that the
    client merges (first file wins per name); missing files in the list are skipped, as
    kubectl does, unless none exists."""
    if flag:
        if not os.path.exists(os.path.expanduser(flag)):
            raise KubeconfigError(f"kubeconfig {flag} does not exist")
        return flag
    listed = [p for p in os.environ.get("KUBECONFIG", "").split(os.pathsep) if p]
    if listed and not any(os.path.exists(os.path.expanduser(p)) for p in listed):
        raise KubeconfigError(f"no file of KUBECONFIG={os.environ['KUBECONFIG']} exists")
    return os.pathsep.join(listed) or None


def _first_current_context(path: str | None) -> str | None:
    """kubectl takes current-context from the first file of the list that sets it; the
    client's merger lets the last one win, so the choice is made here."""
    if not path or os.pathsep not in path:
        return None
    import yaml

    for name in path.split(os.pathsep):
        try:
            with open(os.path.expanduser(name), encoding="utf-8") as fh:
                current = (yaml.safe_load(fh) or {}).get("current-context")
        except (OSError, yaml.YAMLError, AttributeError):
            continue
        if current:
            return str(current)
    return None


def _in_cluster_namespace() -> str | None:
    try:
        with open("/var/run/secrets/kubernetes.io/serviceaccount/namespace",
                  encoding="utf-8") as fh:
            return fh.read().strip() or None
    except OSError:
        return None


def _config_message(exc: Exception, path: str | None, context: str | None) -> str:
    text = str(exc)
    if context and "context" in text.lower():
        try:
            from kubernetes import config

            contexts, _ = config.list_kube_config_contexts(config_file=path)
            names = ", ".join(c["name"] for c in contexts)
        except Exception:
            names = "unknown"
        return f"unknown context {context!r} (available: {names})"
    if path is None and "service host/port is not set" in text.lower():
        return ("no kubeconfig (~/.kube/config, $KUBECONFIG) and not running in a pod: "
                "use --kubeconfig/--context, or --manifests")
    return f"cannot load kubeconfig{f' {path}' if path else ''}: {text.splitlines()[0]}"
