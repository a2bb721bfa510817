"""The cluster snapshot: the one read-only store every hop and check reasons over.

Every source (live API, manifests, saved file) builds the same `Snapshot`, so the engine
never knows where objects came from and fixtures exercise the production code path.
Objects stay manifest-shaped dicts (camelCase), exactly as the API serves them.
"""

from __future__ import annotations

import enum
import gc
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple, Protocol, TypeVar, cast

from ingressdoc.k8s.endpoints import SERVICE_NAME_LABEL, slices_of
from ingressdoc.k8s.objects import name
from ingressdoc.k8s.selectors import equality_terms, selector_matches

Obj = Mapping[str, Any]
T = TypeVar("T")
LabelIndex = dict[tuple[str, str], list[Obj]]
_MISSING = object()  # a memo not computed yet (None is a value memos hold)


class ObjectRef(NamedTuple):
    """Names one object; `namespace` is None for cluster-scoped kinds. A named tuple rather
    than a frozen dataclass: a `check` of a large cluster makes ~40 per traced request, and
    a tuple is built, hashed and compared in C (same fields, order and hash)."""

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
    """Where an object came from, so findings can point at a file and line or a context.
    `node` is the parsed YAML node of a manifest, to find the line of a field in it."""

    source: str
    line: int | None = None
    node: Any = field(default=None, compare=False, repr=False)

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
    _by_ref: dict[str, dict[ObjectRef, Obj]] = field(
        default_factory=dict, repr=False, init=False)
    _refs: dict[int, tuple[Obj, ObjectRef]] = field(default_factory=dict, repr=False,
                                                    init=False)
    _memo: dict[Hashable, Any] = field(default_factory=dict, repr=False, init=False)
    _memo_reads: dict[Hashable, frozenset[str]] = field(
        default_factory=dict, repr=False, init=False)

    def __post_init__(self) -> None:
        for objs in self.objects.values():
            for obj in objs:
                self._index(obj, ObjectRef.of(obj))

    def _index(self, obj: Obj, ref: ObjectRef) -> None:
        self._in_namespace.setdefault((ref.kind, ref.namespace), []).append(obj)
        self._by_ref.setdefault(ref.kind, {}).setdefault(ref, obj)
        self._refs[id(obj)] = (obj, ref)

    def ref(self, obj: Obj) -> ObjectRef:
        """`ObjectRef.of(obj)`, kept from indexing for the snapshot's own objects: a trace
        names each pod, slice and policy it passes several times. An entry holds its object,
        so its id is not reused while the entry lives."""
        known = self._refs.get(id(obj))
        return known[1] if known is not None and known[0] is obj else ObjectRef.of(obj)

    def memo(self, key: Hashable, compute: Callable[[], T],
             reads: Iterable[str] | None = None) -> T:
        """Data derived from the whole snapshot, computed once: the snapshot is complete
        before any hop reads it, and `check` traces thousands of requests over one.
        `reads` names the kinds it is derived from, so that `with_only` can keep it."""
        found = self._memo.get(key, _MISSING)
        if found is _MISSING:
            found = self._memo[key] = compute()
            if reads is not None:
                self._memo_reads[key] = frozenset(reads)
        return cast(T, found)

    def with_only(self, kind: str, objs: Iterable[Obj]) -> Snapshot:
        """This snapshot with `objs` as its only objects of `kind` (`check` traces a shadowed
        Ingress alone). The other kinds' indexes, and the memos that read none of `kind`, are
        kept: rebuilding them from the whole cluster took ~0.1 s per call at 10,000 pods."""
        out = replace(self, objects={})
        out.objects = {**self.objects, kind: list(objs)}
        # Shared with this snapshot, not copied: the result is read, never added to.
        out._in_namespace = {k: v for k, v in self._in_namespace.items() if k[0] != kind}
        out._by_ref = {k: v for k, v in self._by_ref.items() if k != kind}
        out._refs = self._refs  # entries name their object: right for any snapshot
        for obj in out.objects[kind]:
            out._index(obj, ObjectRef.of(obj))
        out._memo_reads = {k: r for k, r in self._memo_reads.items() if kind not in r}
        out._memo = {k: self._memo[k] for k in out._memo_reads}
        return out

    def add(self, obj: Obj, origin: Origin | None = None, derived: bool = False) -> None:
        self._memo.clear()
        self._memo_reads.clear()
        ref = ObjectRef.of(obj)
        self.objects.setdefault(ref.kind, []).append(obj)
        self.statuses.setdefault(ref.kind, KindStatus.LOADED)
        self._index(obj, ref)
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
        failed = self.scope_failures.get((kind, namespace)) if self.scope_failures else None
        return failed or self.statuses.get(kind, KindStatus.NOT_LOADED)

    def loaded(self, kind: str) -> bool:
        return self.status(kind) is KindStatus.LOADED

    def list(
        self,
        kind: str,
        namespace: str | None = None,
        labels: Mapping[str, Any] | None = None,
    ) -> Sequence[Obj]:
        """Objects of `kind`, optionally in one namespace and matching a label selector."""
        out: Sequence[Obj] = (self.objects.get(kind, ()) if namespace is None
                              else self._in_namespace.get((kind, namespace), ()))
        if labels is None:
            return list(out)
        candidates = self._label_candidates(kind, namespace, labels, out)
        return [o for o in candidates if selector_matches(labels, _labels(o))]

    def _label_candidates(self, kind: str, namespace: str | None, selector: Mapping[str, Any],
                          objs: Sequence[Obj]) -> Sequence[Obj]:
        """The objects of `objs` carrying the selector's rarest `key: value` term, in `objs`'
        order (a Service's pods among thousands); all of `objs` when no index can answer."""
        if not objs:
            return objs
        terms = [(k, v) for k, v in equality_terms(selector).items() if isinstance(v, str)]
        if not terms:
            return objs
        index = self.memo(("labels", kind, namespace), lambda: _label_index(objs), (kind,))
        if index is None:
            return objs
        return min((index.get(t, []) for t in terms), key=len)

    def selected_pods(self, service: Obj) -> Sequence[Obj]:
        """The pods a Service's selector picks in its namespace, through the label index
        (`k8s.endpoints.selected_pods` is the same rule over a given list of pods)."""
        selector = (service.get("spec") or {}).get("selector")
        if not selector:
            return ()
        # Once per Service: a trace asks for them in several hops. The entry holds the
        # Service, so its id is not reused while the entry lives.
        kept = self.memo(("selected-pods", id(service)), lambda: (service, tuple(
            self.list("Pod", self.ref(service).namespace, selector))), ("Pod", "Service"))
        return kept[1]

    def services_selecting(self, pods: Sequence[Obj]) -> Sequence[Obj]:
        """The Services whose selector picks one of `pods` in its namespace, in the
        snapshot's order (a controller's ways in). The label index is built here over the
        Services' selectors, so a pod's labels find them without a scan of every Service
        per trace."""
        chosen: dict[int, Obj] = {}
        for pod in pods:
            services, index = self._selector_index(self.ref(pod).namespace)
            pod_labels = _labels(pod)
            candidates = services if index is None else [
                s for term in pod_labels.items() for s in index.get(term, ())]
            chosen.update((id(s), s) for s in candidates
                          if _selector(s) and selector_matches(_selector(s), pod_labels))
        order = self.memo(("order", "Service"), lambda: {
            id(s): i for i, s in enumerate(self.objects.get("Service", ()))}, ("Service",))
        return sorted(chosen.values(), key=lambda s: order[id(s)])

    def _selector_index(self, ns: str | None) -> tuple[Sequence[Obj], LabelIndex | None]:
        services = self._in_namespace.get(("Service", ns), ())
        return services, self.memo(("selectors", "Service", ns),
                                   lambda: _label_index(services, _selector_terms),
                                   ("Service",))

    def service_slices(self, service: Obj) -> Sequence[Obj]:
        """The EndpointSlices of a Service (labelled kubernetes.io/service-name)."""
        return slices_of(service, self.list("EndpointSlice", self.ref(service).namespace,
                                            {SERVICE_NAME_LABEL: name(service)}))

    def get(self, kind: str, namespace: str | None, name: str) -> Obj | None:
        return self._by_ref.get(kind, {}).get(ObjectRef(kind, namespace, name))

    def origin(self, ref: ObjectRef) -> Origin | None:
        return self.origins.get(ref)

    def origin_of(self, obj: Obj) -> Origin | None:
        return self.origins.get(self.ref(obj))

    def is_derived(self, obj: Obj) -> bool:
        return bool(self.derived) and self.ref(obj) in self.derived

    def all_objects(self) -> Iterable[Obj]:
        for objs in self.objects.values():
            yield from objs


