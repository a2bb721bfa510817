"""`.ingressdoc.yaml`: the check policy a repository keeps next to its manifests.

Found by walking up from the working directory, like `.editorconfig`, so a check run from any
sub-directory of a repository applies the same policy. Keys mirror the long option names.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingressdoc.errors import ExitStatus, IngressdocError
from ingressdoc.snapshot.documents import single_document

CONFIG_NAME = ".ingressdoc.yaml"
FAIL_ON_VALUES = ("error", "warning", "info", "never")


class ConfigError(IngressdocError):
    exit_status = ExitStatus.BAD_INPUT


@dataclass(frozen=True)
class CheckConfig:
    path: Path | None = None
    fail_on: str | None = None
    ignore: tuple[str, ...] = ()
    namespace: str | None = None
    all_namespaces: bool = False
    selector: str | None = None
    host: str | None = None


def find_config(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        candidate = directory / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def _string(path: Path, data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{path}: {key} must be a string")
    return value


def load_config(path: Path) -> CheckConfig:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    data = single_document(raw, str(path)) or {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of option names to values")
    known = {"fail-on", "ignore", "namespace", "all-namespaces", "selector", "host"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})")
    fail_on = _string(path, data, "fail-on")
    if fail_on is not None and fail_on not in FAIL_ON_VALUES:
        raise ConfigError(f"{path}: fail-on must be one of {', '.join(FAIL_ON_VALUES)}")
    ignore = data.get("ignore") or []
    if isinstance(ignore, str):
        ignore = [ignore]
    if not isinstance(ignore, list) or not all(isinstance(i, str) for i in ignore):
        raise ConfigError(f"{path}: ignore must be a list of CODE or CODE=namespace/name")
    all_namespaces = data.get("all-namespaces", False)
    if not isinstance(all_namespaces, bool):
        raise ConfigError(f"{path}: all-namespaces must be true or false")
    return CheckConfig(path, fail_on, tuple(ignore), _string(path, data, "namespace"),
                       all_namespaces, _string(path, data, "selector"),
                       _string(path, data, "host"))
