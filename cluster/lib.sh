# Shared settings for the cluster scripts. Source it; do not execute it.
# shellcheck shell=bash

CLUSTER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$CLUSTER_DIR/versions.env"

CACHE_ROOT="${INGRESSDOC_CACHE:-$HOME/.cache/ingressdoc}"
K8S_BIN="$CACHE_ROOT/kubernetes-$K8S_VERSION"
ETCD_BIN="$CACHE_ROOT/etcd-$ETCD_VERSION"
COREDNS_BIN="$CACHE_ROOT/coredns-$COREDNS_VERSION"
NODE_CACHE_BIN="$CACHE_ROOT/node-cache-$COREDNS_VERSION"   # NodeLocal DNSCache (CoreDNS + forward)
TRAEFIK_BIN="$CACHE_ROOT/traefik-$TRAEFIK_VERSION"
METALLB_BIN="$CACHE_ROOT/metallb-$METALLB_VERSION"
KUBE_ROUTER_BIN="$CACHE_ROOT/kube-router-$KUBE_ROUTER_VERSION"
PAUSE_BIN="$CACHE_ROOT/pause"
IMAGES_DIR="$CACHE_ROOT/images-$K8S_VERSION"

# Run-time state of one cluster: certificates, configs, logs, PIDs, kubeconfig.
STATE="${INGRESSDOC_CLUSTER_STATE:-$CACHE_ROOT/cluster}"
KUBECONFIG_PATH="$STATE/kubeconfig"

# Network layout (see cluster/README.md). The host and every node share one bridge, the
# "node network" (as kind's nodes share a Docker network); node I is 10.250.0.(I+1).
HOST_BRIDGE=idoc-host        # the bridge on the host; the apiserver's address is on it
VETH_NODE=idoc-node          # each node's end of its veth pair, inside the node's namespace
HOST_IP=10.250.0.1           # apiserver advertise address
NODE_NET=10.250.0.0/24
POD_CIDR=10.244.0.0/16       # the controller-manager gives each node a /24 of it
SERVICE_CIDR=10.96.0.0/12
KUBERNETES_SVC_IP=10.96.0.1
DNS_IP=10.96.0.10
DNS_UPSTREAM_IP=10.96.0.11   # kube-dns-upstream: CoreDNS again, for NodeLocal DNSCache's misses
NODELOCAL_IP=169.254.20.10   # NodeLocal DNSCache's address on every node
TRAEFIK_HTTP_NODEPORT=30080
TRAEFIK_HTTPS_NODEPORT=30443
LB_POOL=10.250.1.0/28         # LoadBalancer addresses (MetalLB), routed by the host via node 1
NODES="${NODES:-2}"                      # see up.sh
NODELOCAL_DNS="${NODELOCAL_DNS:-1}"      # see up.sh
# Node 1 keeps the single-node names (netns, node name, IP, component names).
NETNS=ingressdoc-node
NODE_NAME=ingressdoc-node
NODE_IP=10.250.0.2
NODE_PREFIX=ingressdoc-node   # node I > 1 is ingressdoc-node<I>, in namespace of the same name

# node_env I: the settings of node I (1-based) in N_* variables.
node_env() {
  local i=$1
  if (( i == 1 )); then N_NAME=$NODE_NAME N_SUFFIX=""; else N_NAME=$NODE_PREFIX$i N_SUFFIX=-node$i; fi
  N_NETNS=$N_NAME
  N_IP=10.250.0.$(( i + 1 ))
  local zones=(a b c d e f g h)
  N_ZONE=${zones[i - 1]}                # topology.kubernetes.io/zone
  N_VETH_HOST=idoc-h$i
  N_DIR="$STATE/nodes/$N_NAME"          # containerd root, kubelet root, CNI config, pod logs
  N_RUN="$RUN_DIR/$N_NAME"              # containerd state, runc root, CNI IPAM (tmpfs)
  N_SOCK="$N_RUN/containerd/containerd.sock"
  # The kubelet's cgroup root: node 1 the usual /kubepods, node I under /ingressdoc-node<I>.
  if (( i == 1 )); then N_CGROUP_ROOT=/; else N_CGROUP_ROOT=/$N_NAME; fi
}

# node_namespaces: the node network namespaces that exist (whatever NODES was at start).
node_namespaces() { ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^$NODE_PREFIX[0-9]*\$" || true; }

log() { printf '[cluster] %s\n' "$*" >&2; }
die() { printf '[cluster] ERROR: %s\n' "$*" >&2; exit 1; }

RUN_DIR=/run/ingressdoc                      # per node: containerd state, runc root, CNI IPAM (tmpfs)
PIDS_FILE="$STATE/pids"                      # "<component> <pid>" per line, in start order
RULES_FILE="$STATE/iptables-rules"           # guard rules this cluster added to the host
KUBECTL="$K8S_BIN/kubectl"

in_ns() { local ns=$1; shift; nsenter --net="/run/netns/$ns" -- "$@"; }
kc() { "$KUBECTL" --kubeconfig "$KUBECONFIG_PATH" "$@"; }

# start_component NAME [@NETNS] CMD...: run CMD in the background (inside network namespace
# NETNS with @NETNS), log to $STATE/logs/NAME.log and record its PID. The component gets
# none of the caller's other descriptors: a lock held around `make cluster-up` (flock) would
# otherwise stay held for as long as the cluster runs.
start_component() {
  local name=$1; shift
  local prefix=()
  if [[ $1 == @* ]]; then prefix=(nsenter --net="/run/netns/${1#@}" --); shift; fi
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
