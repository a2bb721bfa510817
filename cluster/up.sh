#!/usr/bin/env bash
# Start the single-node test cluster (see cluster/README.md) and check that it works.
# Builds missing components first (cached), then starts, in order: network namespace,
# containerd, etcd, kube-apiserver, controller-manager, scheduler, kubelet, kube-proxy,
# kube-router (NetworkPolicy), CoreDNS and Traefik, and finally proves a request reaches a
# pod through the ingress.
# On failure it prints the failing component's log tail, tears everything down and exits 1.
set -Eeuo pipefail
source "$(dirname "$0")/lib.sh"

[[ $(id -u) -eq 0 ]] || die "must run as root (network namespaces, iptables, containerd)"
for cmd in containerd containerd-shim-runc-v2 runc ctr iptables ip nsenter openssl curl python3; do
  command -v "$cmd" >/dev/null || die "missing $cmd: run cluster/setup.sh"
done
if [[ -f "$PIDS_FILE" ]] || ip netns list | grep -qw "$NETNS"; then
  die "a cluster is already running (or was not cleaned up): run cluster/down.sh first"
fi

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
mkdir -p "$STATE"/{logs,pki,cni,kubelet,etcd,containerd} "$RUN_DIR"
: >"$PIDS_FILE"

# --- network: the node's own namespace, one veth pair, no default route -------------------
step "creating network namespace $NETNS ($HOST_IP <-> $NODE_IP)"
# iproute2 mounts /run/netns on first use; remember whether that mount is ours.
mountpoint -q /run/netns || touch "$STATE/run-netns-mounted"
ip netns add "$NETNS"
ip link add "$VETH_HOST" type veth peer name "$VETH_NODE" netns "$NETNS"
ip addr add "$HOST_IP/30" dev "$VETH_HOST"
ip link set "$VETH_HOST" up
in_node ip link set lo up
in_node ip addr add "$NODE_IP/30" dev "$VETH_NODE"
in_node ip link set "$VETH_NODE" up
in_node sysctl -qw net.ipv4.ip_forward=1
# Bridged pod-to-pod traffic must pass iptables, or kube-router's policies never see it.
[[ -e /proc/sys/net/bridge ]] || modprobe br_netfilter 2>/dev/null || true
in_node sysctl -qw net.bridge.bridge-nf-call-iptables=1 2>/dev/null ||
  die "net.bridge.bridge-nf-call-iptables cannot be set: the kernel needs br_netfilter"
# The CNI bridge exists before the first pod so that the service range can be routed
# on-link: host-network processes in the node then reach ClusterIPs through kube-proxy.
in_node ip link add cni0 type bridge
in_node ip link set cni0 up
in_node ip route add "$SERVICE_CIDR" dev cni0
# The host reaches pods and ClusterIPs through the node, like a host on the node network.
ip route add "$POD_CIDR" via "$NODE_IP"
ip route add "$SERVICE_CIDR" via "$NODE_IP"
ip route add "$LB_POOL" via "$NODE_IP"     # LoadBalancer addresses, as a BGP peer would route them
# Second fence: cluster ranges never leave the host by any other interface, and nothing
# arriving from the node is forwarded anywhere.
add_rule() { iptables -w -I "$@" && echo "$*" >>"$RULES_FILE"; }
add_rule OUTPUT -d "$SERVICE_CIDR" ! -o "$VETH_HOST" -m comment --comment ingressdoc-cluster -j DROP
add_rule OUTPUT -d "$POD_CIDR" ! -o "$VETH_HOST" -m comment --comment ingressdoc-cluster -j DROP
add_rule OUTPUT -d "$LB_POOL" ! -o "$VETH_HOST" -m comment --comment ingressdoc-cluster -j DROP
add_rule FORWARD -i "$VETH_HOST" -m comment --comment ingressdoc-cluster -j DROP
sysctl -qw fs.inotify.max_user_instances=512 fs.inotify.max_user_watches=524288

# --- certificates and kubeconfigs ----------------------------------------------------------
step "writing certificates and kubeconfigs"
"$CLUSTER_DIR/pki.sh"
PKI="$STATE/pki"

