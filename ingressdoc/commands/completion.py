"""Shell completion: typer's own (`ingressdoc --install-completion`) and kubectl's plugin
protocol (`kubectl_complete-ingressdoc`), over the same candidates: subcommands and options,
option values (formats, kubeconfig contexts, namespaces), finding codes, and host/paths of the
Ingresses in the cluster or in the `-f` manifests.

kubectl runs `kubectl_complete-ingressdoc ARGS... WORD` for `kubectl ingressdoc ARGS WORD<TAB>`
and reads Cobra's format: one candidate a line, then `:DIRECTIVE` (4: no file names, 0: let
the shell complete file names). Completion never fails loudly: an unreachable cluster just
offers nothing.

Commands and parameters are typer's objects (its own copy of click), read through a few
attributes: names, option strings, flags and the annotation of choices.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import typer

# Cobra's ShellCompDirective values.
NO_FILES = 4
FILES = 0
TIMEOUT = 3.0
_FILE_OPTIONS = ("manifests", "kubeconfig", "output_file")


@dataclass
class Words:
    """What was typed before the word being completed."""

    command: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    positionals: list[str] = field(default_factory=list)
    pending: Any = None  # an option still waiting for its value


def _options(command: Any) -> list[Any]:
    return [p for p in command.params if p.param_type_name == "option"]


def _option(command: Any, name: str) -> Any:
    return next((p for p in _options(command) if name in (*p.opts, *p.secondary_opts)), None)


def parse_words(group: Any, words: Iterable[str]) -> tuple[Any, Words]:
    command = group
    seen = Words()
    for word in words:
        if seen.pending is not None:
            _set(seen, seen.pending, word)
            seen.pending = None
        elif word.startswith("-") and word != "-":
            name, eq, value = word.partition("=")
            opt = _option(command, name)
            if opt is not None and not opt.is_flag:
                if eq:
                    _set(seen, opt, value)
                else:
                    seen.pending = opt
        elif seen.command is None and word in group.commands:
            seen.command, command = word, group.commands[word]
        else:
            seen.positionals.append(word)
    return command, seen


def _set(seen: Words, opt: Any, value: str) -> None:
    if opt.multiple:
        seen.params.setdefault(str(opt.name), []).append(value)
    else:
        seen.params[str(opt.name)] = value


def _source(params: Mapping[str, Any]) -> Any:
    from ingressdoc.commands.common import open_source

    return open_source(list(params.get("manifests") or []), params.get("kubeconfig"),
                       params.get("context"), TIMEOUT)


def contexts(params: Mapping[str, Any]) -> list[str]:
    from ingressdoc.snapshot.live import kubeconfig_contexts

    return kubeconfig_contexts(params.get("kubeconfig"))


def namespaces(params: Mapping[str, Any]) -> list[str]:
    from ingressdoc.k8s.objects import name, namespace
    from ingressdoc.snapshot.kinds import Read

    snap = _source(params).read(lambda _: [Read("Namespace")])
    named = {name(ns) for ns in snap.list("Namespace")}
    return sorted(named | {ns for o in snap.all_objects() if (ns := namespace(o))})


def targets(params: Mapping[str, Any]) -> list[str]:
    """host/path of every Ingress rule in scope (-n), as `trace` takes them."""
    from ingressdoc.k8s.objects import spec
    from ingressdoc.snapshot.kinds import Read

    ns = params.get("namespace")
    snap = _source(params).read(lambda _: [Read("Ingress", ns)])
    out: set[str] = set()
    for ingress in snap.list("Ingress", ns) if ns else snap.list("Ingress"):
        for rule in spec(ingress).get("rules") or []:
            host = rule.get("host")
            if not host or "*" in host:
                continue
            out.add(host)
            for path in (rule.get("http") or {}).get("paths") or []:
                out.add(f"{host}{path.get('path') or '/'}")
    return sorted(out)


def hosts(params: Mapping[str, Any]) -> list[str]:
    return [t for t in targets(params) if "/" not in t]


def formats(command: str) -> Callable[[Mapping[str, Any]], list[str]]:
    """The `-o` formats of a command: its result type's renderers (snapshot's own two)."""

    def produce(params: Mapping[str, Any]) -> list[str]:
        from ingressdoc.render.registry import CATALOG, CHECK, REACH, TRACE, Renderers
        from ingressdoc.snapshot.saved import FORMATS

        renderers: dict[str, Renderers[Any]] = {
            "trace": TRACE, "reach": REACH, "check": CHECK, "checks": CATALOG}
        if command in renderers:
            return [f.value for f in renderers[command].formats]
        return list(FORMATS)

    return produce


def codes(params: Mapping[str, Any]) -> list[str]:
    from ingressdoc.checks.catalog import entries

    return [e.code for e in entries() if not e.retired]


# Values of options and arguments by parameter name, per command ("*": every command).
_VALUES: dict[tuple[str, str], Callable[[Mapping[str, Any]], list[str]]] = {
    ("*", "context"): contexts,
    ("*", "namespace"): namespaces,
    ("check", "host"): hosts,
    ("trace", "target"): targets,
    ("snapshot", "target"): targets,
    ("reach", "target"): targets,
    ("explain", "code"): codes,
    **{(command, "output"): formats(command)
       for command in ("trace", "reach", "check", "checks", "snapshot")},
}


def _values(command: str | None, param: str, params: Mapping[str, Any]) -> list[str]:
    produce = _VALUES.get((command or "", param)) or _VALUES.get(("*", param))
    if produce is None:
        return []
    try:
        return produce(params)
    except Exception:  # completion offers nothing rather than an error in the prompt
        return []


def _choices(opt: Any) -> list[str]:
    """The members of an option typed by an enum (`--fail-on`)."""
    annotation = getattr(getattr(opt, "type_descriptor", None), "annotation", None)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [str(member.value) for member in annotation]
    return []


def candidates(group: Any, words: list[str], incomplete: str) -> tuple[list[str], int]:
    """The candidates for `incomplete` after `words`, and Cobra's directive."""
    command, seen = parse_words(group, words)
    if seen.pending is not None:
        opt = seen.pending
        if opt.name in _FILE_OPTIONS:
            return [], FILES
        found = _values(seen.command, str(opt.name), seen.params) or _choices(opt)
    elif incomplete.startswith("-"):
        found = sorted(o for p in _options(command) for o in (*p.opts, *p.secondary_opts)
                       if o.startswith("--"))
        found += ["--help"]
    elif seen.command is None:
        found = sorted(name for name, c in group.commands.items() if not c.hidden)
    else:
        args = [p for p in command.params if p.param_type_name == "argument"]
        index = len(seen.positionals)
        if command.name == "reach" and index == 0:
            found = ["ingress-controller", *(f"{ns}/" for ns in _values(None, "namespace",
                                                                         seen.params))]
        else:
            found = _values(seen.command, str(args[index].name), seen.params) if index < len(
                args) else []
    return [c for c in found if c.startswith(incomplete)], NO_FILES


def typer_values(kind: str) -> Callable[[typer.Context, str], list[str]]:
    """An `autocompletion` callback for typer's own completion, over the same values."""

    def complete(ctx: typer.Context, incomplete: str) -> list[str]:
        command = ctx.command.name if ctx.command else None
        return [c for c in _values(command, kind, ctx.params) if c.startswith(incomplete)]

    return complete


def kubectl_complete(app: typer.Typer, args: list[str]) -> str:
    """What `kubectl_complete-ingressdoc ARGS... WORD` prints: the protocol kubectl runs to
    complete `kubectl ingressdoc ARGS WORD<TAB>`."""
    words, incomplete = args[:-1], (args[-1] if args else "")
    found, directive = candidates(typer.main.get_command(app), words, incomplete)
    return "".join(f"{c}\n" for c in found) + f":{directive}\n"
