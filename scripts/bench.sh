#!/usr/bin/env bash
# `make bench`: starts the local stack on its own ports and prints figures (benches/bench.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/tools.sh
export DDB_PORT=${BENCH_DDB_PORT:-28000} MOTO_PORT=${BENCH_MOTO_PORT:-25000} CONNECT_PORT=${BENCH_CONNECT_PORT:-28001}
# shellcheck source=local-env.sh
. scripts/local-env.sh
export TABLE_NAME=ekyc-bench RUST_LOG=off
cargo bench --no-run --quiet
trap 'bash scripts/stack.sh stop bench' EXIT
bash scripts/stack.sh start bench
cargo bench --quiet --bench bench
