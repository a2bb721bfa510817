"""One module per command family; `ingressdoc.cli` registers them on one app."""
