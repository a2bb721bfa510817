"""Gateway API (gateway.networking.k8s.io, v1 standard channel) semantics, as pure functions.

Each module holds one step of the spec's request path: hostnames, listeners and route
attachment, rule matching and its precedence, filters, backendRefs. They read manifest-shaped
dicts and apply the API server's defaults themselves, so offline manifests and live objects
give the same answers. Where the spec leaves a choice to the implementation, or an
implementation departs from it, the controller profile's `GatewaySemantics` says which
behaviour is modelled (the spec's by default).
"""
