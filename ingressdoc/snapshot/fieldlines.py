"""The line of a finding's field inside the manifest its object came from, so annotations
and code-scanning results point at `targetPort`, not at the document's first line.

Field paths are the findings' own: `spec.ports[0].targetPort`, `spec.containers[web].ports`
(a list item by its `name`, or `type` for conditions), `spec.containers[].ports` (the first
item). A Pod that stands in for a workload is found under the workload's pod template.
"""

from __future__ import annotations

import re

import yaml

_STEP = re.compile(r"([^.\[\]]+)|\[([^\]]*)\]")
_ITEM_KEYS = ("name", "type")
_TEMPLATES = (("spec", "template"), ("spec", "jobTemplate", "spec", "template"))


def _key(node: yaml.Node, key: str) -> tuple[yaml.Node, int] | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if k.value == key:
                return v, k.start_mark.line + 1
    return None


def _item(node: yaml.Node, selector: str) -> tuple[yaml.Node, int] | None:
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        return None
    if selector == "":
        chosen: yaml.Node | None = node.value[0]
    elif selector.isdigit():
        index = int(selector)
        chosen = node.value[index] if index < len(node.value) else None
    else:
        chosen = next((item for item in node.value for k in _ITEM_KEYS
                       if (v := _key(item, k)) and getattr(v[0], "value", None) == selector), None)
    return (chosen, chosen.start_mark.line + 1) if chosen is not None else None


def _walk(node: yaml.Node, steps: list[tuple[str, str]]) -> tuple[int, int | None]:
    """How many steps resolved, and the line of the last one that did. A key with dots
    (`metadata.annotations.kubernetes.io/ingress.class`) spans several steps: the longest
    key the mapping holds wins."""
    line = None
    done = 0
    while done < len(steps):
        key, selector = steps[done]
        if not key:
            found, used = _item(node, selector), 1
        else:
            found, used = None, 1
            for end in range(len(steps), done, -1):
                names = [k for k, _ in steps[done:end]]
                if all(names) and (found := _key(node, ".".join(names))) is not None:
                    used = end - done
                    break
        if found is None:
            return done, line
        node, line = found
        done += used
    return done, line


def _descend(node: yaml.Node, keys: tuple[str, ...]) -> yaml.Node | None:
    for key in keys:
        found = _key(node, key)
        if found is None:
            return None
        node = found[0]
    return node


def field_line(node: yaml.Node | None, field: str | None) -> int | None:
    """The line of `field` in the object's `node`, or of its deepest part present."""
    if node is None or not field:
        return None
    steps = _STEP.findall(field)
    best: tuple[int, int | None] = (0, None)
    for prefix in ((), *_TEMPLATES):
        root = _descend(node, prefix)
        if root is None:
            continue
        done, line = _walk(root, steps)
        if done == len(steps):
            return line
        if done > best[0]:
            best = (done, line)
    return best[1]
