#!/usr/bin/env bash
# Create or delete a kind cluster with the test cluster's ingress controller, for machines that
# have kind and Docker: Traefik at the version versions.env pins, from cluster/addons/traefik.yaml
# (its Ingress provider for class `traefik`, its ingress-nginx provider for class `nginx`, its
# Gateway provider for GatewayClass `traefik`, NodePorts 30080/30443), with the Gateway API
# CRDs it is built against. The integration tests then run the same against kind.
# Usage: cluster/kind.sh up|down|manifest   (env: KIND_CONFIG, KIND_CLUSTER_NAME)
#   manifest  prints the Traefik manifest `up` applies (needs neither kind nor Docker)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

NAME=${KIND_CLUSTER_NAME:-ingressdoc}
CONFIG=${KIND_CONFIG:-$CLUSTER_DIR/../kind-configs/single-node.yaml}
TRAEFIK_IMAGE="docker.io/library/traefik:$TRAEFIK_VERSION"
GATEWAY_API_CRDS_URL="https://github.com/kubernetes-sigs/gateway-api/releases/download/$GATEWAY_API_VERSION/standard-install.yaml"

# The built-in cluster's Traefik manifest with the published image in place of the local build.
traefik_manifest() {
  sed -e "s|image: localhost/ingressdoc/traefik:$IMAGE_TAG|image: $TRAEFIK_IMAGE|" \
      -e "s|imagePullPolicy: Never|imagePullPolicy: IfNotPresent|" \
      "$CLUSTER_DIR/addons/traefik.yaml"
}

case "${1:-}" in
  manifest) traefik_manifest; exit 0 ;;
  up|down) ;;
  *) die "usage: $0 up|down|manifest" ;;
esac

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
    kc() { kubectl --context "kind-$NAME" "$@"; }
    # Server-side: the HTTPRoute CRD is too large for the last-applied annotation.
    kc apply --server-side -f "$GATEWAY_API_CRDS_URL"
    kc wait --for=condition=Established crd/gatewayclasses.gateway.networking.k8s.io \
      crd/httproutes.gateway.networking.k8s.io --timeout=60s
    traefik_manifest | kc apply -f -
    kc -n traefik rollout status deploy/traefik --timeout=180s
    echo "kind cluster '$NAME' is up with Traefik $TRAEFIK_VERSION (IngressClasses traefik and nginx," \
      "GatewayClass traefik) on localhost:80/443 (NodePorts $TRAEFIK_HTTP_NODEPORT/$TRAEFIK_HTTPS_NODEPORT)."
    echo "traefik/traefik-lb stays without an address unless a LoadBalancer implementation runs."
    mkdir -p "$CACHE_ROOT"
    kind get kubeconfig --name "$NAME" >"$CACHE_ROOT/kind-$NAME.kubeconfig"
    echo "export INGRESSDOC_TEST_KUBECONFIG=$CACHE_ROOT/kind-$NAME.kubeconfig"
    ;;
  down)
    kind delete cluster --name "$NAME"
    ;;
esac
