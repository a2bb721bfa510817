"""Indented JSON text, exactly as `json.dumps(document, indent=2, default=str)` writes it.

The standard library indents in pure Python, one generator per container, and the report of
a `check` over a large cluster is tens of megabytes of it. Here each string goes through the
C string encoder and each container's text is appended in one pass: the same bytes in well
under half the time. A long list can be given as `Each`: its elements are built where they
are written, on every usable core. Documents are trees (a cycle would recurse without end,
not raise).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii as _string
from typing import Any, Generic, TypeVar

from ingressdoc.parallel import fork_map

T = TypeVar("T")

_INFINITY = float("inf")
_CONSTANTS: dict[object, str] = {None: "null", True: "true", False: "false"}
# The text before each value of a dict, by key: a report repeats a few dozen keys
# hundreds of thousands of times.
_HEADS: dict[str, str] = {}
_MAX_HEADS = 4096  # keys that are data (labels, settings) must not grow it without end


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == _INFINITY:
        return "Infinity"
    if value == -_INFINITY:
        return "-Infinity"
    return float.__repr__(value)


def _key(key: object) -> str:
    """Keys as `json` converts them: strings, numbers and constants; anything else fails."""
    if isinstance(key, str):
        return _string(key)
    if isinstance(key, float):
        return _string(_float(key))
    if key is True or key is False or key is None:
        return f'"{_CONSTANTS[key]}"'
    if isinstance(key, int):
        return _string(int.__repr__(key))
    raise TypeError(f"keys must be str, int, float, bool or None, not {key.__class__.__name__}")


@dataclass(frozen=True)
class Each(Generic[T]):
    """A list of a document given as `element(item)` for each of `items`. The writer builds
    each element where it writes it, each process its share, instead of the whole tree being
    built first and then walked again: the report of a `check -A` is a few hundred thousand
    containers. YAML writes it as the list it stands for (`registry.dump`)."""

    element: Callable[[T], Any]
    items: Sequence[T]

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Any]:
        return map(self.element, self.items)


def dumps_indented(document: Any, end: str = "") -> str:
    """The document's text, then `end` (a report's final newline, without a copy of tens of
    megabytes to add it)."""
    return _text(document, "", end)


def _text(document: Any, pad: str, end: str = "") -> str:
    out: list[str] = []
    append = out.append
    heads = _HEADS

    def value(obj: Any, pad: str) -> None:
        # Containers first, and the common scalars of their items inline: most of the text.
        if isinstance(obj, dict):
            if not obj:
                append("{}")
                return
            inner = pad + "  "
            separator = ",\n" + inner
            append("{\n" + inner)
            for i, (key, item) in enumerate(obj.items()):
                head = heads.get(key) if type(key) is str else None
                if head is None:
                    head = _key(key) + ": "
                    if type(key) is str and len(heads) < _MAX_HEADS:
                        heads[key] = head
                if i:
                    head = separator + head
                kind = type(item)
                if kind is str:
                    append(head + _string(item))
                elif kind is int:
                    append(head + int.__repr__(item))
                elif item is None or kind is bool:
                    append(head + _CONSTANTS[item])
                else:
                    append(head)
                    value(item, inner)
            append("\n" + pad + "}")
        elif isinstance(obj, (list, tuple)):
            if not obj:
                append("[]")
                return
            inner = pad + "  "
            separator = ",\n" + inner
            append("[\n" + inner)
            for i, item in enumerate(obj):
                if i:
                    append(separator)
                if type(item) is str:
                    append(_string(item))
                else:
                    value(item, inner)
            append("\n" + pad + "]")
        elif isinstance(obj, Each):
            if not obj:
                append("[]")
                return
            inner = pad + "  "
            element = obj.element
            separator = ",\n" + inner
            append("[\n" + inner)
            for i, text in enumerate(fork_map(lambda item: _text(element(item), inner),
                                              obj.items)):
                if i:
                    append(separator)
                append(text)
            append("\n" + pad + "]")
        elif isinstance(obj, str):
            append(_string(obj))
        elif obj is None or obj is True or obj is False:
            append(_CONSTANTS[obj])
        elif isinstance(obj, int):
            append(int.__repr__(obj))
        elif isinstance(obj, float):
            append(_float(obj))
        else:
            value(str(obj), pad)

    value(document, pad)
    append(end)
    return "".join(out)
