#!/usr/bin/env bash
# Start the test cluster (see cluster/README.md) and check that it works.
# Builds missing components first (cached), then starts, in order: the node network and one
# network namespace per node, containerd on every node, etcd, kube-apiserver,
# controller-manager, scheduler, then on every node kubelet, kube-proxy and kube-router
# (NetworkPolicy), then CoreDNS, NodeLocal DNSCache, MetalLB and Traefik, and finally proves a
# request reaches a pod through the ingress at every node.
#
# Settings (environment):
#   NODES=2            number of nodes (1 or more); node I is in zone a, b, ... (label
#                      topology.kubernetes.io/zone); the control plane runs next to node 1
#   NODE_TAINTS_<I>=   taints node I registers with, e.g. NODE_TAINTS_2=dedicated=b:NoSchedule
#   NODELOCAL_DNS=1    NodeLocal DNSCache on every node at 169.254.20.10; pods use it when
#                      their dnsConfig names it. "kubelet": the kubelets' clusterDNS is
#                      169.254.20.10, so every pod uses it. 0: none.
# On failure it prints the failing component's log tail, tears everything down and exits 1.
set -Eeuo pipefail
source "$(dirname "$0")/lib.sh"

[[ $(id -u) -eq 0 ]] || die "must run as root (network namespaces, iptables, containerd)"
for cmd in containerd containerd-shim-runc-v2 runc ctr iptables ip nsenter openssl curl python3; do
  command -v "$cmd" >/dev/null || die "missing $cmd: run cluster/setup.sh"
done
if [[ -f "$PIDS_FILE" || -n $(node_namespaces) ]]; then
  die "a cluster is already running (or was not cleaned up): run cluster/down.sh first"
fi
[[ $NODES =~ ^[1-8]$ ]] || die "NODES must be 1..8, not '$NODES'"
case $NODELOCAL_DNS in
  0|1) CLUSTER_DNS=$DNS_IP ;;
  kubelet) CLUSTER_DNS=$NODELOCAL_IP ;;
  *) die "NODELOCAL_DNS must be 0, 1 or kubelet, not '$NODELOCAL_DNS'" ;;
esac

T0=$(date +%s)
step() { log "[$(( $(date +%s) - T0 ))s] $*"; }
FAILED_COMPONENT=""
on_error() {
  log "start-up failed${FAILED_COMPONENT:+ at $FAILED_COMPONENT}"
  # shellcheck disable=SC2086  # a space-separated list of components
  if [[ -n $FAILED_COMPONENT ]]; then show_logs $FAILED_COMPONENT; fi
  if [[ ${INGRESSDOC_KEEP_FAILED:-0} == 1 ]]; then
    log "INGRESSDOC_KEEP_FAILED=1: leaving the cluster up for inspection; run cluster/down.sh"
  else
    "$CLUSTER_DIR/down.sh" >&2 || true
  fi
  exit 1
}
trap on_error ERR

step "building components (cached under $CACHE_ROOT)"
"$CLUSTER_DIR/build.sh"
python3 "$CLUSTER_DIR/images.py" build

rm -rf --one-file-system "$STATE" "$RUN_DIR"
mkdir -p "$STATE"/{logs,pki,etcd,nodes} "$RUN_DIR"
printf '%s\n' "NODES=$NODES" "NODELOCAL_DNS=$NODELOCAL_DNS" >"$STATE/settings"
: >"$PIDS_FILE"

# --- network: a bridge on the host, one namespace per node, no default route anywhere ----
step "creating the node network $NODE_NET and $NODES node namespace(s)"
# iproute2 mounts /run/netns on first use; remember whether that mount is ours.
mountpoint -q /run/netns || touch "$STATE/run-netns-mounted"
# Bridged node-to-node traffic passes the host's iptables too (see the FORWARD guard below).
[[ -e /proc/sys/net/bridge ]] || modprobe br_netfilter 2>/dev/null || true
ip link add "$HOST_BRIDGE" type bridge
ip addr add "$HOST_IP/24" dev "$HOST_BRIDGE"
ip link set "$HOST_BRIDGE" up
for i in $(seq "$NODES"); do
  node_env "$i"
  ip netns add "$N_NETNS"
  ip link add "$N_VETH_HOST" type veth peer name "$VETH_NODE" netns "$N_NETNS"
  ip link set "$N_VETH_HOST" master "$HOST_BRIDGE" up
  in_ns "$N_NETNS" ip link set lo up
  in_ns "$N_NETNS" ip addr add "$N_IP/24" dev "$VETH_NODE"
  in_ns "$N_NETNS" ip link set "$VETH_NODE" up
  in_ns "$N_NETNS" sysctl -qw net.ipv4.ip_forward=1
  # Bridged pod-to-pod traffic must pass iptables, or kube-router's policies never see it.
  in_ns "$N_NETNS" sysctl -qw net.bridge.bridge-nf-call-iptables=1 2>/dev/null ||
    die "net.bridge.bridge-nf-call-iptables cannot be set: the kernel needs br_netfilter"
  # The CNI bridge exists before the first pod so that the service range can be routed
  # on-link: host-network processes in the node then reach ClusterIPs through kube-proxy.
  in_ns "$N_NETNS" ip link add cni0 type bridge
  in_ns "$N_NETNS" ip link set cni0 up
  in_ns "$N_NETNS" ip route add "$SERVICE_CIDR" dev cni0
  # NodeLocal DNSCache's address (upstream puts it on a dummy link; lo does the same job).
  # Scope host: it answers there, but is never chosen as the source of the node's packets.
  if [[ $NODELOCAL_DNS != 0 ]]; then
    in_ns "$N_NETNS" ip addr add "$NODELOCAL_IP/32" dev lo scope host
  fi
