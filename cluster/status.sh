#!/usr/bin/env bash
# Show the state of the test cluster: recorded processes, network, guard rules, API objects.
# Exit status 0 when every recorded process runs and the apiserver is ready, 1 otherwise.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

if [[ ! -f "$PIDS_FILE" ]]; then
  echo "cluster: down (no $PIDS_FILE)"
  exit 1
fi
ok=1
echo "processes:"
while read -r name pid _; do
  if alive "$name"; then state=running; else state=STOPPED; ok=0; fi
  printf '  %-24s %-8s %s\n' "$name" "$pid" "$state"
done <"$PIDS_FILE"

echo "node network namespaces: $(node_namespaces | xargs) (bridge $HOST_BRIDGE: $(ip -br link show "$HOST_BRIDGE" 2>/dev/null | awk '{print $2}' || echo MISSING))"
[[ -n $(node_namespaces) ]] || ok=0
[[ -f "$STATE/settings" ]] && echo "settings: $(xargs <"$STATE/settings")"
echo "guard rules: $(iptables -w -S | grep -c ingressdoc-cluster || true)"
if curl -fsS --max-time 3 --cacert "$STATE/pki/ca.crt" "https://$HOST_IP:6443/readyz" >/dev/null 2>&1; then
  echo "apiserver: ready (https://$HOST_IP:6443)"
  kc get nodes -o wide
  kc get pods -A -o wide
  echo "ingress: http://$NODE_IP:$TRAEFIK_HTTP_NODEPORT (NodePort)," \
    "http://$(kc -n traefik get svc traefik-lb -o jsonpath='{.status.loadBalancer.ingress[0].ip}' 2>/dev/null) (LoadBalancer)"
else
  echo "apiserver: NOT READY"; ok=0
fi
echo "export KUBECONFIG=$KUBECONFIG_PATH"
[[ $ok == 1 ]]
