#!/usr/bin/env bash
# Stop the test cluster and remove everything cluster/up.sh created, on every node: the
# processes it recorded (and the pods' containers), mounts under its state directories, the
# node network namespaces, veth pairs and bridge, the iptables rules it added and the
# kubelets' cgroups. Safe to run repeatedly, whatever NODES the cluster was started with.
# Ends with check-clean.sh: exit status 1 when anything of the cluster is left.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

[[ $(id -u) -eq 0 ]] || die "must run as root"

# containerd sockets of every node (and of the single-node layout: $RUN_DIR/containerd).
sockets() { compgen -G "$RUN_DIR/*/containerd.sock"; compgen -G "$RUN_DIR/*/containerd/containerd.sock"; true; }
tasks_left() {
  local sock
  for sock in $(sockets); do ctr --address "$sock" -n k8s.io tasks ls -q 2>/dev/null; done
}
# recorded NAME-PREFIX: the recorded components named PREFIX or PREFIX-node<I>.
recorded() { awk -v n="$1" '$1 == n || index($1, n "-node") == 1 {print $1}' "$PIDS_FILE" 2>/dev/null; }

# stop NAME: SIGTERM the recorded process, SIGKILL it after 10 seconds.
stop() {
  alive "$1" || return 0
  local pid; pid=$(pid_of "$1")
  log "stopping $1 (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 20); do alive "$1" || return 0; sleep 0.5; done
  log "$1 did not stop in 10s: killing it"
  kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 10); do alive "$1" || return 0; sleep 0.5; done
}

# 1. Let the kubelets tear pods down properly (CNI DEL, volume unmounts) while controllers
#    are stopped, so that nothing recreates them.
if [[ -f "$PIDS_FILE" ]]; then
  stop kube-controller-manager
  stop kube-scheduler
  if alive kubelet && alive kube-apiserver; then
    log "deleting pods"
    kc delete pods --all --all-namespaces --grace-period=1 --wait=false >/dev/null 2>&1 || true
    for _ in $(seq 30); do
      [[ -z $(tasks_left) ]] && break
      sleep 1
    done
  fi
  for name in $(recorded kube-router) $(recorded kube-proxy) $(recorded kubelet); do stop "$name"; done
fi

# 2. Kill whatever containers remain, then containerd and its shims.
for sock in $(sockets); do
  for task in $(ctr --address "$sock" -n k8s.io tasks ls -q 2>/dev/null); do
    ctr --address "$sock" -n k8s.io tasks kill -s SIGKILL "$task" >/dev/null 2>&1 || true
    ctr --address "$sock" -n k8s.io tasks delete -f "$task" >/dev/null 2>&1 || true
  done
done
if [[ -f "$PIDS_FILE" ]]; then
  for name in $(recorded containerd); do stop "$name"; done
  stop kube-apiserver
  stop etcd
  # Anything else up.sh recorded (a component added later must not outlive the cluster).
  while read -r name _; do stop "$name"; done <"$PIDS_FILE"
fi
# Shims outlive containerd by design; each one's PID is in its bundle directory.
for pidfile in "$RUN_DIR"/containerd/io.containerd.runtime.v2.task/*/*/shim.pid \
               "$RUN_DIR"/*/containerd/io.containerd.runtime.v2.task/*/*/shim.pid; do
  [[ -f $pidfile ]] || continue
  pid=$(<"$pidfile")
  log "stopping containerd shim (pid $pid)"
  kill -KILL "$pid" 2>/dev/null || true
done
# Any pod process still alive sits in a kubelet's cgroup: kubepods (node 1) or the cgroup
# root of node I (/ingressdoc-node<I>/kubepods).
cgroup_dirs() {
  local hierarchy
  for hierarchy in /sys/fs/cgroup/*/; do
    for dir in "$hierarchy"kubepods "$hierarchy$NODE_PREFIX"[0-9]*; do
      [[ -d $dir ]] && echo "$dir"
    done
  done
  true
}
for dir in $(cgroup_dirs); do
  while read -r procs; do
    while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done <"$procs"
  done < <(find "$dir" -name cgroup.procs 2>/dev/null)
done
sleep 0.5

# 3. Mounts made by the kubelet, containerd and the CNI (pod netns) under our directories.
mapfile -t mounts < <(awk -v a="$STATE/" -v b="$RUN_DIR/" \
  'index($5, a) == 1 || index($5, b) == 1 || $5 == substr(a, 1, length(a) - 1) {print $5}' \
  /proc/self/mountinfo | sort -r)
for m in "${mounts[@]}"; do
  umount -l "$m" 2>/dev/null || true
done

# 4. Network: the node namespaces (with their ends of the veth pairs, so the pairs and the
#    host routes go too), the bridge, and the host guard rules.
for ns in $(node_namespaces); do
  log "deleting network namespace $ns"
  ip netns delete "$ns"
done
ip link delete "$HOST_BRIDGE" 2>/dev/null || true
if [[ -f "$STATE/run-netns-mounted" && -z $(ip netns list) ]]; then
  umount /run/netns 2>/dev/null || true
  rm -f "$STATE/run-netns-mounted"
fi
if [[ -f "$RULES_FILE" ]]; then
  while read -r -a rule; do
    iptables -w -D "${rule[@]}" 2>/dev/null || true
  done <"$RULES_FILE"
fi

# 5. cgroups left by the kubelets (deepest first), CNI caches, state.
for dir in $(cgroup_dirs); do
  find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || true
done
rm -rf /var/lib/cni/results/ingressdoc-* "$RUN_DIR"
rmdir /var/lib/cni/results /var/lib/cni 2>/dev/null || true
if [[ -d "$STATE" ]]; then
  rm -rf --one-file-system "$STATE/nodes" "$STATE/containerd" "$STATE/kubelet" "$STATE/etcd" \
    "$STATE/pod-logs" "$STATE/pki" "$STATE/cni" "$STATE"/*.toml "$STATE"/*.yaml "$STATE/settings" \
    "$KUBECONFIG_PATH" "$PIDS_FILE" "$RULES_FILE"
fi
log "cluster is down (logs kept in $STATE/logs)"
"$CLUSTER_DIR/check-clean.sh"
