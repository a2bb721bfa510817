"""No byte of a Secret's values reaches any output: every command and output format, over
Secrets of every shape, well-formed and malformed.

Each value is a unique marker, searched for as it is, base64-encoded (as `data` holds it)
and, for PEM blocks, line by line. A malformed Secret is refused as input; its error line
must not quote it either.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from certgen import make_cert
from typer.testing import CliRunner

from ingressdoc.cli import app

ROOT = Path(__file__).resolve().parents[2]
SHOP = [d for d in yaml.safe_load_all((ROOT / "examples/shop/shop.yaml").read_text()) if d]
HOST = "shop.example.com"
PAIR = make_cert(cn=HOST, sans=(HOST,))
runner = CliRunner()


def b64(value: str | bytes) -> str:
    return base64.b64encode(value if isinstance(value, bytes) else value.encode()).decode()


def marker(n: int) -> str:
    return f"s3cr3t-value-{n:02d}-q7xk"


def secret(name: str, **fields: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": name, "namespace": "shop"}, **fields}


# name -> (Secret, the values it holds)
SHAPES: dict[str, tuple[dict[str, Any], list[str | bytes]]] = {
    "opaque-data": (secret("s", data={"password": b64(marker(1))}), [marker(1)]),
    "tls-data": (secret("s", type="kubernetes.io/tls", data={
        "tls.crt": b64(PAIR.cert_pem), "tls.key": b64(PAIR.key_pem)}),
        [PAIR.cert_pem, PAIR.key_pem]),
    "tls-stringdata": (secret("s", type="kubernetes.io/tls", stringData={
        "tls.crt": PAIR.cert_pem.decode(), "tls.key": marker(2)}),
        [PAIR.cert_pem, marker(2)]),
    "tls-crt-not-pem": (secret("s", type="kubernetes.io/tls", stringData={
        "tls.crt": marker(3), "tls.key": marker(4)}), [marker(3), marker(4)]),
    "data-not-base64": (secret("s", data={"k": f"!!{marker(5)}!!"}), [marker(5)]),
    "stringdata-list": (secret("s", stringData=[marker(6)]), [marker(6)]),
    "stringdata-string": (secret("s", stringData=marker(7)), [marker(7)]),
    "stringdata-nested": (secret("s", stringData={"k": {"x": marker(8)}}), [marker(8)]),
    "data-list": (secret("s", data=[b64(marker(9))]), [marker(9)]),
    "data-key-map": (secret("s", data={"k": {marker(10): "v"}}), [marker(10)]),
    "last-applied": (secret("s", metadata={
        "name": "s", "namespace": "shop", "annotations": {
            "kubectl.kubernetes.io/last-applied-configuration": json.dumps(
                {"stringData": {"password": marker(11)}})}},
        stringData={"password": marker(11)}), [marker(11)]),
    "unknown-fields": (secret("s", extra={"nested": [marker(12)]}, binaryData={
        "b": b64(marker(13))}), [marker(12), marker(13)]),
}


def forms(value: str | bytes) -> Iterator[str]:
    raw = value.decode() if isinstance(value, bytes) else value
    yield raw
    yield b64(raw)
    for line in raw.splitlines():
        if len(line) >= 16 and not line.startswith("-----"):
            yield line


def manifests(tmp_path: Path, shape: dict[str, Any]) -> str:
    ingress = next(d for d in SHOP if d["kind"] == "Ingress")
    tls_ingress = {**ingress, "spec": {**ingress["spec"],
                                       "tls": [{"hosts": [HOST], "secretName": "s"}]}}
    docs = [tls_ingress if d is ingress else d for d in SHOP] + [shape]
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump_all(docs))
    return str(path)


def commands(path: str) -> Iterator[list[str]]:
    for fmt in ("table", "json", "yaml"):
        yield ["trace", f"https://{HOST}/cart/items", "-f", path, "-o", fmt]
        yield ["reach", "shop/frontend", "shop/cart", "-f", path, "-o", fmt]
    for fmt in ("table", "json", "yaml", "junit", "sarif", "github"):
        yield ["check", "-f", path, "-o", fmt]
    yield ["snapshot", "-f", path]
    yield ["snapshot", "-f", path, "--include-config"]
    yield ["snapshot", f"https://{HOST}/cart/items", "-f", path]


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_no_secret_value_in_any_output(tmp_path: Path, shape: str) -> None:
    obj, values = SHAPES[shape]
    path = manifests(tmp_path, obj)
    saved = tmp_path / "saved.yaml"
    refused = False
    for args in commands(path):
        if refused and "-o" in args and args[-1] != "table":
            continue  # refused input: one error line, whatever the format
        result = runner.invoke(app, args)
        assert result.exit_code in (0, 1, 3), (args, result.stderr)
        refused = result.exit_code == 3
        if args[0] == "snapshot" and result.exit_code == 0 and "--include-config" in args:
            saved.write_text(result.stdout)
        for text in (result.stdout, result.stderr):
            for value in values:
                for form in forms(value):
                    assert form not in text, (shape, args, form[:40])
    if saved.exists():  # a saved snapshot replays without the values it never held
        for fmt in ("table", "json"):
            result = runner.invoke(app, ["trace", f"https://{HOST}/cart/items", "-f",
                                         str(saved), "-o", fmt])
            assert result.exit_code in (0, 1), result.stderr
            for value in values:
                assert all(form not in result.stdout for form in forms(value))


def test_a_well_formed_tls_secret_is_still_checked(tmp_path: Path) -> None:
    path = manifests(tmp_path, SHAPES["tls-data"][0])
    out = runner.invoke(app, ["trace", f"https://{HOST}/cart/items", "-f", path,
                              "-o", "json"]).stdout
    tls = next(h for h in json.loads(out)["hops"] if h["hop"] == "tls")
    assert tls["status"] == "ok", tls


CONFIG = [
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app", "namespace": "shop"},
     "data": {"DB_PASSWORD": marker(20)}, "binaryData": {"blob": b64(marker(21))}},
    {"apiVersion": "v1", "kind": "ConfigMap",
     "metadata": {"name": "coredns", "namespace": "kube-system"},
     "data": {"Corefile": ".:53 {\n  kubernetes cluster.example\n}\n", "extra": marker(22)}},
    {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "shop"},
     "spec": {"containers": [{"name": "c", "env": [
         {"name": "TOKEN", "value": marker(23)},
         {"name": "FROM_SECRET", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]}],
              "initContainers": [{"name": "i", "env": [{"name": "INIT", "value": marker(24)}]}]}},
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "shop"},
     "spec": {"selector": {"matchLabels": {"app": "d"}}, "template": {
         "metadata": {"labels": {"app": "d"}},
         "spec": {"containers": [{"name": "c", "env": [{"name": "KEY", "value": marker(25)}]}]}}}},
]


def test_snapshot_keeps_only_the_keys_of_configuration(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump_all(CONFIG))
    redacted = runner.invoke(app, ["snapshot", "-f", str(path)])
    assert redacted.exit_code == 0, redacted.stderr
    for n in range(20, 26):
        assert marker(n) not in redacted.stdout and b64(marker(n)) not in redacted.stdout
    items = {(i["kind"], i["metadata"]["name"]): i
             for i in yaml.safe_load(redacted.stdout)["items"]}
    assert items[("ConfigMap", "app")]["data"] == {"DB_PASSWORD": "(redacted)"}
    assert items[("ConfigMap", "coredns")]["data"]["Corefile"].startswith(".:53")
    env = items[("Pod", "p")]["spec"]["containers"][0]["env"]
    assert env == [{"name": "TOKEN", "value": "(redacted)"}, CONFIG[2]["spec"]["containers"][0][
        "env"][1]]
    replay = tmp_path / "snap.yaml"
    replay.write_text(redacted.stdout)
    again = runner.invoke(app, ["snapshot", "-f", str(replay), "--output-file", "-"])
    assert again.exit_code == 0, again.stderr
    kept = runner.invoke(app, ["snapshot", "-f", str(path), "--include-config"])
    assert all(marker(n) in kept.stdout for n in (20, 23, 24, 25))
