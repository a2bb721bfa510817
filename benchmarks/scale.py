"""Scale benchmark: ingressdoc against synthetic clusters on a real API server.

Creates N pods (with N/5 Services and EndpointSlices, N/10 Ingresses and NetworkPolicies,
N/10 HTTPRoutes, spread over N/100 namespaces with a Gateway each; the cluster must serve
the Gateway API CRDs) as objects only: the pods are bound to Node objects that no
kubelet runs and tolerate NotReady/unreachable, so the control plane neither runs nor
evicts them. Then, in one run, it measures `trace` and `check -A` (wall time, API requests,
bytes read, peak RSS) beside the physical floor: the same LIST requests parsed with
`json.loads`, and the equivalent `kubectl get ... -o json` sequence. Each command and its
floor run REPEATS times, in ABBA order (command, floor, floor, command, ...), each after the
API server collected its garbage, once the machine has settled after the objects were
created, and the medians are compared. It prints ratios.

Usage: python benchmarks/scale.py [--sizes 100,1000,10000] [--kubeconfig PATH] [--keep]
                                  [--existing]
(`--keep` leaves the last size's objects in place; `--existing` measures them again without
creating them, for one size.)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LABEL = "ingressdoc.io/bench"
GATEWAY_API = "gateway.networking.k8s.io"
REPEATS = 6  # runs of each command and of its floor, in ABBA order; medians are reported


def objects(n_pods: int) -> Iterator[dict[str, Any]]:
    """The synthetic cluster: 100 pods per namespace, 5 pods per Service; half the Services
    behind an Ingress, the other half behind an HTTPRoute attached to its namespace's
    Gateway. The classes name controllers that do not run, like the nodes' kubelets."""
    n_ns = max(1, n_pods // 100)
    yield {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
           "metadata": {"name": "bench", "labels": {LABEL: "1"}},
           "spec": {"controller": "bench.example.com/none"}}
    yield {"apiVersion": f"{GATEWAY_API}/v1", "kind": "GatewayClass",
           "metadata": {"name": "bench", "labels": {LABEL: "1"}},
           "spec": {"controllerName": "bench.example.com/none"}}
    for i in range(4):
        yield {"apiVersion": "v1", "kind": "Node",
               "metadata": {"name": f"bench-node-{i}", "labels": {LABEL: "1"}},
               "status": {"addresses": [{"type": "InternalIP", "address": f"10.250.0.{i + 1}"}]}}
    for ns_i in range(n_ns):
        ns = f"bench-{ns_i}"
        yield {"apiVersion": "v1", "kind": "Namespace",
               "metadata": {"name": ns, "labels": {LABEL: "1"}}}
        yield {"apiVersion": f"{GATEWAY_API}/v1", "kind": "Gateway",
               "metadata": {"name": "bench", "namespace": ns},
               "spec": {"gatewayClassName": "bench", "listeners": [{
                   "name": "http", "port": 80, "protocol": "HTTP",
                   "hostname": f"*.{ns}.routes.example.com"}]}}
        for svc_i in range(20):
            app = f"app-{svc_i}"
            yield {"apiVersion": "v1", "kind": "Service", "metadata": {"name": app, "namespace": ns},
                   "spec": {"selector": {"app": app},
                            "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}}
            eps = []
            for pod_i in range(5):
                name = f"{app}-{pod_i}"
                yield {
                    "apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": name, "namespace": ns,
                                 "labels": {"app": app, LABEL: "1"}},
                    "spec": {
                        "nodeName": f"bench-node-{pod_i % 4}",
                        "tolerations": [{"operator": "Exists", "effect": "NoExecute"},
                                        {"operator": "Exists", "effect": "NoSchedule"}],
                        "containers": [{"name": "c", "image": "bench.invalid/none:1",
                                        "ports": [{"name": "http", "containerPort": 8080}]}],
                    },
                }
                eps.append({"addresses": [f"10.251.{ns_i % 250}.{svc_i * 5 + pod_i + 1}"],
                            "conditions": {"ready": True},
                            "targetRef": {"kind": "Pod", "name": name, "namespace": ns}})
            yield {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                   "metadata": {"name": f"{app}-manual", "namespace": ns,
                                "labels": {"kubernetes.io/service-name": app,
                                           "endpointslice.kubernetes.io/managed-by": "bench"}},
                   "addressType": "IPv4", "endpoints": eps,
                   "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}
            if svc_i % 2 == 0:
                yield {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                       "metadata": {"name": app, "namespace": ns},
                       "spec": {"ingressClassName": "bench", "rules": [{
                           "host": f"{app}.{ns}.bench.example.com",
                           "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {
                               "service": {"name": app, "port": {"name": "http"}}}}]}}]}}
                yield {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                       "metadata": {"name": f"allow-{app}", "namespace": ns},
                       "spec": {"podSelector": {"matchLabels": {"app": app}},
                                "ingress": [{"from": [{"namespaceSelector": {}}]}]}}
            else:
                yield {"apiVersion": f"{GATEWAY_API}/v1", "kind": "HTTPRoute",
                       "metadata": {"name": app, "namespace": ns},
                       "spec": {"parentRefs": [{"name": "bench"}],
                                "hostnames": [f"{app}.{ns}.routes.example.com"],
                                "rules": [{"matches": [{"path": {"type": "PathPrefix",
                                                                 "value": "/"}}],
                                           "backendRefs": [{"name": app, "port": 80}]}]}}


