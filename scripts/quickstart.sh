#!/usr/bin/env bash
# Warren end to end on this machine: a broker, two workers (with the npm packages the
# examples use), a few jobs (two of which hit a limit) submitted with `warren submit`,
# their results printed, workers stopped.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/ensure-rabbitmq.sh
scripts/ensure-node.sh
echo "== Installing the npm packages the examples use (examples/package.json)"
(cd examples && npm ci --omit=dev --no-audit --no-fund --silent)
echo "== Building Warren (release)"
cargo build --release --bins --locked
bin=target/release
queue="${WARREN_QUEUE:-warren.quickstart}"
export WARREN_AMQP_URL="${WARREN_AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/%2f}"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

echo "== Starting two workers on queue $queue"
for n in 1 2; do
  "$bin/warren-worker" --queue "$queue" --concurrency 2 --metrics-addr "127.0.0.1:$((9463 + n))" \
    --worker-name "quickstart-$n" --log-format pretty \
    --modules-dir examples --allow-module crypto --allow-module url --allow-module dayjs >"target/quickstart-worker-$n.log" 2>&1 &
  pids+=("$!")
done
ready() {
  # GET /readyz with bash alone (no curl needed).
  { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
  printf 'GET /readyz HTTP/1.0\r\n\r\n' >&3
  local status; read -r status <&3 || true
  exec 3>&-
  [[ "$status" == *" 200 "* ]]
}
for n in 1 2; do
  for _ in $(seq 1 100); do ready $((9463 + n)) && break; sleep 0.1; done
done

submit() { echo; echo "\$ warren submit $*"; "$bin/warren" submit --queue "$queue" "$@" || true; }
submit examples/hello.js --input '{"name":"Ada"}'
submit examples/sha256.js --input '{"text":"abc"}'
submit examples/commonjs.js --input '{"text":"the quick brown fox"}'
submit examples/dates.js --input '{"from":"2026-12-02","days":30}'
submit examples/runaway.js --timeout-ms 200
submit examples/memory-bomb.js --memory-mb 16

echo; echo "== Stopping the workers (SIGTERM: they drain and exit 0)"
cleanup
pids=()
echo "Worker logs: target/quickstart-worker-1.log, target/quickstart-worker-2.log"
