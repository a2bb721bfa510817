#!/usr/bin/env bash
# Prove that the cluster cannot reach the outside: from a pod on every node, a TCP
# connection to an address outside the cluster must fail at once with "network unreachable".
# Usage: cluster/check-isolation.sh [ADDRESS:PORT ...]   (default 192.0.2.1:80 1.1.1.1:443)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(192.0.2.1:80 1.1.1.1:443)
mapfile -t nodes < <(kc get nodes -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}')
[[ ${#nodes[@]} -gt 0 ]] || die "no nodes"
pods=()
cleanup() {
  [[ ${#pods[@]} -eq 0 ]] || kc delete pod "${pods[@]}" --grace-period=0 --force --wait=false >/dev/null 2>&1 || true
}
trap cleanup EXIT
for node in "${nodes[@]}"; do
  pod=isolation-check-$$-${node##*-}
  # nodeName bypasses the scheduler, so tainted nodes are covered too.
  kc run "$pod" --image="localhost/ingressdoc/agnhost:$IMAGE_TAG" --image-pull-policy=Never \
    --restart=Never --overrides="{\"apiVersion\": \"v1\", \"spec\": {\"nodeName\": \"$node\", \"tolerations\": [{\"operator\": \"Exists\"}]}}" \
    --command -- /agnhost pause >/dev/null
  pods+=("$pod")
done

rc=0
for i in "${!nodes[@]}"; do
  pod=${pods[$i]}
  kc wait --for=condition=Ready "pod/$pod" --timeout=60s >/dev/null
  for target in "${targets[@]}"; do
    start=$(date +%s%N)
    out=$(kc exec "$pod" -- /agnhost connect "$target" --timeout=5s 2>&1 | head -n1 || true)
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    if grep -qi unreachable <<<"$out" && (( ms < 4000 )); then
      echo "ok: $target unreachable from a pod on ${nodes[$i]} after ${ms}ms ($out)"
    else
      echo "FAIL: $target from a pod on ${nodes[$i]} after ${ms}ms: $out"; rc=1
    fi
  done
done
exit "$rc"