done
# The host reaches ClusterIPs and LoadBalancer addresses through node 1, like a host on the
# node network (and as a BGP peer would route the pool); pod routes follow below, once the
# controller-manager has given each node its range.
ip route add "$SERVICE_CIDR" via "$NODE_IP"
ip route add "$LB_POOL" via "$NODE_IP"
# Second fence: cluster ranges never leave the host by any other interface, and nothing
# arriving from the node network is routed anywhere (the nodes reach each other through the
# bridge: in and out on the bridge).
add_rule() { iptables -w -I "$@" && echo "$*" >>"$RULES_FILE"; }
add_rule OUTPUT -d "$SERVICE_CIDR" ! -o "$HOST_BRIDGE" -m comment --comment ingressdoc-cluster -j DROP
add_rule OUTPUT -d "$POD_CIDR" ! -o "$HOST_BRIDGE" -m comment --comment ingressdoc-cluster -j DROP
add_rule OUTPUT -d "$LB_POOL" ! -o "$HOST_BRIDGE" -m comment --comment ingressdoc-cluster -j DROP
add_rule FORWARD -i "$HOST_BRIDGE" ! -o "$HOST_BRIDGE" -m comment --comment ingressdoc-cluster -j DROP
sysctl -qw fs.inotify.max_user_instances=512 fs.inotify.max_user_watches=524288

# --- certificates and kubeconfigs ----------------------------------------------------------
step "writing certificates and kubeconfigs"
"$CLUSTER_DIR/pki.sh"
PKI="$STATE/pki"

