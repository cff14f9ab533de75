#!/usr/bin/env bash
# Installs promtool (Debian's prometheus package) so the tests can check the alert rules.
set -euo pipefail
command -v promtool >/dev/null 2>&1 && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends prometheus >/dev/null
else
  echo "[ensure-promtool] promtool is needed to check deploy/prometheus/alerts.yml: install Debian's prometheus package" >&2
  exit 1
fi
