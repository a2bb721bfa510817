"""One error boundary: user-facing failures carry their exit status and a one-line message."""

from __future__ import annotations

import enum


class ExitStatus(enum.IntEnum):
    """Keeps "the tool found a broken hop" apart from "the tool could not run"."""

    OK = 0
    FINDINGS = 1
    USAGE = 2
    BAD_INPUT = 3
    CLUSTER = 4
    INTERNAL = 70
    INTERRUPTED = 130


class IngressdocError(Exception):
    exit_status = ExitStatus.INTERNAL

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RequestSyntaxError(IngressdocError):
    exit_status = ExitStatus.BAD_INPUT


class ManifestError(IngressdocError):
    exit_status = ExitStatus.BAD_INPUT


class KubeconfigError(IngressdocError):
    exit_status = ExitStatus.BAD_INPUT


class UsageError(IngressdocError):
    exit_status = ExitStatus.USAGE


class ClusterError(IngressdocError):
    """The API server is unreachable, refused our credentials, or went away mid-run."""

    exit_status = ExitStatus.CLUSTER
