#!/usr/bin/env python3
"""Build container images for the test cluster from locally built static binaries.

There is no registry: every image is a single-layer docker-archive tarball written with
the standard library and imported into containerd with ``ctr images import``.

    images.py build [NAME...]               write the tarballs (skips up-to-date ones)
    images.py import --address S [NAME...]  import them into containerd (namespace k8s.io)
    images.py names               print the image references
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

CLUSTER_DIR = Path(__file__).resolve().parent


def read_env(path: Path) -> dict[str, str]:
    env = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            env[key] = value
    return env


ENV = read_env(CLUSTER_DIR / "versions.env")
CACHE = Path(os.environ.get("INGRESSDOC_CACHE", Path.home() / ".cache" / "ingressdoc"))
TAG = ENV["IMAGE_TAG"]
IMAGES_DIR = CACHE / f"images-{ENV['K8S_VERSION']}"

# name -> (binary path, entrypoint, default args)
IMAGES = {
    "pause": (CACHE / "pause" / "pause", ["/pause"], []),
    "agnhost": (CACHE / f"kubernetes-{ENV['K8S_VERSION']}" / "agnhost", ["/agnhost"], ["pause"]),
    "coredns": (CACHE / f"coredns-{ENV['COREDNS_VERSION']}" / "coredns", ["/coredns"], []),
    "node-cache": (CACHE / f"node-cache-{ENV['COREDNS_VERSION']}" / "node-cache", ["/node-cache"], []),
    "traefik": (CACHE / f"traefik-{ENV['TRAEFIK_VERSION']}" / "traefik", ["/traefik"], []),
    "metallb-controller": (CACHE / f"metallb-{ENV['METALLB_VERSION']}" / "controller", ["/controller"], []),
}

ETC_FILES = {
    "etc/passwd": "root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n",
    "etc/group": "root:x:0:\nnobody:x:65534:\n",
    "etc/nsswitch.conf": "hosts: files dns\n",
}


def ref(name: str) -> str:
    return f"localhost/ingressdoc/{name}:{TAG}"


def _add(tar: tarfile.TarFile, name: str, data: bytes | None, mode: int) -> None:
    info = tarfile.TarInfo(name)
    info.mtime = 0
    info.mode = mode
    if data is None:
        info.type = tarfile.DIRTYPE
        tar.addfile(info)
    else:
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))


def layer_bytes(binary: Path) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        _add(tar, "etc", None, 0o755)
        for path, text in ETC_FILES.items():
            _add(tar, path, text.encode(), 0o644)
        _add(tar, "tmp", None, 0o1777)
        _add(tar, binary.name, binary.read_bytes(), 0o755)
    return buf.getvalue()


def build_image(name: str) -> Path:
    binary, entrypoint, cmd = IMAGES[name]
    if not binary.is_file():
        sys.exit(f"images.py: missing binary {binary} (run cluster/build.sh first)")
    out = IMAGES_DIR / f"{name}.tar"
    if out.is_file() and out.stat().st_mtime >= binary.stat().st_mtime:
        return out
    layer = layer_bytes(binary)
    diff_id = "sha256:" + hashlib.sha256(layer).hexdigest()
    config = json.dumps({
        "architecture": "amd64",
        "os": "linux",
        "config": {"Entrypoint": entrypoint, "Cmd": cmd or None, "WorkingDir": "/",
                   "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
    }, sort_keys=True).encode()
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    manifest = json.dumps([{"Config": config_name, "RepoTags": [ref(name)],
                            "Layers": ["layer.tar"]}]).encode()
    IMAGES_DIR.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
        _add(tar, "layer.tar", layer, 0o644)
        _add(tar, config_name, config, 0o644)
        _add(tar, "manifest.json", manifest, 0o644)
    tmp.replace(out)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["build", "import", "names"])
    parser.add_argument("--address", help="containerd socket (for import)")
    parser.add_argument("names", nargs="*", help=f"any of {', '.join(IMAGES)} (default: all)")
    args = parser.parse_intermixed_args()
    if args.action == "names":
        for name in IMAGES:
            print(ref(name))
        return 0
    unknown = set(args.names) - set(IMAGES)
    if unknown:
        parser.error(f"unknown image(s): {', '.join(sorted(unknown))}")
    tarballs = [build_image(name) for name in args.names or IMAGES]
    if args.action == "import":
        if not args.address:
            parser.error("import needs --address")
        for tarball in tarballs:
            subprocess.run(["ctr", "--address", args.address, "-n", "k8s.io", "images", "import",
                            "--platform", "linux/amd64", str(tarball)],
                           check=True, stdout=subprocess.DEVNULL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
