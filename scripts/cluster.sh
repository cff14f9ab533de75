#!/usr/bin/env bash
# A three-node RabbitMQ cluster on this machine, for the cluster scenarios and for
# trying a fleet against a cluster. It leaves the default broker (5672) alone: the
# nodes have their own names, ports and data directories.
#
#   scripts/cluster.sh up          start the three nodes and join them (idempotent)
#   scripts/cluster.sh down        stop them and delete their data
#   scripts/cluster.sh status      each node's state, and the cluster's
#   scripts/cluster.sh urls        the AMQP URLs, comma-separated (for WARREN_AMQP_URL)
#   scripts/cluster.sh start N     start node N (1-3) again after a stop or a kill
#   scripts/cluster.sh stop N      stop node N cleanly
#   scripts/cluster.sh kill N      SIGKILL node N's Erlang VM
#
# Node N is warren-N@localhost, AMQP on 127.0.0.1:568N, Erlang distribution on
# 2568N. Installs Debian's rabbitmq-server first when it is missing (as
# scripts/ensure-rabbitmq.sh does for the single broker).
set -euo pipefail
cd "$(dirname "$0")/.."

NODES=(1 2 3)
log() { printf '[cluster] %s\n' "$*" >&2; }

node_name() { echo "warren-$1@localhost"; }
amqp_port() { echo "568$1"; }

# Debian's package runs RabbitMQ only for root or its own user: anyone else goes
# through sudo, as scripts/ensure-rabbitmq.sh does.
if [ "$(id -u)" -ne 0 ] && id rabbitmq >/dev/null 2>&1 && [ "$(id -un)" != rabbitmq ]; then
  exec sudo "$0" "$@"
fi

# Installed first: the package creates the rabbitmq user the nodes then run as.
case "${1:-}" in
  up|start) scripts/install-rabbitmq.sh ;;
esac

# Where the nodes keep their data: the rabbitmq user's home when the Debian package
# runs them as that user, otherwise a folder of the caller's.
if [ "$(id -u)" -eq 0 ] && id rabbitmq >/dev/null 2>&1; then
  BASE=/var/lib/rabbitmq/warren-cluster
  OWNER=rabbitmq
else
  BASE="${TMPDIR:-/tmp}/warren-cluster-$(id -u)"
  OWNER=$(id -un)
fi


ctl() {
  local n=$1
  shift
  rabbitmqctl -q -n "$(node_name "$n")" "$@"
}

# The environment node N runs with: its name, ports, folders and a config of its own
# (so whatever /etc/rabbitmq/rabbitmq.conf says about listeners does not apply).
node_env() {
  local n=$1 dir="$BASE/node-$1"
  echo RABBITMQ_NODENAME="$(node_name "$n")" \
    RABBITMQ_NODE_PORT="$(amqp_port "$n")" \
    RABBITMQ_DIST_PORT="2568$n" \
    RABBITMQ_MNESIA_BASE="$dir/mnesia" \
    RABBITMQ_LOG_BASE="$dir/log" \
    RABBITMQ_CONFIG_FILE="$dir/rabbitmq" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" \
    RABBITMQ_PID_FILE="$dir/pid"
}

prepare() {
  local n=$1 dir="$BASE/node-$1"
  mkdir -p "$dir/mnesia" "$dir/log"
  cat >"$dir/rabbitmq.conf" <<EOF
listeners.tcp.local = 127.0.0.1:$(amqp_port "$n")
# What RabbitMQ 3.x recommends for a cluster of three: a node cut off from the other
# two pauses rather than serving on its own (Mnesia only: with Khepri, 4.2's default,
# the majority side goes on by design, and 4.3 ignores the key).
cluster_partition_handling = pause_minority
EOF
  echo '[].' >"$dir/enabled_plugins"
  chown -R "$OWNER" "$BASE"
}

running() {
  ctl "$1" await_startup --timeout 1 >/dev/null 2>&1
}

