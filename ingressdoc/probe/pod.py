"""A short-lived probe pod that stands in for a client: the one write ingressdoc makes.

Opt-in only (`reach --probe`): it needs create and delete on pods and get on pods/log (the
`ingressdoc-reach-prober` role in deploy/rbac.yaml). The pod carries the client pod's labels so
that every NetworkPolicy selects it as it selects the client, on the client's node and with its
DNS settings; it runs `agnhost connect` once per check, is read and is always deleted. It must
never disturb the workload it imitates:

- the labels controllers claim pods by are left out and the client pod is its controlling
  owner, so no ReplicaSet, DaemonSet or Job adopts it (and it goes when the client pod goes);
- a readiness gate nobody sets keeps it NotReady, so it never serves a Service it matches;
- no service account token, `restartPolicy: Never`, `activeDeadlineSeconds` as a backstop
  should ingressdoc die before deleting it, and a restricted-profile security context so
  namespaces enforcing Pod Security admit it.

Like `live`, this module talks to the API server (the only other one that imports
`kubernetes`); building the manifest and the replay line is pure and tested without a cluster.
"""

from __future__ import annotations

import json
import math
import shlex
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ingressdoc.errors import ClusterError
from ingressdoc.snapshot.live import LiveSource

Obj = Mapping[str, Any]
DEFAULT_IMAGE = "registry.k8s.io/e2e-test-images/agnhost:2.53"
PROBE_LABEL = "ingressdoc.io/probe"
NEVER_READY = "ingressdoc.io/never-ready"  # a pod condition type nobody sets
POLL = 0.5
# Policy controllers (kube-router, Calico, Cilium, kindnet) add a new pod's address to their
# rules a moment after it starts; a check dialled before that is judged by rules that do not
# know the probe yet. An init container waits this long first; agnhost has no `sleep`, and
# `logs-generator` writing one line over the duration is its portable stand-in.
SETTLE_SECONDS = 3
# Labels by which controllers claim their pods, plus the per-pod ones: a copy must not carry them.
_CLAIM_LABELS = frozenset({
    "pod-template-hash", "controller-revision-hash", "statefulset.kubernetes.io/pod-name",
    "apps.kubernetes.io/pod-index", "controller-uid", "job-name",
    "batch.kubernetes.io/controller-uid", "batch.kubernetes.io/job-name",
    "batch.kubernetes.io/job-completion-index",
})
_STUCK = frozenset({"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull",
                    "CreateContainerConfigError", "CreateContainerError", "RunContainerError"})


@dataclass(frozen=True)
class ContainerExit:
    """A check's container that finished: its exit code and its log."""

    exit_code: int
    log: str


@dataclass(frozen=True)
class PodRun:
    """What came back: the containers that finished, `problem` when some did not (or the pod
    could not be created), `leftover` when it could not be deleted, with the command that does."""

    pod: str
    exits: Mapping[str, ContainerExit]
    problem: str | None = None
    leftover: str | None = None


def probe_labels(client_pod: Obj) -> dict[str, str]:
    labels = (client_pod.get("metadata") or {}).get("labels") or {}
    kept = {k: str(v) for k, v in labels.items() if k not in _CLAIM_LABELS}
    return {**kept, PROBE_LABEL: "true"}


def probe_manifest(client_pod: Obj, image: str, commands: Mapping[str, Sequence[str]],
                   deadline: int, dns_timeout: float) -> dict[str, Any]:
    """The probe pod: one container per check, each running agnhost with `commands[name]`,
    after the settle init container.

    The client's dnsConfig is kept (its ndots decides which names are tried first) with
    `timeout` and `attempts:1` added so a lookup that gets no answer ends within the wait.
    """
    meta = client_pod.get("metadata") or {}
    spec = client_pod.get("spec") or {}
    metadata: dict[str, Any] = {"generateName": "ingressdoc-probe-",
                                "namespace": meta.get("namespace"),
                                "labels": probe_labels(client_pod)}
    if meta.get("uid"):
        metadata["ownerReferences"] = [{"apiVersion": "v1", "kind": "Pod", "name": meta.get("name"),
                                        "uid": meta["uid"], "controller": True}]
    dns = dict(spec.get("dnsConfig") or {})
    options = [o for o in dns.get("options") or [] if o.get("name") not in ("timeout", "attempts")]
    dns["options"] = [*options, {"name": "timeout", "value": str(max(1, math.ceil(dns_timeout)))},
                      {"name": "attempts", "value": "1"}]
    pod_spec: dict[str, Any] = {
        "restartPolicy": "Never",
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "activeDeadlineSeconds": deadline + SETTLE_SECONDS,
        "terminationGracePeriodSeconds": 0,
        "readinessGates": [{"conditionType": NEVER_READY}],
        "dnsPolicy": spec.get("dnsPolicy") or "ClusterFirst",
        "dnsConfig": dns,
        "securityContext": {"runAsNonRoot": True, "runAsUser": 65534, "runAsGroup": 65534,
                            "seccompProfile": {"type": "RuntimeDefault"}},
        "initContainers": [_container("settle", image, [
            "logs-generator", "--log-lines-total=1", f"--run-duration={SETTLE_SECONDS}s"])],
        "containers": [_container(name, image, args) for name, args in commands.items()],
    }
    if spec.get("nodeName"):
        pod_spec["nodeName"] = spec["nodeName"]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": pod_spec}


def _container(name: str, image: str, args: Sequence[str]) -> dict[str, Any]:
    return {
        "name": name, "image": image, "imagePullPolicy": "IfNotPresent", "args": list(args),
        "resources": {"requests": {"cpu": "10m", "memory": "16Mi"},
                      "limits": {"cpu": "100m", "memory": "64Mi"}},
        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                            "capabilities": {"drop": ["ALL"]}},
    }


