#!/usr/bin/env bash
# Build the cluster's components from the Go module proxy and cache the binaries under
# ~/.cache/ingressdoc/<component>-<version>/. A component whose binaries exist is skipped.
# Usage: cluster/build.sh [kubernetes|etcd|coredns|node_cache|traefik|metallb|kube_router|pause ...]   (default: all)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

export GOMODCACHE="$CACHE_ROOT/go/mod" GOCACHE="$CACHE_ROOT/go/build"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false
LOGS="$CACHE_ROOT/logs"
mkdir -p "$LOGS" "$GOMODCACHE" "$GOCACHE"

K8S_CMDS=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl agnhost)

k8s_ldflags() {
  local minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
  local date; date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  local flags="-s -w" pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X '$pkg.gitVersion=$K8S_VERSION' -X '$pkg.gitMajor=1' -X '$pkg.gitMinor=$minor'"
    flags+=" -X '$pkg.gitTreeState=clean' -X '$pkg.buildDate=$date'"
  done
  echo "$flags"
}

have_all() {  # have_all DIR BIN...
  local dir=$1 b; shift
  for b in "$@"; do [[ -x "$dir/$b" ]] || return 1; done
}

build_kubernetes() {
  have_all "$K8S_BIN" "${K8S_CMDS[@]}" && return 0
  local pkgs=(k8s.io/kubernetes/cmd/{kube-apiserver,kube-controller-manager,kube-scheduler,kubelet,kube-proxy,kubectl}
              k8s.io/kubernetes/test/images/agnhost)
  mkdir -p "$K8S_BIN.tmp"
  (cd "$CLUSTER_DIR/go/k8s" && go build -trimpath -tags=selinux,grpcnotrace \
      -ldflags "$(k8s_ldflags)" -o "$K8S_BIN.tmp/" "${pkgs[@]}")
  mv "$K8S_BIN.tmp" "$K8S_BIN"
}

build_etcd() {
  have_all "$ETCD_BIN" etcd && return 0
  mkdir -p "$ETCD_BIN.tmp"
  (cd "$CLUSTER_DIR/go/etcd" && go build -trimpath -ldflags "-s -w" -o "$ETCD_BIN.tmp/etcd" go.etcd.io/etcd/server/v3)
  mv "$ETCD_BIN.tmp" "$ETCD_BIN"
}

build_coredns() {
  have_all "$COREDNS_BIN" coredns && return 0
  mkdir -p "$COREDNS_BIN.tmp"
  (cd "$CLUSTER_DIR/go/coredns" && go build -trimpath -ldflags "-s -w" -o "$COREDNS_BIN.tmp/coredns" .)
  mv "$COREDNS_BIN.tmp" "$COREDNS_BIN"
}

# NodeLocal DNSCache: the same CoreDNS module and version, another plugin set (with forward).
build_node_cache() {
  have_all "$NODE_CACHE_BIN" node-cache && return 0
  mkdir -p "$NODE_CACHE_BIN.tmp"
  (cd "$CLUSTER_DIR/go/coredns" && go build -trimpath -ldflags "-s -w" -o "$NODE_CACHE_BIN.tmp/node-cache" ./nodecache)
  mv "$NODE_CACHE_BIN.tmp" "$NODE_CACHE_BIN"
}

build_traefik() {
  # The Gateway API CRDs up.sh installs come from the module Traefik is built against.
  [[ -d $GATEWAY_API_CRDS ]] || (cd "$CLUSTER_DIR/go/traefik" &&
    go mod download "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION")
  have_all "$TRAEFIK_BIN" traefik && return 0
  mkdir -p "$TRAEFIK_BIN.tmp"
  (cd "$CLUSTER_DIR/go/traefik" && go build -trimpath \
      -ldflags "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$TRAEFIK_VERSION" \
      -o "$TRAEFIK_BIN.tmp/traefik" github.com/traefik/traefik/v3/cmd/traefik)
  mv "$TRAEFIK_BIN.tmp" "$TRAEFIK_BIN"
}

build_metallb() {
  have_all "$METALLB_BIN" controller && return 0
  mkdir -p "$METALLB_BIN.tmp"
  (cd "$CLUSTER_DIR/go/metallb" && go build -trimpath -ldflags "-s -w" \
      -o "$METALLB_BIN.tmp/controller" go.universe.tf/metallb/controller)
  # The CRDs are part of the release; keep them next to the binary.
  mkdir -p "$METALLB_BIN.tmp/crds"
  cp "$(cd "$CLUSTER_DIR/go/metallb" && go list -m -f '{{.Dir}}' go.universe.tf/metallb)"/config/crd/bases/*.yaml \
    "$METALLB_BIN.tmp/crds/"
  chmod 644 "$METALLB_BIN.tmp/crds/"*.yaml
  mv "$METALLB_BIN.tmp" "$METALLB_BIN"
}

build_kube_router() {
  have_all "$KUBE_ROUTER_BIN" kube-router && return 0
  mkdir -p "$KUBE_ROUTER_BIN.tmp"
  (cd "$CLUSTER_DIR/go/kube-router" && go build -trimpath \
      -ldflags "-s -w -X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=$KUBE_ROUTER_VERSION" \
      -o "$KUBE_ROUTER_BIN.tmp/kube-router" github.com/cloudnativelabs/kube-router/v2/cmd/kube-router)
  mv "$KUBE_ROUTER_BIN.tmp" "$KUBE_ROUTER_BIN"
}

build_pause() {  # our own program: rebuilt when its source changes
  local src="$CLUSTER_DIR/go/pause/main.go"
  [[ -x "$PAUSE_BIN/pause" && "$PAUSE_BIN/pause" -nt "$src" ]] && return 0
  mkdir -p "$PAUSE_BIN"
  (cd "$CLUSTER_DIR/go/pause" && go build -trimpath -ldflags "-s -w" -o "$PAUSE_BIN/pause" .)
}

# The wrapper modules must pin what versions.env says.
check_pin() {  # check_pin MODULE_DIR PATH VERSION
  grep -q "$2 $3" "$CLUSTER_DIR/go/$1/go.mod" || die "cluster/go/$1/go.mod does not pin $2 $3 (versions.env)"
}
check_pin k8s k8s.io/kubernetes "$K8S_VERSION"
check_pin k8s "k8s.io/api =>" "k8s.io/api $K8S_STAGING_VERSION"
check_pin etcd go.etcd.io/etcd/server/v3 "$ETCD_VERSION"
check_pin coredns github.com/coredns/coredns "$COREDNS_VERSION"
check_pin traefik github.com/traefik/traefik/v3 "$TRAEFIK_VERSION"
check_pin metallb go.universe.tf/metallb "$METALLB_VERSION"
check_pin kube-router github.com/cloudnativelabs/kube-router/v2 "$KUBE_ROUTER_VERSION"

components=("$@")
[[ ${#components[@]} -gt 0 ]] || components=(kubernetes etcd coredns node_cache traefik metallb kube_router pause)
for c in "${components[@]}"; do
  declare -F "build_$c" >/dev/null || die "unknown component: $c"
  start=$(date +%s)
  log "building $c (log: $LOGS/build-$c.log)"
  if ! "build_$c" >"$LOGS/build-$c.log" 2>&1; then
    tail -n 30 "$LOGS/build-$c.log" >&2
    die "build of $c failed"
  fi
  log "$c ready in $(( $(date +%s) - start ))s"
done
