"""Gateway API (gateway.networking.k8s.io, v1 standard channel) semantics, as pure functions.

Each module holds one step of the spec's request path: hostnames, listeners and route
attachment, rule matching and its precedence, filters, backendRefs. They read manifest-shaped
dicts and apply the API server's defaults themselves, so offline manifests and live objects
give the same answers. Where the spec leaves a choice to the implementation, a profile
(`spec` or `traefik`) says which one is modelled.
"""
