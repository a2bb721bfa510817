#!/usr/bin/env bash
# Prove that the cluster cannot reach the outside: from a pod, a TCP connection to an
# address outside the cluster must fail at once with "network unreachable".
# Usage: cluster/check-isolation.sh [ADDRESS:PORT ...]   (default 192.0.2.1:80 1.1.1.1:443)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(192.0.2.1:80 1.1.1.1:443)
pod=isolation-check-$$
kc run "$pod" --image="localhost/ingressdoc/agnhost:$IMAGE_TAG" --image-pull-policy=Never \
  --restart=Never --command -- /agnhost pause >/dev/null
trap 'kc delete pod "$pod" --grace-period=0 --force --wait=false >/dev/null 2>&1 || true' EXIT
kc wait --for=condition=Ready "pod/$pod" --timeout=60s >/dev/null

rc=0
for target in "${targets[@]}"; do
  start=$(date +%s%N)
  out=$(kc exec "$pod" -- /agnhost connect "$target" --timeout=5s 2>&1 | head -n1 || true)
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  if grep -qi unreachable <<<"$out" && (( ms < 4000 )); then
    echo "ok: $target unreachable from a pod after ${ms}ms ($out)"
  else
    echo "FAIL: $target from a pod after ${ms}ms: $out"; rc=1
  fi
done
exit "$rc"
