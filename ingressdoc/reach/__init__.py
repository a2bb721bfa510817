"""`ingressdoc reach FROM TO`: can these pods open a connection to that Service?

Pure over a snapshot, like the trace: the client's pods, how their resolver turns the name
into a Service, DNS egress, the Service and its pods, then NetworkPolicy in both directions,
with the trace's hops and the one policy engine doing the work. A host/path TO goes to the
ingress controller, and the trace itself follows it from the Ingress on.
"""