start_node() {
  local n=$1
  if running "$n"; then
    return
  fi
  prepare "$n"
  log "starting $(node_name "$n") on 127.0.0.1:$(amqp_port "$n")"
  # The Debian wrapper runs the server as the rabbitmq user and keeps this environment.
  env $(node_env "$n") rabbitmq-server -detached >"$BASE/node-$n/start.log" 2>&1 || true
}

await_node() {
  local n=$1
  # await_startup waits for a node that is booting, not for one that has yet to
  # register with epmd: wait for that first.
  for _ in $(seq 1 240); do
    ctl "$n" ping >/dev/null 2>&1 && break
    sleep 0.5
  done
  # (await_startup below fails at once, with the start log shown, if it never came.)
  if ! ctl "$n" await_startup --timeout 120 >/dev/null; then
    cat "$BASE/node-$n/start.log" >&2 2>/dev/null || true
    log "$(node_name "$n") did not start; see $BASE/node-$n/log"
    exit 1
  fi
}

joined() {
  ctl 1 cluster_status --formatter json 2>/dev/null |
    grep -o '"running_nodes":\[[^]]*\]' |
    grep -q "\"$(node_name "$1")\""
}

up() {
  if [ "$(ctl 1 eval 'ok.' 2>/dev/null)" = "ok" ] && joined 2 && joined 3; then
    log "already up: $(urls)"
    return
  fi
  for n in "${NODES[@]}"; do start_node "$n"; done
  for n in "${NODES[@]}"; do await_node "$n"; done
  for n in 2 3; do
    if ! joined "$n"; then
      log "joining $(node_name "$n") to $(node_name 1)"
      # Joining prints the node's start-up warnings: shown only if it fails.
      if ! out=$(ctl "$n" stop_app 2>&1 && ctl "$n" reset 2>&1 &&
        ctl "$n" join_cluster "$(node_name 1)" 2>&1 && ctl "$n" start_app 2>&1); then
        printf '%s\n' "$out" >&2
        exit 1
      fi
    fi
  done
  log "up: $(urls)"
}

# Given the pid file, `rabbitmqctl stop` returns once the VM has exited, so the node
# can be started again at once.
stop_node() {
  local pidfile="$BASE/node-$1/pid"
  ctl "$1" stop "$pidfile" >/dev/null 2>&1 || true
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    kill -9 "$(cat "$pidfile")" 2>/dev/null || true
  fi
}

kill_node() {
  local pidfile="$BASE/node-$1/pid" pid
  pid=$(cat "$pidfile" 2>/dev/null || true)
  if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
    log "$(node_name "$1") is not running"
    exit 1
  fi
  kill -9 "$pid" 2>/dev/null || true
  # Gone from epmd too before returning, so that a start right after can take the name.
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  log "killed $(node_name "$1") (pid $pid)"
}

down() {
  for n in "${NODES[@]}"; do stop_node "$n"; done
  rm -rf "$BASE"
  log "down"
}

status() {
  for n in "${NODES[@]}"; do
    if running "$n"; then
      echo "$(node_name "$n") running  amqp://127.0.0.1:$(amqp_port "$n")"
    else
      echo "$(node_name "$n") stopped"
    fi
  done
  for n in "${NODES[@]}"; do
    if running "$n"; then
      ctl "$n" cluster_status
      break
    fi
  done
}

urls() {
  local out=()
  for n in "${NODES[@]}"; do out+=("amqp://guest:guest@127.0.0.1:$(amqp_port "$n")/%2f"); done
  (IFS=,; echo "${out[*]}")
}

check_node() {
  case "${1:-}" in
    1|2|3) ;;
    *) log "which node? 1, 2 or 3"; exit 2 ;;
  esac
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  urls) urls ;;
  start) check_node "${2:-}"; start_node "$2"; await_node "$2" ;;
  stop) check_node "${2:-}"; stop_node "$2" ;;
  kill) check_node "${2:-}"; kill_node "$2" ;;
  *)
    sed -n '2,15p' "$0" >&2
    exit 2
    ;;
esac
