#!/usr/bin/env bash
# Create or delete a kind cluster with ingress-nginx, for machines that have kind and Docker.
# Usage: cluster/kind.sh up|down   (env: KIND_CONFIG, KIND_CLUSTER_NAME)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

NAME=${KIND_CLUSTER_NAME:-ingressdoc}
CONFIG=${KIND_CONFIG:-$CLUSTER_DIR/../kind-configs/single-node.yaml}
INGRESS_NGINX_MANIFEST="https://raw.githubusercontent.com/kubernetes/ingress-nginx/$INGRESS_NGINX_VERSION/deploy/static/provider/kind/deploy.yaml"

missing=()
command -v kind >/dev/null || missing+=("kind (https://kind.sigs.k8s.io/docs/user/quick-start/#installation)")
command -v kubectl >/dev/null || missing+=("kubectl")
if ! command -v docker >/dev/null; then
  missing+=("docker (the Docker CLI and a running engine)")
elif ! docker info >/dev/null 2>&1; then
  missing+=("a running Docker engine ('docker info' fails)")
fi
if [[ ${#missing[@]} -gt 0 ]]; then
  printf 'kind-%s needs:\n' "$1" >&2
  printf '  - %s\n' "${missing[@]}" >&2
  echo "Without them, use 'make cluster-up' (Linux, root) for the built-in test cluster." >&2
  exit 2
fi

case "${1:-}" in
  up)
    kind create cluster --name "$NAME" --config "$CONFIG" --image "$KIND_NODE_IMAGE"
    kubectl --context "kind-$NAME" apply -f "$INGRESS_NGINX_MANIFEST"
    kubectl --context "kind-$NAME" -n ingress-nginx wait --for=condition=Ready pod \
      --selector=app.kubernetes.io/component=controller --timeout=180s
    echo "kind cluster '$NAME' is up with ingress-nginx (IngressClass nginx) on localhost:80/443."
    mkdir -p "$CACHE_ROOT"
    kind get kubeconfig --name "$NAME" >"$CACHE_ROOT/kind-$NAME.kubeconfig"
    echo "export INGRESSDOC_TEST_KUBECONFIG=$CACHE_ROOT/kind-$NAME.kubeconfig"
    ;;
  down)
    kind delete cluster --name "$NAME"
    ;;
  *)
    die "usage: $0 up|down"
    ;;
esac