class Cluster:
    def __init__(self, kubeconfig: str, kubectl: str) -> None:
        self.kubeconfig = kubeconfig
        self.kubectl = kubectl

    def run(self, *args: str, stdin: str | None = None) -> str:
        proc = subprocess.run([self.kubectl, "--kubeconfig", self.kubeconfig, *args],
                              input=stdin, capture_output=True, text=True)
        if proc.returncode:
            raise SystemExit(f"scale: kubectl {args[0]} failed: {proc.stderr.strip()[-600:]}")
        return proc.stdout

    def collect_garbage(self) -> bool:
        """Ask the API server to collect its garbage now (the heap profile's `gc=1`), so that
        a measured run does not pay for the garbage of the runs before it; False where its
        profiling endpoint is off or forbidden."""
        proc = subprocess.run([self.kubectl, "--kubeconfig", self.kubeconfig, "get", "--raw",
                               "/debug/pprof/heap?gc=1"], capture_output=True)
        return proc.returncode == 0

    def create(self, n_pods: int) -> None:
        batch: list[dict[str, Any]] = []
        for obj in objects(n_pods):
            batch.append(obj)
            if len(batch) == 500:
                self._create(batch)
                batch = []
        self._create(batch)

    def _create(self, batch: list[dict[str, Any]]) -> None:
        if batch:
            self.run("create", "-f", "-", "-o", "name", stdin=json.dumps(
                {"apiVersion": "v1", "kind": "List", "items": batch}))

    def delete(self) -> None:
        """Pods on kubelet-less nodes never finish a graceful delete: force them first."""
        self.run("delete", "pods", "-A", "-l", LABEL, "--force", "--grace-period=0",
                 "--wait=false")
        self.run("delete", "namespace", "-l", LABEL, "--wait=true", "--timeout=600s")
        self.run("delete", "node,ingressclass,gatewayclass", "-l", LABEL, "--ignore-not-found")


def _busy_cores(window: float = 2.0) -> float | None:
    """Cores in use over WINDOW seconds, from /proc/stat (None where there is none)."""
    def sample() -> tuple[int, int]:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return sum(fields), fields[3] + fields[4]  # total, idle + iowait
    try:
        total0, idle0 = sample()
        time.sleep(window)
        total1, idle1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    ticks = max(1, total1 - total0)
    return (os.cpu_count() or 1) * (1 - (idle1 - idle0) / ticks)


