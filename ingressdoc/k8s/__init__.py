"""Pure Kubernetes semantics over manifest-shaped dicts: no I/O, no client library."""
