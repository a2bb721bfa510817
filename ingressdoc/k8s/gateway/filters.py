"""What a rule's filters do to the request (HTTPRouteFilter): redirect it, or say what the
backend receives (Host, path, headers).

RequestRedirect answers without a backend: scheme/hostname default to the request's, the port
to the scheme's well-known port when a scheme is set, else the listener's; 80/443 are left out
of Location, and the query string is kept (the spec leaves it open; Traefik keeps the URL's);
statusCode defaults to 302 (v1.4.0 accepts 301 and 302 only). URLRewrite
`ReplacePrefixMatch` replaces the matched prefix element-wise (`/foo` + `/xyz`: `/foo/bar` ->
`/xyz/bar`, `/foo/` -> `/xyz/`; an empty replacement leaves `/bar`, never an empty path).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ingressdoc.k8s.gateway.matching import SPEC, GatewaySemantics

Obj = Mapping[str, Any]
WELL_KNOWN = {"http": 80, "https": 443}
REDIRECT_CODES = (301, 302)


@dataclass(frozen=True)
class Unresolved:
    """Why an ExtensionRef filter's referent (group, kind, name in the route's namespace)
    does not resolve; `drops_rule` when the implementation then drops the rule's route
    (Traefik: a router naming a Middleware that does not exist is not built) instead of
    answering the request with an error."""

    why: str
    drops_rule: bool = False


# None when the referent resolves or cannot be told.
Extension = Callable[[Mapping[str, Any]], Unresolved | None]


@dataclass(frozen=True)
class Redirect:
    status: int
    location: str


@dataclass(frozen=True)
class Effect:
    """The rule's filters applied to one request."""

    redirect: Redirect | None
    host: str
    path: str
    header_changes: tuple[str, ...] = ()
    unsupported: tuple[str, ...] = ()  # filter types the implementation answers with 500
    invalid: tuple[str, ...] = ()  # values the v1.4.0 CRDs reject
    unresolved: tuple[str, ...] = ()  # ExtensionRef filters that do not resolve: HTTP error

    def changes(self, host: str, path: str) -> tuple[str, ...]:
        """What the backend receives that differs from the client's `host` and `path`."""
        out = [f"Host {self.host}"] if self.host != host else []
        out += [f"path {self.path}"] if self.path != path else []
        return (*out, *self.header_changes)


def dropping(filters: Sequence[Obj], extension: Extension) -> str | None:
    """Why the implementation drops a rule with these filters, if it does."""
    for f in filters:
        if f.get("type") == "ExtensionRef":
            miss = extension(f.get("extensionRef") or {})
            if miss is not None and miss.drops_rule:
                return miss.why
    return None


def replace_prefix(path: str, prefix: str, replacement: str) -> str:
    rest = path[len(prefix.rstrip("/")):]
    return (replacement.rstrip("/") + rest) or "/"


def _new_path(spec_path: Mapping[str, Any] | None, path: str, match: Mapping[str, Any]) -> str:
    if not spec_path:
        return path
    if spec_path.get("type") == "ReplaceFullPath":
        return str(spec_path.get("replaceFullPath") or "/")
    prefix = str(((match.get("path") or {}).get("value")) or "/")
    return replace_prefix(path, prefix, str(spec_path.get("replacePrefixMatch") or ""))


def _location(f: Mapping[str, Any], scheme: str, host: str, path: str,
              listener_port: int, query: str) -> str:
    new_scheme = str(f.get("scheme") or scheme)
    if f.get("port"):
        port = int(f["port"])
    elif f.get("scheme"):
        port = WELL_KNOWN.get(new_scheme, listener_port)
    else:
        port = listener_port
    shown = "" if WELL_KNOWN.get(new_scheme) == port else f":{port}"
    return (f"{new_scheme}://{f.get('hostname') or host}{shown}{path}"
            + (f"?{query}" if query else ""))


def _header_changes(kind: str, f: Mapping[str, Any]) -> list[str]:
    side = "request" if kind == "RequestHeaderModifier" else "response"
    out = [f"{side} header {h.get('name')}: {h.get('value')} ({verb})"
           for verb in ("set", "add") for h in f.get(verb) or []]
    out += [f"{side} header {n} removed" for n in f.get("remove") or []]
    return out


def apply(filters: Sequence[Obj], scheme: str, host: str, path: str, match: Mapping[str, Any],
          listener_port: int, semantics: GatewaySemantics = SPEC,
          extension: Extension | None = None, query: str = "") -> Effect:
    """The rule's filters in list order (the spec asks implementations to keep the order).
    An ExtensionRef that cannot be resolved is never skipped: the requests it would process
    get an HTTP error (HTTPRouteFilter.type)."""
    new_host, new_path = host, path
    changes: list[str] = []
    unsupported: list[str] = []
    invalid: list[str] = []
    unresolved: list[str] = []
    for f in filters:
        kind = str(f.get("type"))
        if kind == "RequestRedirect":
            r = f.get("requestRedirect") or {}
            code = int(r.get("statusCode") or 302)
            if code not in REDIRECT_CODES:
                invalid.append(f"requestRedirect.statusCode {code} (v1.4.0 allows 301, 302)")
            target = _new_path(r.get("path"), path, match)
            return Effect(Redirect(code, _location(r, scheme, host, target, listener_port, query)),
                          host, path, tuple(changes), tuple(unsupported), tuple(invalid),
                          tuple(unresolved))
        if kind == "URLRewrite":
            r = f.get("urlRewrite") or {}
            new_host = str(r.get("hostname") or new_host)
            new_path = _new_path(r.get("path"), new_path, match)
        elif kind in ("RequestHeaderModifier", "ResponseHeaderModifier"):
            cfg = f.get("requestHeaderModifier" if kind == "RequestHeaderModifier"
                        else "responseHeaderModifier") or {}
            changes += _header_changes(kind, cfg)
            host_set = [h for h in cfg.get("set") or [] if str(h.get("name")).lower() == "host"]
            if kind == "RequestHeaderModifier" and host_set:
                new_host = str(host_set[-1].get("value"))
        elif kind == "ExtensionRef" and extension is not None:
            miss = extension(f.get("extensionRef") or {})
            if miss is not None and not miss.drops_rule:
                unresolved.append(miss.why)
        if kind in semantics.unsupported_filters:
            unsupported.append(kind)
    return Effect(None, new_host, new_path, tuple(changes), tuple(unsupported), tuple(invalid),
                  tuple(unresolved))
