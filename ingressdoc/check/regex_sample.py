"""A string that a simple regex matches: literals, classes, groups, alternation, quantifiers.

Ingress regex paths are short and simple (`/v1(/|$)(.*)`, `/users/[0-9]+`); a few dozen lines
cover them without reaching into the private `re` parser. Callers verify the sample against
the real regex, so an approximation here can only fall back, never mislead.
"""

from __future__ import annotations

import re

_GROUP_PREFIX = re.compile(r"\?(?::|P?<\w+>)")
_COUNT = re.compile(r"(\*|\+|\?|\{(\d+)(?:,\d*)?\})\??")
_ESCAPES = {"d": "0", "D": "a", "w": "a", "W": "-", "S": "a"}


def sample(pattern: str) -> str | None:
    """The shortest string the pattern's first alternatives produce; None when unsupported
    (lookarounds, backreferences, unbalanced syntax)."""
    try:
        text, end = _sequence(pattern, 0)
    except (ValueError, IndexError):
        return None
    return text if end == len(pattern) else None


def _atom(p: str, i: int) -> tuple[str, int]:
    c = p[i]
    if c == "(":
        prefix = _GROUP_PREFIX.match(p, i + 1)
        j = prefix.end() if prefix else i + 1
        if p.startswith("?", j):
            raise ValueError("lookaround or inline flag")
        text, j = _sequence(p, j)
        if not p.startswith(")", j):
            raise ValueError("unbalanced group")
        return text, j + 1
    if c == "[":
        end = p.find("]", i + (3 if p.startswith("[^", i) else 2))
        if end < 0:
            raise ValueError("unterminated class")
        body = p[i + 1:end]
        return ("a" if body.startswith("^") else _atom(body, 0)[0]), end + 1
    if c == "\\":
        e = p[i + 1:i + 2]
        if not e or (e.isalnum() and e not in _ESCAPES):
            raise ValueError("unsupported escape")
        return _ESCAPES.get(e, e), i + 2
    if c in "*+?":
        raise ValueError("quantifier without atom")
    return {"^": "", "$": "", ".": "a"}.get(c, c), i + 1


def _sequence(p: str, i: int) -> tuple[str, int]:
    """The first alternative of one group level; the others are parsed and dropped."""
    parts: list[str] = []
    while i < len(p) and p[i] not in "|)":
        atom, i = _atom(p, i)
        count = _COUNT.match(p, i)
        if count is None:
            parts.append(atom)
            continue
        q, n = count.groups()
        parts.append(atom * (0 if q in "*?" else 1 if q == "+" else int(n)))
        i = count.end()
    while p.startswith("|", i):
        _, i = _sequence(p, i + 1)
    return "".join(parts), i