def settle(limit: float = 300, quiet: float = 0.5) -> float:
    """Wait until the machine is quiet after the objects were created: the control plane's
    controllers (and a policy controller such as kube-router) reconcile thousands of new
    objects for a while, and their CPU would weigh on whichever command runs first.
    Returns the seconds waited."""
    started = time.monotonic()
    calm = 0
    while calm < 2 and time.monotonic() - started < limit:
        busy = _busy_cores()
        if busy is None:
            break
        calm = calm + 1 if busy < quiet else 0
    return time.monotonic() - started


def measured(cmd: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one child process (the largest of it and the
    processes it forks); its output is discarded."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - started, usage.ru_maxrss


def peak_pss(cmd: list[str], every: float = 0.01) -> int:
    """The peak, over one run, of the proportional set size (KiB) of the process and all it
    forks: what the run costs the machine in memory, pages shared after a fork counted once.
    Sampled, so in a run of its own, never a timed one."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, sum(_pss(pid) for pid in _tree(proc.pid)))
        time.sleep(every)
    return peak


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        out.append(todo.pop())
        with contextlib.suppress(OSError):  # gone already
            todo += [int(c) for c in Path(f"/proc/{out[-1]}/task/{out[-1]}/children")
                     .read_text().split()]
    return out


def _pss(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in text.splitlines()
                 if line.startswith("Pss:")), 0)


STATS_SCRIPT = """
import json, sys
from ingressdoc.snapshot.live import LiveSource
from ingressdoc.request import parse_request
from ingressdoc.trace.plan import everything, reads_for
source = LiveSource.connect(sys.argv[1], None, 60)
mode = sys.argv[2]
if mode == "trace":
    req = parse_request(sys.argv[3])
    source.read(lambda s: list(reads_for(s, req)))
else:
    source.read(everything)
reads = [r.__dict__ for r in source.stats.reads]
print(json.dumps({"requests": source.stats.requests, "bytes": source.stats.bytes,
                  "reads": reads}))
"""

FLOOR_SCRIPT = """
import json, sys
from ingressdoc.snapshot.live import LiveSource
from ingressdoc.snapshot.kinds import KINDS, Read
source = LiveSource.connect(sys.argv[1], None, 60)
reads = [Read(**r) for r in json.loads(sys.argv[2])]
for r in reads:
    info = KINDS[r.kind]
    token = None
    while True:
        q = [("limit", 500)]
        if r.label_selector: q.append(("labelSelector", r.label_selector))
        if r.field_selector: q.append(("fieldSelector", r.field_selector))
        if token: q.append(("continue", token))
        status, _, data = source.get_raw(info.path(r.namespace), q)
        body = json.loads(data)
        token = body.get("metadata", {}).get("continue")
        if not token: break
"""


def bench_size(cluster: Cluster, n: int, python: str, kubectl: str) -> list[str]:
    host = "app-0.bench-0.bench.example.com/"
    waited = settle()
    collecting = cluster.collect_garbage()
    lines = [f"## N = {n} pods ({n // 5} Services, {n // 10} Ingresses, {n // 10} HTTPRoutes, "
             f"{max(1, n // 100)} namespaces with a Gateway each)", "",
             f"Waited {waited:.0f} s for the machine to settle; medians of {REPEATS} runs in "
             "ABBA order, " + ("each after the API server collected its garbage"
                               if collecting else "the API server's profiling endpoint off, "
                               "so its garbage collections fall where they fall")
             + "; peak PSS from one more run of each command, sampled every 10 ms.", ""]

    def timed(cmd: list[str]) -> tuple[float, int]:
        if collecting:
            cluster.collect_garbage()
        return measured(cmd)

    ing = [python, "-m", "ingressdoc"]
    kc = ["--kubeconfig", cluster.kubeconfig]
    results = {}
    for name, cmd, mode in (
        ("trace", [*ing, "trace", host, *kc, "--no-dns", "-o", "json"], "trace"),
        ("check -A", [*ing, "check", "-A", *kc, "-o", "json"], "all"),
    ):
        stats = json.loads(subprocess.run(
            [python, "-c", STATS_SCRIPT, cluster.kubeconfig, mode, host],
            capture_output=True, text=True, check=True).stdout)
        floor_cmd = [python, "-c", FLOOR_SCRIPT, cluster.kubeconfig, json.dumps(stats["reads"])]
        # At 10,000 pods the API server's garbage collector runs during every second read
        # (go_gc_duration_seconds_count in its /metrics goes up by one every other run, and
        # that run is ~0.2 s slower): in strict alternation every run of one side met it and
        # none of the other. So each run starts after a collection, and the runs go in ABBA
        # order, interleaved, so that a busy moment of the machine weighs on both sides.
        runs = []
        for i in range(REPEATS):
            first, second = (cmd, floor_cmd) if i % 2 == 0 else (floor_cmd, cmd)
            a, b = timed(first), timed(second)
            runs.append((a, b) if i % 2 == 0 else (b, a))
        wall = statistics.median(r[0][0] for r in runs)
        rss = max(r[0][1] for r in runs)
        floor = statistics.median(r[1][0] for r in runs)
        results[name] = (wall, rss, peak_pss(cmd), stats, floor)
    kinds = ("ingresses,ingressclasses,services,endpointslices.discovery.k8s.io,pods,nodes,"
             "namespaces,networkpolicies,gatewayclasses,gateways,httproutes")
    k_wall, _ = measured([kubectl, *kc, "get", kinds, "-A", "-o", "json"])
    lines.append("| command | wall s | API requests | MiB read | peak RSS MiB (largest "
                 "process) | peak PSS MiB (all processes) | raw-LIST floor s | ratio to floor |")
    lines.append("|---|---|---|---|---|---|---|---|")
    for name, (wall, rss, pss, stats, floor) in results.items():
        lines.append(f"| {name} | {wall:.2f} | {stats['requests']} | "
                     f"{stats['bytes'] / 2**20:.1f} | {rss / 1024:.0f} | {pss / 1024:.0f} | "
                     f"{floor:.2f} | {wall / floor:.2f}x |")
    lines += ["", f"`kubectl get {kinds} -A -o json`: {k_wall:.2f} s; `check -A` / kubectl = "
              f"{results['check -A'][0] / k_wall:.2f}x", ""]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--kubeconfig", default=os.environ.get(
        "INGRESSDOC_TEST_KUBECONFIG",
        str(Path.home() / ".cache/ingressdoc/cluster/kubeconfig")))
    parser.add_argument("--kubectl", default=shutil.which("kubectl") or "kubectl")
    parser.add_argument("--keep", action="store_true", help="leave the last cluster in place")
    parser.add_argument("--existing", action="store_true",
                        help="the objects of an earlier --keep run are there: do not create them")
    args = parser.parse_args()
    if not Path(args.kubeconfig).is_file():
        print(f"scale: no kubeconfig at {args.kubeconfig}: run `make cluster-up` first",
              file=sys.stderr)
        return 2
    if args.existing and "," in args.sizes:
        print("scale: --existing measures the objects already there: give one size",
              file=sys.stderr)
        return 2
    cluster = Cluster(args.kubeconfig, args.kubectl)
    help_wall = min(measured([sys.executable, "-m", "ingressdoc", "--help"])[0]
                    for _ in range(5))
    out = [f"# Scale benchmark ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores)", "",
           f"`ingressdoc --help`: {help_wall:.3f} s (best of 5)", ""]
    for n in (int(s) for s in args.sizes.split(",")):
        if not args.existing:
            cluster.create(n)
        try:
            out += bench_size(cluster, n, sys.executable, args.kubectl)
        finally:
            if not args.keep:
                cluster.delete()
        print(f"measured N = {n}", file=sys.stderr, flush=True)
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
