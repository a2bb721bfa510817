"""`ingressdoc compare`: the same requests routed through a set of Ingresses and a set of
Gateway API routes, and every request whose outcome differs: a migration gate."""
