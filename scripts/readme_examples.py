"""Keep the README's example outputs real: rerun each `<!-- example: ARGS -->` block.

`python scripts/readme_examples.py` rewrites the blocks from fresh runs of the current code;
`--check` fails when one differs (the unit tier runs it). Blocks marked `example-live` need
a cluster and are refreshed by hand with `--live`; `example-mermaid` blocks hold the bare
output in a ```mermaid fence, so GitHub draws it.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"<!-- (example(?:-live|-mermaid)?): (.+?) -->\n```(?:mermaid)?\n.*?```\n"
                   r"<!-- /example -->", re.DOTALL)


def run(args: str, command_line: bool = True) -> str:
    proc = subprocess.run([sys.executable, "-m", "ingressdoc", *shlex.split(args)],
                          cwd=ROOT, capture_output=True, text=True,
                          env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin",
                               **{k: os.environ[k] for k in ("HOME", "KUBECONFIG")
                                  if k in os.environ}})
    return f"$ ingressdoc {args}\n{proc.stdout}" if command_line else proc.stdout


def render(text: str, live: bool) -> str:
    def fill(match: re.Match[str]) -> str:
        kind, args = match.group(1), match.group(2)
        if kind == "example-live" and not live:
            return match.group(0)
        if kind == "example-mermaid":
            return f"<!-- {kind}: {args} -->\n```mermaid\n{run(args, False)}```\n<!-- /example -->"
        return f"<!-- {kind}: {args} -->\n```\n{run(args)}```\n<!-- /example -->"

    return BLOCK.sub(fill, text)


def main(argv: list[str]) -> int:
    readme = ROOT / "README.md"
    current = readme.read_text(encoding="utf-8")
    fresh = render(current, live="--live" in argv)
    if "--check" in argv:
        if fresh != current:
            print("README.md examples are stale: run `python scripts/readme_examples.py`")
            return 1
        return 0
    readme.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
