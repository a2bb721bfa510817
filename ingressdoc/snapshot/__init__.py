"""The cluster snapshot: the one read-only store every hop and check reasons over.

Every source (live API, manifests, saved file) builds the same `Snapshot`, so the engine
never knows where objects came from and fixtures exercise the production code path.
Objects stay manifest-shaped dicts (camelCase), exactly as the API serves them.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, cast

from ingressdoc.k8s.endpoints import slices_of
from ingressdoc.k8s.selectors import selector_matches

Obj = Mapping[str, Any]
T = TypeVar("T")


@dataclass(frozen=True, order=True)
class ObjectRef:
    """Names one object; `namespace` is None for cluster-scoped kinds."""

    kind: str
    namespace: str | None
    name: str

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}" if self.namespace else (
            f"{self.kind} {self.name}"
        )

    @classmethod
    def of(cls, obj: Obj) -> ObjectRef:
        meta = obj.get("metadata") or {}
        return cls(str(obj.get("kind", "")), meta.get("namespace"), str(meta.get("name", "")))

    def as_dict(self) -> dict[str, str | None]:
        return {"kind": self.kind, "namespace": self.namespace, "name": self.name}


class KindStatus(str, enum.Enum):
    """Whether a kind's absence from the snapshot means "none exist" or "we do not know"."""

    LOADED = "loaded"
    NOT_LOADED = "not-loaded"
    FORBIDDEN = "forbidden"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class Origin:
    """Where an object came from, so findings can point at a file and line or a context."""

    source: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.source}:{self.line}" if self.line else self.source


@dataclass
class Snapshot:
    """Objects by kind plus, per kind, whether the source could list it.

    `derived` marks objects the control plane would create (EndpointSlices, Pods from
    workload templates) that a manifest source synthesises; their status is unknown.
    """

    objects: dict[str, list[Obj]] = field(default_factory=dict)
    statuses: dict[str, KindStatus] = field(default_factory=dict)
    scope_failures: dict[tuple[str, str | None], KindStatus] = field(default_factory=dict)
    origins: dict[ObjectRef, Origin] = field(default_factory=dict)
    derived: set[ObjectRef] = field(default_factory=set)
    source: str = "manifests"
    live: bool = False
    meta: dict[str, Any] = field(default_factory=dict)
    # Indexes kept by `add`: a `check -A` runs thousands of traces over one snapshot, and a
    # scan of every Pod per lookup would make it quadratic in the cluster's size.
    # Not init fields: `dataclasses.replace` then rebuilds them from `objects`.
    _in_namespace: dict[tuple[str, str | None], list[Obj]] = field(
        default_factory=dict, repr=False, init=False)
    _by_ref: dict[ObjectRef, Obj] = field(default_factory=dict, repr=False, init=False)
    _memo: dict[str, Any] = field(default_factory=dict, repr=False, init=False)

    def __post_init__(self) -> None:
        for objs in self.objects.values():
            for obj in objs:
                self._index(obj)

    def _index(self, obj: Obj) -> None:
        ref = ObjectRef.of(obj)
        self._in_namespace.setdefault((ref.kind, ref.namespace), []).append(obj)
        self._by_ref.setdefault(ref, obj)

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """Data derived from the whole snapshot, computed once: the snapshot is complete
        before any hop reads it, and `check` traces thousands of requests over one."""
        if key not in self._memo:
            self._memo[key] = compute()
        return cast(T, self._memo[key])

    def add(self, obj: Obj, origin: Origin | None = None, derived: bool = False) -> None:
        self._memo.clear()
        kind = str(obj.get("kind", ""))
        self.objects.setdefault(kind, []).append(obj)
        self.statuses.setdefault(kind, KindStatus.LOADED)
        self._index(obj)
        ref = ObjectRef.of(obj)
        if origin is not None:
            self.origins[ref] = origin
        if derived:
            self.derived.add(ref)

    def mark(self, kind: str, status: KindStatus) -> None:
        self.statuses[kind] = status
        if status is KindStatus.LOADED:
            self.objects.setdefault(kind, [])

    def mark_scope(self, kind: str, namespace: str | None, status: KindStatus) -> None:
        """A scoped read that failed although others of the kind succeeded (namespaced RBAC):
        objects of that scope are unknown, not absent. `None` is the cluster-wide scope."""
        self.scope_failures[(kind, namespace)] = status

    def status(self, kind: str, namespace: str | None = None) -> KindStatus:
        """The kind's status for queries in `namespace` (None: queries across namespaces)."""
        return self.scope_failures.get((kind, namespace)) or self.statuses.get(
            kind, KindStatus.NOT_LOADED)

    def loaded(self, kind: str) -> bool:
        return self.status(kind) is KindStatus.LOADED

    def list(
        self,
        kind: str,
        namespace: str | None = None,
        labels: Mapping[str, Any] | None = None,
    ) -> Sequence[Obj]:
        """Objects of `kind`, optionally in one namespace and matching a label selector."""
        out: Iterable[Obj] = (self.objects.get(kind, ()) if namespace is None
                              else self._in_namespace.get((kind, namespace), ()))
        if labels is not None:
            out = (
                o for o in out
                if selector_matches(labels, (o.get("metadata") or {}).get("labels") or {})
            )
        return list(out)

    def service_slices(self, service: Obj) -> Sequence[Obj]:
        """The EndpointSlices of a Service (labelled kubernetes.io/service-name)."""
        return slices_of(service, self.list("EndpointSlice", ObjectRef.of(service).namespace))

    def get(self, kind: str, namespace: str | None, name: str) -> Obj | None:
        return self._by_ref.get(ObjectRef(kind, namespace, name))

    def origin(self, ref: ObjectRef) -> Origin | None:
        return self.origins.get(ref)

    def origin_of(self, obj: Obj) -> Origin | None:
        return self.origins.get(ObjectRef.of(obj))

    def is_derived(self, obj: Obj) -> bool:
        return ObjectRef.of(obj) in self.derived

    def all_objects(self) -> Iterable[Obj]:
        for objs in self.objects.values():
            yield from objs


class Source(Protocol):
    """Where snapshots come from; `plan` asks for scoped reads (sources may read more)."""

    def read(self, plan: Callable[[Snapshot], Sequence[object]] | None = None) -> Snapshot: ...