def _labels(obj: Obj) -> Any:
    return (obj.get("metadata") or {}).get("labels") or {}


def _selector(service: Obj) -> Any:
    return (service.get("spec") or {}).get("selector") or {}


def _selector_terms(service: Obj) -> Any:
    """A Service's selector as index keys; None (its namespace is scanned) when a value is
    not a string, which no key of a pod's labels stands for."""
    selector = _selector(service)
    if isinstance(selector, Mapping) and all(isinstance(v, str) for v in selector.values()):
        return selector
    return None


def _label_index(objs: Sequence[Obj], labels_of: Callable[[Obj], Any] = _labels
                 ) -> LabelIndex | None:
    """Objects by each string `key: value` label (or, with `labels_of`, selector term), in
    `objs`' order. Only strings: a selector term whose value is a string matches no other
    type. None when some object's labels are not a mapping, so that the selector reports it
    exactly as a scan would."""
    index: LabelIndex = {}
    for obj in objs:
        labels = labels_of(obj)
        if not isinstance(labels, Mapping):
            return None
        for term in labels.items():
            if isinstance(term[1], str):
                index.setdefault(term, []).append(obj)
    return index


@contextmanager
def collector_paused() -> Iterator[None]:
    """Bulk work that builds or walks a large snapshot (reading a cluster's LISTs, every
    trace of `check`, its report document) with the cyclic garbage collector off. A cluster
    of 10,000 pods is about a million containers that stay alive to the end, and each full
    collection the work's allocations trigger re-scans them all: ~0.3 s of `check -A`'s ~1.4
    s of tracing and rendering at that size. The work builds acyclic results, so nothing
    waits on the collector; it resumes (if it was on) when the work is done."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Source(Protocol):
    """Where snapshots come from; `plan` asks for scoped reads (sources may read more)."""

    def read(self, plan: Callable[[Snapshot], Sequence[object]] | None = None) -> Snapshot: ...
