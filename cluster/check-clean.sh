#!/usr/bin/env bash
# Check that no trace of the test cluster is left on the machine (run after down.sh; down.sh
# runs it last): no process of the cluster on the host or in a node (the binaries from the
# cache, the containerds and shims of every node, any process in a kubelet's cgroup), no
# mount under the cluster's directories, no node network namespace (named, or kept alive by
# a process), no bridge or veth, no host route to a cluster range and no iptables rule
# tagged ingressdoc-cluster. The nodes' own iptables rules live in their namespaces, so no
# namespace means none of them is left. Prints each leftover; exit status 1 if any.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

[[ $(id -u) -eq 0 ]] || die "must run as root"
left=0
leftover() { printf '[cluster] left over: %s\n' "$*" >&2; left=1; }

host_net=$(readlink /proc/1/ns/net)
for proc in /proc/[0-9]*; do
  pid=${proc#/proc/}
  [[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
  exe=$(readlink "$proc/exe" 2>/dev/null) || continue
  cmd=$(tr '\0' ' ' <"$proc/cmdline" 2>/dev/null) || continue
  cgroups=$(cat "$proc/cgroup" 2>/dev/null) || continue
  why=""
  if [[ $exe == "$CACHE_ROOT"/* ]]; then why="runs $exe"
  elif [[ $cmd == *"$RUN_DIR/"* || $cmd == *"$STATE/nodes/"* ]]; then why="command line names the cluster's directories"
  elif grep -qE ":/(kubepods|$NODE_PREFIX[0-9]+)(/|$)" <<<"$cgroups"; then why="in a kubelet's cgroup"
  elif [[ $(readlink "$proc/ns/net" 2>/dev/null) != "$host_net" ]] &&
       grep -qE "^(containerd|kubelet|kube-proxy|kube-router|pause)" <<<"${exe##*/}"; then
    why="a node component in a network namespace of its own"
  fi
  [[ -n $why ]] && leftover "process $pid ($cmd): $why"
done

while read -r mount; do leftover "mount $mount"; done < <(
  awk -v a="$STATE/" -v b="$RUN_DIR/" 'index($5, a) == 1 || index($5, b) == 1 {print $5}' \
    /proc/self/mountinfo)

for ns in $(node_namespaces); do leftover "network namespace $ns"; done
for link in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
  [[ $link == "$HOST_BRIDGE" || $link == idoc-h[0-9]* ]] && leftover "link $link"
done
for range in "$POD_CIDR" "$SERVICE_CIDR" "$LB_POOL"; do
  while read -r route; do leftover "route $route"; done < <(ip route show root "$range" 2>/dev/null)
done
while read -r rule; do leftover "iptables rule: $rule"; done < <(
  iptables -w -S 2>/dev/null | grep ingressdoc-cluster; iptables -w -t nat -S 2>/dev/null | grep ingressdoc-cluster)

for hierarchy in /sys/fs/cgroup/*/; do
  for dir in "$hierarchy"kubepods "$hierarchy$NODE_PREFIX"[0-9]*; do
    [[ -d $dir ]] && leftover "cgroup $dir"
  done
done
[[ -e "$PIDS_FILE" ]] && leftover "$PIDS_FILE (down.sh did not finish)"

if (( left )); then exit 1; fi
log "nothing of the cluster is left: processes, mounts, namespaces, links, routes, rules, cgroups"
