#!/usr/bin/env bash
# The end-to-end benchmark: release build, the local broker, then warren-bench's
# workloads (Warren workers against the echo ceiling) and the scaling table.
# Extra arguments go to `warren-bench run` (e.g. --quick, --slots 4).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-rabbitmq.sh
cargo build --release --locked --bins
target/release/warren-bench run --scaling "$@"
