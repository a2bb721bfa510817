"""Field types of the objects a snapshot holds, checked where manifests and saved snapshots
enter, so the engine never meets `ports: [80]` or `data: 5`.

The API server decodes every object into typed structs and rejects one whose field has the
wrong JSON type; a manifest that does so could never be applied. So each such object is
refused here too, with the object and the field named, as an input error. A `null` field is
absent, as the API server reads it; a `null` list item is refused. Fields not listed (and
kinds not listed) are accepted as they are: the engine does not read them. Values are never
repeated in a message: the field may belong to a Secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

# A field's type: a name below, a list of one type ([T]: a list of T), or a mapping of
# field names to types (an object; its other fields are not read).
Type = str | list[Any] | dict[str, Any]

STR, INT, BOOL, INT_OR_STR, STR_MAP, OBJECT, TIMESTAMP = (
    "a string", "an integer", "a boolean", "an integer or a string", "a map of strings",
    "a mapping", "an ISO 8601 timestamp with offset")

LABEL_SELECTOR: Type = {
    "matchLabels": STR_MAP,
    "matchExpressions": [{"key": STR, "operator": STR, "values": [STR]}],
}
METADATA: Type = {
    "name": STR, "generateName": STR, "namespace": STR, "uid": STR,
    "labels": STR_MAP, "annotations": STR_MAP,
    "ownerReferences": [{"apiVersion": STR, "kind": STR, "name": STR, "uid": STR,
                         "controller": BOOL}],
}
CONTAINER: Type = {
    "name": STR, "image": STR, "command": [STR], "args": [STR],
    "ports": [{"name": STR, "containerPort": INT, "hostPort": INT, "hostIP": STR,
               "protocol": STR}],
    "env": [{"name": STR, "value": STR, "valueFrom": OBJECT}],
    "readinessProbe": OBJECT, "livenessProbe": OBJECT, "startupProbe": OBJECT,
    "restartPolicy": STR,
}
CONTAINER_STATUS: Type = {"name": STR, "ready": BOOL, "started": BOOL, "restartCount": INT,
                          "state": OBJECT, "lastState": OBJECT}
POD_SPEC: Type = {
    "containers": [CONTAINER], "initContainers": [CONTAINER],
    "ephemeralContainers": [CONTAINER],
    "hostNetwork": BOOL, "nodeName": STR, "hostname": STR, "subdomain": STR,
    "dnsPolicy": STR, "serviceAccountName": STR,
    "dnsConfig": {"nameservers": [STR], "searches": [STR],
                  "options": [{"name": STR, "value": STR}]},
}
POD_TEMPLATE: Type = {"metadata": METADATA, "spec": POD_SPEC}
CONDITIONS: Type = [{"type": STR, "status": STR, "reason": STR, "message": STR}]
LB_STATUS: Type = {"ingress": [{"ip": STR, "hostname": STR, "ipMode": STR,
                                "ports": [{"port": INT, "protocol": STR, "error": STR}]}]}
BACKEND: Type = {
    "service": {"name": STR, "port": {"name": STR, "number": INT}},
    "resource": {"apiGroup": STR, "kind": STR, "name": STR},
}
NETPOL_PEER: Type = {"podSelector": LABEL_SELECTOR, "namespaceSelector": LABEL_SELECTOR,
                     "ipBlock": {"cidr": STR, "except": [STR]}}
NETPOL_PORT: Type = {"protocol": STR, "port": INT_OR_STR, "endPort": INT}
TARGET_REF: Type = {"kind": STR, "namespace": STR, "name": STR, "uid": STR}
ENDPOINT_ADDRESS: Type = {"ip": STR, "hostname": STR, "nodeName": STR, "targetRef": TARGET_REF}
WORKLOAD: Type = {"spec": {"selector": LABEL_SELECTOR, "template": POD_TEMPLATE,
                           "replicas": INT}}

# Gateway API (v1): the fields the routing reads.
OBJECT_REF: Type = {"group": STR, "kind": STR, "name": STR, "namespace": STR}
PARENT_REF: Type = {"group": STR, "kind": STR, "namespace": STR, "name": STR,
                    "sectionName": STR, "port": INT}
PATH_MODIFIER: Type = {"type": STR, "replaceFullPath": STR, "replacePrefixMatch": STR}
HEADER_CHANGES: Type = {"set": [{"name": STR, "value": STR}],
                        "add": [{"name": STR, "value": STR}], "remove": [STR]}
ROUTE_FILTER: Type = {
    "type": STR,
    "requestRedirect": {"scheme": STR, "hostname": STR, "port": INT, "statusCode": INT,
                        "path": PATH_MODIFIER},
    "urlRewrite": {"hostname": STR, "path": PATH_MODIFIER},
    "requestHeaderModifier": HEADER_CHANGES, "responseHeaderModifier": HEADER_CHANGES,
    "extensionRef": {"group": STR, "kind": STR, "name": STR},
    "requestMirror": OBJECT,
}
BACKEND_REF: Type = {"group": STR, "kind": STR, "name": STR, "namespace": STR, "port": INT,
                     "weight": INT, "filters": [ROUTE_FILTER]}
VALUE_MATCHES: Type = [{"type": STR, "name": STR, "value": STR}]
ROUTE_STATUS: Type = {"parents": [{"parentRef": PARENT_REF, "controllerName": STR,
                                   "conditions": CONDITIONS}]}


def _route(match: Type) -> Type:
    return {"spec": {"parentRefs": [PARENT_REF], "hostnames": [STR], "rules": [{
        "name": STR, "matches": [match], "filters": [ROUTE_FILTER],
        "backendRefs": [BACKEND_REF]}]}, "status": ROUTE_STATUS}


KINDS: dict[str, Type] = {
    "Pod": {"spec": POD_SPEC, "status": {
        "phase": STR, "podIP": STR, "podIPs": [{"ip": STR}], "hostIP": STR,
        "conditions": CONDITIONS, "containerStatuses": [CONTAINER_STATUS],
        "initContainerStatuses": [CONTAINER_STATUS]}},
    "Deployment": WORKLOAD, "StatefulSet": WORKLOAD, "DaemonSet": WORKLOAD,
    "ReplicaSet": WORKLOAD, "Job": WORKLOAD,
    "CronJob": {"spec": {"jobTemplate": {"metadata": METADATA, "spec": {
        "selector": LABEL_SELECTOR, "template": POD_TEMPLATE}}}},
    "Service": {"spec": {
        "type": STR, "selector": STR_MAP, "clusterIP": STR, "clusterIPs": [STR],
        "externalName": STR, "externalIPs": [STR], "externalTrafficPolicy": STR,
        "internalTrafficPolicy": STR, "publishNotReadyAddresses": BOOL,
        "sessionAffinity": STR, "loadBalancerIP": STR, "ipFamilies": [STR],
        "ports": [{"name": STR, "protocol": STR, "appProtocol": STR, "port": INT,
                   "targetPort": INT_OR_STR, "nodePort": INT}]},
        "status": {"loadBalancer": LB_STATUS}},
    "Ingress": {"spec": {
        "ingressClassName": STR, "defaultBackend": BACKEND,
        "tls": [{"hosts": [STR], "secretName": STR}],
        "rules": [{"host": STR, "http": {"paths": [
            {"path": STR, "pathType": STR, "backend": BACKEND}]}}]},
        "status": {"loadBalancer": LB_STATUS}},
    "IngressClass": {"spec": {"controller": STR, "parameters": {
        "apiGroup": STR, "kind": STR, "name": STR, "namespace": STR, "scope": STR}}},
    "NetworkPolicy": {"spec": {
        "podSelector": LABEL_SELECTOR, "policyTypes": [STR],
        "ingress": [{"from": [NETPOL_PEER], "ports": [NETPOL_PORT]}],
        "egress": [{"to": [NETPOL_PEER], "ports": [NETPOL_PORT]}]}},
    "EndpointSlice": {
        "addressType": STR,
        "endpoints": [{"addresses": [STR], "hostname": STR, "nodeName": STR, "zone": STR,
                       "targetRef": TARGET_REF,
                       "conditions": {"ready": BOOL, "serving": BOOL, "terminating": BOOL}}],
        "ports": [{"name": STR, "port": INT, "protocol": STR, "appProtocol": STR}]},
    "Endpoints": {"subsets": [{
        "addresses": [ENDPOINT_ADDRESS], "notReadyAddresses": [ENDPOINT_ADDRESS],
        "ports": [{"name": STR, "port": INT, "protocol": STR, "appProtocol": STR}]}]},
    "Node": {"spec": {"podCIDR": STR, "podCIDRs": [STR], "unschedulable": BOOL,
                      "taints": [{"key": STR, "value": STR, "effect": STR}]},
             "status": {"addresses": [{"type": STR, "address": STR}],
                        "conditions": CONDITIONS}},
    "Namespace": {"status": {"phase": STR}},
    "Secret": {"type": STR, "data": STR_MAP, "stringData": STR_MAP, "immutable": BOOL,
               # what a saved snapshot carries instead of the data (snapshot/redact.py)
               "ingressdocSecretSummary": {"dataKeys": [STR], "certificate": {
                   "subject": STR, "sans": [STR], "issuer": STR, "notBefore": TIMESTAMP,
                   "notAfter": TIMESTAMP, "error": STR}}},
    "ConfigMap": {"data": STR_MAP, "binaryData": STR_MAP, "immutable": BOOL},
    "GatewayClass": {"spec": {"controllerName": STR}, "status": {"conditions": CONDITIONS}},
    "Gateway": {"spec": {
        "gatewayClassName": STR, "addresses": [{"type": STR, "value": STR}],
        "listeners": [{
            "name": STR, "port": INT, "protocol": STR, "hostname": STR,
            "tls": {"mode": STR, "certificateRefs": [OBJECT_REF]},
            "allowedRoutes": {"namespaces": {"from": STR, "selector": LABEL_SELECTOR},
                              "kinds": [{"group": STR, "kind": STR}]}}]},
        "status": {"addresses": [{"type": STR, "value": STR}], "conditions": CONDITIONS,
                   "listeners": [{"name": STR, "attachedRoutes": INT,
                                  "conditions": CONDITIONS}]}},
    "HTTPRoute": _route({"path": {"type": STR, "value": STR}, "headers": VALUE_MATCHES,
                         "queryParams": VALUE_MATCHES, "method": STR}),
    "GRPCRoute": _route({"method": {"type": STR, "service": STR, "method": STR},
                         "headers": VALUE_MATCHES}),
    "ReferenceGrant": {"spec": {"from": [{"group": STR, "kind": STR, "namespace": STR}],
                                "to": [{"group": STR, "kind": STR, "name": STR}]}},
    "BackendTLSPolicy": {"spec": {
        "targetRefs": [{"group": STR, "kind": STR, "name": STR, "sectionName": STR}],
        "validation": {"hostname": STR, "caCertificateRefs": [OBJECT_REF],
                       "wellKnownCACertificates": STR}}},
}


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"


def _fits(value: Any, name: str) -> bool:
    is_int = isinstance(value, int) and not isinstance(value, bool)
    if name == STR:
        return isinstance(value, str)
    if name == INT:
        return is_int
    if name == BOOL:
        return isinstance(value, bool)
    if name == INT_OR_STR:
        return is_int or isinstance(value, str)
    if name == STR_MAP:
        return isinstance(value, Mapping) and all(
            isinstance(k, str) and (isinstance(v, str) or v is None) for k, v in value.items())
    if name == TIMESTAMP:
        return isinstance(value, str) and _is_timestamp(value)
    return isinstance(value, Mapping)


def _is_timestamp(text: str) -> bool:
    """With its offset: the TLS hop compares it with the current time in UTC."""
    try:
        return datetime.fromisoformat(text).tzinfo is not None
    except ValueError:
        return False


def _problem(value: Any, expected: Type, path: str) -> str | None:
    """The first field under `path` whose value does not have the expected type."""
    if value is None:
        return None
    if isinstance(expected, str):
        if _fits(value, expected):
            return None
        return f"{path} must be {expected}, not {_type_name(value)}"
    if isinstance(expected, list):
        if not isinstance(value, list):
            return f"{path} must be a list, not {_type_name(value)}"
        for i, item in enumerate(value):
            if item is None:  # the engine would meet it as an item of the wrong type
                return f"{path}[{i}] must not be null"
            found = _problem(item, expected[0], f"{path}[{i}]")
            if found:
                return found
        return None
    if not isinstance(value, Mapping):
        return f"{path} must be a mapping, not {_type_name(value)}"
    for key, sub in expected.items():
        found = _problem(value.get(key), sub, f"{path}.{key}" if path else key)
        if found:
            return found
    return None


def type_problem(obj: Mapping[str, Any]) -> str | None:
    """The first field of `obj` the API server would refuse to decode, named by its path."""
    kind = obj.get("kind")
    found = _problem(obj.get("metadata"), METADATA, "metadata")
    if found or not isinstance(kind, str):
        return found
    for key in ("spec", "status"):
        if obj.get(key) is not None and not isinstance(obj[key], Mapping):
            return f"{key} must be a mapping, not {_type_name(obj[key])}"
    return _problem(obj, KINDS.get(kind, {}), "")