# --- containerd (inside each node's namespace, each with its own root, state and socket) ---
for i in $(seq "$NODES"); do
  node_env "$i"
  mkdir -p "$N_DIR"/{cni,kubelet,containerd} "$N_RUN"
  if [[ $N_CGROUP_ROOT != / ]]; then
    # The kubelet wants its cgroup root to exist in every hierarchy; a new cpuset cgroup
    # starts without CPUs or memory nodes, so it inherits the machine's.
    for hierarchy in /sys/fs/cgroup/*/; do
      [[ -f "$hierarchy/cgroup.procs" && ! -f "$hierarchy/cgroup.controllers" ]] || continue
      mkdir -p "$hierarchy$N_CGROUP_ROOT"
    done
    for f in cpuset.cpus cpuset.mems; do
      cat "/sys/fs/cgroup/cpuset/$f" >"/sys/fs/cgroup/cpuset$N_CGROUP_ROOT/$f"
    done
  fi
  cat >"$N_DIR/containerd.toml" <<TOML
version = 2
root = "$N_DIR/containerd"
state = "$N_RUN/containerd"
[grpc]
  address = "$N_SOCK"
[plugins."io.containerd.internal.v1.opt"]
  path = "$N_DIR/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "localhost/ingressdoc/pause:$IMAGE_TAG"
  netns_mounts_under_state_dir = true
  # The machine withholds CAP_SYS_RESOURCE, so no process may lower its oom_score_adj;
  # without this, runc fails on the kubelet's -998 for sandboxes.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$N_RUN/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$N_DIR/cni"
TOML
  step "starting containerd on $N_NAME"
  FAILED_COMPONENT=containerd$N_SUFFIX
  start_component "containerd$N_SUFFIX" "@$N_NETNS" containerd --config "$N_DIR/containerd.toml"
done
step "importing images"
IMPORTS=()
for i in $(seq "$NODES"); do
  node_env "$i"
  FAILED_COMPONENT=containerd$N_SUFFIX
  wait_for "containerd$N_SUFFIX" 30 "containerd on $N_NAME" ctr --address "$N_SOCK" version
  python3 "$CLUSTER_DIR/images.py" import --address "$N_SOCK" &
  IMPORTS+=($!)
done
for pid in "${IMPORTS[@]}"; do wait "$pid"; done

# --- control plane (on the host) -----------------------------------------------------------
step "starting etcd"
FAILED_COMPONENT=etcd
start_component etcd "$ETCD_BIN/etcd" --name=ingressdoc --data-dir="$STATE/etcd" \
  --listen-client-urls=http://127.0.0.1:2379 --advertise-client-urls=http://127.0.0.1:2379 \
  --listen-peer-urls=http://127.0.0.1:2380 --initial-advertise-peer-urls=http://127.0.0.1:2380 \
  --initial-cluster=ingressdoc=http://127.0.0.1:2380 --unsafe-no-fsync --log-level=warn
wait_for etcd 30 etcd curl -fsS http://127.0.0.1:2379/health

step "starting kube-apiserver"
FAILED_COMPONENT=kube-apiserver
start_component kube-apiserver "$K8S_BIN/kube-apiserver" \
  --etcd-servers=http://127.0.0.1:2379 \
  --bind-address="$HOST_IP" --secure-port=6443 --advertise-address="$HOST_IP" \
  --service-cluster-ip-range="$SERVICE_CIDR" \
  --client-ca-file="$PKI/ca.crt" \
  --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
  --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" \
  --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
  --kubelet-preferred-address-types=InternalIP \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
  --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
  --allow-privileged=true \
  --audit-policy-file="$CLUSTER_DIR/audit-policy.yaml" --audit-log-path="$STATE/logs/audit.log" \
  --audit-log-maxsize=20 --audit-log-maxbackup=1
wait_for kube-apiserver 90 "apiserver /readyz" curl -fsS --cacert "$PKI/ca.crt" "https://$HOST_IP:6443/readyz"

step "starting kube-controller-manager and kube-scheduler"
FAILED_COMPONENT=kube-controller-manager
start_component kube-controller-manager "$K8S_BIN/kube-controller-manager" \
  --kubeconfig="$PKI/controller-manager.kubeconfig" \
  --authentication-kubeconfig="$PKI/controller-manager.kubeconfig" \
  --authorization-kubeconfig="$PKI/controller-manager.kubeconfig" \
  --bind-address=127.0.0.1 --leader-elect=false \
  --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
  --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
  --use-service-account-credentials=true \
  --allocate-node-cidrs=true --cluster-cidr="$POD_CIDR" --node-cidr-mask-size=24 \
  --service-cluster-ip-range="$SERVICE_CIDR"
FAILED_COMPONENT=kube-scheduler
start_component kube-scheduler "$K8S_BIN/kube-scheduler" \
  --kubeconfig="$PKI/scheduler.kubeconfig" \
  --authentication-kubeconfig="$PKI/scheduler.kubeconfig" \
  --authorization-kubeconfig="$PKI/scheduler.kubeconfig" \
  --bind-address=127.0.0.1 --leader-elect=false

# --- nodes (each inside its own namespace) ------------------------------------------------
for i in $(seq "$NODES"); do
  node_env "$i"
  cat >"$N_DIR/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
cgroupRoot: $N_CGROUP_ROOT
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://$N_SOCK
imageServiceEndpoint: unix://$N_SOCK
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
clusterDNS: [$CLUSTER_DNS]
clusterDomain: cluster.local
resolvConf: ""
readOnlyPort: 0
address: $N_IP
healthzBindAddress: 127.0.0.1
podLogsDir: $N_DIR/pod-logs
volumePluginDir: $N_DIR/kubelet/volume-plugins
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
imageGCHighThresholdPercent: 100
serializeImagePulls: false
YAML
  taints_var=NODE_TAINTS_$i
  labels=topology.kubernetes.io/zone=$N_ZONE
  if (( i == 1 )); then labels+=,ingress-ready=true; fi
  step "starting kubelet on $N_NAME (zone $N_ZONE${!taints_var:+, taints ${!taints_var}})"
  FAILED_COMPONENT="kubelet$N_SUFFIX containerd$N_SUFFIX"
  start_component "kubelet$N_SUFFIX" "@$N_NETNS" "$K8S_BIN/kubelet" --config="$N_DIR/kubelet.yaml" \
    --kubeconfig="$PKI/kubelet-$N_NAME.kubeconfig" --root-dir="$N_DIR/kubelet" \
    --hostname-override="$N_NAME" --node-ip="$N_IP" --node-labels="$labels" \
    ${!taints_var:+--register-with-taints="${!taints_var}"}
done

# Each node's pod range comes from the controller-manager (as with kubeadm): the CNI
# configuration and the routes to it follow the Node object, so the nodes never race.
pod_cidr() { kc get node "$1" -o jsonpath='{.spec.podCIDR}' 2>/dev/null; }
has_pod_cidr() { [[ -n $(pod_cidr "$1") ]]; }
for i in $(seq "$NODES"); do
  node_env "$i"
  FAILED_COMPONENT="kubelet$N_SUFFIX kube-controller-manager"
  wait_for "kubelet$N_SUFFIX" 60 "a pod range for $N_NAME" has_pod_cidr "$N_NAME"
  cidr=$(pod_cidr "$N_NAME")
  cat >"$N_DIR/cni/10-ingressdoc.conflist" <<JSON
{"cniVersion": "1.0.0", "name": "ingressdoc", "plugins": [
  {"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
   "ipam": {"type": "host-local", "dataDir": "$N_RUN/cni-ipam",
            "ranges": [[{"subnet": "$cidr"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
  {"type": "portmap", "capabilities": {"portMappings": true}, "externalSetMarkChain": "KUBE-MARK-MASQ"}
]}
JSON
  # The bridge gets its gateway address now rather than with the first pod, so that the
  # node's own processes reach ClusterIPs from it from the start.
  in_ns "$N_NETNS" ip addr add "${cidr%.*/*}.1/${cidr#*/}" dev cni0
  ip route add "$cidr" via "$N_IP"
  via=$N_IP
  for j in $(seq "$NODES"); do  # and every other node routes the range to this one
    (( j != i )) || continue
    ( node_env "$j"; in_ns "$N_NETNS" ip route add "$cidr" via "$via" )
  done
done
for i in $(seq "$NODES"); do
  node_env "$i"
  FAILED_COMPONENT="kubelet$N_SUFFIX containerd$N_SUFFIX"
  wait_for "kubelet$N_SUFFIX" 90 "node $N_NAME Ready" kc wait --for=condition=Ready "node/$N_NAME" --timeout=1s
done

kc apply -f "$CLUSTER_DIR/addons/kube-router-rbac.yaml" >/dev/null
for i in $(seq "$NODES"); do
  node_env "$i"
  cat >"$N_DIR/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $PKI/kube-proxy.kubeconfig}
hostnameOverride: $N_NAME
mode: iptables
clusterCIDR: $POD_CIDR
metricsBindAddress: 127.0.0.1:10249
conntrack: {maxPerCore: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
YAML
  step "starting kube-proxy (iptables mode) and kube-router (NetworkPolicy) on $N_NAME"
  FAILED_COMPONENT=kube-proxy$N_SUFFIX
  start_component "kube-proxy$N_SUFFIX" "@$N_NETNS" "$K8S_BIN/kube-proxy" --config="$N_DIR/kube-proxy.yaml"
  # kube-router's network policy controller alone: the bridge CNI keeps the pod network,
  # static routes connect the nodes and kube-proxy serves the Services; kube-router adds
  # the iptables chains and ipsets that enforce NetworkPolicy on traffic the bridge hands
  # to iptables (bridge-nf-call-iptables above) and on traffic routed in from other nodes.
  FAILED_COMPONENT=kube-router$N_SUFFIX
  start_component "kube-router$N_SUFFIX" "@$N_NETNS" "$KUBE_ROUTER_BIN/kube-router" \
    --kubeconfig="$PKI/kube-router.kubeconfig" --hostname-override="$N_NAME" \
    --run-firewall=true --run-router=false --run-service-proxy=false \
    --service-cluster-ip-range="$SERVICE_CIDR" --health-port=20244 --metrics-port=0
done
for i in $(seq "$NODES"); do
  node_env "$i"
  FAILED_COMPONENT=kube-proxy$N_SUFFIX
  wait_for "kube-proxy$N_SUFFIX" 60 "kube-proxy rules on $N_NAME" in_ns "$N_NETNS" iptables -w -t nat -n -L KUBE-SERVICES
  FAILED_COMPONENT=kube-router$N_SUFFIX
  wait_for "kube-router$N_SUFFIX" 60 "kube-router's policy chains on $N_NAME" in_ns "$N_NETNS" iptables -w -n -L KUBE-ROUTER-FORWARD
done

# --- add-ons and the end-to-end check ------------------------------------------------------
ADDONS=(coredns metallb traefik smoke)
if [[ $NODELOCAL_DNS != 0 ]]; then ADDONS+=(node-local-dns); fi
step "deploying add-ons: ${ADDONS[*]}"
FAILED_COMPONENT="kubelet containerd"
kc apply -f "$METALLB_BIN/crds/" >/dev/null
# Gateway API CRDs (standard channel) before Traefik, whose Gateway provider and GatewayClass
# need them; server-side, as the HTTPRoute CRD is too large for the last-applied annotation.
kc apply --server-side -f "$GATEWAY_API_CRDS/" >/dev/null
kc wait --for=condition=Established crd/gatewayclasses.gateway.networking.k8s.io \
  crd/httproutes.gateway.networking.k8s.io --timeout=30s >/dev/null
for addon in "${ADDONS[@]}"; do kc apply -f "$CLUSTER_DIR/addons/$addon.yaml" >/dev/null; done
kc wait --for=condition=Established crd/ipaddresspools.metallb.io --timeout=30s >/dev/null
kc apply -f "$CLUSTER_DIR/addons/metallb-pool.yaml" >/dev/null
ROLLOUTS=(kube-system/deploy/coredns metallb-system/deploy/controller traefik/deploy/traefik ingressdoc-smoke/deploy/echo)
if [[ $NODELOCAL_DNS != 0 ]]; then ROLLOUTS+=(kube-system/daemonset/node-local-dns); fi
for target in "${ROLLOUTS[@]}"; do
  ns=${target%%/*} workload=${target#*/}
  if ! kc -n "$ns" rollout status "$workload" --timeout=120s >/dev/null; then
    log "$target is not ready:"
    kc get pods -A -o wide >&2 || true
    kc -n "$ns" describe pods >&2 || true
    kc -n "$ns" logs "$workload" --tail=25 >&2 || true
    false
  fi
done
lb_ip() { kc -n traefik get service traefik-lb -o jsonpath='{.status.loadBalancer.ingress[0].ip}'; }
has_lb_ip() { [[ -n $(lb_ip) ]]; }
if ! wait_until 30 "a LoadBalancer address for traefik/traefik-lb" has_lb_ip; then
  kc -n metallb-system logs deploy/controller --tail=25 >&2 || true
  false
fi
LB_IP=$(lb_ip)

ENTRIES=()
for i in $(seq "$NODES"); do node_env "$i"; ENTRIES+=("$N_IP:$TRAEFIK_HTTP_NODEPORT"); done
ENTRIES+=("$LB_IP:80")
step "checking host -> ${ENTRIES[*]} -> Traefik -> Service -> Pod"
FAILED_COMPONENT=""
for entry in "${ENTRIES[@]}"; do
  for host in smoke-traefik.ingressdoc.test smoke-nginx.ingressdoc.test; do
    if ! wait_until 60 "an answer for $host at $entry" curl -fsS --max-time 2 -H "Host: $host" \
         "http://$entry/hostname"; then
      kc -n traefik logs deploy/traefik --tail=25 >&2 || true
      false
    fi
  done
done
kc delete namespace ingressdoc-smoke --wait=false >/dev/null
if [[ $NODELOCAL_DNS != 0 ]]; then
  step "checking NodeLocal DNSCache at $NODELOCAL_IP on every node"
  for i in $(seq "$NODES"); do
    node_env "$i"
    FAILED_COMPONENT=""
    if ! wait_until 30 "an answer from NodeLocal DNSCache on $N_NAME" in_ns "$N_NETNS" \
         python3 "$CLUSTER_DIR/dns-query.py" "$NODELOCAL_IP" kube-dns.kube-system.svc.cluster.local "$DNS_IP"; then
      kc -n kube-system logs daemonset/node-local-dns --tail=25 >&2 || true
      false
    fi
  done
fi

trap - ERR
step "cluster is up"
cat <<MSG
Cluster ready in $(( $(date +%s) - T0 ))s.
  kubeconfig : $KUBECONFIG_PATH
  nodes      : $(for i in $(seq "$NODES"); do node_env "$i"; printf '%s %s (zone %s)  ' "$N_NAME" "$N_IP" "$N_ZONE"; done)
  ingress    : http://$NODE_IP:$TRAEFIK_HTTP_NODEPORT  https://$NODE_IP:$TRAEFIK_HTTPS_NODEPORT (any node IP)
  DNS        : kube-dns $DNS_IP$( [[ $NODELOCAL_DNS == 0 ]] || echo ", NodeLocal DNSCache $NODELOCAL_IP on every node (kubelet clusterDNS $CLUSTER_DNS)")
  LB address : $LB_IP (traefik/traefik-lb): http://$LB_IP  https://$LB_IP
  logs       : $STATE/logs/
export KUBECONFIG=$KUBECONFIG_PATH
MSG
