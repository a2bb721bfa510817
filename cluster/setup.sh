#!/usr/bin/env bash
# Install the cluster's data-plane packages from Debian 12 (containerd, runc, CNI plugins,
# iptables, ipset, conntrack, socat, tini), and graphviz, which the test of `-o dot` renders
# with. Idempotent: installs only what is missing. Needs root.
set -euo pipefail

PACKAGES=(containerd runc containernetworking-plugins iptables ipset conntrack socat tini
          iproute2 openssl curl util-linux graphviz)

[[ $(id -u) -eq 0 ]] || { echo "setup.sh must run as root" >&2; exit 1; }

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "[setup] all packages present"
  exit 0
fi
echo "[setup] installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# --no-install-recommends keeps Docker-era extras out; the Debian packages ship no running service here.
apt-get install -y -qq --no-install-recommends "${missing[@]}"
