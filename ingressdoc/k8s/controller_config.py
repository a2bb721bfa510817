"""A running controller's configuration, read from its pod and the ConfigMap it names.

The deciding facts sit in the controller's container: its arguments (`--flag=value`,
`--flag value`, a bare `--flag` for true), its environment (Traefik reads
`TRAEFIK_PROVIDERS_...` as flags; ingress-nginx arguments use `$(POD_NAMESPACE)`), the
ConfigMap named by `--configmap`, and the version in the image tag. Every value keeps where it
came from, so the controller hop can say why the controller behaves as it does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ingressdoc.k8s.controller_settings import SETTINGS_BY_KEY, TRAEFIK, Version
from ingressdoc.k8s.objects import is_true, labels, name, namespace, spec

Obj = Mapping[str, Any]
_VERSION = re.compile(r"v?(\d+)\.(\d+)(?:\.(\d+))?")
# Charts label pods with the application version; the fallback when the image tag is not one
# (a digest, a local build such as `:ci`).
VERSION_LABEL = "app.kubernetes.io/version"
_ENV_REF = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


@dataclass(frozen=True)
class Setting:
    key: str
    value: str
    source: str  # "args of Pod ns/name", "ConfigMap ns/name" or "default of vX.Y"


@dataclass(frozen=True)
class ControllerConfig:
    """What one controller product is configured to do; `configmap_note` says why the
    ConfigMap's keys are unknown (not read, absent), so defaults are only assumed."""

    product: str
    image: str
    version: Version | None
    pod: str
    flags: Mapping[str, str]
    configmap: Mapping[str, str]
    configmap_name: str | None
    configmap_note: str | None = None

    def setting(self, key: str) -> Setting:
        """The effective value of a modelled flag or ConfigMap key, with where it came from."""
        spec_ = SETTINGS_BY_KEY[(self.product, key)]
        if spec_.where == "flag" and key in self.flags:
            return Setting(key, self.flags[key], f"args of Pod {self.pod}")
        if spec_.where == "configmap" and key in self.configmap:
            return Setting(key, self.configmap[key], f"ConfigMap {self.configmap_name}")
        shown = ".".join(str(p) for p in self.version) if self.version else "unknown version"
        return Setting(key, spec_.default(self.version), f"default of {shown}")

    def models(self, key: str) -> bool:
        """Whether this product has the flag or ConfigMap key at all (another product's
        setting is no setting of this one)."""
        return (self.product, key) in SETTINGS_BY_KEY

    def value(self, key: str) -> str:
        return self.setting(key).value

    def enabled(self, key: str) -> bool:
        return is_true(self.value(key))

    def listed(self, key: str) -> tuple[str, ...]:
        """A comma-separated flag as a tuple (empty when unset)."""
        return tuple(v.strip() for v in self.value(key).split(",") if v.strip())


def version_of(image: str) -> Version | None:
    """`registry/ingress-nginx/controller:v1.12.1@sha256:...` -> (1, 12, 1)."""
    ref = image.split("@", 1)[0]
    tag = ref.rsplit(":", 1)[1] if ":" in ref.rsplit("/", 1)[-1] else ""
    match = _VERSION.search(tag)
    if not match:
        return None
    return tuple(int(p) for p in match.groups() if p is not None)


def _env(container: Obj, pod: Obj) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in container.get("env") or []:
        ref = ((item.get("valueFrom") or {}).get("fieldRef") or {}).get("fieldPath")
        if "value" in item:
            out[str(item.get("name"))] = str(item["value"])
        elif ref == "metadata.namespace":
            out[str(item.get("name"))] = str(namespace(pod))
        elif ref == "metadata.name":
            out[str(item.get("name"))] = name(pod)
    return out


def parse_flags(args: Sequence[str], env: Mapping[str, str], fold_case: bool) -> dict[str, str]:
    """Go-style flags: `--k=v`, `--k v`, bare `--k` (true). `$(VAR)` expands from `env` as
    the kubelet does. Traefik's flags are case-insensitive (`fold_case`)."""
    expanded = [_ENV_REF.sub(lambda m: env.get(m.group(1), m.group(0)), str(a)) for a in args]
    out: dict[str, str] = {}
    i = 0
    while i < len(expanded):
        token = expanded[i]
        i += 1
        if not token.startswith("-"):
            continue
        key, eq, value = token.lstrip("-").partition("=")
        if not eq:
            following = expanded[i] if i < len(expanded) else None
            if following is not None and not following.startswith("-"):
                value, i = following, i + 1
            else:
                value = "true"
        out[key.lower() if fold_case else key] = value
    return out


def _traefik_env(env: Mapping[str, str]) -> dict[str, str]:
    """`TRAEFIK_PROVIDERS_KUBERNETESCRD_ALLOWCROSSNAMESPACE=true` is the flag
    `providers.kubernetescrd.allowcrossnamespace` (static configuration from the
    environment)."""
    return {k.removeprefix("TRAEFIK_").lower().replace("_", "."): v
            for k, v in env.items() if k.startswith("TRAEFIK_")}


def _container(pod: Obj, product: str) -> Obj | None:
    containers = list(spec(pod).get("containers") or [])
    return next((c for c in containers if product in str(c.get("image", "")).lower()),
                containers[0] if containers else None)


def read_config(pod: Obj, product: str) -> ControllerConfig | None:
    """The configuration of `product` as `pod` runs it (pods of one Deployment share it);
    the ConfigMap it names is attached by `with_configmap`."""
    container = _container(pod, product)
    if container is None:
        return None
    env = _env(container, pod)
    fold = product == TRAEFIK
    flags = parse_flags(list(container.get("command") or []) + list(container.get("args") or []),
                        env, fold)
    if fold:
        flags = {**_traefik_env(env), **flags}
    image = str(container.get("image", ""))
    version = version_of(image) or version_of(":" + str(labels(pod).get(VERSION_LABEL, "")))
    ref = flags.get("configmap") if product != TRAEFIK else None
    full = None
    if ref:
        cm_ns, _, cm_name = ref.rpartition("/")
        full = f"{cm_ns or namespace(pod)}/{cm_name}"
    return ControllerConfig(product, image, version, f"{namespace(pod)}/{name(pod)}", flags, {},
                            full)


def with_configmap(config: ControllerConfig, configmap: Obj | None, readable: bool
                   ) -> ControllerConfig:
    """`config` with the data of the ConfigMap it names; `readable`: the ConfigMap's
    namespace could be listed, so an absent ConfigMap means the defaults apply."""
    if config.configmap_name is None:
        return config
    if not readable:
        return replace(config, configmap_note=f"ConfigMap {config.configmap_name} not read: "
                       "defaults assumed")
    if configmap is None:
        return replace(config, configmap_note=f"ConfigMap {config.configmap_name} not found: "
                       "defaults apply")
    data = {str(k): str(v) for k, v in (configmap.get("data") or {}).items()}
    return replace(config, configmap=data)
