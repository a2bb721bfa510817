"""Write a snapshot as a `kind: List` with a header that replays its kind statuses."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import yaml

from ingressdoc.snapshot import Snapshot
from ingressdoc.snapshot.manifests import HEADER_KEY

FORMATS = ("yaml", "json")


def dump_snapshot(snap: Snapshot, as_json: bool = False) -> str:
    """Derived objects are left out: the reader derives them again from the same inputs.
    JSON is YAML too, so `--manifests` reads either."""
    items = [
        {k: v for k, v in obj.items()}
        for obj in snap.all_objects()
        if not snap.is_derived(obj)
    ]
    header: dict[str, Any] = {
        "source": snap.source,
        "live": snap.live,
        "createdAt": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "kinds": {k: v.value for k, v in sorted(snap.statuses.items())},
        "scopes": {f"{kind}@{ns or '*'}": v.value
                   for (kind, ns), v in sorted(snap.scope_failures.items(),
                                               key=lambda kv: (kv[0][0], kv[0][1] or ""))},
        **snap.meta,
    }
    doc = {"apiVersion": "v1", "kind": "List", HEADER_KEY: header, "items": items}
    if as_json:
        return json.dumps(doc, indent=2) + "\n"
    return str(yaml.safe_dump(doc, sort_keys=False))
