#!/usr/bin/env bash
# `make bench`: starts the local stack on its own ports and prints figures (benches/bench.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/tools.sh
# shellcheck source=local-env.sh
. scripts/local-env.sh
use_stack bench
export RUST_LOG=off
cargo bench --no-run --quiet
trap 'bash scripts/stack.sh stop bench' EXIT
bash scripts/stack.sh start bench
cargo bench --quiet --bench bench
