# Shared settings for the cluster scripts. Source it; do not execute it.
# shellcheck shell=bash

CLUSTER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$CLUSTER_DIR/versions.env"

CACHE_ROOT="${INGRESSDOC_CACHE:-$HOME/.cache/ingressdoc}"
K8S_BIN="$CACHE_ROOT/kubernetes-$K8S_VERSION"
ETCD_BIN="$CACHE_ROOT/etcd-$ETCD_VERSION"
COREDNS_BIN="$CACHE_ROOT/coredns-$COREDNS_VERSION"
TRAEFIK_BIN="$CACHE_ROOT/traefik-$TRAEFIK_VERSION"
GATEWAY_API_CRDS="$CACHE_ROOT/go/mod/sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION/config/crd/standard"
METALLB_BIN="$CACHE_ROOT/metallb-$METALLB_VERSION"
KUBE_ROUTER_BIN="$CACHE_ROOT/kube-router-$KUBE_ROUTER_VERSION"
PAUSE_BIN="$CACHE_ROOT/pause"
IMAGES_DIR="$CACHE_ROOT/images-$K8S_VERSION"

# Run-time state of one cluster: certificates, configs, logs, PIDs, kubeconfig.
STATE="${INGRESSDOC_CLUSTER_STATE:-$CACHE_ROOT/cluster}"
KUBECONFIG_PATH="$STATE/kubeconfig"

# Network layout (see cluster/README.md).
NETNS=ingressdoc-node
VETH_HOST=idoc-host          # host end of the veth pair
VETH_NODE=idoc-node          # node end, inside $NETNS
HOST_IP=10.250.0.1           # apiserver advertise address
NODE_IP=10.250.0.2
NODE_NAME=ingressdoc-node
POD_CIDR=10.244.0.0/16
NODE_POD_CIDR=10.244.0.0/24
SERVICE_CIDR=10.96.0.0/12
KUBERNETES_SVC_IP=10.96.0.1
DNS_IP=10.96.0.10
TRAEFIK_HTTP_NODEPORT=30080
TRAEFIK_HTTPS_NODEPORT=30443
LB_POOL=10.250.1.0/28         # LoadBalancer addresses (MetalLB), routed by the host via the node

log() { printf '[cluster] %s\n' "$*" >&2; }
die() { printf '[cluster] ERROR: %s\n' "$*" >&2; exit 1; }

RUN_DIR=/run/ingressdoc                      # containerd state, runc root, CNI IPAM (tmpfs)
CONTAINERD_SOCK="$RUN_DIR/containerd/containerd.sock"
PIDS_FILE="$STATE/pids"                      # "<component> <pid>" per line, in start order
RULES_FILE="$STATE/iptables-rules"           # guard rules this cluster added to the host
KUBECTL="$K8S_BIN/kubectl"

in_node() { nsenter --net="/run/netns/$NETNS" -- "$@"; }
kc() { "$KUBECTL" --kubeconfig "$KUBECONFIG_PATH" "$@"; }

# start_component NAME [node] CMD...: run CMD in the background (inside the node's network
# namespace with "node"), log to $STATE/logs/NAME.log and record its PID. The component gets
# none of the caller's other descriptors: a lock held around `make cluster-up` (flock) would
# otherwise stay held for as long as the cluster runs.
start_component() {
  local name=$1; shift
  local prefix=()
  if [[ $1 == node ]]; then prefix=(nsenter --net="/run/netns/$NETNS" --); shift; fi
  setsid "${prefix[@]}" "$@" </dev/null >"$STATE/logs/$name.log" 2>&1 \
    3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
  echo "$name $! $(start_time $!)" >>"$PIDS_FILE"
}

# start_time PID: the process's start time in clock ticks (identifies it despite PID reuse).
start_time() { awk '{print $22}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# show_logs NAME...: the last lines of each component's log.
show_logs() {
  local name
  for name in "$@"; do
    [[ -f "$STATE/logs/$name.log" ]] || continue
    printf '\n----- last lines of %s -----\n' "$STATE/logs/$name.log" >&2
    tail -n 25 "$STATE/logs/$name.log" >&2
  done
}

# wait_until SECONDS WHAT CMD...: retry CMD every second until it succeeds.
wait_until() {
  local deadline=$(( $(date +%s) + $1 )) what=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    (( $(date +%s) < deadline )) || { log "timed out waiting for $what"; return 1; }
    sleep 1
  done
}

# wait_for COMPONENT SECONDS WHAT CMD...: like wait_until, but give up at once when the
# recorded process of COMPONENT exits.
wait_for() {
  local component=$1 deadline=$(( $(date +%s) + $2 )) what=$3; shift 3
  until "$@" >/dev/null 2>&1; do
    alive "$component" || { log "$component exited while waiting for $what"; return 1; }
    (( $(date +%s) < deadline )) || { log "timed out waiting for $what"; return 1; }
    sleep 0.5
  done
}

pid_of() { awk -v n="$1" '$1 == n {print $2}' "$PIDS_FILE" 2>/dev/null; }
# alive NAME: true while the recorded process of component NAME still runs.
alive() {
  local pid start
  read -r pid start < <(awk -v n="$1" '$1 == n {print $2, $3}' "$PIDS_FILE" 2>/dev/null) || return 1
  [[ -n $pid && $(start_time "$pid") == "$start" ]] || return 1
  # An exited process that its new parent has not reaped yet is not alive.
  [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]]
}