# --- containerd (inside the node namespace) ------------------------------------------------
cat >"$STATE/cni/10-ingressdoc.conflist" <<JSON
{"cniVersion": "1.0.0", "name": "ingressdoc", "plugins": [
  {"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
   "ipam": {"type": "host-local", "dataDir": "$RUN_DIR/cni-ipam",
            "ranges": [[{"subnet": "$NODE_POD_CIDR"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
  {"type": "portmap", "capabilities": {"portMappings": true}, "externalSetMarkChain": "KUBE-MARK-MASQ"}
]}
JSON
cat >"$STATE/containerd.toml" <<TOML
version = 2
root = "$STATE/containerd"
state = "$RUN_DIR/containerd"
[grpc]
  address = "$CONTAINERD_SOCK"
[plugins."io.containerd.internal.v1.opt"]
  path = "$STATE/containerd/opt"
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
        Root = "$RUN_DIR/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$STATE/cni"
TOML
step "starting containerd"
FAILED_COMPONENT=containerd
start_component containerd node containerd --config "$STATE/containerd.toml"
wait_for containerd 30 containerd ctr --address "$CONTAINERD_SOCK" version
step "importing images"
python3 "$CLUSTER_DIR/images.py" import --address "$CONTAINERD_SOCK"

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
  --allow-privileged=true --profiling=false
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

# --- node (inside the node namespace) ------------------------------------------------------
cat >"$STATE/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
imageServiceEndpoint: unix://$CONTAINERD_SOCK
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
clusterDNS: [$DNS_IP]
clusterDomain: cluster.local
resolvConf: ""
readOnlyPort: 0
address: $NODE_IP
healthzBindAddress: 127.0.0.1
podLogsDir: $STATE/pod-logs
volumePluginDir: $STATE/kubelet/volume-plugins
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
imageGCHighThresholdPercent: 100
serializeImagePulls: false
YAML
step "starting kubelet"
FAILED_COMPONENT="kubelet containerd"
start_component kubelet node "$K8S_BIN/kubelet" --config="$STATE/kubelet.yaml" \
  --kubeconfig="$PKI/kubelet.kubeconfig" --root-dir="$STATE/kubelet" \
  --hostname-override="$NODE_NAME" --node-ip="$NODE_IP" \
  --node-labels=ingress-ready=true
wait_for kubelet 90 "node $NODE_NAME Ready" kc wait --for=condition=Ready "node/$NODE_NAME" --timeout=1s

cat >"$STATE/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $PKI/kube-proxy.kubeconfig}
hostnameOverride: $NODE_NAME
mode: iptables
clusterCIDR: $POD_CIDR
metricsBindAddress: 127.0.0.1:10249
conntrack: {maxPerCore: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
YAML
step "starting kube-proxy (iptables mode)"
FAILED_COMPONENT=kube-proxy
start_component kube-proxy node "$K8S_BIN/kube-proxy" --config="$STATE/kube-proxy.yaml"
wait_for kube-proxy 60 "kube-proxy rules" in_node iptables -w -t nat -n -L KUBE-SERVICES

# kube-router's network policy controller alone: the bridge CNI keeps the pod network and
# kube-proxy the Services; kube-router adds the iptables chains and ipsets that enforce
# NetworkPolicy on traffic the bridge hands to iptables (bridge-nf-call-iptables above).
step "starting kube-router (NetworkPolicy enforcement, firewall only)"
FAILED_COMPONENT=kube-router
kc apply -f "$CLUSTER_DIR/addons/kube-router-rbac.yaml" >/dev/null
start_component kube-router node "$KUBE_ROUTER_BIN/kube-router" \
  --kubeconfig="$PKI/kube-router.kubeconfig" --hostname-override="$NODE_NAME" \
  --run-firewall=true --run-router=false --run-service-proxy=false \
  --service-cluster-ip-range="$SERVICE_CIDR" --health-port=20244 --metrics-port=0
wait_for kube-router 60 "kube-router's policy chains" in_node iptables -w -n -L KUBE-ROUTER-FORWARD

# --- add-ons and the end-to-end check ------------------------------------------------------
step "deploying CoreDNS, MetalLB and Traefik"
FAILED_COMPONENT="kubelet containerd"
kc apply -f "$METALLB_BIN/crds/" >/dev/null
# Gateway API CRDs (standard channel) before Traefik, whose Gateway provider and GatewayClass
# need them; server-side, as the HTTPRoute CRD is too large for the last-applied annotation.
kc apply --server-side -f "$GATEWAY_API_CRDS/" >/dev/null
kc wait --for=condition=Established crd/gatewayclasses.gateway.networking.k8s.io \
  crd/httproutes.gateway.networking.k8s.io --timeout=30s >/dev/null
kc apply -f "$CLUSTER_DIR/addons/coredns.yaml" -f "$CLUSTER_DIR/addons/metallb.yaml" \
  -f "$CLUSTER_DIR/addons/traefik.yaml" -f "$CLUSTER_DIR/addons/smoke.yaml" >/dev/null
kc wait --for=condition=Established crd/ipaddresspools.metallb.io --timeout=30s >/dev/null
kc apply -f "$CLUSTER_DIR/addons/metallb-pool.yaml" >/dev/null
for target in kube-system/coredns metallb-system/controller traefik/traefik ingressdoc-smoke/echo; do
  if ! kc -n "${target%/*}" rollout status "deploy/${target#*/}" --timeout=120s >/dev/null; then
    log "deployment $target is not ready:"
    kc get pods -A -o wide >&2 || true
    kc -n "${target%/*}" describe pods >&2 || true
    kc -n "${target%/*}" logs "deploy/${target#*/}" --tail=25 >&2 || true
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

step "checking host -> $NODE_IP:$TRAEFIK_HTTP_NODEPORT and $LB_IP:80 -> Traefik -> Service -> Pod"
FAILED_COMPONENT=""
for entry in "$NODE_IP:$TRAEFIK_HTTP_NODEPORT" "$LB_IP:80"; do
  for host in smoke-traefik.ingressdoc.test smoke-nginx.ingressdoc.test; do
    if ! wait_until 60 "an answer for $host at $entry" curl -fsS --max-time 2 -H "Host: $host" \
         "http://$entry/hostname"; then
      kc -n traefik logs deploy/traefik --tail=25 >&2 || true
      false
    fi
  done
done
kc delete namespace ingressdoc-smoke --wait=false >/dev/null

trap - ERR
step "cluster is up"
cat <<MSG
Cluster ready in $(( $(date +%s) - T0 ))s.
  kubeconfig : $KUBECONFIG_PATH
  node IP    : $NODE_IP   ingress: http://$NODE_IP:$TRAEFIK_HTTP_NODEPORT  https://$NODE_IP:$TRAEFIK_HTTPS_NODEPORT
  LB address : $LB_IP (traefik/traefik-lb): http://$LB_IP  https://$LB_IP
  logs       : $STATE/logs/
export KUBECONFIG=$KUBECONFIG_PATH
MSG
