#!/usr/bin/env bash
# Stop the test cluster and remove everything cluster/up.sh created: the processes it
# recorded (and the pods' containers), mounts under its state directories, the network
# namespace and veth pair, and the iptables rules it added. Safe to run repeatedly.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

[[ $(id -u) -eq 0 ]] || die "must run as root"
CTR=(ctr --address "$CONTAINERD_SOCK" -n k8s.io)

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

# 1. Let the kubelet tear pods down properly (CNI DEL, volume unmounts) while controllers
#    are stopped, so that nothing recreates them.
if [[ -f "$PIDS_FILE" ]]; then
  stop kube-controller-manager
  stop kube-scheduler
  if alive kubelet && alive kube-apiserver; then
    log "deleting pods"
    kc delete pods --all --all-namespaces --grace-period=1 --wait=false >/dev/null 2>&1 || true
    for _ in $(seq 30); do
      [[ -z $("${CTR[@]}" tasks ls -q 2>/dev/null) ]] && break
      sleep 1
    done
  fi
  stop kube-router
  stop kube-proxy
  stop kubelet
fi

# 2. Kill whatever containers remain, then containerd and its shims.
if alive containerd; then
  for task in $("${CTR[@]}" tasks ls -q 2>/dev/null); do
    "${CTR[@]}" tasks kill -s SIGKILL "$task" >/dev/null 2>&1 || true
    "${CTR[@]}" tasks delete -f "$task" >/dev/null 2>&1 || true
  done
fi
if [[ -f "$PIDS_FILE" ]]; then
  stop containerd
  stop kube-apiserver
  stop etcd
  # Anything else up.sh recorded (a component added later must not outlive the cluster).
  while read -r name _; do stop "$name"; done <"$PIDS_FILE"
fi
# Shims outlive containerd by design; each one's PID is in its bundle directory.
for pidfile in "$RUN_DIR"/containerd/io.containerd.runtime.v2.task/*/*/shim.pid; do
  [[ -f $pidfile ]] || continue
  pid=$(<"$pidfile")
  log "stopping containerd shim (pid $pid)"
  kill -KILL "$pid" 2>/dev/null || true
done
# Any pod process still alive sits in the kubelet's kubepods cgroup.
for procs in /sys/fs/cgroup/pids/kubepods/cgroup.procs /sys/fs/cgroup/pids/kubepods/*/cgroup.procs \
             /sys/fs/cgroup/pids/kubepods/*/*/cgroup.procs /sys/fs/cgroup/pids/kubepods/*/*/*/cgroup.procs; do
  [[ -f $procs ]] || continue
  while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done <"$procs"
done
sleep 0.5

# 3. Mounts made by the kubelet, containerd and the CNI (pod netns) under our directories.
mapfile -t mounts < <(awk -v a="$STATE/" -v b="$RUN_DIR/" \
  'index($5, a) == 1 || index($5, b) == 1 || $5 == substr(a, 1, length(a) - 1) {print $5}' \
  /proc/self/mountinfo | sort -r)
for m in "${mounts[@]}"; do
  umount -l "$m" 2>/dev/null || true
done

# 4. Network: the namespace (with its end of the veth, so the pair and host routes go too)
#    and the host guard rules.
if ip netns list | grep -qw "$NETNS"; then
  log "deleting network namespace $NETNS"
  ip netns delete "$NETNS"
fi
ip link delete "$VETH_HOST" 2>/dev/null || true
if [[ -f "$STATE/run-netns-mounted" && -z $(ip netns list) ]]; then
  umount /run/netns 2>/dev/null || true
  rm -f "$STATE/run-netns-mounted"
fi
if [[ -f "$RULES_FILE" ]]; then
  while read -r -a rule; do
    iptables -w -D "${rule[@]}" 2>/dev/null || true
  done <"$RULES_FILE"
fi

# 5. cgroups left by the kubelet (deepest first), CNI caches, state.
for hierarchy in /sys/fs/cgroup/*/; do
  [[ -d "$hierarchy/kubepods" ]] && find "$hierarchy/kubepods" -depth -type d -exec rmdir {} + 2>/dev/null || true
done
rm -rf /var/lib/cni/results/ingressdoc-* "$RUN_DIR"
rmdir /var/lib/cni/results /var/lib/cni 2>/dev/null || true
if [[ -d "$STATE" ]]; then
  rm -rf --one-file-system "$STATE/containerd" "$STATE/kubelet" "$STATE/etcd" "$STATE/pod-logs" \
    "$STATE/pki" "$STATE/cni" "$STATE"/*.toml "$STATE"/*.yaml "$KUBECONFIG_PATH" "$PIDS_FILE" "$RULES_FILE"
fi
log "cluster is down (logs kept in $STATE/logs)"
