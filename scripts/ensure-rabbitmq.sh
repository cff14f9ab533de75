#!/usr/bin/env bash
# Makes sure a RabbitMQ broker answers on this machine: starts it when it is installed
# but stopped, installs Debian's rabbitmq-server when missing (as root), and otherwise
# says exactly what to do. Skipped when WARREN_AMQP_URL points elsewhere.
set -euo pipefail

log() { printf '[ensure-rabbitmq] %s\n' "$*" >&2; }

broker_answers() {
  # The AMQP port accepting connections is what Warren needs.
  (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null
}

wait_for_broker() {
  for _ in $(seq 1 60); do
    if broker_answers && { ! command -v rabbitmq-diagnostics >/dev/null || rabbitmq-diagnostics -q check_running >/dev/null 2>&1; }; then
      return 0
    fi
    sleep 1
  done
  return 1
}

case "${WARREN_AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/%2f}" in
  *@127.0.0.1:5672*|*@localhost:5672*) ;;
  *) log "WARREN_AMQP_URL points at another broker; not managing a local one."; exit 0 ;;
esac

if broker_answers; then
  wait_for_broker && exit 0
fi

"$(dirname "$0")/install-rabbitmq.sh"

if ! broker_answers; then
  log "Starting RabbitMQ."
  if [ "$(id -u)" -eq 0 ]; then
    rabbitmq-server -detached >/dev/null 2>&1 || true
  else
    log "Not root: trying 'sudo rabbitmq-server -detached'."
    sudo rabbitmq-server -detached >/dev/null 2>&1 || true
  fi
fi

if wait_for_broker; then
  log "RabbitMQ is up."
else
  log "RabbitMQ did not come up within 60 s; see /var/log/rabbitmq/."
  exit 1
fi
