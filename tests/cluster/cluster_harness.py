"""Helpers for the cluster tier: a live cluster reached through kubectl, and scenarios.

Every scenario lives in a fresh namespace created from YAML. Container images are
rewritten to one local agnhost image (no registry is needed), the objects are left to
settle, and ``ingressdoc trace`` runs as a subprocess against the live cluster.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("INGRESSDOC_CACHE", Path.home() / ".cache" / "ingressdoc"))
HARNESS_KUBECONFIG = CACHE / "cluster" / "kubeconfig"
DEFAULT_IMAGE = "localhost/ingressdoc/agnhost:ci"
# The built-in cluster's ingress entry point (cluster/lib.sh): node IP and NodePorts.
HARNESS_INGRESS = {"address": "10.250.0.2", "http": 30080, "https": 30443}


def find_kubeconfig() -> Path | None:
    """INGRESSDOC_TEST_KUBECONFIG if set, else the built-in cluster's kubeconfig."""
    explicit = os.environ.get("INGRESSDOC_TEST_KUBECONFIG")
    if explicit:
        return Path(explicit).expanduser()
    return HARNESS_KUBECONFIG if HARNESS_KUBECONFIG.is_file() else None


def find_kubectl() -> str | None:
    """The kubectl built with the cluster (matching versions), else the one on PATH."""
    for candidate in sorted(CACHE.glob("kubernetes-v*/kubectl"), reverse=True):
        if os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which("kubectl")


def _pod_containers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [*spec.get("initContainers", []), *spec.get("containers", [])]


def _pod_spec(obj: dict[str, Any]) -> dict[str, Any] | None:
    kind = obj.get("kind")
    if kind == "Pod":
        return obj.get("spec")
    if kind in {"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job"}:
        return obj.get("spec", {}).get("template", {}).get("spec")
    if kind == "CronJob":
        job = obj.get("spec", {}).get("jobTemplate", {}).get("spec", {})
        return job.get("template", {}).get("spec")
    return None


def rewrite_images(docs: list[dict[str, Any]], image: str) -> list[dict[str, Any]]:
    """Point every container at ``image``; agnhost subcommands in ``args`` keep working."""
    policy = "Never" if image.startswith("localhost/") else "IfNotPresent"
    for obj in docs:
        spec = _pod_spec(obj)
        for container in _pod_containers(spec or {}):
            container["image"] = image
            container["imagePullPolicy"] = policy
    return docs


@dataclass
class TraceResult:
    """One run of ``ingressdoc trace``."""

    argv: list[str]
    returncode: int
    stdout: str
    stderr: str
    report: dict[str, Any] | None

    @property
    def verdict(self) -> str | None:
        return None if self.report is None else self.report.get("verdict")

    def hops(self) -> list[dict[str, Any]]:
        return [] if self.report is None else list(self.report.get("hops", []))

    def findings(self, code: str | None = None) -> list[dict[str, Any]]:
        found = [f for hop in self.hops() for f in hop.get("findings", [])]
        return [f for f in found if code is None or f.get("code") == code]

    def codes(self) -> set[str]:
        return {f.get("code", "") for f in self.findings()}

    def describe(self) -> str:
        """For assertion messages."""
        return f"$ {' '.join(self.argv)}\nexit {self.returncode}\n{self.stdout}\n{self.stderr}"


