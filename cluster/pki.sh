#!/usr/bin/env bash
# Write the cluster's certificates and kubeconfigs into $STATE (see lib.sh).
# Usage: cluster/pki.sh   (called by up.sh; regenerates everything on every start)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

PKI="$STATE/pki"
mkdir -p "$PKI"
cd "$PKI"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -keyout ca.key -out ca.crt -subj /CN=ingressdoc-ca \
  -addext basicConstraints=critical,CA:TRUE \
  -addext keyUsage=critical,keyCertSign,cRLSign,digitalSignature 2>/dev/null

# leaf NAME SUBJECT USAGE [SAN]
leaf() {
  local args=(-addext "extendedKeyUsage=$3" -addext basicConstraints=critical,CA:FALSE
              -addext keyUsage=critical,digitalSignature,keyEncipherment)
  [[ -n ${4:-} ]] && args+=(-addext "subjectAltName=$4")
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -keyout "$1.key" -out "$1.crt" -subj "$2" -CA ca.crt -CAkey ca.key "${args[@]}" 2>/dev/null
}

leaf apiserver /CN=kube-apiserver serverAuth \
  "DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost,IP:127.0.0.1,IP:$KUBERNETES_SVC_IP,IP:$HOST_IP"
leaf apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
leaf admin "/O=system:masters/CN=ingressdoc-admin" clientAuth
leaf controller-manager /CN=system:kube-controller-manager clientAuth
leaf scheduler /CN=system:kube-scheduler clientAuth
for i in $(seq "$NODES"); do  # one identity per node, as the Node authorizer expects
  node_env "$i"
  leaf "kubelet-$N_NAME" "/O=system:nodes/CN=system:node:$N_NAME" clientAuth
done
leaf kube-proxy /CN=system:kube-proxy clientAuth
leaf kube-router /CN=ingressdoc:kube-router clientAuth

openssl genrsa -out sa.key 2048 2>/dev/null
openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null

# kubeconfig NAME FILE: a kubeconfig for client certificate NAME with embedded data.
kubeconfig() {
  local b64="base64 -w0"
  cat >"$2" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: ingressdoc
  cluster:
    server: https://$HOST_IP:6443
    certificate-authority-data: $($b64 ca.crt)
users:
- name: $1
  user:
    client-certificate-data: $($b64 "$1.crt")
    client-key-data: $($b64 "$1.key")
contexts:
- name: ingressdoc
  context: {cluster: ingressdoc, user: $1}
current-context: ingressdoc
KUBECONFIG
  chmod 600 "$2"
}

for name in controller-manager scheduler kube-proxy kube-router; do
  kubeconfig "$name" "$PKI/$name.kubeconfig"
done
for i in $(seq "$NODES"); do
  node_env "$i"
  kubeconfig "kubelet-$N_NAME" "$PKI/kubelet-$N_NAME.kubeconfig"
done
kubeconfig admin "$KUBECONFIG_PATH"
