"""`ingressdoc reach FROM TO`: can these pods connect to that Service, and if not, why.

TO can also be a host/path: the connection then goes to the ingress controller, and the
trace's own hops follow the request from the Ingress on.

Same snapshot sources, findings and output contract as `trace`; the exit status follows the
findings (`--fail-on`), so a blocked connection exits 1 and a reachable one 0. `--probe` is
the one write ingressdoc makes, and only when asked: a probe pod that is deleted afterwards.
"""

from __future__ import annotations

import math
import sys
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from ingressdoc.commands.common import (
    ContextOpt,
    DebugOpt,
    FailOn,
    FailOnOpt,
    KubeconfigOpt,
    ManifestsOpt,
    NamespaceOpt,
    TimeoutOpt,
    default_namespace,
    error_boundary,
    exit_status,
    open_source,
    output_option,
)
from ingressdoc.errors import UsageError
from ingressdoc.probe.pod import DEFAULT_IMAGE
from ingressdoc.render.registry import REACH, Format

if TYPE_CHECKING:
    from ingressdoc.reach.model import ReachResult
    from ingressdoc.snapshot.live import LiveSource

# Seconds for the probe pod to start (an image pull included), and the lookups and connect
# it may need at --timeout each: up to four search-list candidates and the dial.
PROBE_STARTUP = 90.0
PROBE_STEPS = 6


def reach(
    source: Annotated[str, typer.Argument(
        metavar="FROM", help="Client pods: ns/pod, ns/KIND/name (deployment, statefulset, ...), "
        "po/NAME or KIND/NAME in the -n namespace (deploy/web), ns with -l, or "
        "ingress-controller[/CLASS].")],
    target: Annotated[str, typer.Argument(
        metavar="TO", help="ns/service[:port] or svc/NAME[:port] in the -n namespace; a DNS name "
        "as the client writes it, e.g. "
        "payments-api.payments:8080; or host/path (a URL too), e.g. shop.example.com/api, "
        "reached through the ingress controller, then traced from the Ingress on.")],
    namespace: NamespaceOpt = None,
    manifests: ManifestsOpt = [],  # noqa: B006 - typer reads the default
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
    selector: Annotated[Optional[str], typer.Option(  # noqa: UP045 - typer needs Optional
        "--selector", "-l", help="Pick the client pods of a namespace FROM by label.")] = None,
    port: Annotated[Optional[int], typer.Option(  # noqa: UP045
        "--port", min=1, max=65535, help="The port dialled (default: the Service's first; "
        "a host/path names its port in TO).")]
    = None,
    output: Annotated[Format, output_option(REACH)] = Format.table,
    fail_on: FailOnOpt = FailOn.error,
    request_timeout: TimeoutOpt = 10.0,
    probe: Annotated[bool, typer.Option(
        "--probe", help="Also try the connection for real: create a short-lived pod in the "
        "client's namespace with the client pod's labels (never Ready, no token) that runs "
        "`agnhost connect` to a destination pod and to the name (for a host/path: to a controller "
        "pod and the controller's Service, the client -> controller leg only), then delete it. "
        "This writes to the cluster: it needs create and delete on pods and get on pods/log in the client's "
        "namespace (ClusterRole ingressdoc-reach-prober in deploy/rbac.yaml, bound there with a "
        "RoleBinding).", rich_help_panel="Live evidence")] = False,
    probe_image: Annotated[str, typer.Option(
        "--probe-image", help="Image of the probe pod: any agnhost with `connect`.",
        metavar="IMAGE", rich_help_panel="Live evidence")]
    = DEFAULT_IMAGE,
    timeout: Annotated[float, typer.Option(
        "--timeout", min=0.1, help="Seconds per connection attempt and DNS query of the probe.",
        metavar="SECONDS", rich_help_panel="Live evidence")] = 3.0,
    debug: DebugOpt = False,
) -> None:
    """Check that pods can open a connection to a Service (name, DNS egress, endpoints,
    policy), or send a request to a host/path through the ingress controller."""
    with error_boundary(debug):
        from ingressdoc.reach.engine import reach as run_reach
        from ingressdoc.reach.parse import parse_client, parse_target
        from ingressdoc.snapshot.live import LiveSource

        if probe and manifests:
            raise UsageError("--probe needs a live cluster, not --manifests")
        snap_source = open_source(manifests, kubeconfig, context, request_timeout)
        ns = default_namespace(namespace, snap_source)
        client = parse_client(source, selector, ns)
        dest = parse_target(target, port, ns)
        result = run_reach(snap_source.read(None), client, dest)
        if probe and isinstance(snap_source, LiveSource):
            result = _probe(snap_source, result, probe_image, timeout)
        sys.stdout.write(REACH.render(result, output))
        raise typer.Exit(exit_status(result.findings, fail_on))


def _probe(source: LiveSource, result: ReachResult, image: str, timeout: float) -> ReachResult:
    """Run the planned checks in one probe pod and compare; the pod is always deleted."""
    from ingressdoc.probe.pod import probe_manifest, replay_line, run_probe_pod
    from ingressdoc.reach.confirm import Observation, confirm, plan

    todo = plan(result)
    if result.dial is None or not todo.checks:
        return confirm(result, [], todo.unchecked)
    wait = PROBE_STARTUP + PROBE_STEPS * timeout
    boxes = {f"connect-{c.check}": c for c in todo.checks}
    manifest = probe_manifest(result.dial.client_pod, image,
                              {box: c.args(timeout) for box, c in boxes.items()},
                              deadline=math.ceil(wait) + 30, dns_timeout=timeout)
    typer.echo(f"ingressdoc: probing from a short-lived pod in namespace "
               f"{manifest['metadata']['namespace']} (deleted afterwards)", err=True)
    run = run_probe_pod(source, manifest, wait)
    if run.leftover:
        typer.echo(f"ingressdoc: warning: {run.leftover}", err=True)
    seen = []
    for box, check in boxes.items():
        ended = run.exits.get(box)
        seen.append(Observation(check, ended.exit_code if ended else None,
                                ended.log if ended else "", replay_line(manifest, box),
                                None if ended else run.problem))
    return confirm(result, seen, todo.unchecked)
