#!/usr/bin/env bash
# Installs kubectl (Debian's kubernetes-client) to render deploy/k8s overlays in the tests.
set -euo pipefail
command -v kubectl >/dev/null 2>&1 && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends kubernetes-client >/dev/null
else
  echo "[ensure-kubectl] kubectl is needed to render deploy/k8s: install Debian's kubernetes-client" >&2
  exit 1
fi