@dataclass
class Cluster:
    """A reachable cluster, driven through kubectl."""

    kubeconfig: Path
    kubectl_bin: str
    context: str | None = None
    image: str = DEFAULT_IMAGE
    is_harness: bool = False

    def kubectl(
        self, *args: str, input: str | None = None, check: bool = True, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        argv = [self.kubectl_bin, "--kubeconfig", str(self.kubeconfig)]
        if self.context:
            argv += ["--context", self.context]
        proc = subprocess.run([*argv, *args], input=input, capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise RuntimeError(f"kubectl {' '.join(args)} failed: {proc.stderr.strip()}")
        return proc

    def get_json(self, *args: str) -> dict[str, Any]:
        return json.loads(self.kubectl("get", *args, "-o", "json").stdout)

    def reachable(self) -> str | None:
        """None when the API server answers /readyz, else the reason it does not."""
        try:
            proc = self.kubectl("get", "--raw", "/readyz", check=False, timeout=15)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return str(exc)
        return None if proc.returncode == 0 else (proc.stderr.strip() or proc.stdout.strip())

    def trace(
        self, target: str, *extra: str, kubeconfig: Path | None = None, timeout: float = 120
    ) -> TraceResult:
        """Run ``python -m ingressdoc trace TARGET -o json`` against this cluster."""
        argv = ["--kubeconfig", str(kubeconfig or self.kubeconfig)]
        if self.context:
            argv += ["--context", self.context]
        return run_trace(target, *argv, *extra, timeout=timeout)

    def reach(self, source: str, target: str, probe: bool = False) -> dict[str, Any]:
        """`ingressdoc reach SOURCE TARGET -o json`; with `probe`, also from a probe pod on the
        client's node with the client's labels and DNS settings."""
        argv = [sys.executable, "-m", "ingressdoc", "reach", source, target, "-o", "json",
                "--kubeconfig", str(self.kubeconfig)]
        if self.context:
            argv += ["--context", self.context]
        if probe:
            argv += ["--probe", "--probe-image", self.image, "--timeout", "2"]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=REPO_ROOT,
                              env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
        assert proc.stdout, proc.stderr
        return dict(json.loads(proc.stdout))


def run_trace(target: str, *extra: str, timeout: float = 120) -> TraceResult:
    """Run ``python -m ingressdoc trace TARGET -o json EXTRA...`` (e.g. ``--manifests F``)."""
    argv = [sys.executable, "-m", "ingressdoc", "trace", target, "-o", "json", *extra]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env, cwd=REPO_ROOT)
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        report = None
    return TraceResult(argv, proc.returncode, proc.stdout, proc.stderr, report)


@dataclass
class Scenario:
    """A fresh namespace holding one test's objects."""

    cluster: Cluster
    namespace: str
    docs: list[dict[str, Any]] = field(default_factory=list)
    # Further objects to delete afterwards, as (kind, name) of cluster-scoped objects.
    extra: list[tuple[str, str]] = field(default_factory=list)

    @property
    def host(self) -> str:
        """A host name unique to this scenario, so that Ingresses of scenarios never merge."""
        return f"{self.namespace}.ingressdoc.test"

    def wait_routed(self, host: str, path: str = "/", timeout: float = 60) -> int:
        """Built-in cluster only: wait until the ingress entry point routes HOST to a backend.

        Returns the last HTTP status; 404 (no route yet) and 502/503 (no endpoints yet) are
        retried until the controller has caught up or the timeout passes.
        """
        url = f"http://{HARNESS_INGRESS['address']}:{HARNESS_INGRESS['http']}{path}"
        deadline, status = time.monotonic() + timeout, 0
        while time.monotonic() < deadline:
            request = urllib.request.Request(url, headers={"Host": host})
            try:
                with urllib.request.urlopen(request, timeout=3) as response:
                    return int(response.status)
            except urllib.error.HTTPError as err:
                status = err.code
                if status not in (404, 502, 503):
                    return status
            except OSError:
                status = 0
            time.sleep(0.5)
        return status

    def other_namespace(self) -> str:
        """A second fresh namespace, deleted with this scenario."""
        name = new_namespace_name(f"{self.namespace[5:]}-other")
        self.cluster.kubectl("create", "namespace", name)
        self.extra.append(("namespace", name))
        return name

    def apply_cluster_scoped(self, manifest: str) -> None:
        """Apply cluster-scoped objects (ClusterRoles, IngressClasses...), deleted afterwards."""
        docs = [d for d in yaml.safe_load_all(manifest) if d]
        self.cluster.kubectl("apply", "-f", "-", input=yaml.safe_dump_all(docs))
        self.extra.extend((d["kind"].lower(), d["metadata"]["name"]) for d in docs)

    def delete(self) -> None:
        """Delete the namespace and everything else this scenario created."""
        for kind, name in [*self.extra, ("namespace", self.namespace)]:
            self.cluster.kubectl("delete", kind, name, "--wait=false", "--ignore-not-found", check=False)

    def apply(self, manifest: str, namespaced: bool = True) -> list[dict[str, Any]]:
        """Apply YAML into this namespace (images rewritten); returns the documents."""
        docs = [d for d in yaml.safe_load_all(manifest) if d]
        rewrite_images(docs, self.cluster.image)
        for doc in docs:
            if namespaced and doc.get("kind") not in CLUSTER_SCOPED:
                doc.setdefault("metadata", {})["namespace"] = self.namespace
        text = yaml.safe_dump_all(docs)
        self.cluster.kubectl("apply", "-f", "-", input=text)
        self.docs.extend(docs)
        return docs

    def manifests_file(self, directory: Path) -> Path:
        """Everything applied so far, as one YAML file (for ``--manifests``)."""
        path = directory / f"{self.namespace}.yaml"
        path.write_text(yaml.safe_dump_all(self.docs))
        return path

    def pods(self) -> list[dict[str, Any]]:
        return list(self.cluster.get_json("pods", "-n", self.namespace)["items"])

    def settle(self, timeout: float = 120, stable_for: float = 3.0, ingress_status: bool = False) -> None:
        """Wait until every workload has its pods running and nothing changes any more.

        Pods that never become Ready (a failing readiness probe is a scenario of its own) are
        fine: the wait is for the pods' containers to run and for pod readiness and
        EndpointSlices to stop changing for ``stable_for`` seconds. With ``ingress_status``,
        also wait for the ingress controller to publish an address on every Ingress.
        """
        deadline = time.monotonic() + timeout
        self._wait_pods_created(deadline)
        last, since = None, time.monotonic()
        while True:
            state = self._state()
            if state != last:
                last, since = state, time.monotonic()
            elif state is not None and time.monotonic() - since >= stable_for:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"namespace {self.namespace} did not settle: {state}")
            time.sleep(0.5)
        if ingress_status:
            self.wait_ingress_status(deadline)

    def wait_ingress_status(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            items = self.cluster.get_json("ingresses", "-n", self.namespace)["items"]
            if all(i.get("status", {}).get("loadBalancer", {}).get("ingress") for i in items):
                return
            time.sleep(0.5)
        raise TimeoutError(f"ingress controller did not publish status in {self.namespace}")

    def _wait_pods_created(self, deadline: float) -> None:
        wanted = 0
        for doc in self.docs:
            if doc.get("kind") == "Pod":
                wanted += 1
            elif doc.get("kind") in {"Deployment", "ReplicaSet", "StatefulSet"}:
                wanted += int(doc.get("spec", {}).get("replicas", 1))
        while len(self.pods()) < wanted:
            if time.monotonic() > deadline:
                raise TimeoutError(f"expected {wanted} pods in {self.namespace}")
            time.sleep(0.5)

    def _state(self) -> tuple[Any, ...] | None:
        """Readiness of pods and endpoints; None while some container is not running yet."""
        pods = []
        for pod in self.pods():
            statuses = pod.get("status", {}).get("containerStatuses", [])
            if pod.get("status", {}).get("phase") != "Running" or not statuses:
                return None
            if not all("running" in s.get("state", {}) for s in statuses):
                return None
            ready = [c.get("status") for c in pod["status"].get("conditions", []) if c.get("type") == "Ready"]
            pods.append((pod["metadata"]["name"], tuple(ready)))
        slices = []
        for es in self.cluster.get_json("endpointslices", "-n", self.namespace)["items"]:
            for ep in es.get("endpoints") or []:
                slices.append(
                    (
                        es["metadata"]["name"],
                        tuple(ep.get("addresses", [])),
                        bool(ep.get("conditions", {}).get("ready")),
                    )
                )
        return (tuple(sorted(pods)), tuple(sorted(slices)))


CLUSTER_SCOPED = {
    "Namespace",
    "IngressClass",
    "ClusterRole",
    "ClusterRoleBinding",
    "PersistentVolume",
    "StorageClass",
    "CustomResourceDefinition",
    "PriorityClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
}


def harness_pid(component: str) -> int:
    """The PID of a component of the built-in cluster, from the list `cluster/up.sh` keeps
    ("name pid start-time"); the start time guards against a reused PID, as lib.sh does."""
    for line in (HARNESS_KUBECONFIG.parent / "pids").read_text().splitlines():
        name, pid, started = line.split()
        if name == component:
            stat = Path(f"/proc/{pid}/stat").read_text()
            if stat.rsplit(")", 1)[1].split()[19] == started:
                return int(pid)
    raise LookupError(f"{component} is not running in the built-in cluster")


def new_namespace_name(test_name: str) -> str:
    """A DNS-1123 label unique to this test run."""
    stem = "".join(c if c.isalnum() else "-" for c in test_name.lower()).strip("-")
    return f"idoc-{stem[:40].strip('-')}-{uuid.uuid4().hex[:6]}"


AUDIT_LOG = CACHE / "cluster" / "logs" / "audit.log"


def audited_requests(namespace: str, sa: str) -> list[tuple[str, str, str | None, str | None, int]] | None:
    """(verb, resource[/subresource], namespace, name, HTTP status) of every request the
    service account made, from the harness cluster's audit log (cluster/audit-policy.yaml);
    None without one (a cluster that another tool started)."""
    if not AUDIT_LOG.exists():
        return None
    user = f"system:serviceaccount:{namespace}:{sa}"
    out = []
    for line in AUDIT_LOG.read_text(encoding="utf-8", errors="replace").splitlines():
        event = json.loads(line) if line.startswith("{") else {}
        if event.get("user", {}).get("username") != user or event.get("stage") != "ResponseComplete":
            continue
        ref = event.get("objectRef") or {}
        resource = "/".join(p for p in (ref.get("resource"), ref.get("subresource")) if p)
        code = int((event.get("responseStatus") or {}).get("code") or 0)
        out.append((str(event.get("verb")), resource, ref.get("namespace"), ref.get("name"), code))
    return out


def service_account_kubeconfig(cluster: Cluster, namespace: str, sa: str, path: Path) -> Path:
    """A kubeconfig that authenticates as ServiceAccount SA (short-lived token)."""
    token = cluster.kubectl("create", "token", sa, "-n", namespace, "--duration=10m").stdout.strip()
    raw = cluster.kubectl("config", "view", "--raw", "--minify", "-o", "json").stdout
    config = json.loads(raw)
    config["users"] = [{"name": sa, "user": {"token": token}}]
    config["contexts"][0]["context"]["user"] = sa
    path.write_text(json.dumps(config))
    return path


def wait_until(what: str, check: Callable[[], Any], timeout: float = 90) -> Any:
    """CHECK's first truthy value, asked once a second; TimeoutError naming WHAT after TIMEOUT."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(1)
    raise TimeoutError(f"timed out waiting for {what}")


def netexec_deployment(name: str, replicas: int = 1, pod: str = "", container: str = "") -> str:
    """A Deployment of agnhost netexec answering HTTP on its port `http` (8080), Ready once it
    serves /healthz: the backend most cluster tests need. `pod` and `container` are further
    lines of the pod spec (indented 6) and of its container (indented 10)."""
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      terminationGracePeriodSeconds: 1
{pod}      containers:
        - name: {name}
          image: agnhost
          args: ["netexec", "--http-port=8080"]
{container}          ports: [{{name: http, containerPort: 8080}}]
          readinessProbe:
            httpGet: {{path: /healthz, port: http}}
            periodSeconds: 1
"""


def http_service(name: str) -> str:
    """A Service `name` on port 80 (`http`) in front of `netexec_deployment(name)`."""
    return f"""
apiVersion: v1
kind: Service
metadata: {{name: {name}}}
spec:
  selector: {{app: {name}}}
  ports: [{{name: http, port: 80, targetPort: http}}]
"""


def http_ingress(name: str, host: str | None, backend: str, path: str = "/",
                 port: str = "{name: http}") -> str:
    """An Ingress `name` of class nginx (Traefik on the built-in cluster) sending HOST/PATH
    (Prefix) to Service BACKEND on PORT (a port object's body); HOST None: a host-less rule."""
    rule_host = f'host: "{host}"\n      ' if host is not None else ""
    return f"""
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: {name}}}
spec:
  ingressClassName: nginx
  rules:
    - {rule_host}http:
        paths:
          - {{path: "{path}", pathType: Prefix, backend: {{service: {{name: {backend}, port: {port}}}}}}}
"""


def pause_deployment(name: str) -> str:
    """A Deployment whose pod only sleeps: a client whose labels and namespace policies see."""
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{{name: {name}, image: agnhost, args: ["pause"]}}]
"""
