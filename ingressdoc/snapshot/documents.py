"""YAML documents read with bounds, so a hostile manifest costs milliseconds, not gigabytes.

PyYAML shares an aliased node instead of copying it, but everything downstream (messages,
renderers, saved snapshots) walks the expanded tree: nine levels of ten aliases are a
billion nodes. Its composer also recurses once per nesting level, so a document a few
hundred levels deep ends in RecursionError. Both are refused here, as the one-line input
error every other malformed manifest gets; real manifests stay far below both bounds.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

from ingressdoc.errors import ManifestError

MAX_DEPTH = 100  # CRDs' OpenAPI schemas are the deepest real manifests, at a few dozen levels
MAX_ALIAS_EXPANSION = 100_000  # nodes that aliases add to a document once expanded


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses documents nested deeper than MAX_DEPTH."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                event = self.peek_event()  # type: ignore[no-untyped-call]
                raise yaml.composer.ComposerError(
                    None, None, f"nested deeper than {MAX_DEPTH} levels", event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _expanded_size(root: yaml.Node) -> int:
    """Nodes in the document once every alias is expanded; -1 for a cycle (`&a [*a]`).

    Iterative, shared nodes counted once through a memo: the walk is linear in the composed
    graph, however large the expansion."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in _children(node))
            continue
        if key in sizes:
            continue
        if key in on_path:
            return -1
        on_path.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in on_path:
                return -1
            if id(child) not in sizes:
                stack.append((child, False))
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _distinct(root: yaml.Node) -> int:
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            stack.extend(_children(node))
    return len(seen)


def documents(text: str, source: str) -> Iterator[tuple[Any, int, yaml.Node]]:
    """Each document's data, start line and node, or ManifestError naming where it broke."""
    loader: _BoundedLoader | None = None
    try:
        loader = _BoundedLoader(text)
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            expanded = _expanded_size(node)
            if expanded < 0:
                raise ManifestError(f"{source}:{node.start_mark.line + 1}: a YAML alias "
                                    "refers to itself")
            if expanded - _distinct(node) > MAX_ALIAS_EXPANSION:
                raise ManifestError(f"{source}:{node.start_mark.line + 1}: YAML aliases "
                                    f"expand past {MAX_ALIAS_EXPANSION:,} nodes")
            yield loader.construct_document(node), node.start_mark.line + 1, node
    except (ValueError, OverflowError) as exc:  # a timestamp such as 2024-13-45
        raise ManifestError(f"{source}: invalid YAML: a scalar that is not a valid value of "
                            f"its type ({type(exc).__name__})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark else source
        problem = getattr(exc, "problem", None) or _reader_problem(exc)
        raise ManifestError(f"{where}: invalid YAML: {problem}") from None
    finally:
        if loader is not None:
            loader.dispose()


def _reader_problem(exc: yaml.YAMLError) -> str:
    """A reader error names the offending character; the character may be part of a Secret,
    so only its position is said."""
    if isinstance(exc, yaml.reader.ReaderError):
        return f"a control character or invalid text at character {exc.position}"
    return str(exc).splitlines()[0]


def single_document(data: bytes, source: str) -> Any:
    """The one document of a small file (a configuration), read with the same bounds."""
    docs = [doc for doc, _, _ in documents(decode(data, source), source)]
    if len(docs) > 1:
        raise ManifestError(f"{source}: expected one YAML document, found {len(docs)}")
    return docs[0] if docs else None


def decode(data: bytes, source: str) -> str:
    """UTF-8 text, or ManifestError at the first invalid byte (its value is not repeated)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ManifestError(f"{source}: not UTF-8 text (invalid byte at offset {exc.start})"
                            ) from None