def replay_line(manifest: Obj, container: str) -> str:
    """The check as a `kubectl run` the user can paste: same namespace, labels, node and
    image; without the owner and readiness gate, which only protect the workload."""
    meta, spec = manifest["metadata"], manifest["spec"]
    box = next(c for c in spec["containers"] if c["name"] == container)
    labels = ",".join(f"{k}={v}" for k, v in meta["labels"].items())
    argv = ["kubectl", "run", "ingressdoc-probe", "-n", str(meta["namespace"]), "--rm", "-i",
            "--restart=Never", f"--image={box['image']}", f"--labels={labels}"]
    if spec.get("nodeName"):
        argv.append("--overrides=" + json.dumps({"spec": {"nodeName": spec["nodeName"]}},
                                                separators=(",", ":")))
    return shlex.join([*argv, "--", *box["args"]])


def run_probe_pod(source: LiveSource, manifest: Obj, wait: float) -> PodRun:
    """Create the pod, wait up to `wait` seconds for its containers to finish, read their
    logs, and delete it whatever happened (errors, timeouts, Ctrl-C)."""
    from kubernetes import client

    # The sibling module shares the source's connection (credentials, timeouts, counters).
    api = client.CoreV1Api(source.api_client)
    ns = str(manifest["metadata"]["namespace"])
    try:
        created = _call(source, api.create_namespaced_pod, ns, client.V1Pod.from_dict(dict(manifest)))
    except _Refused as exc:
        return PodRun("", {}, problem=f"cannot create the probe pod: {exc.why('create', 'pods')}")
    name = str(created.metadata.name)
    run = PodRun(name, {})
    try:
        run = _finish(source, api, ns, name, wait)
    finally:
        run = _delete(source, api, ns, run)
    return run


def _finish(source: LiveSource, api: Any, ns: str, name: str, wait: float) -> PodRun:
    deadline = time.monotonic() + wait + SETTLE_SECONDS
    while True:
        try:
            pod = _call(source, api.read_namespaced_pod, name, ns)
        except _Refused as exc:
            return PodRun(name, {}, problem=f"cannot read the probe pod: {exc.why('get', 'pods')}")
        inits = pod.status.init_container_statuses or []
        statuses = pod.status.container_statuses or []
        done = {s.name: s.state.terminated.exit_code for s in statuses
                if s.state and s.state.terminated}
        stuck = [f"{s.name}: {s.state.waiting.reason}" for s in [*inits, *statuses]
                 if s.state and s.state.waiting and s.state.waiting.reason in _STUCK]
        settle_failed = [s.state.terminated.exit_code for s in inits
                         if s.state and s.state.terminated and s.state.terminated.exit_code]
        phase = pod.status.phase
        if phase in ("Succeeded", "Failed") or stuck or time.monotonic() > deadline:
            break
        time.sleep(POLL)
    problem = None
    if stuck:
        problem = f"the probe pod cannot start ({', '.join(stuck)})"
    elif settle_failed:
        problem = (f"the probe pod's settle container failed (exit {settle_failed[0]}): "
                   "the probe image must be agnhost")
    elif phase not in ("Succeeded", "Failed"):
        problem = (f"the probe pod did not finish within {wait + SETTLE_SECONDS:g}s "
                   f"(phase {phase})")
    exits: dict[str, ContainerExit] = {}
    for box, code in done.items():
        try:
            log = _call(source, api.read_namespaced_pod_log, name, ns, container=box)
        except _Refused as exc:
            log = f"(no log: {exc.why('get', 'pods/log')})"
        exits[box] = ContainerExit(int(code), str(log))
    return PodRun(name, exits, problem=problem)


def _delete(source: LiveSource, api: Any, ns: str, run: PodRun) -> PodRun:
    try:
        _call(source, api.delete_namespaced_pod, run.pod, ns, grace_period_seconds=0)
    except _Refused as exc:
        if exc.status != 404:
            return PodRun(run.pod, run.exits, run.problem, leftover=(
                f"could not delete probe pod {ns}/{run.pod} ({exc.why('delete', 'pods')}): "
                f"kubectl delete pod -n {ns} {run.pod}"))
    except ClusterError as exc:
        return PodRun(run.pod, run.exits, run.problem, leftover=(
            f"could not delete probe pod {ns}/{run.pod} ({exc.message}): "
            f"kubectl delete pod -n {ns} {run.pod}"))
    return run


class _Refused(Exception):
    """The API server answered with an error status; `why` words it for the report."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message

    def why(self, verb: str, resource: str) -> str:
        if self.status == 403:
            return (f"forbidden: grant {verb} on {resource} (the ingressdoc-reach-prober role "
                    "in deploy/rbac.yaml)")
        return f"{self.status} {self.message}"


def _call(source: LiveSource, method: Any, *args: Any, **kwargs: Any) -> Any:
    """One typed-client call; HTTP errors become _Refused, transport errors ClusterError."""
    from kubernetes.client.exceptions import ApiException
    from urllib3.exceptions import HTTPError

    source.stats.requests += 1
    try:
        return method(*args, _request_timeout=source.timeout, **kwargs)
    except ApiException as exc:
        raise _Refused(int(exc.status or 0), _api_message(exc)) from None
    except (HTTPError, OSError) as exc:
        raise ClusterError(f"cannot reach API server {source.server}: {exc}") from None


def _api_message(exc: Any) -> str:
    """The Status message (e.g. a Pod Security or quota rejection), else the HTTP reason."""
    try:
        return str(json.loads(exc.body)["message"])
    except (TypeError, ValueError, KeyError):
        return str(exc.reason)
