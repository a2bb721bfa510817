"""What the backend receives after the controller's rewrites, and redirects it answers with.

ingress-nginx renders `rewrite-target` as `rewrite "(?i)<path>" <target> break;`
(template.go `buildProxyPass`, controller-v1.15.1): nginx replaces the *whole* URI with the
target once the unanchored, case-insensitive path regex matches, filling `$1`..`$9` from its
groups. So a path without capture groups sends every request under it to the same URI.
Traefik's StripPrefix removes the first listed prefix the path starts with and keeps a
leading slash (pkg/middlewares/stripprefix, v3.6.24).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingressdoc.k8s.profiles.ingress_nginx import nginx_regex

_GROUP_REF = re.compile(r"\$(\d)")


@dataclass(frozen=True)
class Rewrite:
    path: str  # the URI the backend receives
    groups: int  # capture groups of the path regex
    missing: tuple[int, ...]  # $n the target names beyond the groups (nginx leaves them empty)


def nginx_rewrite(path_regex: str, target: str, request_path: str) -> Rewrite | None:
    """None when the path regex does not match (the location would not have been chosen)."""
    pattern = nginx_regex(path_regex)
    match = pattern.search(request_path)
    if match is None:
        return None
    groups = pattern.groups
    missing = tuple(sorted({int(n) for n in _GROUP_REF.findall(target)
                            if int(n) > groups}))

    def fill(m: re.Match[str]) -> str:
        n = int(m.group(1))
        return (match.group(n) or "") if 0 < n <= groups else ""

    return Rewrite(_GROUP_REF.sub(fill, target), groups, missing)


def strip_prefix(prefixes: Sequence[str], request_path: str) -> str | None:
    """The path after Traefik's StripPrefix, or None when no prefix applies."""
    for prefix in prefixes:
        if request_path.startswith(prefix):
            rest = request_path[len(prefix):]
            return rest if rest.startswith("/") else "/" + rest
    return None
