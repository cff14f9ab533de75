#!/usr/bin/env bash
# Installs Node.js and npm, the Node.js client (amqplib) the cross-language tests run,
# and the npm packages the package-corpus tests load.
set -euo pipefail
cd "$(dirname "$0")/../tests/clients"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq nodejs npm >/dev/null
  else
    echo "[ensure-node] Node.js and npm are needed for the amqplib test: install nodejs and npm" >&2
    exit 1
  fi
fi
if [ ! -d node_modules/amqplib ]; then
  npm ci --no-audit --no-fund --silent
fi
# The npm packages the package-corpus tests load (worker/tests/npm_packages.rs), as an
# operator installs them. Reinstalled when the lockfile changes.
cd ../packages
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --omit=dev --no-audit --no-fund --silent
fi
