#!/usr/bin/env bash
# `make bench`: the release bootstrap of the API function behind a local Lambda Runtime API
# (bench/src/emulator.rs), against the local stack on its own ports (BENCH_*), through
# counting proxies; prints one table and writes bench/results.json (bench/src/main.rs).
# BENCH_PACKAGE=0 skips the arm64 zips (make package) and their sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/tools.sh
# shellcheck source=local-env.sh
. scripts/local-env.sh
use_stack bench
if [ "${BENCH_PACKAGE:-1}" != 0 ]; then
  bash scripts/package.sh
fi
# Two builds, so the bench's own dependency features never reach the functions' binaries.
cargo build --release --quiet --bin api --bin admin
cargo build --release --quiet -p ekyc-bench
trap 'bash scripts/stack.sh stop bench' EXIT
bash scripts/stack.sh start bench
export BENCH_API=$PWD/target/release/api BENCH_ADMIN=$PWD/target/release/admin \
  BENCH_RESULTS=$PWD/bench/results.json BENCH_STACK_DIR=$PWD/.local/stack-bench
RUST_LOG=off ./target/release/ekyc-bench
