#!/usr/bin/env bash
# The test command: a broker, the Python client for cross-language tests, then lints
# and every test of the workspace against the real broker.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/ensure-rabbitmq.sh
scripts/ensure-python.sh
scripts/ensure-node.sh
scripts/ensure-promtool.sh
scripts/ensure-kubectl.sh

# The broker-cluster scenarios (tests/tests/cluster.rs) run on a three-node cluster of
# their own (scripts/cluster.sh), brought down afterwards unless it was up before.
cluster_scenarios() {
  local was_up=no status_now
  # Read whole before matching: `grep -q` closing the pipe early would kill `status`.
  status_now=$(scripts/cluster.sh status 2>/dev/null || true)
  if grep -q 'warren-1@localhost running' <<<"$status_now"; then
    was_up=yes
  fi
  scripts/cluster.sh up
  local status=0
  "$@" || status=$?
  if [ "$was_up" = no ]; then
    scripts/cluster.sh down
  fi
  return "$status"
}

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# Every crate, and the sandbox layer by layer, read from the bottom up: no import cycle.
for tree in wire/src amqp/src client/src worker/src worker/src/sandbox cli/src testkit/src tests/src; do
  python3 scripts/check-layers.py "$tree" >/dev/null
done
# The client library links nothing of the worker, and nothing Linux-only.
if cargo tree -p warren-client -e normal --prefix none --locked \
    | grep -E '^(rquickjs|reqwest|hyper|prometheus|seccompiler|tracing-subscriber|procfs) '; then
  echo "warren-client links the worker's dependencies" >&2
  exit 1
fi
if grep -rnE 'libc::|std::os::(unix|linux)|target_os' wire/src amqp/src client/src; then
  echo "warren-client (or a crate below it) has platform-specific code" >&2
  exit 1
fi
# The end-to-end tests start the real binaries (and the client library's example); the
# deploy test also runs the release build exactly as the Dockerfile makes it.
cargo build --workspace --bins --examples --locked
cargo build --release --locked --bins
# The fleet suite's poison-job scenario needs the worker built with its test-only hook.
cargo build --locked -p warren-worker --features test-hooks --bin warren-worker-test-hooks
# The fleet suites (tests/tests/fleet.rs, fleet_tenants.rs) load the machine on purpose: they run alone,
# one scenario at a time, after everything else.
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast -E 'not binary(fleet) and not binary(fleet_tenants) and not binary(cluster)'
  # The sandbox suites run in sandbox processes (the default) above; once more in
  # thread slots (--isolation thread).
  WARREN_TEST_ISOLATION=thread cargo nextest run -p warren-worker --locked --no-fail-fast \
    -E 'binary(sandbox_basics) | binary(sandbox_limits) | binary(sandbox_isolation) | binary(sandbox_modules) | binary(sandbox_packages) | binary(sandbox_fetch) | binary(sandbox_snapshots) | binary(sandbox_preload)'
  cargo test --workspace --locked --doc
  cargo nextest run -p warren-tests --test fleet --test fleet_tenants --locked --no-fail-fast --test-threads 1 --no-capture
  cluster_scenarios cargo nextest run -p warren-tests --test cluster --locked --no-fail-fast \
    --test-threads 1 --no-capture
else
  cargo test --workspace --locked --no-fail-fast -- --skip fleet_ --skip cluster_a_ --skip cluster_fleet_
  WARREN_TEST_ISOLATION=thread cargo test -p warren-worker --locked --no-fail-fast \
    --test sandbox_basics --test sandbox_limits --test sandbox_isolation --test sandbox_modules \
    --test sandbox_packages --test sandbox_fetch --test sandbox_snapshots --test sandbox_preload
  cargo test -p warren-tests --test fleet --test fleet_tenants --locked --no-fail-fast -- --test-threads 1 --nocapture
  cluster_scenarios cargo test -p warren-tests --test cluster --locked --no-fail-fast -- \
    --test-threads 1 --nocapture
fi
# The benchmark still builds and runs (each workload once, debug build; figures are
# measured with `cargo bench`, never checked here).
cargo test -p warren-worker --bench sandbox --locked
cargo test -p warren-worker --bench boundary --locked
cargo test -p warren-worker --bench imports --locked
