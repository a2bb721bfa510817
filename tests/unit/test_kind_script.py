"""`make kind-up` (cluster/kind.sh) installs the test cluster's own Traefik on kind, so the
integration tests meet the same controller there. kind and Docker are not needed to check
what it applies: `kind.sh manifest` prints it."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
CLUSTER = REPO / "cluster"


def _versions() -> dict[str, str]:
    lines = (CLUSTER / "versions.env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def _kind_manifest() -> list[dict[str, Any]]:
    out = subprocess.run(["bash", str(CLUSTER / "kind.sh"), "manifest"], capture_output=True,
                         text=True, check=True).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def _built_in() -> list[dict[str, Any]]:
    text = (CLUSTER / "addons" / "traefik.yaml").read_text()
    return [d for d in yaml.safe_load_all(text) if d]


def _container(docs: list[dict[str, Any]]) -> dict[str, Any]:
    (deploy,) = [d for d in docs if d["kind"] == "Deployment"]
    (container,) = deploy["spec"]["template"]["spec"]["containers"]
    return dict(container)


def test_kind_gets_the_pinned_traefik_with_the_built_in_clusters_configuration() -> None:
    docs = _kind_manifest()
    container = _container(docs)
    assert container["image"] == f"docker.io/library/traefik:{_versions()['TRAEFIK_VERSION']}"
    assert container.get("imagePullPolicy") != "Never"
    # Everything else is the built-in cluster's manifest: providers, classes, Services.
    built_in = _container(_built_in())
    assert container["args"] == built_in["args"]
    providers = {a.split("=")[0] for a in container["args"]}
    assert {"--providers.kubernetesingress", "--providers.kubernetesingressnginx",
            "--providers.kubernetesgateway"} <= providers
    kinds = [(d["kind"], d["metadata"]["name"]) for d in docs]
    assert kinds == [(d["kind"], d["metadata"]["name"]) for d in _built_in()]
    assert ("IngressClass", "traefik") in kinds and ("IngressClass", "nginx") in kinds
    assert ("GatewayClass", "traefik") in kinds
    assert "localhost/" not in yaml.safe_dump_all(docs)


def test_kind_configs_map_the_hosts_ports_to_traefiks_node_ports() -> None:
    (service,) = [d for d in _built_in()
                  if d["kind"] == "Service" and d["spec"].get("type") == "NodePort"]
    node_ports = {p["name"]: p["nodePort"] for p in service["spec"]["ports"]}
    for config in sorted((REPO / "kind-configs").glob("*.yaml")):
        nodes = yaml.safe_load(config.read_text())["nodes"]
        mapped = {m["hostPort"]: m["containerPort"]
                  for n in nodes for m in n.get("extraPortMappings") or []}
        assert mapped == {80: node_ports["web"], 443: node_ports["websecure"]}, config.name


def test_kind_script_refuses_an_unknown_command() -> None:
    proc = subprocess.run(["bash", str(CLUSTER / "kind.sh"), "sideways"], capture_output=True,
                          text=True)
    assert proc.returncode != 0 and "usage:" in proc.stderr
