#!/usr/bin/env bash
# Installs Debian's rabbitmq-server when RabbitMQ is missing (as root, with apt-get),
# and otherwise says what to do. Used by ensure-rabbitmq.sh (the single broker) and
# cluster.sh (the three-node cluster).
set -euo pipefail

log() { printf '[install-rabbitmq] %s\n' "$*" >&2; }

if command -v rabbitmq-server >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  log "RabbitMQ is not installed: installing Debian's rabbitmq-server."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq rabbitmq-server >/dev/null
else
  log "RabbitMQ is not installed. Install it (Debian/Ubuntu: sudo apt-get install rabbitmq-server),"
  log "or point WARREN_AMQP_URL at a running broker, then run this again."
  exit 1
fi
