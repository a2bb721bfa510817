"""IngressClass and controller: which controller should serve the request, and does it run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.hops import controller_config
from ingressdoc.hops.base import TraceContext, missing_inputs
from ingressdoc.hops.model import ControllerFacts, Hop, HopId, status_from
from ingressdoc.k8s.annotation_class import claimed_classes
from ingressdoc.k8s.controllers import RECOGNISED, controllers_of, product_of
from ingressdoc.k8s.endpoints import pod_ready
from ingressdoc.k8s.ingress_class import (
    LEGACY_ANNOTATION,
    ClassResolution,
    default_classes,
    resolve_class,
)
from ingressdoc.k8s.ingress_match import host_matches
from ingressdoc.k8s.objects import annotations_of, name, spec
from ingressdoc.k8s.objects import namespace as namespace_of
from ingressdoc.k8s.profiles import Profile, for_controller
from ingressdoc.snapshot import ObjectRef, Snapshot

Obj = Mapping[str, Any]
INPUTS = ("Ingress", "IngressClass", "Pod")
TITLE = "IngressClass and controller"


def _host_index(ingresses: Sequence[Obj]) -> dict[str, list[int]]:
    """Positions of Ingresses by rule host: exact hosts, `*.suffix` wildcards, and "" for
    those that serve any host (a host-less rule or a default backend)."""
    index: dict[str, list[int]] = {}
    for pos, ing in enumerate(ingresses):
        hosts = {str(r.get("host") or "").lower() for r in spec(ing).get("rules") or []}
        if spec(ing).get("defaultBackend"):
            hosts.add("")
        for host in hosts:
            index.setdefault(host, []).append(pos)
    return index


def relevant_ingresses(snap: Snapshot, host: str) -> list[Obj]:
    """Ingresses that could serve `host`: a rule host matches, a rule has no host, or a
    default backend is set. Indexed once per snapshot: `check` asks for every host."""
    ingresses = snap.list("Ingress")
    index = snap.memo("ingress-hosts", lambda: _host_index(ingresses), ("Ingress",))
    host = host.lower()
    parent = host.split(".", 1)[1] if "." in host else ""
    keys = (host, f"*.{parent}" if parent else None, "")
    positions = sorted({p for key in keys if key is not None for p in index.get(key, ())})
    return [ingresses[p] for p in positions]


def class_ingresses(snap: Snapshot, class_name: str | None) -> list[Obj]:
    """Every Ingress of a class (all of them when no class could be chosen): the rule hop
    names those for other hosts as near misses when nothing specific serves the host."""
    def by_class() -> dict[str | None, list[Obj]]:
        classes = snap.list("IngressClass")
        out: dict[str | None, list[Obj]] = {}
        for ing in snap.list("Ingress"):
            out.setdefault(resolve_class(ing, classes).class_name, []).append(ing)
        return out

    if class_name is None:
        return list(snap.list("Ingress"))
    return snap.memo("ingresses-by-class", by_class, ("Ingress", "IngressClass")).get(
        class_name, [])


def _specificity(ing: Obj, host: str) -> int:
    hosts = [r.get("host") for r in spec(ing).get("rules") or []]
    if any(h and not h.startswith("*") and host_matches(h, host) for h in hosts):
        return 3
    if any(h and host_matches(h, host) for h in hosts):
        return 2
    return 1 if any(h is None for h in hosts) else 0


def _choose_class(
    resolutions: Mapping[ObjectRef, tuple[Obj, ClassResolution]], host: str, wanted: str | None
) -> str | None:
    if wanted:
        return wanted
    ranked = sorted(
        (r.class_name for ing, r in resolutions.values() if r.class_name),
        key=lambda c: -max(
            _specificity(i, host) for i, r in resolutions.values() if r.class_name == c
        ),
    )
    return ranked[0] if ranked else None


def check(ctx: TraceContext) -> tuple[Hop, ControllerFacts]:
    snap = ctx.snapshot
    note, gaps = missing_inputs(snap, ("Ingress", "IngressClass"))
    classes = snap.list("IngressClass")
    candidates = relevant_ingresses(snap, ctx.request.host)
    found: list[Finding] = list(gaps)

    defaults = default_classes(classes)
    if len(defaults) > 1:
        for cls in defaults:
            found.append(finding(
                "IDC205", ObjectRef.of(cls),
                f"IngressClass {name(cls)} is one of {len(defaults)} default classes "
                f"({', '.join(name(c) for c in defaults)})",
                field="metadata.annotations",
            ))

    resolutions = {ObjectRef.of(i): (i, resolve_class(i, classes)) for i in candidates}
    # No Ingress speaks for the host: with a single IngressClass, its controller is the
    # only one the request can reach, and it answers with its own 404.
    class_name = _choose_class(resolutions, ctx.request.host, ctx.ingress_class) or (
        name(classes[0]) if len(classes) == 1 and not resolutions else None)
    cls_obj = next((c for c in classes if name(c) == class_name), None)
    controller = spec(cls_obj).get("controller") if cls_obj else None
    by_name: list[Obj] = []
    if cls_obj is None and class_name and snap.loaded("Pod"):
        controller, by_name = _named_class_taker(snap, class_name) or (None, [])

    claimed: list[Obj] = []
    unclaimed: list[ObjectRef] = []
    for ref, (ing, res) in resolutions.items():
        found.extend(_class_findings(ref, ing, res, classes, snap.loaded("IngressClass")))
        found.extend(unserved_annotation_class(snap, ref, res, classes))
        if res.class_name == class_name and (res.ingress_class or by_name
                                             or not snap.loaded("IngressClass")):
            claimed.append(ing)
        elif res.class_name is None or (res.ingress_class is None and res.via == "field"):
            claimed.append(ing)
            unclaimed.append(ref)
    if len([i for i in claimed if _specificity(i, ctx.request.host) == 3]) > 1:
        exact = [i for i in claimed if _specificity(i, ctx.request.host) == 3]
        found.append(finding(
            "IDC208", ObjectRef.of(exact[0]),
            f"{len(exact)} Ingresses define rules for host {ctx.request.host}: "
            + ", ".join(str(ObjectRef.of(i)) for i in exact),
        ))

    classless = [ref for ref, (_, res) in resolutions.items() if res.via == "none"]
    pods: list[Obj] = by_name
    if controller is None and classless and snap.loaded("Pod"):
        controller, pods = _classless_taker(snap, claimed, classless) or (None, [])
    profile = for_controller(controller)
    found_pods, pod_findings, pod_note = _controller_pods(ctx, controller, profile, class_name)
    pods = pods or found_pods
    found.extend(pod_findings)
    found.extend(_foreign_annotations(claimed, pods))
    applied = controller_config.apply(snap, controller, pods, claimed, classless)
    if applied.classless_served:
        found = [f for f in found if not (f.code == "IDC204" and f.object in classless)]
        found.extend(finding("IDC291", ref, "no class, and the controller serves classless "
                             "Ingresses", field="spec.ingressClassName") for ref in classless)
    found.extend(applied.findings)
    scoped_out = controller_config.class_scope(snap, cls_obj, claimed)
    found.extend(scoped_out)
    applied = replace(applied, dropped=applied.dropped | {f.object for f in scoped_out})
    claimed = [i for i in claimed if ObjectRef.of(i) not in applied.dropped]

    profile = profile.configured(applied.config)
    facts = ControllerFacts(class_name, controller, profile, {"Ingress": tuple(claimed)},
                            tuple(pods), tuple(unclaimed), applied)
    readiness = [pod_ready(p) for p in pods]
    summary = f"class {class_name or '<none>'} -> controller {controller or '<unknown>'}" + (
        f"; {len(pods)} controller pods (readiness unknown)" if None in readiness
        else f"; {readiness.count(True)}/{len(pods)} controller pods ready" if pods else "")
    notes = "; ".join(n for n in (note, pod_note) if n) or None
    objects = tuple(ObjectRef.of(o) for o in ([cls_obj] if cls_obj else []) + list(pods))
    status = status_from(tuple(found), unknown=bool(notes))
    if applied.config is not None:
        version = ".".join(map(str, applied.config.version or ())) or "unknown version"
        summary += f"; {applied.config.product} {version}"
        notes = "; ".join(n for n in (notes, applied.config.configmap_note) if n) or None
    hop = Hop(HopId.CONTROLLER, TITLE, status, summary, objects=objects,
              findings=tuple(found), note=notes, settings=applied.rows)
    return hop, facts


def _title(pod: Obj) -> str:
    profile = product_of(pod)
    return profile.title if profile else "unknown"


def unserved_annotation_class(
    snap: Snapshot, ref: ObjectRef, res: ClassResolution, classes: Sequence[Obj]
) -> list[Finding]:
    """IDC230: a legacy annotation class that no IngressClass defines and no controller in
    view processes (with none in view, the controllers' default classes)."""
    if res.via != "annotation" or res.ingress_class is not None or not snap.loaded(
            "IngressClass") or not snap.loaded("Pod"):
        return []
    pods = snap.memo("controller-pods-all", lambda: [p for p in snap.list("Pod")
                                                     if product_of(p)], ("Pod",))
    claimed = claimed_classes(pods)
    if res.class_name in claimed:
        return []
    have = ", ".join(name(c) for c in classes) or "none"
    running = ", ".join(sorted({f"{_title(p)} ({namespace_of(p)})" for p in pods})) or (
        "none in view; default annotation classes: " + ", ".join(sorted(claimed)))
    return [finding(
        "IDC230", ref, f"annotation {LEGACY_ANNOTATION}={res.class_name} names no IngressClass "
        f"(have: {have}) and no controller processes it (controllers: {running})",
        field=f"metadata.annotations.{LEGACY_ANNOTATION}",
        hint=f"Set spec.ingressClassName to one of: {have}; drop the annotation.",
    )]


def _class_findings(
    ref: ObjectRef, ing: Obj, res: ClassResolution, classes: Sequence[Obj], classes_loaded: bool
) -> list[Finding]:
    out: list[Finding] = []
    legacy = annotations_of(ing).get(LEGACY_ANNOTATION)
    if legacy:
        out.append(finding(
            "IDC206", ref, f"uses annotation {LEGACY_ANNOTATION}={legacy}"
            + (f" while spec.ingressClassName is {res.class_name}"
               if res.via == "field" and res.class_name != legacy else ""),
            field=f"metadata.annotations.{LEGACY_ANNOTATION}",
        ))
    if not classes_loaded:
        return out
    if res.via == "none":
        out.append(finding(
            "IDC204", ref,
            "spec.ingressClassName is not set and "
            + ("no IngressClass is marked default" if not default_classes(classes)
               else "several IngressClasses are marked default"),
            field="spec.ingressClassName",
            hint="Set spec.ingressClassName to one of: "
            + (", ".join(name(c) for c in classes) or "<no IngressClass exists>") + ".",
        ))
    elif res.via == "field" and res.ingress_class is None:
        out.append(finding(
            "IDC203", ref, f"spec.ingressClassName is {res.class_name}, but no IngressClass "
            f"of that name exists (have: {', '.join(name(c) for c in classes) or 'none'})",
            field="spec.ingressClassName",
        ))
    return out


def pods_by_controller(snap: Snapshot) -> dict[str, list[Obj]]:
    """The pods implementing each controller string, in the snapshot's order: one pass over
    every pod per snapshot."""
    return snap.memo("controller-pods", lambda: _pods_by_controller(snap), ("Pod",))


def _pods_by_controller(snap: Snapshot) -> dict[str, list[Obj]]:
    out: dict[str, list[Obj]] = {}
    for pod in snap.list("Pod"):
        for implemented in controllers_of(pod):
            out.setdefault(implemented, []).append(pod)
    return out


def _named_class_taker(snap: Snapshot, class_name: str) -> tuple[str, list[Obj]] | None:
    """The controller pods configured to answer to `class_name` by name (the legacy class
    annotation, no IngressClass object): only those of several deployments serve it."""
    by_controller = pods_by_controller(snap)
    for implemented, pods in sorted(by_controller.items()):
        mine = [p for p in pods if controller_config.answers_to(snap, implemented, p, class_name)]
        if mine:
            return implemented, mine
    return None


def _classless_taker(snap: Snapshot, claimed: Sequence[Obj], classless: Sequence[ObjectRef]
                     ) -> tuple[str, list[Obj]] | None:
    """The running controller configured to serve Ingresses without a class, if any: with
    no class to go by, that is the controller that picks them up."""
    by_controller = pods_by_controller(snap)
    for implemented, pods in sorted(by_controller.items()):
        if controller_config.apply(snap, implemented, pods, claimed, classless).classless_served:
            return implemented, pods
    return None


def _controller_pods(
    ctx: TraceContext, controller: str | None, profile: Profile, class_name: str | None
) -> tuple[list[Obj], list[Finding], str | None]:
    snap = ctx.snapshot
    if controller is None:
        return [], [], None
    if profile.runs_outside:
        return [], [], f"controller {controller} runs outside the cluster: not checked"
    note, gaps = missing_inputs(snap, ("Pod",))
    if note:
        return [], list(gaps), note.replace("not checked", "controller pods not checked")
    pods = pods_by_controller(snap).get(
        controller, [])
    cls_ref = ObjectRef("IngressClass", None, class_name or "")
    if not pods:
        running = pods_by_controller(snap)
        if not snap.live and not running:
            return [], [], "controller pods not in the manifests: not checked"
        if controller not in RECOGNISED and (snap.live or _may_implement(
                snap, controller, class_name)):
            return [], [], (f"controller {controller} is not one ingressdoc recognises: "
                            "its pods are not checked")
        serving = {name(c): spec(c).get("controller") for c in snap.list("IngressClass")
                   if spec(c).get("controller") in running}
        return [], [finding(
            "IDC201", cls_ref,
            f"no {'running pod' if snap.live else 'pod in the manifests'} implements "
            f"controller {controller} of class {class_name} "
            f"(running: {', '.join(sorted(running)) or 'no known controller'}; classes they "
            f"serve: {', '.join(sorted(serving)) or 'none'})",
        )], None
    if all(pod_ready(p) is False for p in pods):  # None: from a template, readiness unknown
        return pods, [finding(
            "IDC202", ObjectRef.of(pods[0]),
            f"0 of {len(pods)} controller pods are Ready",
        )], None
    return pods, [], None


def _may_implement(snap: Snapshot, controller: str, class_name: str | None) -> bool:
    """Whether a pod of the manifests that is no recognised controller could run the
    unrecognised `controller`: one whose image or arguments name the controller string or
    the class. Manifests that carry the recognised controllers and no such pod show that
    nothing serves the class."""
    needles = [n for n in (controller, class_name) if n]
    for pod in snap.list("Pod"):
        if product_of(pod):
            continue
        for container in (pod.get("spec") or {}).get("containers") or []:
            words = [str(container.get("image") or "")] + [
                str(a) for a in (container.get("args") or []) + (container.get("command") or [])]
            if any(n in w for n in needles for w in words):
                return True
    return False


def _foreign_annotations(ingresses: Sequence[Obj], pods: Sequence[Obj]) -> list[Finding]:
    products = {product_of(p) for p in pods}
    product = products.pop() if len(products) == 1 else None
    if product is None:
        return []
    implements = frozenset(c for p in pods for c in controllers_of(p))
    out: list[Finding] = []
    for ing in ingresses:
        foreign = product.ignored_annotations(annotations_of(ing), implements)
        if foreign:
            out.append(finding(
                "IDC207", ObjectRef.of(ing),
                f"annotations {', '.join(sorted(foreign))} are ignored by {product.name}",
                field="metadata.annotations",
            ))
    return out
