"""`ingressdoc check`: every routed host/path of every Ingress in scope, traced over one snapshot.

No typer and no cluster access here: the command reads the snapshot, this package turns it
into a `CheckReport` for the renderers. Only `config` touches the file system, to find
`.ingressdoc.yaml`.
"""
